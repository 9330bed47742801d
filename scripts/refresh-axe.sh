#!/usr/bin/env bash
# make axe: vendor axe-core (npm) into tests/browser/vendor for the browser
# journeys' accessibility checks. Not run by the suite: the file is committed,
# so a test run needs no registry.
#
#   scripts/refresh-axe.sh          the newest 4.x
#   AXE_VERSION=4.14.1 scripts/refresh-axe.sh
#
# npm pack checks the tarball against the registry's integrity hash; the
# version, that hash and the licence (MPL-2.0) are written beside the file.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENDOR="tests/browser/vendor"
SPEC="axe-core@${AXE_VERSION:-4}"
command -v npm >/dev/null || die "npm not found (Debian: apt-get install npm)"

step "fetch $SPEC from the npm registry"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent --json "$SPEC" > pack.json)
tarball="$tmp/$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["filename"])' < "$tmp/pack.json")"
tar -xzf "$tarball" -C "$tmp" package/axe.min.js package/LICENSE package/package.json

mkdir -p "$VENDOR"
cp "$tmp/package/axe.min.js" "$VENDOR/axe.min.js"
cp "$tmp/package/LICENSE" "$VENDOR/axe-core.LICENSE"
"$PYTHON" - "$tmp/pack.json" "$VENDOR/axe-core.json" <<'PY'
import json, sys
pack = json.load(open(sys.argv[1]))[0]
json.dump({"package": pack["name"], "version": pack["version"], "license": "MPL-2.0",
           "integrity": pack["integrity"], "file": "axe.min.js",
           "source": f"https://registry.npmjs.org/{pack['name']}/-/{pack['filename']}"},
          open(sys.argv[2], "w"), indent=2)
open(sys.argv[2], "a").write("\n")
PY
ok "$VENDOR/axe.min.js: axe-core $(grep -o '"version": "[^"]*"' "$VENDOR/axe-core.json")"
