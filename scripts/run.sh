#!/usr/bin/env bash
# One command: set everything up (venv, requirements, database, demo data) and serve the forum on SQLite
# with gunicorn and gevent (the production server; gunicorn.conf.py holds its settings).
set -euo pipefail
source "$(dirname "$0")/_venv.sh" requirements.txt
export FLASK_APP=wsgi
# Links in emails are built on SITE_URL (required outside debug and testing); here, where it listens.
export SITE_URL="${SITE_URL:-http://${HOST:-127.0.0.1}:${PORT:-5000}}"
echo "==> Migrating the database ($(python -c 'from config import Config; print(Config().SQLALCHEMY_DATABASE_URI)'))"
flask db upgrade
echo "==> Demo data"
flask seed-demo
export HOST="${HOST:-127.0.0.1}"
export PORT="${PORT:-5000}"
echo
echo "    Sounding Board is running at  http://$HOST:$PORT/"
echo "    (gunicorn with one gevent worker; settings in gunicorn.conf.py)"
echo "    Log in with any demo account above; press Ctrl+C to stop."
echo
exec gunicorn --config gunicorn.conf.py wsgi:app
