#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on localhost (installing and starting
# them from Debian packages where absent), and that the portal's role, the
# owner role and the named databases exist (`ckan govshare db upgrade` then
# migrates them as the owner and sets the portal role's privileges), and
# each one's DataStore database NAME_datastore with its read-only role. Needs
# .venv (make install): the owner role is derived by
# ckanext.govshare.database.roles.
#
#   scripts/services.sh govshare govshare_test
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_postgres
ensure_redis
for db in "$@"; do
    ensure_database "$db"
    ensure_datastore "$db"
done
