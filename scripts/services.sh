#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on localhost (installing and starting
# them from Debian packages where absent), and that the role and the named
# databases exist.
#
#   scripts/services.sh govshare govshare_test
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_postgres
ensure_redis
for db in "$@"; do
    ensure_database "$db"
done
