#!/usr/bin/env bash
# make solr / make solr-stop: a real Solr 9 on 127.0.0.1:8983 for development
# and the tests, resolved from Maven Central (solr/pom.xml) into var/maven and
# started with Solr's embedded Jetty runner (solr/SolrLauncher.java).
#
#   scripts/solr.sh start     resolve (first time only), lay out var/solr/home,
#                             start, wait until both cores answer; already
#                             running: nothing to do
#   scripts/solr.sh stop      stop the Solr this script started
#   scripts/solr.sh status    running or not (exit code 0 / 1)
#   scripts/solr.sh reload    copy config/solr/govshare/conf into the cores
#                             again and reload them (after editing the configset)
#
# Two cores from the configset config/solr/govshare: `ckan` for make run
# (solr_url = http://127.0.0.1:8983/solr/ckan) and `ckan-test`, which the
# tests empty between tests (GOVSHARE_TEST_SOLR_URL). Data: var/solr/home/<core>/data;
# log: var/solr/solr.log. Environment: SOLR_PORT (8983), SOLR_HEAP (512m),
# SOLR_START_TIMEOUT (seconds, 120), SOLR_RESOLVE_TIMEOUT (seconds, 600).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SOLR_PORT="${SOLR_PORT:-8983}"
SOLR_HEAP="${SOLR_HEAP:-512m}"
SOLR_VAR="$ROOT/var/solr"
SOLR_HOME="$SOLR_VAR/home"
SOLR_PID="$SOLR_VAR/solr.pid"
SOLR_LOG="$SOLR_VAR/solr.log"
SOLR_CLASSPATH="$SOLR_VAR/classpath.txt"
SOLR_CLASSES="$SOLR_VAR/classes"
MAVEN_REPO="$ROOT/var/maven"
SOLR_CORES=(ckan ckan-test)
SOLR_BASE="http://127.0.0.1:$SOLR_PORT/solr"

core_answers() { # core_answers CORE: its ping says OK
    curl -fsS --max-time 5 "$SOLR_BASE/$1/admin/ping?wt=json" 2>/dev/null | grep -q '"status":"OK"'
}

our_pid() { # the pid of the Solr this script started, if it still runs
    [ -f "$SOLR_PID" ] || return 1
    local pid
    pid="$(cat "$SOLR_PID")"
    kill -0 "$pid" 2>/dev/null && grep -q SolrLauncher "/proc/$pid/cmdline" 2>/dev/null \
        && echo "$pid"
}

# The class path is resolved once; again only when solr/pom.xml changes or a
# jar has gone from var/maven. The second run needs no network and no Maven.
resolve() {
    if [ -s "$SOLR_CLASSPATH" ] && [ "$SOLR_CLASSPATH" -nt "$ROOT/solr/pom.xml" ] \
        && tr ':' '\n' <"$SOLR_CLASSPATH" | while read -r jar; do [ -f "$jar" ] || exit 1; done; then
        return 0
    fi
    command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (apt-get install maven)"
    step "resolving Solr with Maven into var/maven (first time: ~120 MB, a minute or two)"
    mkdir -p "$SOLR_VAR"
    timeout "${SOLR_RESOLVE_TIMEOUT:-600}" mvn -B -q -Dmaven.repo.local="$MAVEN_REPO" \
        -f "$ROOT/solr/pom.xml" \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
        -Dmdep.outputFile="$SOLR_CLASSPATH.new" </dev/null \
        || die "Maven could not resolve Solr (solr/pom.xml); see the messages above"
    mv "$SOLR_CLASSPATH.new" "$SOLR_CLASSPATH"
}

compile() {
    if [ -f "$SOLR_CLASSES/SolrLauncher.class" ] \
        && [ "$SOLR_CLASSES/SolrLauncher.class" -nt "$ROOT/solr/SolrLauncher.java" ] \
        && [ "$SOLR_CLASSES/SolrLauncher.class" -nt "$SOLR_CLASSPATH" ]; then
        return 0
    fi
    command -v javac >/dev/null 2>&1 || die "javac not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)"
    mkdir -p "$SOLR_CLASSES"
    javac -nowarn -d "$SOLR_CLASSES" -cp "$(cat "$SOLR_CLASSPATH")" "$ROOT/solr/SolrLauncher.java"
}

# Solr home: solr.xml and one directory per core, whose conf/ is a copy of
# the configset with its links followed (synonyms.txt and
# govshare_stopwords.txt link to config/search/).
copy_conf() {
    local core="$1"
    rm -rf "$SOLR_HOME/$core/conf"
    cp -rL "$ROOT/config/solr/govshare/conf" "$SOLR_HOME/$core/conf"
}

