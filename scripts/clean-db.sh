#!/usr/bin/env bash
# make clean-db: empties the development database (drops every table in
# db govshare, search index included) and deletes the uploaded files in
# var/storage. Asks nothing. The next `make run` migrates again, recreates the
# sysadmin (same password, var/sysadmin.txt is kept) and reloads the demo.
#
#   scripts/clean-db.sh [config/development.ini]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INI="${1:-config/development.ini}"
[ -x "$CKAN" ] || die "no .venv: run 'make run' or 'make install' first"
ensure_secrets
storage="$("$VENV/bin/python" - "$INI" <<'PY'
import configparser, os, sys
ini = os.path.abspath(sys.argv[1])
p = configparser.ConfigParser(defaults={"here": os.path.dirname(ini)})
p.read(ini)
print(os.path.normpath(p.get("app:main", "ckan.storage_path", fallback="")))
PY
)"
step "Dropping every table in the database of $INI"
"$CKAN" -c "$INI" db clean --yes </dev/null || die "ckan db clean failed"
case "$storage" in
    "$ROOT"/var/*)
        step "Deleting $storage"
        rm -rf "$storage" ;;
    *) info "storage $storage is outside var/: left alone" ;;
esac
ok "done: the next 'make run' (or 'make test' for config/test.ini) sets it up again"
