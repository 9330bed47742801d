#!/usr/bin/env bash
# make prod: the one-machine production topology of docker/compose.yaml,
# without Docker: nginx on 127.0.0.1:$PORT in front of gunicorn (WORKERS
# processes) on 127.0.0.1:$APP_PORT, and CKAN's jobs worker, all serving the
# database, Redis and files of `make run` (the demo, when it was loaded).
#
#   make prod        (re)start everything, in the background, and return
#   make prod-stop   stop it
#
# Environment: PORT (default 8080), APP_PORT (5001), WORKERS (4),
# CKAN_SOLR_URL (empty: the embedded search engine; a Solr core's URL: Solr),
# DEMO=0 skips loading the demo catalog, PAGE_CACHE_TTL=0 keeps no page
# for anonymous visitors (the template's 60 s otherwise; bench/http_load.py
# measures what the page cache gives).
#
# STOCK=1: stock CKAN instead, GovShare's plugins off (CKAN's own view
# plugins only), on the same database and files, for bench/http_load.py's
# comparison in the same topology. It needs Solr (CKAN_SOLR_URL, a core of
# its own: make solr's ckan-stock), which it indexes itself. PROD_NAME
# (prod; prod-stock with STOCK=1) names its directory under var/, so both
# can run at once on different ports.
#
# The configuration is config/production.ini.tmpl rendered into
# var/prod/production.ini (scripts/render-production-ini.sh) with this
# install's secrets, then the plugins and DataStore of config/development.ini
# and ckanext.govshare.downloads.accel_redirect: nginx streams uploaded files
# (X-Accel-Redirect) after the app's tier check. Logs are in var/prod/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STOCK="${STOCK:-0}"
PROD_NAME="${PROD_NAME:-$([ "$STOCK" = 1 ] && echo prod-stock || echo prod)}"
PROD_DIR="$ROOT/var/$PROD_NAME"
#: stock CKAN 2.11's plugins for the comparison: its own views, nothing of GovShare
STOCK_PLUGINS="activity image_view text_view datatables_view"
INI="$PROD_DIR/production.ini"
DEV_INI="config/development.ini"
HOST=127.0.0.1
PORT="${PORT:-8080}"
APP_PORT="${APP_PORT:-5001}"
WORKERS="${WORKERS:-4}"
DEMO="${DEMO:-1}"
STORAGE="$ROOT/var/storage"
ACCEL_LOCATION="/_govshare_files/"

pid_alive() { # pid_alive PIDFILE WORD: the process of PIDFILE runs, and is WORD
    local pid
    pid="$(cat "$1" 2>/dev/null || true)"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "$2" "/proc/$pid/cmdline" 2>/dev/null
}

stop_pidfile() { # stop_pidfile PIDFILE WORD
    local pid
    if pid_alive "$1" "$2"; then
        pid="$(cat "$1")"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$1"
}

stop_all() {
    if pid_alive "$PROD_DIR/nginx.pid" nginx; then
        nginx -c "$PROD_DIR/nginx.conf" -p "$PROD_DIR" -s quit 2>/dev/null || true
        for _ in $(seq 40); do pid_alive "$PROD_DIR/nginx.pid" nginx || break; sleep 0.25; done
    fi
    stop_pidfile "$PROD_DIR/nginx.pid" nginx
    stop_pidfile "$PROD_DIR/gunicorn.pid" gunicorn
    stop_pidfile "$PROD_DIR/worker.pid" jobs
}

if [ "${1:-}" = stop ]; then
    step "Stopping the production topology"
    stop_all
    ok "stopped"
    exit 0
fi

[ "$STOCK" != 1 ] || [ -n "${CKAN_SOLR_URL:-}" ] \
    || die "STOCK=1 needs Solr: CKAN_SOLR_URL=http://127.0.0.1:8983/solr/ckan-stock (make solr)"

"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/services.sh" govshare
mkdir -p "$PROD_DIR" "$STORAGE" var/log

# --- nginx (Debian) and gunicorn (pinned in docker/requirements.txt) --------
command -v nginx >/dev/null 2>&1 || apt_install nginx
command -v envsubst >/dev/null 2>&1 || apt_install gettext-base
GUNICORN_PIN="$(grep -E '^gunicorn==' docker/requirements.txt)"
if ! "$VENV/bin/pip" show gunicorn 2>/dev/null | grep -qx "Version: ${GUNICORN_PIN#gunicorn==}"; then
    step "pip install $GUNICORN_PIN"
    "$VENV/bin/pip" install -q "$GUNICORN_PIN" </dev/null || die "pip install $GUNICORN_PIN failed"
