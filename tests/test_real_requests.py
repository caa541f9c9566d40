"""What reaches the app through the production server (gunicorn + gevent, gunicorn.conf.py), and
through nginx with the configuration in deploy/nginx.conf: hostile bodies and Host headers."""
from __future__ import annotations

import re
import socket
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import need_service
from tests.nginx import NGINX, Nginx
from tests.servers import Server, prepare_database


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
        rows = conn.execute("SELECT id, body_text FROM outbox ORDER BY id").fetchall()
        # Only the rows read: a message the server commits meanwhile stays for the next look.
        conn.executemany("DELETE FROM outbox WHERE id = ?", [(row[0],) for row in rows])
        bodies = [row[1] for row in rows]
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

@pytest.fixture(scope="module")
def nginx(server) -> Iterator[str]:
    """Debian's nginx running deploy/nginx.conf as shipped (tests/nginx.py) in front of the server."""
    if not Path(NGINX).exists():
        need_service("nginx", f"{NGINX} is not installed (apt-get install nginx)")
    with Nginx([server.port]) as running:
        yield running.url


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
