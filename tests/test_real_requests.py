"""What reaches the app through the production server (gunicorn + gevent, gunicorn.conf.py), and
through nginx with the configuration in deploy/nginx.conf: hostile bodies and Host headers."""
from __future__ import annotations

import re
import shutil
import socket
import tempfile
from collections.abc import Iterator

import pytest

from tests.servers import Server, prepare_database

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


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    instance = tempfile.mkdtemp(prefix="sb-real-requests-")
    env = {"INSTANCE_PATH": instance, "SITE_URL": "https://forum.example.com",
           "TRUSTED_HOSTS": "forum.example.com,127.0.0.1", "MAIL_BACKGROUND": "0"}
    prepare_database(env, seed=False)
    with Server(env, log_dir=instance) as running:
        yield running


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
