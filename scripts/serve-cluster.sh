#!/usr/bin/env bash
# The production set-up on one machine, for anyone to try: N gunicorn + gevent processes on N ports,
# sharing Redis (Socket.IO fan-out, rate limits, page cache) and one database.
#
#   ./scripts/serve-cluster.sh                    # 2 processes on 127.0.0.1:5001-5002, SQLite
#   PROCESSES=4 BASE_PORT=8001 DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/forum ./scripts/serve-cluster.sh
#
# Put nginx in front (deploy/nginx.conf: the visitor page cache, static files from disk, gzip, sticky
# Socket.IO with the WebSocket upgrade). Ctrl+C stops all.
set -euo pipefail
source "$(dirname "$0")/_venv.sh" requirements.txt
export FLASK_APP=wsgi

PROCESSES="${PROCESSES:-2}"
BASE_PORT="${BASE_PORT:-5001}"
export HOST="${HOST:-127.0.0.1}"
# The public address (nginx's): links in emails are built on it, and other Host headers are refused.
export SITE_URL="${SITE_URL:-http://$HOST}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export SOCKETIO_MESSAGE_QUEUE="${SOCKETIO_MESSAGE_QUEUE:-$REDIS_URL/0}"
export RATELIMIT_STORAGE_URI="${RATELIMIT_STORAGE_URI:-$REDIS_URL/1}"
export CACHE_REDIS_URL="${CACHE_REDIS_URL:-$REDIS_URL/2}"

if ! python -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()" \
     "$SOCKETIO_MESSAGE_QUEUE" 2>/dev/null; then
  echo "Redis does not answer at $SOCKETIO_MESSAGE_QUEUE: start it (redis-server) or set REDIS_URL." >&2
  exit 1
fi

echo "==> Migrating the database ($(python -c 'from config import Config; print(Config().SQLALCHEMY_DATABASE_URI)'))"
flask db upgrade
echo "==> Demo data"
flask seed-demo

pids=()
stop() { trap - INT TERM EXIT; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait || true; }
trap stop INT TERM EXIT
for ((i = 0; i < PROCESSES; i++)); do
  port=$((BASE_PORT + i))
  PORT=$port gunicorn --config gunicorn.conf.py wsgi:app &
  pids+=($!)
  echo "    process $((i + 1)) of $PROCESSES: http://$HOST:$port/  (pid $!)"
done
echo
echo "    Shared: Socket.IO $SOCKETIO_MESSAGE_QUEUE, rate limits $RATELIMIT_STORAGE_URI, cache $CACHE_REDIS_URL"
echo "    In front of them: nginx with deploy/nginx.conf (upstream ports $BASE_PORT..$((BASE_PORT + PROCESSES - 1)))."
echo "    Press Ctrl+C to stop every process."
wait
