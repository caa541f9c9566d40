"""Debian's nginx running deploy/nginx.conf, as documented, on free ports: for tests/test_nginx.py and
bench/deploy.py. The deployment file is used as it is, with only its addresses and paths replaced
(the upstream ports, the listening port, the static folder, the cache folder), inside a minimal
nginx.conf of its own (pid, logs and temporary files in a private folder)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tests.servers import ROOT, free_port

NGINX = "/usr/sbin/nginx"
DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"

MAIN = """
{user}
daemon off;
worker_processes {workers};
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
{extra_http}
{site}
}}
"""


def site_config(upstream_ports: list[int], port: int, cache_dir: str, extra_locations: str = "") -> str:
    """deploy/nginx.conf with its addresses and paths replaced; `extra_locations` go in its server."""
    text = DEPLOY_CONF.read_text()
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in upstream_ports)
    text, count = re.subn(r"(?m)^    server 127\.0\.0\.1:500\d[^\n]*\n(    server 127\.0\.0\.1:500\d[^\n]*\n)*",
                          servers + "\n", text)
    assert count == 2, "deploy/nginx.conf's upstreams (pages, Socket.IO) moved"
    replacements = {"listen 80;": f"listen 127.0.0.1:{port};", "server_name forum.example.com;": "server_name _;",
                    "/srv/sounding-board/static/": f"{ROOT / 'static'}/",
                    "/var/cache/nginx/sounding-board": cache_dir}
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx.conf no longer says {old!r}"
        text = text.replace(old, new)
    # The site listens on 80/443, where a browser's Host is the bare name that $host gives. Here it
    # listens on a free port, which the Host (and a WebSocket's Origin) carry: pass the port along,
    # or Flask-SocketIO's same-origin check refuses the upgrade.
    text = text.replace("$host;", "$http_host;")
    if extra_locations:
        head, tail = text.rsplit("}", 1)
        text = head + extra_locations + "\n}" + tail
    return text


class Nginx:
    """nginx in the foreground of its own process group, on a free port; start() and stop()."""

    def __init__(self, upstream_ports: list[int], *, extra_locations: str = "", extra_http: str = "",
                 workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.work = Path(tempfile.mkdtemp(prefix="sb-nginx-"))
        os.chmod(self.work, 0o755)
        site = site_config(upstream_ports, self.port, str(self.work / "cache"), extra_locations)
        self.conf = self.work / "nginx.conf"
        user = "user root;" if os.geteuid() == 0 else ""  # as root, the workers would be nobody's otherwise
        self.conf.write_text(MAIN.format(user=user, work=self.work, site=site, extra_http=extra_http,
                                         workers=workers))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> Nginx:
        check = subprocess.run([NGINX, "-t", "-c", str(self.conf), "-p", str(self.work)], capture_output=True,
                               text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}")
        log = open(self.work / "stderr.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen([NGINX, "-c", str(self.conf), "-p", str(self.work)], stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log()}")
            try:
                requests.get(self.url + "/static/favicon.svg", timeout=2)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not answer: {self.log()}")

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in (self.work / "error.log",
                                                                          self.work / "stderr.log") if p.exists())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
