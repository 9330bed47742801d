#!/usr/bin/env bash
# make test: the same set-up as make run against the test database
# (config/test.ini: PostgreSQL db govshare_test, Redis db 1), then the whole
# pytest suite. Extra pytest arguments: PYTEST_ARGS="-k tiers -x".
# TEST_SOLR=1 (make test-solr) also starts make solr's Solr when java and mvn
# are present, for the Solr variants of the search tests; TEST_PATHS narrows
# the run to some test paths (default: tests). TEST_SOLR=cloud (make
# test-solrcloud) starts make solrcloud's cluster instead, for the same
# variants and the fault test (tests/search/test_solrcloud_fault.py).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INI="config/test.ini"

"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/services.sh" govshare_test
ensure_chromium
mkdir -p var/test-storage
ckan_db_upgrade "$INI"

# Solr for the Solr variants of the search tests: an external one given by
# GOVSHARE_TEST_SOLR_URL, else with TEST_SOLR=1 make solr's (core ckan-test)
# when java and mvn are here. Not by default: a cold start (Maven, ~100 s)
# and the 45 variants (~150 s of one worker) would add about 3 minutes to
# every make test (docs/solr.md). Anything that keeps it from starting (no
# network for Maven, a port taken, a slow start) is a warning, not a failure:
# the suite runs without the Solr variants, which are skipped saying why.
started_solr=0
started_cloud=0
if [ -z "${GOVSHARE_TEST_SOLR_URL:-}" ] && [ "${TEST_SOLR:-0}" = cloud ]; then
    command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 \
        || die "make test-solrcloud needs java and mvn (a JDK 17 and Maven)"
    "$ROOT/scripts/solr.sh" cloud-status >/dev/null 2>&1 || started_cloud=1
    SOLR_START_TIMEOUT="${TEST_SOLR_START_TIMEOUT:-180}" "$ROOT/scripts/solr.sh" cloud-start \
        || die "make solrcloud failed (var/solrcloud/*.log)"
    export GOVSHARE_TEST_SOLR_URL="http://127.0.0.1:8985/solr/ckan-test"
    export GOVSHARE_TEST_SOLRCLOUD=1
fi
if [ -z "${GOVSHARE_TEST_SOLR_URL:-}" ] && [ "${TEST_SOLR:-0}" = 1 ]; then
    if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
        export GOVSHARE_TEST_SOLR_UNAVAILABLE="java or mvn not found, so make test started no Solr"
        warn "$GOVSHARE_TEST_SOLR_UNAVAILABLE: the Solr variants of the search tests are skipped"
    else
        "$ROOT/scripts/solr.sh" status >/dev/null 2>&1 || started_solr=1
        if SOLR_START_TIMEOUT="${TEST_SOLR_START_TIMEOUT:-180}" SOLR_RESOLVE_TIMEOUT="${TEST_SOLR_RESOLVE_TIMEOUT:-600}" \
            "$ROOT/scripts/solr.sh" start; then
            export GOVSHARE_TEST_SOLR_URL="http://127.0.0.1:${SOLR_PORT:-8983}/solr/ckan-test"
        else
            started_solr=0
            export GOVSHARE_TEST_SOLR_UNAVAILABLE="make solr failed (Maven resolution or Solr's start; var/solr/solr.log)"
            warn "$GOVSHARE_TEST_SOLR_UNAVAILABLE: the Solr variants of the search tests are skipped"
        fi
    fi
fi
if [ -z "${GOVSHARE_TEST_SOLR_URL:-}" ] && [ -z "${GOVSHARE_TEST_SOLR_UNAVAILABLE:-}" ]; then
    export GOVSHARE_TEST_SOLR_UNAVAILABLE="make test runs without Solr (make test-solr runs these)"
fi
# a Solr this run started is stopped when it ends (quietly: pytest's summary
# stays the last line)
if [ "$started_solr" = 1 ]; then
    trap '"$ROOT/scripts/solr.sh" stop >/dev/null 2>&1 || true' EXIT
fi
if [ "$started_cloud" = 1 ]; then
    trap '"$ROOT/scripts/solr.sh" cloud-stop >/dev/null 2>&1 || true' EXIT
fi

step "pytest --ckan-ini=$INI ${TEST_PATHS:-tests} -n ${TEST_WORKERS:-auto} ${PYTEST_ARGS:-}"
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
    "$VENV/bin/pytest" --ckan-ini="$INI" ${TEST_PATHS:-tests} -n "${TEST_WORKERS:-auto}" --dist loadfile \
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
