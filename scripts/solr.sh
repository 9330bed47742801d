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
#   scripts/solr.sh test-cores N   make sure cores ckan-test-gw0 … gw(N-1)
#                             answer (one per pytest-xdist worker of make
#                             test: each test empties its core); created in
#                             the running Solr if missing
#
# Four cores from the configset config/solr/govshare: `ckan` for make run
# (solr_url = http://127.0.0.1:8983/solr/ckan), `ckan-test`, which the
# tests empty between tests (GOVSHARE_TEST_SOLR_URL), `ckan-stock`,
# stock CKAN's own index of the same catalog (STOCK=1 make prod, for
# bench/http_load.py's comparison), and `ckan-bench`, bench/search.py's
# catalog (--compare-solr). Data: var/solr/home/<core>/data;
# log: var/solr/solr.log. Environment: SOLR_PORT (8983), SOLR_HEAP (512m),
# SOLR_START_TIMEOUT (seconds, 120), SOLR_RESOLVE_TIMEOUT (seconds, 600).
#
# SolrCloud (make solrcloud / make solrcloud-stop; docs/solr.md "SolrCloud"):
#
#   scripts/solr.sh cloud-start   ZooKeeper (127.0.0.1:9985, from the same
#                                 Maven class path) and two Solr nodes
#                                 (127.0.0.1:8985 and :8986) joined to it;
#                                 the configset uploaded as `govshare`;
#                                 collections `ckan` and `ckan-test`, each
#                                 2 shards x 2 replicas, one replica of each
#                                 shard on each node
#   scripts/solr.sh cloud-stop    stop both nodes and ZooKeeper
#   scripts/solr.sh node-stop N   stop node N (1 or 2) only: the fault test
#   scripts/solr.sh node-kill N   kill node N at once (SIGKILL): a crash
#   scripts/solr.sh node-start N  start it again; it rejoins and recovers
#   scripts/solr.sh cloud-status  every replica and its state
#
# Data and logs under var/solrcloud/. CKAN: solr_url =
# http://127.0.0.1:8985/solr/ckan (either node answers for the collection).
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
SOLR_CORES=(ckan ckan-test ckan-stock ckan-bench)
SOLR_BASE="http://127.0.0.1:$SOLR_PORT/solr"

core_answers() { # core_answers CORE: its ping says OK
    curl -fsS --max-time 5 "$SOLR_BASE/$1/admin/ping?wt=json" 2>/dev/null | grep -q '"status":"OK"'
}

