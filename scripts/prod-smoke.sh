#!/usr/bin/env bash
# make prod-smoke: bring the production topology up (scripts/prod.sh) and
# check it through nginx (scripts/prod_smoke.py: home, search, the API, an
# open file streamed by nginx with its label headers and a range, a
# conditional file refused with 403). KEEP=1 leaves it running afterwards.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$ROOT/scripts/prod.sh"
step "Smoke test through http://127.0.0.1:${PORT:-8080}"
set +e
"$VENV/bin/python" scripts/prod_smoke.py --base "http://127.0.0.1:${PORT:-8080}"
rc=$?
set -e
[ "${KEEP:-0}" = 1 ] || "$ROOT/scripts/prod.sh" stop
exit "$rc"
