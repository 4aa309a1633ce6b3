#!/usr/bin/env bash
# Refresh the translation catalogs of the core and every built-in plugin from the code:
# extract the strings, then update (or create) the id and en catalogs. Fill in the
# empty msgstr afterwards; tests/test_i18n.py fails while one is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BABEL=.venv/bin/pybabel
extract() {  # source folder, pot file
    "$BABEL" -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ \
        --no-location --sort-output -o "$2" "$1"
}
sync() {  # pot, catalog folder, domain
    for locale in id en; do
        if [ -f "$2/$locale/LC_MESSAGES/$3.po" ]; then
            "$BABEL" -q update -D "$3" -i "$1" -d "$2" -l "$locale" --no-fuzzy-matching
        else
            "$BABEL" -q init -D "$3" -i "$1" -d "$2" -l "$locale"
        fi
    done
}
extract core core/translations/messages.pot
sync core/translations/messages.pot core/translations messages
for plugin in plugins/*/; do
    id=$(basename "$plugin")
    [ -f "$plugin/__init__.py" ] || continue
    mkdir -p "$plugin/translations"
    extract "$plugin" "$plugin/translations/$id.pot"
    sync "$plugin/translations/$id.pot" "$plugin/translations" "$id"
done
echo "Catalogs updated. New Indonesian catalogs need 'Plural-Forms: nplurals=1; plural=0;'."
