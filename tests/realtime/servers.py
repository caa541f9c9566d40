"""Real server processes for the live tests and bench/fanout.py: gunicorn with one gevent worker,
as in production, on a free port, against a database the caller prepared."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(url: str) -> None:
    """Create the schema in a new database (the models plus the search extras)."""
    from forum import create_app
    from forum.extensions import db
    from forum.services import schema

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.create_all()
        schema.create_extras(db.engine)
        db.engine.dispose()


class ServerProcess:
    """`gunicorn -k gevent -w 1 wsgi:app` on 127.0.0.1:<free port>; start(), stop(), restart()."""

    def __init__(self, database_url: str, instance: Path, secret_key: str, *, app: str = "wsgi:app",
                 worker_connections: int = 1000, **env: str) -> None:
        self.port = free_port()
        self.app_path = app
        self.worker_connections = worker_connections
        self.env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance),
                    "SECRET_KEY": secret_key, "SOCKETIO_ASYNC_MODE": "gevent", "RATELIMIT_ENABLED": "0",
                    "PYTHONUNBUFFERED": "1", "SITE_URL": f"http://127.0.0.1:{self.port}", **env}
        if "SOCKETIO_MESSAGE_QUEUE" not in env:
            self.env.pop("SOCKETIO_MESSAGE_QUEUE", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = instance / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> ServerProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "--graceful-timeout", "2",
             "--worker-connections", str(self.worker_connections), "-b", f"127.0.0.1:{self.port}",
             self.app_path],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:  # the master listens before its worker has loaded the app: wait for an answer
                with urllib.request.urlopen(f"{self.url}/socket.io/?EIO=4&transport=polling", timeout=30) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