fi

# --- the production configuration --------------------------------------------
ini_value() { # ini_value FILE KEY: a plain value of the ini (first match)
    sed -n "s/^$2[[:space:]]*=[[:space:]]*//p" "$1" | head -n 1
}
step "Rendering $INI"
secret="$(ini_value var/secrets.ini SECRET_KEY)"
jwt="$(ini_value var/secrets.ini api_token.jwt.encode.secret)"
[ -n "$secret" ] && [ -n "$jwt" ] || die "var/secrets.ini has no secrets: run 'make install'"
CKAN_SITE_URL="http://$HOST:$PORT" CKAN_SECRET_KEY="$secret" CKAN_JWT_SECRET="${jwt#string:}" \
CKAN_SQLALCHEMY_URL="$(ini_value "$DEV_INI" sqlalchemy.url)" \
CKAN_REDIS_URL="$(ini_value "$DEV_INI" ckan.redis.url)" \
CKAN_STORAGE_PATH="$STORAGE" CKAN_SOLR_URL="${CKAN_SOLR_URL:-}" \
CKAN_SMTP_SERVER="$(ini_value "$DEV_INI" smtp.server)" \
    "$ROOT/scripts/render-production-ini.sh" config/production.ini.tmpl "$INI"
plugins="$(ini_value "$DEV_INI" ckan.plugins)"
[ "$STOCK" = 1 ] && plugins="$STOCK_PLUGINS"
"$CKAN" config-tool "$INI" \
    "ckan.plugins=$plugins" \
    "ckan.datastore.write_url=$(ini_value "$DEV_INI" ckan.datastore.write_url)" \
    "ckan.datastore.read_url=$(ini_value "$DEV_INI" ckan.datastore.read_url)" \
    "ckanext.xloader.site_url=http://$HOST:$PORT" \
    "ckanext.xloader.jobs_db.uri=sqlite:///$ROOT/var/xloader-jobs.db" \
    "ckanext.xloader.formats=$(ini_value "$DEV_INI" ckanext.xloader.formats)" \
    "ckanext.xloader.unidecode_headers=false" \
    "ckanext.govshare.downloads.accel_redirect=$ACCEL_LOCATION" \
    ${PAGE_CACHE_TTL:+"ckanext.govshare.page_cache.ttl=$PAGE_CACHE_TTL"} </dev/null >/dev/null \
    || die "could not write $INI"
ok "written (mode 600)"

if [ "$STOCK" = 1 ]; then
    # GovShare's own migrations and demo are make prod's (or make run's) to do
    step "Indexing the catalog for stock CKAN in $CKAN_SOLR_URL"
    "$CKAN" -c "$INI" search-index rebuild </dev/null >"$PROD_DIR/reindex.log" 2>&1 \
        || { tail -n 20 "$PROD_DIR/reindex.log" >&2; die "stock CKAN could not index the catalog"; }
else
    ckan_db_upgrade "$INI"
fi
if [ "$DEMO" = 1 ] && [ "$STOCK" != 1 ]; then
    step "Loading the demo catalog (skips what is loaded)"
    "$CKAN" -c "$DEV_INI" govshare demo load </dev/null || die "the demo load failed (DEMO=0 skips it)"
fi
if [ "$STOCK" != 1 ]; then
    # so that the first visitors of /stats and the dashboard wait for no count
    step "Counting the statistics ahead of the visits"
    "$CKAN" -c "$INI" govshare stats count </dev/null >"$PROD_DIR/stats-count.log" 2>&1 \
        || { tail -n 20 "$PROD_DIR/stats-count.log" >&2; die "the statistics could not be counted"; }
    ok "$(tail -n 1 "$PROD_DIR/stats-count.log")"
fi

stop_all # what an earlier `make prod` left running
for port in "$PORT" "$APP_PORT"; do
    tcp_open "$HOST" "$port" && die "something already listens on $HOST:$port (PORT=/APP_PORT= to move)"
done

