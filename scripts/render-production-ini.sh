#!/usr/bin/env bash
# Renders config/production.ini.tmpl from environment variables with envsubst.
#
#   scripts/render-production-ini.sh [TEMPLATE] [OUTPUT]
#
# TEMPLATE defaults to config/production.ini.tmpl; OUTPUT to stdout (a file
# is written mode 600: it holds secrets). Only the variables listed here are
# substituted; required ones must be set and non-empty.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TEMPLATE="${1:-config/production.ini.tmpl}"
OUTPUT="${2:-}"

REQUIRED=(CKAN_SITE_URL CKAN_SECRET_KEY CKAN_JWT_SECRET CKAN_SQLALCHEMY_URL
          CKAN_REDIS_URL CKAN_STORAGE_PATH)
# Optional, with their defaults.
: "${CKAN_SITE_ID:=govshare}"
: "${CKAN_SOLR_URL:=}"                 # empty: embedded PostgreSQL search
: "${CKAN_SMTP_SERVER:=localhost}"
: "${CKAN_SMTP_STARTTLS:=false}"
: "${CKAN_SMTP_USER:=}"
: "${CKAN_SMTP_PASSWORD:=}"
: "${CKAN_SMTP_MAIL_FROM:=noreply@localhost}"
: "${CKAN_ERROR_EMAIL_TO:=}"
: "${GOVSHARE_CONFIG_DIR:=$PWD/config}"  # search/*.txt and workdays.yaml
OPTIONAL=(CKAN_SITE_ID CKAN_SOLR_URL CKAN_SMTP_SERVER CKAN_SMTP_STARTTLS CKAN_SMTP_USER
          CKAN_SMTP_PASSWORD CKAN_SMTP_MAIL_FROM CKAN_ERROR_EMAIL_TO GOVSHARE_CONFIG_DIR)

command -v envsubst >/dev/null 2>&1 \
    || { echo "error: envsubst not found (Debian package gettext-base)" >&2; exit 1; }
[ -f "$TEMPLATE" ] || { echo "error: no template $TEMPLATE" >&2; exit 1; }

missing=()
for v in "${REQUIRED[@]}"; do
    [ -n "${!v:-}" ] || missing+=("$v")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "error: set ${missing[*]} (see the head of $TEMPLATE)" >&2
    exit 1
fi
for v in CKAN_SECRET_KEY CKAN_JWT_SECRET; do
    [ "$(printf %s "${!v}" | wc -c)" -ge 32 ] \
        || { echo "error: $v must be at least 32 characters" >&2; exit 1; }
done

vars=""
for v in "${REQUIRED[@]}" "${OPTIONAL[@]}"; do
    value="${!v}"
    case "$value" in *$'\n'*) echo "error: $v contains a newline" >&2; exit 1 ;; esac
    # CKAN reads the file with ConfigParser interpolation: a literal % is %%.
    export "$v=${value//%/%%}"
    vars+=" \${$v}"
done

if [ -n "$OUTPUT" ]; then
    (umask 077 && envsubst "$vars" <"$TEMPLATE" >"$OUTPUT.tmp")
    mv "$OUTPUT.tmp" "$OUTPUT"
    echo "wrote $OUTPUT" >&2
else
    envsubst "$vars" <"$TEMPLATE"
fi