layout() {
    mkdir -p "$SOLR_HOME"
    [ -f "$SOLR_HOME/solr.xml" ] || printf '<?xml version="1.0" encoding="UTF-8" ?>\n<solr/>\n' >"$SOLR_HOME/solr.xml"
    local core
    for core in "${SOLR_CORES[@]}"; do
        mkdir -p "$SOLR_HOME/$core"
        printf 'name=%s\n' "$core" >"$SOLR_HOME/$core/core.properties"
        copy_conf "$core"
    done
}

start() {
    if our_pid >/dev/null; then
        ok "Solr already running (pid $(our_pid)): $SOLR_BASE/ckan"
        return 0
    fi
    if core_answers ckan; then
        ok "a Solr already answers on port $SOLR_PORT: $SOLR_BASE/ckan"
        return 0
    fi
    if curl -s --max-time 3 -o /dev/null "http://127.0.0.1:$SOLR_PORT/"; then
        die "port $SOLR_PORT is taken by something else than GovShare's Solr (SOLR_PORT=... to use another)"
    fi
    command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)"
    resolve
    compile
    layout
    step "starting Solr on $SOLR_BASE (cores ${SOLR_CORES[*]}, log var/solr/solr.log)"
    local started=$SECONDS
    # setsid: Solr outlives the make that started it, in a session of its own
    setsid nohup java -Xms128m -Xmx"$SOLR_HEAP" -XX:+UseSerialGC \
        -Dlog4j2.configurationFile="$ROOT/solr/log4j2.xml" \
        -Dsolr.log.dir="$SOLR_VAR" -Dsolr.install.dir="$SOLR_VAR" \
        -cp "$SOLR_CLASSES:$(cat "$SOLR_CLASSPATH")" \
        SolrLauncher "$SOLR_HOME" "$SOLR_PORT" >"$SOLR_LOG" 2>&1 </dev/null &
    echo $! >"$SOLR_PID"
    local deadline=$((SECONDS + ${SOLR_START_TIMEOUT:-120})) core
    for core in "${SOLR_CORES[@]}"; do
        until core_answers "$core"; do
            if curl -fsS --max-time 5 "$SOLR_BASE/admin/cores?action=STATUS&wt=json&indent=false" 2>/dev/null \
                | grep -q "\"initFailures\":{\"$core\""; then
                grep -m3 'Caused by' "$SOLR_LOG" >&2 || true
                stop >/dev/null 2>&1 || true
                die "Solr refused core $core (var/solr/solr.log)"
            fi
            if ! kill -0 "$(cat "$SOLR_PID")" 2>/dev/null; then
                tail -n 30 "$SOLR_LOG" >&2
                die "Solr stopped while starting (var/solr/solr.log)"
            fi
            if [ "$SECONDS" -ge "$deadline" ]; then
                tail -n 30 "$SOLR_LOG" >&2
                stop >/dev/null 2>&1 || true
                die "core $core did not answer within ${SOLR_START_TIMEOUT:-120}s (var/solr/solr.log)"
            fi
            sleep 0.5
        done
    done
    ok "Solr is up in $((SECONDS - started))s: $SOLR_BASE/ckan (make run), $SOLR_BASE/ckan-test (tests)"
}

stop() {
    local pid
    if ! pid="$(our_pid)"; then
        rm -f "$SOLR_PID"
        info "Solr is not running (started by this script)"
        return 0
    fi
    step "stopping Solr (pid $pid)"
    kill -TERM "$pid"
    local i
    for i in $(seq 60); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$SOLR_PID"; ok "stopped"; return 0; }
        sleep 0.5
    done
    warn "Solr did not stop within 30 s: killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$SOLR_PID"
}

reload() {
    local core
    for core in "${SOLR_CORES[@]}"; do
        copy_conf "$core"
        curl -fsS --max-time 60 "$SOLR_BASE/admin/cores?action=RELOAD&core=$core&wt=json" >/dev/null \
            || die "reload of core $core failed (var/solr/solr.log)"
        ok "reloaded $core"
    done
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    status) if our_pid >/dev/null || core_answers ckan; then ok "Solr answers: $SOLR_BASE/ckan"; else info "Solr is not running"; exit 1; fi ;;
    reload) reload ;;
    *) die "usage: scripts/solr.sh start|stop|status|reload" ;;
esac
