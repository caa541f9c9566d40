# Sourced by run.sh and test.sh: make .venv with Python 3.11 and install $1 (a requirements file).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON=$candidate; break; fi
  done
fi
if [ -z "$PYTHON" ]; then echo "Python 3.11 is needed (python3.11 or python3 on PATH)." >&2; exit 1; fi
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(cat requirements.txt "$1" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> Installing $1"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$1"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
# The message catalogs (forum/translations/*/LC_MESSAGES/messages.po) compiled for Flask-Babel.
.venv/bin/pybabel compile -d forum/translations >/dev/null 2>&1 || .venv/bin/pybabel compile -d forum/translations
