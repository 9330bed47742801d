#!/usr/bin/env bash
# make test: the same set-up as make run against the test database
# (config/test.ini: PostgreSQL db govshare_test, Redis db 1), then the whole
# pytest suite. Extra pytest arguments: PYTEST_ARGS="-k tiers -x".
# Where java and mvn are present it also starts make solr's Solr, for the
# Solr variants of the search tests (TEST_SOLR=0: not); TEST_PATHS narrows
# the run to some test paths (default: tests). TEST_SOLR=cloud (make
# test-solrcloud) starts make solrcloud's cluster instead, for the same
# variants and the fault test (tests/search/test_solrcloud_fault.py).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INI="config/test.ini"

# pytest-xdist workers: one per core unless TEST_WORKERS says otherwise
workers="${TEST_WORKERS:-auto}"
[ "$workers" = auto ] && workers="$(nproc)"

# Solr for the Solr variants of the search tests and the differential test
# (tests/search): an external one given by GOVSHARE_TEST_SOLR_URL; else,
# when java and mvn are here (TEST_SOLR=auto, the default), make solr's,
# with a core per worker (ckan-test-gw0 …: each test empties its core).
# It resolves and starts in the background while the rest is set up.
# Anything that keeps it from starting (no network for Maven, a port taken,
# a slow start) is a warning, not a failure: the suite runs without the
# Solr variants, which are skipped saying why. TEST_SOLR=0 leaves Solr out;
# TEST_SOLR=cloud (make test-solrcloud) starts make solrcloud's cluster.
started_solr=0
started_cloud=0
solr_job=""
solr_wanted="${TEST_SOLR:-auto}"
[ -n "${GOVSHARE_TEST_SOLR_URL:-}" ] && solr_wanted=given
if [ "$solr_wanted" = cloud ]; then
    command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 \
        || die "make test-solrcloud needs java and mvn (a JDK 17 and Maven)"
elif [ "$solr_wanted" = auto ] || [ "$solr_wanted" = 1 ]; then
    if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
        export GOVSHARE_TEST_SOLR_UNAVAILABLE="java or mvn not found, so make test started no Solr"
    else
        "$ROOT/scripts/solr.sh" status >/dev/null 2>&1 || started_solr=1
        mkdir -p var/solr
        (SOLR_TEST_CORES="$workers" SOLR_START_TIMEOUT="${TEST_SOLR_START_TIMEOUT:-180}" \
            SOLR_RESOLVE_TIMEOUT="${TEST_SOLR_RESOLVE_TIMEOUT:-600}" "$ROOT/scripts/solr.sh" start \
            && "$ROOT/scripts/solr.sh" test-cores "$workers") >var/solr/test-start.log 2>&1 &
        solr_job=$!
    fi
elif [ "$solr_wanted" = 0 ]; then
    export GOVSHARE_TEST_SOLR_UNAVAILABLE="TEST_SOLR=0: this run started no Solr"
fi
# a Solr this run started is stopped when it ends (quietly: pytest's summary
# stays the last line)
if [ "$started_solr" = 1 ]; then
    trap '"$ROOT/scripts/solr.sh" stop >/dev/null 2>&1 || true' EXIT
fi

"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/services.sh" govshare_test
ensure_chromium
mkdir -p var/test-storage
ckan_db_upgrade "$INI"

if [ "$solr_wanted" = cloud ]; then
    "$ROOT/scripts/solr.sh" cloud-status >/dev/null 2>&1 || started_cloud=1
    if [ "$started_cloud" = 1 ]; then
        trap '"$ROOT/scripts/solr.sh" cloud-stop >/dev/null 2>&1 || true' EXIT
    fi
    SOLR_START_TIMEOUT="${TEST_SOLR_START_TIMEOUT:-180}" "$ROOT/scripts/solr.sh" cloud-start \
        || die "make solrcloud failed (var/solrcloud/*.log)"
    export GOVSHARE_TEST_SOLR_URL="http://127.0.0.1:8985/solr/ckan-test"
    export GOVSHARE_TEST_SOLRCLOUD=1
fi
if [ -n "$solr_job" ]; then
    step "waiting for Solr (make solr: resolved and started in the background; var/solr/test-start.log)"
    if wait "$solr_job"; then
        grep -h "Solr is up\|already" var/solr/test-start.log | sed 's/^ *//' | sed 's/^/    /' || true
        export GOVSHARE_TEST_SOLR_URL="http://127.0.0.1:${SOLR_PORT:-8983}/solr/ckan-test"
        export GOVSHARE_TEST_SOLR_WORKER_CORES=1
    else
        cat var/solr/test-start.log >&2
        export GOVSHARE_TEST_SOLR_UNAVAILABLE="make solr failed (Maven resolution or Solr's start; var/solr/solr.log)"
    fi
fi
if [ -z "${GOVSHARE_TEST_SOLR_URL:-}" ] && [ -z "${GOVSHARE_TEST_SOLR_UNAVAILABLE:-}" ]; then
    export GOVSHARE_TEST_SOLR_UNAVAILABLE="no Solr was started for this run"
fi
if [ -n "${GOVSHARE_TEST_SOLR_UNAVAILABLE:-}" ] && [ "$solr_wanted" != 0 ]; then
    warn "$GOVSHARE_TEST_SOLR_UNAVAILABLE: the Solr variants of the search tests are skipped"
fi

step "pytest --ckan-ini=$INI ${TEST_PATHS:-tests} -n $workers ${PYTEST_ARGS:-}"
set +e
# One worker per core (pytest-xdist), each with its own copy of the test
# database, Redis database and storage directory (tests/harness.py); a test
# file stays on one worker, so module-scoped data is built once. Files are
# handed out in the order collected (--no-loadscope-reorder: xdist would put
# the files with most tests first, and the few-but-long ones last), which is
# the longest first (tests/conftest.py LONGEST_FIRST), the rest at random.
# A run that hangs is stopped after 40 minutes (the suite takes 10-14).
# shellcheck disable=SC2086
timeout --signal=INT --kill-after=60 "${TEST_TIMEOUT:-2400}" \
    "$VENV/bin/pytest" --ckan-ini="$INI" ${TEST_PATHS:-tests} -n "$workers" --dist loadfile \
    --no-loadscope-reorder \
    ${PYTEST_ARGS:-} </dev/null
rc=$?
set -e
case "$rc" in
    0) ;; # pytest's own summary is the last line
    5) warn "pytest collected no tests (exit code 5): nothing was tested"
       rc=0 ;;
    124) printf '%sFAILED: the tests did not finish within %ss%s\n' "$_R" "${TEST_TIMEOUT:-2400}" "$_N" >&2 ;;
    *) printf '%sFAILED: pytest exited with %s%s\n' "$_R" "$rc" "$_N" >&2 ;;
esac
exit "$rc"
