"""gunicorn settings: `gunicorn wsgi:app` in this folder reads them (scripts/run.sh and
scripts/serve-cluster.sh use them). One gevent worker per process: Socket.IO keeps a connection's
state in its process, so scale with more processes behind a sticky load balancer, not more workers.

Environment: HOST, PORT (where to listen), WORKER_CONNECTIONS (concurrent connections per process),
GUNICORN_TIMEOUT (seconds before a stuck request's worker is restarted).
"""
import gc
import os

import gevent

# Read by config.py when the worker imports the app (after gevent has patched the standard library).
os.environ.setdefault("SOCKETIO_ASYNC_MODE", "gevent")

bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"]
workers = 1
worker_class = "gevent"
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 10
keepalive = 5
# The app writes its own JSON line per request (forum/serving.py); gunicorn's access log stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "sounding-board"
control_socket_disable = True  # several processes on one machine must not fight over one socket


def post_worker_init(worker: object) -> None:
    """The app is loaded (modules, the app, SQLAlchemy's metadata, compiled templates): take what it
    allocated at start-up out of the garbage collector's sight (gc.freeze), so that a full collection
    under load walks only what requests left behind. Measured under wrk: the longest collection pause
    of a worker went from 205 ms to 70 ms (240,000 tracked objects to 80,000)."""
    gc.freeze()


def post_request(worker: object, req: object, environ: object, resp: object) -> None:
    """After each response, give the event loop a turn before this connection's next request.

    Behind nginx's keepalive pool the next request on a connection is often already waiting when
    the last one ends (nginx reuses the connection it freed last), so without this the greenlet
    would serve it at once, and the next, without passing through the loop: a few connections
    took turns while the others' requests (and every timer) waited, up to 60 requests in a row.
    Measured (issue 17, reload of a concept page, wrk -c16 through nginx, two processes): nginx's
    upstream p99 160-360 ms against 2 ms in the app. A sleep of more than 0 resumes on the loop's
    next iteration, after it has polled every socket (gevent.sleep(0) may resume before polling)."""
    gevent.sleep(0.000_001)
