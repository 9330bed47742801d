#!/usr/bin/env bash
# make i18n: refresh GovShare's translations.
#
#   1. extract   every tk._()/tk.ungettext() in the Python code and every
#                {% trans %}/_() in the templates (babel.cfg) into
#                ckanext-govshare/ckanext/govshare/i18n/ckanext-govshare.pot
#   2. update    each locale's catalog i18n/<locale>/LC_MESSAGES/ckanext-govshare.po
#                from it (init on the first run); new and changed strings arrive
#                untranslated (no fuzzy guesses: babel's guesses were wrong
#                texts with mismatched placeholders, which compile refused)
#   3. compile   every catalog to its .mo (tracked in git: a fresh clone needs no build)
#
# Then translate what is new or fuzzy in the zh_Hans_CN catalog (remove the
# "fuzzy" flag once checked) and run this again to compile; tests/test_i18n.py
# fails while the .pot, the Chinese catalog or a .mo is out of date.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYBABEL="$VENV/bin/pybabel"
[ -x "$PYBABEL" ] || die "$PYBABEL not found: run 'make install' first"

PKG="ckanext-govshare/ckanext/govshare"
I18N="$PKG/i18n"
DOMAIN="ckanext-govshare"
POT="$I18N/$DOMAIN.pot"
LOCALES=(zh_Hans_CN en)

step "extract $POT"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
"$PYBABEL" -q extract -F babel.cfg \
    --project=ckanext-govshare --version=0.1.0 \
    --copyright-holder="GovShare" \
    --add-comments=TRANSLATORS: --sort-by-file --width=100 \
    -o "$tmp" "$PKG"
# Keep the old template when only its creation date differs (no churn in git).
if [ -f "$POT" ] && diff -q <(grep -v '^"POT-Creation-Date:' "$POT") \
                            <(grep -v '^"POT-Creation-Date:' "$tmp") >/dev/null; then
    info "unchanged"
else
    cp "$tmp" "$POT"
    info "$(grep -c '^msgid "' "$POT" | awk '{print $1 - 1}') messages"
fi

for locale in "${LOCALES[@]}"; do
    po="$I18N/$locale/LC_MESSAGES/$DOMAIN.po"
    if [ -f "$po" ]; then
        step "update $po"
        "$PYBABEL" -q update -D "$DOMAIN" -i "$POT" -d "$I18N" -l "$locale" \
            --ignore-obsolete --no-fuzzy-matching --width=100
    else
        step "init $po"
        "$PYBABEL" -q init -D "$DOMAIN" -i "$POT" -d "$I18N" -l "$locale" --width=100
        # A new catalog's header is marked fuzzy, and compile skips fuzzy catalogs.
        sed -i '0,/^#, fuzzy$/{/^#, fuzzy$/d}' "$po"
    fi
done

step "compile"
for locale in "${LOCALES[@]}"; do
    # (English needs no msgstr: gettext falls back to the msgid.)
    stats=(); [ "$locale" = en ] || stats=(--statistics)
    "$PYBABEL" compile -D "$DOMAIN" -d "$I18N" -l "$locale" "${stats[@]}"
done

# What still needs a translator (English falls back to the msgids).
"$VENV/bin/python" - "$I18N/zh_Hans_CN/LC_MESSAGES/$DOMAIN.po" <<'PY'
import sys
import polib
po = polib.pofile(sys.argv[1])
todo = po.untranslated_entries() + po.fuzzy_entries()
if todo:
    print(f"warning: {len(todo)} zh_Hans_CN messages need a translation or review "
          f"(untranslated or fuzzy) in {sys.argv[1]}:", file=sys.stderr)
    for e in todo:
        print(f"    {e.msgid!r}", file=sys.stderr)
PY
