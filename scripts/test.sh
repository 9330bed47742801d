#!/usr/bin/env bash
# make test: the same set-up as make run against the test database
# (config/test.ini: PostgreSQL db govshare_test, Redis db 1), then the whole
# pytest suite. Extra pytest arguments: PYTEST_ARGS="-k tiers -x".
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

INI="config/test.ini"

"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/services.sh" govshare_test
ensure_chromium
mkdir -p var/test-storage
ckan_db_upgrade "$INI"

step "pytest --ckan-ini=$INI tests -n ${TEST_WORKERS:-auto} ${PYTEST_ARGS:-}"
set +e
# One worker per core (pytest-xdist), each with its own copy of the test
# database, Redis database and storage directory (tests/harness.py); a test
# file stays on one worker, so module-scoped data is built once.
# A run that hangs is stopped after 40 minutes (the suite takes about 5).
# shellcheck disable=SC2086
timeout --signal=INT --kill-after=60 "${TEST_TIMEOUT:-2400}" \
    "$VENV/bin/pytest" --ckan-ini="$INI" tests -n "${TEST_WORKERS:-auto}" --dist loadfile \
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
