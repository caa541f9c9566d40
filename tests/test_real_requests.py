"""What reaches the app through the production server (gunicorn + gevent, gunicorn.conf.py), and
through nginx with the configuration in deploy/nginx.conf: hostile bodies and Host headers."""
from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import need_service
from tests.servers import ROOT, Server, free_port, prepare_database

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def raw_request(port: int, data: bytes, timeout: float = 15) -> bytes:
    """Send bytes as they are (no client library sends a broken chunked body); the answer, read
    until the server closes the connection (the requests say Connection: close)."""
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    assert match, answer[:200]
    return int(match.group(1))


SITE = "https://forum.example.com"
CAROL = "carol@example.com"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """Configured as behind the documented nginx: PROXY_FIX_HOPS=1, SITE_URL and TRUSTED_HOSTS."""
    instance = tempfile.mkdtemp(prefix="sb-real-requests-")
    env = {"INSTANCE_PATH": instance, "SITE_URL": SITE, "TRUSTED_HOSTS": "forum.example.com,127.0.0.1",
           "PROXY_FIX_HOPS": "1", "MAIL_BACKGROUND": "0", "PAGE_CACHE": "0"}
    prepare_database(env, seed=False, then=f"""
        from forum.extensions import db
        from forum.models import User, utcnow
        from forum.services import passwords
        db.session.add(User(username="carol", username_key="carol", email={CAROL!r}, display_name="Carol",
                            password_hash=passwords.hash_password("correct horse battery staple"),
                            email_verified_at=utcnow()))
        db.session.commit()
    """)
    with Server(env, log_dir=instance) as running:
        running.database = Path(instance) / "forum.db"
        yield running


def outbox_links(server: Server) -> list[str]:
    with sqlite3.connect(server.database) as conn:
        bodies = [row[0] for row in conn.execute("SELECT body_text FROM outbox ORDER BY id")]
        conn.execute("DELETE FROM outbox")
    return [url for text in bodies for url in re.findall(r"https?://\S+", text)]


def wait_for_links(server: Server, timeout: float = 10) -> list[str]:
    """The reset mail is queued after the answer is sent: wait for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = outbox_links(server)
        if found:
            return found
        time.sleep(0.1)
    return []


# --- bodies ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/reset-password", "/register", "/t/1/reply"])
def test_a_malformed_chunked_body_is_a_400_not_a_500(server, path):
    before = server.log()
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
               "ZZ\r\na=b\r\n0\r\n\r\n").encode()
    answer = raw_request(server.port, request)
    assert status_of(answer) == 400, answer[:300]
    assert b"could not be read" in answer
    logged = server.log()[len(before):]
    assert "InvalidChunkSize" not in logged and "Traceback" not in logged, logged[-2000:]


def test_a_well_formed_chunked_body_still_reaches_the_form(server):
    request = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
               b"1b\r\nlogin=nobody&password=wrong\r\n0\r\n\r\n")
    answer = raw_request(server.port, request)
    assert status_of(answer) == 401, answer[:300]  # read, and refused as a wrong password


# --- the Host header, straight to the app server ------------------------------------------------------

def test_a_forged_host_or_forwarded_host_is_refused_and_queues_nothing(server):
    for headers in ({"Host": "evil.example"}, {"Host": "forum.example.com", "X-Forwarded-Host": "evil.example"}):
        page = requests.get(server.url + "/login", headers=headers, timeout=30)
        asked = requests.post(server.url + "/reset-password", data={"email": CAROL}, headers=headers,
                              allow_redirects=False, timeout=30)
        assert page.status_code == asked.status_code == 400, headers
    time.sleep(0.5)
    assert outbox_links(server) == []


def test_reset_links_are_built_on_site_url(server):
    asked = requests.post(server.url + "/reset-password", data={"email": CAROL},
                          headers={"Host": "127.0.0.1"}, allow_redirects=False, timeout=30)
    assert asked.status_code == 302
    links = wait_for_links(server)
    assert links and all(url.startswith(SITE + "/") for url in links), links


# --- the Host header through nginx with deploy/nginx.conf ------------------------------------------------

def nginx_config(directory: Path, listen: int, upstream: int) -> Path:
    """deploy/nginx.conf as shipped, pointed at the test server and a free port, in a main
    configuration of its own (paths under `directory`, no root privileges needed)."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = re.sub(r"(?m)^(\s*)server\s+127\.0\.0\.1:\d+[^;]*;", "", site)
    site = re.sub(r"(upstream\s+\w+\s*\{)", rf"\1\n    server 127.0.0.1:{upstream};", site, count=1)
    site = re.sub(r"(?m)^(\s*)listen\s+[^;]+;", rf"\1listen 127.0.0.1:{listen};", site)
    site = re.sub(r"(proxy_cache_path\s+)\S+", rf"\1{directory}/cache", site)
    site = re.sub(r"(?m)^(\s*)(root|alias)\s+[^;]+;", rf"\1\2 {ROOT}/static/;", site)
    (directory / "site.conf").write_text(site)
    main = f"""
        pid {directory}/nginx.pid;
        error_log {directory}/error.log;
        events {{ worker_connections 64; }}
        http {{
            access_log off;
            client_body_temp_path {directory}/body;
            proxy_temp_path {directory}/proxy;
            fastcgi_temp_path {directory}/fastcgi;
            uwsgi_temp_path {directory}/uwsgi;
            scgi_temp_path {directory}/scgi;
            include {directory}/site.conf;
        }}
    """
    path = directory / "nginx.conf"
    path.write_text(main)
    return path


@pytest.fixture(scope="module")
def nginx(server) -> Iterator[str]:
    if not Path(NGINX).exists():
        need_service("nginx", f"{NGINX} is not installed (apt-get install nginx)")
    directory = Path(tempfile.mkdtemp(prefix="sb-nginx-"))
    port = free_port()
    config = nginx_config(directory, port, server.port)
    checked = subprocess.run([NGINX, "-t", "-p", str(directory), "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([NGINX, "-p", str(directory), "-c", str(config), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(url + "/healthz", headers={"Host": "forum.example.com"}, timeout=2)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, (directory / "error.log").read_text()
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_through_nginx_a_clients_forwarded_host_never_reaches_the_app(server, nginx):
    headers = {"Host": "forum.example.com", "X-Forwarded-Host": "evil.example"}
    page = requests.get(nginx + "/login", headers=headers, timeout=30)
    assert page.status_code == 200  # nginx set X-Forwarded-Host to the Host it serves
    asked = requests.post(nginx + "/reset-password", data={"email": CAROL}, headers=headers,
                          allow_redirects=False, timeout=30)
    assert asked.status_code == 302
    links = wait_for_links(server)
    assert links and all(url.startswith(SITE + "/") for url in links), links


def test_through_nginx_another_host_is_refused(server, nginx):
    for host in ("evil.example", "forum.example.com.evil.example"):
        asked = requests.post(nginx + "/reset-password", data={"email": CAROL}, headers={"Host": host},
                              allow_redirects=False, timeout=30)
        assert asked.status_code == 400, host
    time.sleep(0.5)
    assert outbox_links(server) == []
