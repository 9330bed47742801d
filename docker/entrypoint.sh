#!/usr/bin/env bash
# Entry point of the GovShare image (docker/Dockerfile).
#
#   web        gunicorn serving CKAN on :5000 (the default command)
#   worker     CKAN background jobs worker (queues: $CKAN_WORKER_QUEUES)
#   init       migrate the database as its owner role (GOVSHARE_DB_OWNER_URL,
#              given to this command only) and set the portal role's
#              privileges (creating that role first if missing), create the
#              sysadmin given by
#              CKAN_SYSADMIN_NAME / CKAN_SYSADMIN_PASSWORD / CKAN_SYSADMIN_EMAIL,
#              index datasets missing from Solr, optionally load the demo
#              catalog (GOVSHARE_DEMO=1); then exit
#   anything else is run as is, e.g. `ckan sysadmin list`, `bash`
#
# Every command first renders config/production.ini.tmpl into $CKAN_INI with
# scripts/render-production-ini.sh, from the CKAN_* environment variables
# (see docs/docker.md); `ckan` then finds the file through CKAN_INI.
# GOVSHARE_RENDER_CONFIG=0 skips that and uses the file CKAN_INI names as is
# (e.g. one mounted into the container).
set -euo pipefail

APP=/srv/app
: "${CKAN_INI:=/etc/ckan/production.ini}"
export CKAN_INI

log() { printf '[entrypoint] %s\n' "$*" >&2; }

render_config() {
    bash "$APP/scripts/render-production-ini.sh" "$APP/config/production.ini.tmpl" "$CKAN_INI" \
        || { log "could not render $CKAN_INI: set the variables listed above (docs/docker.md)"; exit 1; }
}

ensure_sysadmin() {
    local name="${CKAN_SYSADMIN_NAME:-}" password="${CKAN_SYSADMIN_PASSWORD:-}"
    if [ -z "$name" ] || [ -z "$password" ]; then
        log "no CKAN_SYSADMIN_NAME/CKAN_SYSADMIN_PASSWORD: no sysadmin created"
        return 0
    fi
    local email="${CKAN_SYSADMIN_EMAIL:-$name@localhost}"
    if ckan user show "$name" </dev/null 2>/dev/null | grep -qx 'User: None'; then
        log "creating user $name"
        ckan user add "$name" "email=$email" "password=$password" </dev/null >/dev/null
    else
        ckan user setpass "$name" -p "$password" </dev/null >/dev/null
    fi
    ckan sysadmin add "$name" </dev/null >/dev/null
    log "sysadmin: $name"
}

init() {
    # The portal's role (the user of CKAN_SQLALCHEMY_URL) must exist before
    # anything connects as it; the owner role (GOVSHARE_DB_OWNER_URL, the
    # PostgreSQL image's user) creates it.
    [ -n "${GOVSHARE_DB_OWNER_URL:-}" ] \
        || log "no GOVSHARE_DB_OWNER_URL: the owner role is derived from CKAN_SQLALCHEMY_URL"
    python -m ckanext.govshare.database.roles ensure-portal "$CKAN_SQLALCHEMY_URL" </dev/null
    # As scripts/lib.sh (ckan_db_upgrade) does: CKAN's, the plugins' and
    # GovShare's migrations as the owner role, then the portal role's
    # privileges (only INSERT and SELECT on the audit trail)
    log "ckan govshare db upgrade"
    ckan govshare db upgrade </dev/null
    ensure_sysadmin
    if [ "${GOVSHARE_DEMO:-0}" = 1 ]; then
        log "loading the demo catalog"
        ckan govshare demo load </dev/null
    fi
    if [ "${GOVSHARE_INIT_REINDEX:-1}" = 1 ]; then
        # Cheap when the index is complete; repopulates a new Solr volume.
        log "ckan search-index rebuild --only-missing"
        ckan search-index rebuild --only-missing --quiet </dev/null
    fi
    # so that the first visitors of /stats and the dashboard wait for no count
    log "ckan govshare stats count"
    ckan govshare stats count </dev/null
    # a new version's templates and settings are written nowhere the page
    # cache's write version sees
    log "ckan govshare pages forget"
    ckan govshare pages forget </dev/null
    log "init done"
}

cmd="${1:-web}"
[ "$#" -gt 0 ] && shift

if [ "${GOVSHARE_RENDER_CONFIG:-1}" = 1 ]; then
    render_config
elif [ ! -f "$CKAN_INI" ]; then
    log "GOVSHARE_RENDER_CONFIG=0 but there is no $CKAN_INI"
    exit 1
fi

case "$cmd" in
    web)
        exec gunicorn --config "$APP/docker/gunicorn.conf.py" --chdir "$APP/docker" \
            wsgi:application "$@"
        ;;
    worker)
        # shellcheck disable=SC2086 # the queue names are words
        exec ckan jobs worker ${CKAN_WORKER_QUEUES:-default govshare} "$@"
        ;;
    init)
        init
        ;;
    *)
        exec "$cmd" "$@"
        ;;
esac