pid_of() { # pid_of PIDFILE WORD: the pid PIDFILE holds, if that process still runs and is WORD
    [ -f "$1" ] || return 1
    local pid
    pid="$(cat "$1")"
    kill -0 "$pid" 2>/dev/null && grep -q "$2" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

our_pid() { pid_of "$SOLR_PID" SolrLauncher; } # the Solr this script started

stop_pid() { # stop_pid WHAT PIDFILE PID: SIGTERM, up to 30 s to end, then SIGKILL
    kill -TERM "$3" 2>/dev/null || true
    local i
    for i in $(seq 60); do
        kill -0 "$3" 2>/dev/null || { rm -f "$2"; return 0; }
        sleep 0.5
    done
    warn "$1 did not stop within 30 s: killing pid $3"
    kill -KILL "$3" 2>/dev/null || true
    rm -f "$2"
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
    for core in "${SOLR_CORES[@]}" $(test_core_names); do
        mkdir -p "$SOLR_HOME/$core"
        printf 'name=%s\n' "$core" >"$SOLR_HOME/$core/core.properties"
        copy_conf "$core"
    done
}

# The test workers' cores, ckan-test-gw0 … (SOLR_TEST_CORES of them, none by
# default), laid out with the others at start.
test_core_names() {
    local n
    for ((n = 0; n < ${SOLR_TEST_CORES:-0}; n++)); do echo "ckan-test-gw$n"; done
}

test_cores() { # test_cores N: ckan-test-gw0 … gw(N-1) answer, created if missing
    local core
    for core in $(SOLR_TEST_CORES="$1" test_core_names); do
        core_answers "$core" && continue
        # a core Solr has not loaded: its folder without core.properties,
        # which CoreAdmin's CREATE writes
        mkdir -p "$SOLR_HOME/$core"
        rm -f "$SOLR_HOME/$core/core.properties"
        copy_conf "$core"
        curl -fsS --max-time 60 "$SOLR_BASE/admin/cores?action=CREATE&name=$core&instanceDir=$SOLR_HOME/$core&wt=json" >/dev/null \
            || die "Solr could not create core $core (var/solr/solr.log)"
        core_answers "$core" || die "core $core does not answer (var/solr/solr.log)"
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
    for core in "${SOLR_CORES[@]}" $(test_core_names); do
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
    stop_pid Solr "$SOLR_PID" "$pid"
    ok "stopped"
}

reload() {
    local core
    # the test workers' cores too, those that were made
    for core in "${SOLR_CORES[@]}" $(cd "$SOLR_HOME" && ls -d ckan-test-gw* 2>/dev/null); do
        copy_conf "$core"
        curl -fsS --max-time 60 "$SOLR_BASE/admin/cores?action=RELOAD&core=$core&wt=json" >/dev/null \
            || die "reload of core $core failed (var/solr/solr.log)"
        ok "reloaded $core"
    done
}

# ---- SolrCloud -------------------------------------------------------------

CLOUD_VAR="$ROOT/var/solrcloud"
CLOUD_ZK_PORT="${SOLRCLOUD_ZK_PORT:-9985}"
CLOUD_PORTS=(${SOLRCLOUD_PORTS:-8985 8986})
CLOUD_COLLECTIONS=(ckan ckan-test)
CLOUD_ZK="127.0.0.1:$CLOUD_ZK_PORT"

node_port() { echo "${CLOUD_PORTS[$(($1 - 1))]}"; }
node_base() { echo "http://127.0.0.1:$(node_port "$1")/solr"; }

cloud_pid() { pid_of "$CLOUD_VAR/$1.pid" "$2"; } # cloud_pid NAME MAIN_CLASS

node_live() { # node_live N: ZooKeeper lists the node as live
    curl -fsS --max-time 5 "$(node_base "$1")/admin/collections?action=CLUSTERSTATUS&wt=json" 2>/dev/null \
        | grep -q "\"127.0.0.1:$(node_port "$1")_solr\""
}

zk_start() {
    if cloud_pid zk ZooKeeperServerMain >/dev/null; then return 0; fi
    mkdir -p "$CLOUD_VAR/zk"
    step "starting ZooKeeper on $CLOUD_ZK (log var/solrcloud/zk.log)"
    # ZooKeeper's own server main, from the class path Solr's test framework
    # brings; its admin web server (port 8080, make prod's nginx) stays off
    setsid nohup java -Xms32m -Xmx128m -XX:+UseSerialGC -Dzookeeper.admin.enableServer=false \
        -Dzookeeper.4lw.commands.whitelist=ruok,srvr \
        -cp "$(cat "$SOLR_CLASSPATH")" org.apache.zookeeper.server.ZooKeeperServerMain \
        "$CLOUD_ZK_PORT" "$CLOUD_VAR/zk" >"$CLOUD_VAR/zk.log" 2>&1 </dev/null &
    echo $! >"$CLOUD_VAR/zk.pid"
    wait_for 30 "ZooKeeper on $CLOUD_ZK (var/solrcloud/zk.log)" tcp_open 127.0.0.1 "$CLOUD_ZK_PORT"
}

node_start() { # node_start N
    local n="$1" port home
    port="$(node_port "$n")"
    home="$CLOUD_VAR/node$n"
    if cloud_pid "node$n" SolrLauncher >/dev/null; then
        info "node $n already running: $(node_base "$n")"
        return 0
    fi
    if curl -s --max-time 3 -o /dev/null "http://127.0.0.1:$port/"; then
        die "port $port is taken (SOLRCLOUD_PORTS=... to use others)"
    fi
    mkdir -p "$home"
    cp "$ROOT/solr/solrcloud.xml" "$home/solr.xml"
    step "starting SolrCloud node $n on $(node_base "$n") (log var/solrcloud/node$n.log)"
    setsid nohup java -Xms128m -Xmx"$SOLR_HEAP" -XX:+UseSerialGC \
        -Dlog4j2.configurationFile="$ROOT/solr/log4j2.xml" \
        -Dsolr.log.dir="$CLOUD_VAR" -Dsolr.install.dir="$CLOUD_VAR" \
        -DzkHost="$CLOUD_ZK" -DhostPort="$port" \
        -cp "$SOLR_CLASSES:$(cat "$SOLR_CLASSPATH")" \
        SolrLauncher "$home" "$port" >"$CLOUD_VAR/node$n.log" 2>&1 </dev/null &
    echo $! >"$CLOUD_VAR/node$n.pid"
    local deadline=$((SECONDS + ${SOLR_START_TIMEOUT:-120}))
    until node_live "$n"; do
        if ! kill -0 "$(cat "$CLOUD_VAR/node$n.pid")" 2>/dev/null; then
            tail -n 30 "$CLOUD_VAR/node$n.log" >&2
            die "node $n stopped while starting (var/solrcloud/node$n.log)"
        fi
        [ "$SECONDS" -lt "$deadline" ] || die "node $n did not join within ${SOLR_START_TIMEOUT:-120}s"
        sleep 0.5
    done
}

node_stop() { # node_stop N
    local pid
    if pid="$(cloud_pid "node$1" SolrLauncher)"; then
        step "stopping SolrCloud node $1 (pid $pid)"
        stop_pid "node $1" "$CLOUD_VAR/node$1.pid" "$pid"
    fi
}

node_kill() { # node_kill N: as if the machine had died
    local pid
    if pid="$(cloud_pid "node$1" SolrLauncher)"; then
        step "killing SolrCloud node $1 (pid $pid)"
        kill -KILL "$pid"
        rm -f "$CLOUD_VAR/node$1.pid"
    fi
}

# every replica of the collection active, on live nodes
replicas_active() { # replicas_active COLLECTION
    curl -fsS --max-time 10 "$(node_base 1)/admin/collections?action=CLUSTERSTATUS&collection=$1&wt=json" \
        2>/dev/null | python3 -c '
import json, sys
status = json.load(sys.stdin)["cluster"]
live = set(status["live_nodes"])
shards = status["collections"][sys.argv[1]]["shards"].values()
replicas = [r for s in shards for r in s["replicas"].values()]
sys.exit(0 if len(replicas) == 4 and all(
    r["state"] == "active" and r["node_name"] in live for r in replicas) else 1)' "$1"
}

wait_active() { # wait_active SECONDS
    local deadline=$((SECONDS + $1)) collection
    for collection in "${CLOUD_COLLECTIONS[@]}"; do
        until replicas_active "$collection"; do
            [ "$SECONDS" -lt "$deadline" ] || die "collection $collection: not every replica active within $1 s (scripts/solr.sh cloud-status)"
            sleep 1
        done
    done
}

upload_configset() {
    local zip="$CLOUD_VAR/govshare-configset.zip"
    # the configset with its links followed (synonyms and stop words live in config/search)
    python3 - "$ROOT/config/solr/govshare/conf" "$zip" <<'PY'
import os, sys, zipfile
conf, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
    for folder, _dirs, files in os.walk(conf, followlinks=True):
        for name in files:
            path = os.path.join(folder, name)
            archive.write(os.path.realpath(path), os.path.relpath(path, conf))
PY
    curl -fsS --max-time 60 -X POST --header "Content-Type: application/octet-stream" \
        --data-binary @"$zip" "$(node_base 1)/admin/configs?action=UPLOAD&name=govshare&overwrite=true&cleanup=true&wt=json" >/dev/null \
        || die "uploading the configset failed (var/solrcloud/node1.log)"
}

create_collections() {
    local collection
    for collection in "${CLOUD_COLLECTIONS[@]}"; do
        if curl -fsS --max-time 10 "$(node_base 1)/admin/collections?action=LIST&wt=json" \
            | grep -q "\"$collection\""; then
            # the configset was uploaded again: the collection reads it anew
            curl -fsS --max-time 120 "$(node_base 1)/admin/collections?action=RELOAD&name=$collection&wt=json" >/dev/null \
                || die "reloading collection $collection failed (var/solrcloud/node1.log)"
            continue
        fi
        step "creating collection $collection (2 shards x 2 replicas, configset govshare)"
        curl -fsS --max-time 120 "$(node_base 1)/admin/collections?action=CREATE&name=$collection&numShards=2&replicationFactor=2&maxShardsPerNode=2&collection.configName=govshare&waitForFinalState=true&wt=json" >/dev/null \
            || die "creating collection $collection failed (var/solrcloud/node1.log)"
    done
}

cloud_start() {
    command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)"
    resolve
    compile
    local started=$SECONDS
    zk_start
    node_start 1
    node_start 2
    upload_configset
    create_collections
    wait_active "${SOLR_START_TIMEOUT:-120}"
    ok "SolrCloud is up in $((SECONDS - started))s: $(node_base 1)/ckan and $(node_base 2)/ckan (make run: CKAN_SOLR_URL=$(node_base 1)/ckan), tests: $(node_base 1)/ckan-test"
}

