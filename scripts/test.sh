#!/usr/bin/env bash
# One command: set everything up and run the whole test suite, on SQLite and on PostgreSQL.
# Needs: Python 3.11; for the PostgreSQL, Redis and browser tests a PostgreSQL server, a Redis server
# and Debian's chromium, nginx and fonts-noto-cjk (installed here with apt-get when missing and run as root).
set -euo pipefail
source "$(dirname "$0")/_venv.sh" requirements-dev.txt

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

source "$(dirname "$0")/_system_packages.sh"
missing="$(missing_system_packages)"
if [ -n "$missing" ]; then
  echo "==> Installing Debian's $missing (chromium: browser tests; nginx: tests/test_nginx.py; fonts-noto-cjk: Chinese screenshots)"
  # shellcheck disable=SC2086 - one word per package
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null \
    || echo "   (could not install $missing; their tests will skip, or fail under CI=true)"
fi
if command -v pg_ctlcluster >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "==> Starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if command -v redis-server >/dev/null && ! (redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1); then
  echo "==> Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
fi

status=0
echo "==> ruff"
ruff check forum tests config.py wsgi.py bench || status=1
echo "==> lint-imports (the layers and no cycles: .importlinter)"
lint-imports --no-cache || status=1

run() {  # pytest, where "no test ran" (exit 5) is a failure too
  local code=0
  python -m pytest "$@" || code=$?
  if [ "$code" = 5 ]; then echo "No tests ran: that is a failure." >&2; code=1; fi
  [ "$code" = 0 ] || status=$code
}

echo "==> Tests on SQLite (with the browser tests)"
run -q -p no:cacheprovider -n "${TEST_WORKERS:-2}" "$@"
echo "==> Tests on PostgreSQL"
TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}" \
  run -q -p no:cacheprovider -n "${TEST_WORKERS:-2}" -m "not browser" "$@"
exit $status