# --- gunicorn ----------------------------------------------------------------
step "Starting gunicorn ($WORKERS workers on $HOST:$APP_PORT)"
GUNICORN_BIND="$HOST:$APP_PORT" GUNICORN_WORKERS="$WORKERS" CKAN_INI="$INI" \
GUNICORN_ACCESSLOG="$PROD_DIR/gunicorn-access.log" \
    "$VENV/bin/gunicorn" -c docker/gunicorn.conf.py --chdir "$ROOT/docker" \
    --pid "$PROD_DIR/gunicorn.pid" --error-logfile "$PROD_DIR/gunicorn.log" --daemon \
    wsgi:application </dev/null || die "gunicorn did not start (see $PROD_DIR/gunicorn.log)"
wait_for 120 "gunicorn on $HOST:$APP_PORT" tcp_open "$HOST" "$APP_PORT"

# --- the jobs worker -----------------------------------------------------------
step "Starting the background-jobs worker"
queues="default govshare"
[ "$STOCK" = 1 ] && queues="default"
# shellcheck disable=SC2086
"$CKAN" -c "$INI" jobs worker $queues </dev/null >>"$PROD_DIR/worker.log" 2>&1 &
echo $! >"$PROD_DIR/worker.pid"
info "pid $(cat "$PROD_DIR/worker.pid"), log $PROD_DIR/worker.log"

# --- nginx ---------------------------------------------------------------------
step "Starting nginx on $HOST:$PORT"
mkdir -p "$PROD_DIR/nginx-temp"
site="$(sed -e "s/server ckan:5000;/server $HOST:$APP_PORT;/" \
            -e "s/listen 80 default_server;/listen $HOST:$PORT default_server;/" \
            docker/nginx/default.conf)"
accel="$(cat <<EOF
    # uploaded files, after the app's tier check (X-Accel-Redirect): nginx
    # streams them; the app's headers that nginx does not carry over itself
    location $ACCEL_LOCATION {
        internal;
        alias $STORAGE/resources/;
        add_header Link \$upstream_http_link always;
        add_header GovShare-Source-Label \$upstream_http_govshare_source_label always;
        add_header X-Content-Type-Options nosniff always;
        add_header X-Frame-Options \$upstream_http_x_frame_options always;
        add_header Referrer-Policy \$upstream_http_referrer_policy always;
        add_header Content-Security-Policy \$upstream_http_content_security_policy always;
    }

EOF
)"
# inside the server block: before its closing brace, the file's last line
site="$(printf '%s\n' "$site" | sed '$d')
$accel
}"
cat >"$PROD_DIR/nginx.conf" <<EOF
# Written by scripts/prod.sh (make prod): do not edit, it is rewritten.
user $(id -un);
worker_processes auto;
pid $PROD_DIR/nginx.pid;
error_log $PROD_DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log $PROD_DIR/nginx-access.log;
    client_body_temp_path $PROD_DIR/nginx-temp/body;
    proxy_temp_path $PROD_DIR/nginx-temp/proxy;
    fastcgi_temp_path $PROD_DIR/nginx-temp/fastcgi;
    uwsgi_temp_path $PROD_DIR/nginx-temp/uwsgi;
    scgi_temp_path $PROD_DIR/nginx-temp/scgi;
$site
}
EOF
nginx -t -c "$PROD_DIR/nginx.conf" -p "$PROD_DIR" 2>"$PROD_DIR/nginx-test.log" \
    || { cat "$PROD_DIR/nginx-test.log" >&2; die "nginx refused $PROD_DIR/nginx.conf"; }
nginx -c "$PROD_DIR/nginx.conf" -p "$PROD_DIR" </dev/null || die "nginx did not start"
wait_for 30 "nginx on $HOST:$PORT" tcp_open "$HOST" "$PORT"
wait_for 120 "the portal through nginx" \
    curl -fsS -o /dev/null "http://$HOST:$PORT/api/3/action/status_show"

cat <<EOF

${_B}$([ "$STOCK" = 1 ] && echo "Stock CKAN (GovShare's plugins off)" || echo GovShare) (production topology) serves http://$HOST:$PORT${_N}
    nginx      $HOST:$PORT -> gunicorn $HOST:$APP_PORT ($WORKERS workers); uploads streamed by nginx
    search     $([ -n "${CKAN_SOLR_URL:-}" ] && echo "Solr at $CKAN_SOLR_URL" || echo "the embedded engine (PostgreSQL)")
    worker     ckan jobs worker $queues
    config     $INI      logs $PROD_DIR/
    stop with  $([ "$STOCK" = 1 ] && echo "STOCK=1 ")make prod-stop

EOF
