"""Real server processes for tests and benches: gunicorn + gevent from gunicorn.conf.py, as in
production, each on a free port, stopped (or killed) by its own process id.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

#: Settings that make a test server quick to sign in to (cheap password hashing) and easy to drive
#: from a script (no CSRF tokens to scrape). Everything else is the production configuration.
FAST_ENV = {
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST": "1024",
    "ARGON2_PARALLELISM": "1",
    "WTF_CSRF_ENABLED": "0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "SOCKETIO_", "RATELIMIT_", "CACHE_"))}
    env.update(FAST_ENV)
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("SITE_URL", "http://127.0.0.1")  # required outside testing; the servers name their own
    env.update(extra)
    return env


def prepare_database(env: dict[str, str], seed: bool = True, timeout: float = 180, then: str = "") -> str:
    """Migrate the database named by env (DATABASE_URL or INSTANCE_PATH's SQLite), load the demo
    data if `seed`, then run the code `then` in the app context. Returns what it printed."""
    script = textwrap.dedent("""
        from flask_migrate import upgrade
        from forum import create_app
        from forum.demo import seed_demo
        app = create_app({"RATELIMIT_ENABLED": False, "ACCESS_LOG": False})
        with app.app_context():
            upgrade()
            if SEED:
                for _ in seed_demo():
                    pass
    """).replace("SEED", repr(seed)) + textwrap.indent(textwrap.dedent(then), "    ")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=_env(env), capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"preparing the database failed:\n{result.stderr[-3000:]}")
    return result.stdout


class Server:
    """One gunicorn process (master + one gevent worker) on a free port."""

    def __init__(self, env: dict[str, str], port: int | None = None, log_dir: str | None = None,
                 app: str = "wsgi:app") -> None:
        self.env = env
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir or tempfile.mkdtemp(prefix="sb-server-")) / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> Server:
        env = _env({"SITE_URL": self.url, **self.env, "HOST": "127.0.0.1", "PORT": str(self.port)})
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", self.app],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()[-3000:]}")
            try:
                requests.get(self.url + "/healthz", timeout=2)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer in {timeout}s: {self.log()[-3000:]}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the master and its worker at once, as a crash would (own process group only)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._close()

    def _close(self) -> None:
        log = getattr(self, "_log", None)
        if log is not None and not log.closed:
            log.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
