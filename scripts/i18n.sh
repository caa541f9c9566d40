#!/usr/bin/env bash
# Developers: after marking new strings, extract them and update the catalogs, then translate the new
# (empty or fuzzy) entries in forum/translations/*/LC_MESSAGES/messages.po and compile:
#   ./scripts/i18n.sh            extract + update every catalog (+ compile)
#   ./scripts/i18n.sh init XX    start a new language XX (e.g. ja), then add it to LANGUAGES in forum/i18n.py
# tests/test_i18n.py fails while a message of the Chinese catalog is missing, empty or fuzzy.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
"$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k plural_forms:1,2 --no-location --sort-output \
  --project "Sounding Board" --copyright-holder "Sounding Board" --msgid-bugs-address "" \
  -o forum/translations/messages.pot .
if [ "${1:-}" = "init" ]; then
  "$PYBABEL" init -i forum/translations/messages.pot -d forum/translations -l "$2"
else
  "$PYBABEL" update -i forum/translations/messages.pot -d forum/translations --no-fuzzy-matching --ignore-obsolete
fi
"$PYBABEL" compile -d forum/translations --statistics
