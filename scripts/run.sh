#!/usr/bin/env bash
# make run: set everything up, then serve the portal on http://127.0.0.1:5000
# with a background-jobs worker beside it. Safe to run again: every step
# checks first.
#
# Environment: DEMO=0 skips loading the demo catalog; PORT (default 5000);
# WORKER=0 starts no worker; WORKER_QUEUES (default "default govshare");
# MAIL_SINK=0 starts no mail sink (scripts/mail_sink.py on 127.0.0.1:1025,
# which writes every mail the portal sends to var/mail/);
# DEBUGGER=1 turns on the Werkzeug debugger (off by default: its console
# runs code on the server).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INI="config/development.ini"
HOST=127.0.0.1
PORT="${PORT:-5000}"
DEMO="${DEMO:-1}"
WORKER="${WORKER:-1}"
WORKER_QUEUES="${WORKER_QUEUES:-default govshare}"
DEBUGGER="${DEBUGGER:-0}"
SYSADMIN_FILE="var/sysadmin.txt"
SYSADMIN_NAME="admin"
SYSADMIN_EMAIL="admin@govshare.example.org"
WORKER_PID_FILE="var/worker.pid"
WORKER_LOG="var/log/worker.log"
MAIL_SINK="${MAIL_SINK:-1}"
MAIL_SINK_PORT=1025   # config/development.ini: smtp.server = 127.0.0.1:1025
MAIL_SINK_PID_FILE="var/mail-sink.pid"
MAIL_SINK_LOG="var/log/mail-sink.log"
MAIL_DIR="var/mail"

"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/services.sh" govshare
ensure_chromium
mkdir -p var/storage var/log

ckan_db_upgrade "$INI"

# --- sysadmin: password generated once, kept in var/sysadmin.txt ------------
if [ ! -s "$SYSADMIN_FILE" ]; then
    password="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))')"
    (umask 077 && printf 'username=%s\npassword=%s\n' "$SYSADMIN_NAME" "$password" >"$SYSADMIN_FILE")
fi
SYSADMIN_NAME="$(sed -n 's/^username=//p' "$SYSADMIN_FILE")"
SYSADMIN_PASSWORD="$(sed -n 's/^password=//p' "$SYSADMIN_FILE")"
[ -n "$SYSADMIN_NAME" ] && [ -n "$SYSADMIN_PASSWORD" ] \
    || die "$SYSADMIN_FILE is malformed: delete it to generate a new password"

step "Sysadmin $SYSADMIN_NAME"
if "$CKAN" -c "$INI" user show "$SYSADMIN_NAME" </dev/null 2>/dev/null | grep -qx 'User: None'; then
    "$CKAN" -c "$INI" user add "$SYSADMIN_NAME" "email=$SYSADMIN_EMAIL" \
        "password=$SYSADMIN_PASSWORD" "fullname=GovShare Administrator" </dev/null \
        || die "could not create user $SYSADMIN_NAME"
else
    # Keep the printed password true even if the user was made elsewhere.
    "$CKAN" -c "$INI" user setpass "$SYSADMIN_NAME" --password="$SYSADMIN_PASSWORD" </dev/null >/dev/null \
        || die "could not set the password of $SYSADMIN_NAME"
fi
"$CKAN" -c "$INI" sysadmin add "$SYSADMIN_NAME" </dev/null >/dev/null \
    || die "could not make $SYSADMIN_NAME a sysadmin"
ok "ready"

# --- demo catalog (the command itself skips what is already loaded) ---------
if [ "$DEMO" = 1 ]; then
    step "Loading the demo catalog"
    "$CKAN" -c "$INI" govshare demo load </dev/null \
        || die "'ckan -c $INI govshare demo load' failed (DEMO=0 skips it)"
else
    info "DEMO=0: demo catalog not loaded"
fi

# --- port check --------------------------------------------------------------
if tcp_open "$HOST" "$PORT"; then
    die "something already listens on $HOST:$PORT (another 'make run'?); stop it or use PORT=..."
fi

# --- background-jobs worker ---------------------------------------------------
stop_worker() {
    local pid
    pid="$(cat "$WORKER_PID_FILE" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
        && grep -q 'jobs' "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$WORKER_PID_FILE"
}
stop_mail_sink() {
    local pid
    pid="$(cat "$MAIL_SINK_PID_FILE" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
        && grep -q 'mail_sink' "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
    fi
    rm -f "$MAIL_SINK_PID_FILE"
}
stop_background() {
    stop_worker
    stop_mail_sink
}
stop_worker # one left over from an earlier run that was killed hard
stop_mail_sink

# --- mail sink: what the portal mails, written to var/mail/ -----------------
if [ "$MAIL_SINK" = 1 ]; then
    if tcp_open "$HOST" "$MAIL_SINK_PORT"; then
        info "something already listens on $HOST:$MAIL_SINK_PORT: the portal mails to it"
    else
        step "Starting the mail sink ($HOST:$MAIL_SINK_PORT, mails to $MAIL_DIR/)"
        mkdir -p "$MAIL_DIR"
        "$VENV/bin/python" scripts/mail_sink.py --host "$HOST" --port "$MAIL_SINK_PORT" \
            --dir "$MAIL_DIR" </dev/null >>"$MAIL_SINK_LOG" 2>&1 &
        echo $! >"$MAIL_SINK_PID_FILE"
        trap stop_background EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        info "pid $(cat "$MAIL_SINK_PID_FILE"), log $MAIL_SINK_LOG"
    fi
fi

if [ "$WORKER" = 1 ]; then
    step "Starting the background-jobs worker (queues: $WORKER_QUEUES)"
    # The worker starts once the server answers: ckanext-xloader's jobs (the
    # demo's CSV and XLSX files, queued by the load) fetch the files from
    # the portal itself and report back through its API.
    # shellcheck disable=SC2086
    (for _ in $(seq 120); do tcp_open "$HOST" "$PORT" && break; sleep 0.5; done
     exec "$CKAN" -c "$INI" jobs worker $WORKER_QUEUES) </dev/null >>"$WORKER_LOG" 2>&1 &
    echo $! >"$WORKER_PID_FILE"
    trap stop_background EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    info "pid $(cat "$WORKER_PID_FILE"), log $WORKER_LOG"
fi

cat <<EOF

${_B}GovShare is starting on http://$HOST:$PORT${_N}
    sysadmin:  $SYSADMIN_NAME / $SYSADMIN_PASSWORD   (kept in $SYSADMIN_FILE)
    database:  govshare on $PG_HOST:$PG_PORT, Redis db 0, files in var/storage
    worker:    $([ "$WORKER" = 1 ] && echo "ckan jobs worker $WORKER_QUEUES, log $WORKER_LOG" || echo "not started (WORKER=0)")
    mail:      $([ "$MAIL_SINK" = 1 ] && echo "every mail the portal sends is written to $MAIL_DIR/ (*.txt to read)" || echo "no sink (MAIL_SINK=0): smtp.server in $INI")
    Ctrl-C stops the server, the worker and the mail sink.

EOF

# `ckan run` starts the Werkzeug debugger unless told not to, whatever the
# ini's `debug` says
run_options=()
[ "$DEBUGGER" = 1 ] || run_options+=(--disable-debugger)
"$CKAN" -c "$INI" run -H "$HOST" -p "$PORT" "${run_options[@]}" </dev/null
