# shellcheck shell=bash
# Shared helpers for the GovShare set-up scripts. Sourced, never run.
#
# Every function here is idempotent: it checks first and changes only what is
# missing, so `make run` and `make test` can be run any number of times.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-$ROOT/.venv}"
CKAN="$VENV/bin/ckan"

# Where the services are expected (they match config/development.ini and
# config/test.ini; change both together).
PG_HOST="${GOVSHARE_PG_HOST:-127.0.0.1}"
PG_PORT="${GOVSHARE_PG_PORT:-5432}"
PG_ROLE="${GOVSHARE_PG_ROLE:-govshare}"
PG_PASSWORD="${GOVSHARE_PG_PASSWORD:-govshare}"
REDIS_HOST="${GOVSHARE_REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${GOVSHARE_REDIS_PORT:-6379}"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    _B=$'\033[1m' _G=$'\033[32m' _Y=$'\033[33m' _R=$'\033[31m' _N=$'\033[0m'
else
    _B='' _G='' _Y='' _R='' _N=''
fi

step() { printf '%s==> %s%s\n' "$_B" "$*" "$_N"; }
info() { printf '    %s\n' "$*"; }
warn() { printf '%swarning: %s%s\n' "$_Y" "$*" "$_N" >&2; }
die() { printf '%serror: %s%s\n' "$_R" "$*" "$_N" >&2; exit 1; }
ok() { printf '%s    %s%s\n' "$_G" "$*" "$_N"; }

# ---------------------------------------------------------------------------
# Debian packages

_APT_UPDATED=0

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $* (install it by hand, or run as root)"
    fi
}

# apt_install PKG... : install Debian packages (apt-get update once first).
apt_install() {
    command -v apt-get >/dev/null 2>&1 \
        || die "apt-get not found: install $* by hand"
    if [ "$_APT_UPDATED" = 0 ]; then
        step "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null \
            || die "apt-get update failed"
        _APT_UPDATED=1
    fi
    step "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$@" </dev/null \
        || die "apt-get install $* failed"
}

# ---------------------------------------------------------------------------
# Python build and runtime prerequisites of the pinned requirements

ensure_system_packages() {
    local missing=()
    "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
    command -v gcc >/dev/null 2>&1 || missing+=(gcc)
    # psycopg2 is built from source: it needs pg_config and libpq's headers.
    if ! command -v pg_config >/dev/null 2>&1 \
        || [ ! -f "$(pg_config --includedir 2>/dev/null)/libpq-fe.h" ]; then
        missing+=(libpq-dev)
    fi
    # python-magic loads libmagic at import time.
    if ! ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1'; then
        missing+=(libmagic1)
    fi
    # C extensions need Python.h.
    local inc
    inc="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null || true)"
    if [ -z "$inc" ] || [ ! -f "$inc/Python.h" ]; then
        missing+=(python3-dev)
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
}

# ---------------------------------------------------------------------------
# PostgreSQL

pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3
    else
        tcp_open "$PG_HOST" "$PG_PORT"
    fi
}

tcp_open() {
    (exec 3<>"/dev/tcp/$1/$2") >/dev/null 2>&1
}

wait_for() { # wait_for SECONDS WHAT CMD...
    local secs="$1" what="$2"
    shift 2
    local i
    for ((i = 0; i < secs * 2; i++)); do
        "$@" && return 0
        sleep 0.5
    done
    die "$what did not come up within ${secs}s"
}

ensure_postgres() {
    step "PostgreSQL on $PG_HOST:$PG_PORT"
    if pg_up; then
        ok "running"
        return
    fi
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1 \
        || ! command -v pg_ctlcluster >/dev/null 2>&1; then
        apt_install postgresql
    fi
    command -v psql >/dev/null 2>&1 || apt_install postgresql-client
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    [ -n "$version" ] || die "no PostgreSQL cluster in /etc/postgresql"
    if ! pg_up; then
        info "starting cluster $version/main"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start \
            || die "could not start PostgreSQL $version/main"
    fi
    wait_for 30 PostgreSQL pg_up
    ok "started"
}

# PSQL_SUPER: how to reach PostgreSQL as a superuser. Host auth as `postgres`
# first (trust, or PGPASSWORD), then the postgres OS user over the socket
# (peer auth on a fresh Debian install).
PSQL_SUPER=""

pg_super() { # pg_super < SQL   (runs SQL as superuser, stops on error)
    case "$PSQL_SUPER" in
        host) psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres ;;
        su) as_root su postgres -s /bin/sh -c "psql -X -q -v ON_ERROR_STOP=1 -p $PG_PORT -d postgres" ;;
        *) die "pg_super: no superuser access" ;;
    esac
}

