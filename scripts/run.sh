#!/usr/bin/env bash
# One command: set everything up (venv, requirements, database, demo data) and run the forum on SQLite.
set -euo pipefail
source "$(dirname "$0")/_venv.sh" requirements.txt
export FLASK_APP=wsgi
echo "==> Migrating the database ($(python -c 'from config import Config; print(Config().SQLALCHEMY_DATABASE_URI)'))"
flask db upgrade
echo "==> Demo data"
flask seed-demo
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"
echo
echo "    Sounding Board is running at  http://$HOST:$PORT/"
echo "    Log in with any demo account above; press Ctrl+C to stop."
echo
exec python -c "
from wsgi import app
from forum.extensions import socketio
socketio.run(app, host='$HOST', port=$PORT, allow_unsafe_werkzeug=True)
"