cloud_stop() {
    node_stop 2
    node_stop 1
    local pid
    if pid="$(cloud_pid zk ZooKeeperServerMain)"; then
        step "stopping ZooKeeper (pid $pid)"
        stop_pid ZooKeeper "$CLOUD_VAR/zk.pid" "$pid"
    fi
    ok "SolrCloud stopped"
}

cloud_status() {
    { curl -fsS --max-time 10 "$(node_base 1)/admin/collections?action=CLUSTERSTATUS&wt=json" 2>/dev/null \
        || curl -fsS --max-time 10 "$(node_base 2)/admin/collections?action=CLUSTERSTATUS&wt=json" 2>/dev/null; } \
        | python3 -c '
import json, sys
text = sys.stdin.read()
if not text:
    sys.exit(1)  # neither node answered
status = json.loads(text)["cluster"]
print("live nodes:", " ".join(sorted(status["live_nodes"])))
for name, collection in sorted(status.get("collections", {}).items()):
    for shard_name, shard in sorted(collection["shards"].items()):
        for replica in shard["replicas"].values():
            leader = " leader" if replica.get("leader") == "true" else ""
            print(name, shard_name, replica["node_name"], replica["state"] + leader)' \
        || { info "SolrCloud is not running"; return 1; }
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    status) if our_pid >/dev/null || core_answers ckan; then ok "Solr answers: $SOLR_BASE/ckan"; else info "Solr is not running"; exit 1; fi ;;
    reload) reload ;;
    test-cores) test_cores "${2:?number of cores}" ;;
    cloud-start) cloud_start ;;
    cloud-stop) cloud_stop ;;
    cloud-status) cloud_status ;;
    node-stop) node_stop "${2:?node number}" ;;
    node-start) node_start "${2:?node number}" ;;
    node-kill) node_kill "${2:?node number}" ;;
    *) die "usage: scripts/solr.sh start|stop|status|reload|test-cores N|cloud-start|cloud-stop|cloud-status|node-stop N|node-kill N|node-start N" ;;
esac