find_pg_superuser() {
    [ -n "$PSQL_SUPER" ] && return
    if PGCONNECT_TIMEOUT=5 psql -X -q -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres \
        -Atc 'select 1' </dev/null >/dev/null 2>&1; then
        PSQL_SUPER=host
    elif id postgres >/dev/null 2>&1 \
        && as_root su postgres -s /bin/sh -c "psql -X -q -p $PG_PORT -d postgres -Atc 'select 1'" \
            </dev/null >/dev/null 2>&1; then
        PSQL_SUPER=su
    else
        die "cannot connect to PostgreSQL as superuser 'postgres' (tried -h $PG_HOST and 'su postgres'); set PGPASSWORD or create role $PG_ROLE and its databases by hand"
    fi
}

# create_role_and_database NAME : as superuser, whichever of the role and the
# database is missing.
create_role_and_database() {
    local db="$1"
    pg_super <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$PG_ROLE', '$PG_PASSWORD')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', '$db', '$PG_ROLE')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \gexec
SQL
}

# ensure_database NAME : the role and database NAME (owner $PG_ROLE, UTF8).
ensure_database() {
    local db="$1"
    # Nothing to do when the role can already log in to its database.
    if PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -w -h "$PG_HOST" -p "$PG_PORT" \
        -U "$PG_ROLE" -d "$db" -Atc 'select 1' </dev/null >/dev/null 2>&1; then
        ok "database $db (role $PG_ROLE) ready"
        return
    fi
    find_pg_superuser
    create_role_and_database "$db"
    PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -w -h "$PG_HOST" -p "$PG_PORT" \
        -U "$PG_ROLE" -d "$db" -Atc 'select 1' </dev/null >/dev/null \
        || die "role $PG_ROLE cannot log in to database $db on $PG_HOST:$PG_PORT (check pg_hba.conf)"
    ok "database $db (role $PG_ROLE) created"
}

# ---------------------------------------------------------------------------
# Redis

redis_up() {
    if command -v redis-cli >/dev/null 2>&1; then
        [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
    else
        local reply
        reply="$( (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT" \
            && printf 'PING\r\n' >&3 && timeout 3 head -c 5 <&3) 2>/dev/null || true)"
        [ "${reply%$'\r'}" = "+PONG" ]
    fi
}

ensure_redis() {
    step "Redis on $REDIS_HOST:$REDIS_PORT"
    if redis_up; then
        ok "running"
        return
    fi
    command -v redis-server >/dev/null 2>&1 || apt_install redis-server
    redis_up || as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 \
        --port "$REDIS_PORT" --save "" --appendonly no \
        || die "could not start redis-server"
    wait_for 15 Redis redis_up
    ok "started"
}

# ---------------------------------------------------------------------------
# This install's secrets

SECRETS_INI="$ROOT/var/secrets.ini"

# ensure_secrets : var/secrets.ini, the base of config/development.ini (and so
# of test.ini), with a session key, a CSRF key and the API-token key of this
# install, generated once (readable by the owner only) and never committed:
# a key in the repository would let anyone forge a sysadmin's session.
ensure_secrets() {
    [ -s "$SECRETS_INI" ] && return
    mkdir -p "$(dirname "$SECRETS_INI")"
    step "Generating this install's secrets ($SECRETS_INI)"
    (umask 077 && "$PYTHON" - "$SECRETS_INI" <<'PY'
import secrets
import sys

keys = {name: secrets.token_urlsafe(32) for name in ("session", "csrf", "jwt")}
with open(sys.argv[1], "w", encoding="utf-8") as ini:
    ini.write(f"""# This install's secrets, generated by make (scripts/lib.sh). Never commit
# them; delete this file to generate new ones (sessions and API tokens end).
[app:main]
use = egg:ckan
SECRET_KEY = {keys['session']}
WTF_CSRF_SECRET_KEY = {keys['csrf']}
api_token.jwt.encode.secret = string:{keys['jwt']}
api_token.jwt.decode.secret = string:{keys['jwt']}
""")
PY
    ) || die "could not write $SECRETS_INI"
}

# ---------------------------------------------------------------------------
# CKAN

# ckan_db_upgrade INI : core and every enabled plugin's migrations, then
# GovShare's own explicitly (a no-op when they are at head).
ckan_db_upgrade() {
    local ini="$1"
    step "ckan db upgrade ($ini)"
    "$CKAN" -c "$ini" db upgrade </dev/null || die "ckan db upgrade failed ($ini)"
    if [ -f ckanext-govshare/ckanext/govshare/migration/govshare/alembic.ini ]; then
        "$CKAN" -c "$ini" db upgrade -p govshare </dev/null \
            || die "ckan db upgrade -p govshare failed ($ini)"
    fi
}
