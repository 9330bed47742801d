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
# config/test.ini; change both together). PG_ROLE is the portal's role (what
# the web, the worker and the tests connect as); the database's owner role,
# which migrates, is derived from it by ckanext.govshare.database.roles
# (GOVSHARE_DB_OWNER_URL, else PG_ROLE with "_owner" appended).
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
# Chromium, for the browser journeys (tests/browser): Debian's package,
# driven by the PyPI package playwright (requirements/dev.txt), which
# downloads no browser of its own

CHROMIUM="${GOVSHARE_CHROMIUM:-/usr/bin/chromium}"

# and a Chinese font, without which the browser draws the Chinese pages
# (and their screenshots) as boxes
ensure_chromium() {
    step "Chromium ($CHROMIUM) and a Chinese font"
    local missing=()
    if [ ! -x "$CHROMIUM" ]; then
        [ "$CHROMIUM" = /usr/bin/chromium ] \
            || die "GOVSHARE_CHROMIUM=$CHROMIUM is not an executable"
        missing+=(chromium)
    fi
    if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
        missing+=(fonts-wqy-microhei)
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
    [ -x "$CHROMIUM" ] || die "the chromium package installed no $CHROMIUM"
    ok "installed"
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

# owner_login DB : the owner role's name and password (two lines) for the
# portal role's database DB, as ckanext.govshare.database.roles derives them.
owner_login() {
    [ -x "$VENV/bin/python" ] || die "no .venv: run 'make install' first"
    "$VENV/bin/python" -m ckanext.govshare.database.roles owner-login \
        "postgresql://$PG_ROLE:$PG_PASSWORD@$PG_HOST:$PG_PORT/$1" \
        || die "could not derive the owner role of database $1"
}

# create_roles_and_database NAME OWNER OWNER_PASSWORD : as superuser, whichever
# of the portal role, the owner role (a member of the portal role, so that it
# can take over what the portal role owned before there were two roles) and
# the database (owned by the owner) is missing; the owner's password is set.
create_roles_and_database() {
    local db="$1" owner="$2" owner_password="$3"
    pg_super <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$PG_ROLE', '$PG_PASSWORD')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') \gexec
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$owner', '$owner_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$owner') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', '$owner', '$owner_password') \gexec
SELECT format('GRANT %I TO %I', '$PG_ROLE', '$owner')
 WHERE NOT pg_has_role('$owner', '$PG_ROLE', 'MEMBER') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', '$db', '$owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \gexec
SQL
}

_can_log_in() { # _can_log_in ROLE PASSWORD DB [SQL]
    PGPASSWORD="$2" PGCONNECT_TIMEOUT=5 psql -X -q -w -h "$PG_HOST" -p "$PG_PORT" \
        -U "$1" -d "$3" -Atc "${4:-select 1}" </dev/null 2>/dev/null
}

# ensure_database NAME : the portal role, the owner role and the database
# NAME (UTF8). A database made before there were two roles (owned by the
# portal role) is taken over by the owner at the next `ckan govshare db
# upgrade` (ckan_db_upgrade), which also sets the portal role's privileges.
ensure_database() {
    local db="$1" owner owner_password
    { read -r owner; read -r owner_password; } < <(owner_login "$db")
    [ -n "$owner" ] || die "could not derive the owner role of database $db"
    # Nothing to do when both roles can log in and the owner may act for the
    # portal role.
    if _can_log_in "$PG_ROLE" "$PG_PASSWORD" "$db" >/dev/null \
        && [ "$(_can_log_in "$owner" "$owner_password" "$db" \
            "select pg_has_role(current_user, '$PG_ROLE', 'MEMBER')")" = t ]; then
        ok "database $db (roles $PG_ROLE, owner $owner) ready"
        return
    fi
    find_pg_superuser
    create_roles_and_database "$db" "$owner" "$owner_password"
    _can_log_in "$PG_ROLE" "$PG_PASSWORD" "$db" >/dev/null \
        || die "role $PG_ROLE cannot log in to database $db on $PG_HOST:$PG_PORT (check pg_hba.conf)"
    _can_log_in "$owner" "$owner_password" "$db" >/dev/null \
        || die "role $owner cannot log in to database $db on $PG_HOST:$PG_PORT (check pg_hba.conf)"
    ok "database $db (roles $PG_ROLE, owner $owner) set up"
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

# ckan_db_upgrade INI : core's, every enabled plugin's and GovShare's
# migrations, run as the database's owner role; then the owner takes over
# what the portal role still owns and the portal role gets its privileges
# (read and write, but only insert and read on the audit tables). A no-op
# when everything is at head and in place.
ckan_db_upgrade() {
    local ini="$1"
    step "ckan govshare db upgrade ($ini)"
    "$CKAN" -c "$ini" govshare db upgrade </dev/null \
        || die "ckan govshare db upgrade failed ($ini)"
}

# ---------------------------------------------------------------------------
# The DataStore (previews and online query): database NAME_datastore, written
# by the portal role (which owns it: xloader and datastore_create make tables)
# and read by the read-only role PG_ROLE_reader (datastore_search), with
# CKAN's own permissions script (`ckan datastore set-permissions`).
# config/development.ini and config/test.ini name the same databases and roles.

DATASTORE_READER="${GOVSHARE_DATASTORE_READER:-${PG_ROLE}_reader}"

# ensure_datastore NAME : the read-only role and the database NAME_datastore,
# its permissions set; nothing when the reader can already read its tables.
ensure_datastore() {
    local main="$1" db="$1_datastore"
    if [ "$(_can_log_in "$DATASTORE_READER" "$PG_PASSWORD" "$db" \
            "select has_table_privilege('_table_metadata', 'select')")" = t ] \
        && [ "$(_can_log_in "$PG_ROLE" "$PG_PASSWORD" "$db" \
            "select has_schema_privilege('public', 'create')")" = t ]; then
        ok "datastore $db (writer $PG_ROLE, reader $DATASTORE_READER) ready"
        return
    fi
    find_pg_superuser
    pg_super <<SQL
SELECT format('CREATE ROLE %I LOGIN NOCREATEDB NOCREATEROLE PASSWORD %L', '$DATASTORE_READER', '$PG_PASSWORD')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DATASTORE_READER') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', '$db', '$PG_ROLE')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \gexec
SQL
    "$VENV/bin/python" -c 'import sys; from ckanext.datastore.cli import permissions_sql
print(permissions_sql(*sys.argv[1:]))' "$main" "$db" "$PG_ROLE" "$PG_ROLE" "$DATASTORE_READER" \
        | pg_super || die "could not set the permissions of datastore $db"
    [ "$(_can_log_in "$DATASTORE_READER" "$PG_PASSWORD" "$db" \
        "select has_table_privilege('_table_metadata', 'select')")" = t ] \
        || die "role $DATASTORE_READER cannot read datastore $db on $PG_HOST:$PG_PORT"
    ok "datastore $db (writer $PG_ROLE, reader $DATASTORE_READER) set up"
}
