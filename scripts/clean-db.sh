#!/usr/bin/env bash
# make clean-db: empties the development database (drops every table in
# db govshare, search index included, as the database's owner role) and
# deletes the uploaded files in var/storage. Asks nothing. The next `make run` migrates again, recreates the
# sysadmin (same password, var/sysadmin.txt is kept) and reloads the demo.
#
#   scripts/clean-db.sh [config/development.ini]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INI="${1:-config/development.ini}"
[ -x "$CKAN" ] || die "no .venv: run 'make run' or 'make install' first"
ensure_secrets
{ read -r storage; read -r owner_url; } < <("$VENV/bin/python" - "$INI" <<'PY'
import os, sys
from ckan.cli import load_config
from ckanext.govshare.database import roles
conf = load_config(os.path.abspath(sys.argv[1]))
# CKAN's environment overrides win, as in CKAN
print(os.path.normpath(os.environ.get("CKAN_STORAGE_PATH") or conf.get("ckan.storage_path")
                       or ""))
# the tables belong to the owner role
print(roles.owner_url(os.environ.get("CKAN_SQLALCHEMY_URL") or conf["sqlalchemy.url"]))
PY
)
[ -n "$owner_url" ] || die "could not read $INI"
step "Dropping every table in the database of $INI (as its owner role)"
CKAN_SQLALCHEMY_URL="$owner_url" "$CKAN" -c "$INI" db clean --yes </dev/null \
    || die "ckan db clean failed"
case "$storage" in
    "$ROOT"/var/*)
        step "Deleting $storage"
        rm -rf "$storage" ;;
    *) info "storage $storage is outside var/: left alone" ;;
esac
ok "done: the next 'make run' (or 'make test' for config/test.ini) sets it up again"
