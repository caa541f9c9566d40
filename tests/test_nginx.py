"""The production set-up, tested: Debian's nginx with deploy/nginx.conf (on free ports) in front of two
gunicorn + gevent processes sharing Redis, as README's "Deployment at scale" documents.

A visitor's second request is a hit in nginx's cache; a signed-in request is never answered from it
nor stored in it; a post shows on the next signed-in request and, for a visitor, within the shared
lifetime; an open visitor page (even one nginx served a little old) receives it live; Socket.IO
works through nginx; static files come from disk, compressed where they are text."""
from __future__ import annotations

import gzip
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.conftest import _TMP, PASSWORD, REDIS_URL, need_service
from tests.nginx import NGINX, Nginx
from tests.servers import ROOT, Server, prepare_database

pytestmark = [pytest.mark.redis, pytest.mark.skipif(
    os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
    reason="runs once, in the SQLite pass (it prepares its own database; bench/deploy.py runs PostgreSQL too)")]

SHARED_MAX_AGE = 2  # seconds nginx keeps a visitor's page fresh (PAGE_SHARED_MAX_AGE), short for the test

SEED = """
import json
from forum.extensions import db
from forum.models import Board
from forum.services import events, passwords, posting
from forum.models import User
user = User(username="sofia", username_key="sofia", email="sofia@example.test", display_name="Sofia Nginx",
            password_hash=passwords.hash_password(PASSWORD), trust_level=1)
db.session.add(user)
board = Board(slug="general", name="General", position=1)
db.session.add(board)
db.session.commit()
topic = posting.create_topic(user, board, "Behind nginx", "The first post")
other = posting.create_topic(user, board, "Only for the signed in", "Never requested by a visitor")
print(json.dumps({"topic": topic.id, "other": other.id}))
"""


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    if not os.path.exists(NGINX):
        need_service("nginx", f"{NGINX} is not installed (apt-get install nginx)")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        need_service("Redis", str(exc))
    prefix = f"sbnginx-{uuid.uuid4().hex[:10]}"
    base = _TMP / prefix
    base.mkdir(parents=True)
    env = {"INSTANCE_PATH": str(base), "DATABASE_URL": f"sqlite:///{base / 'forum.db'}",
           "SECRET_KEY": uuid.uuid4().hex, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "SOCKETIO_CHANNEL": prefix,
           "LIVE_KEY_PREFIX": f"{prefix}:live:", "CACHE_REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": f"{prefix}:page:",
           "RATELIMIT_STORAGE_URI": "memory://", "PROXY_FIX_HOPS": "1", "ACCESS_LOG": "0",
           "PAGE_SHARED_MAX_AGE": str(SHARED_MAX_AGE)}
    data = json.loads(prepare_database(env, seed=False, then=SEED.replace("PASSWORD", repr(PASSWORD)))
                      .strip().splitlines()[-1])
    servers = [Server(env, log_dir=str(base)), Server(env, log_dir=str(base))]
    proxy = None
    try:
        for server in servers:
            server.start()
        proxy = Nginx([s.port for s in servers]).start()
        yield {"url": proxy.url, "nginx": proxy, **data}
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()


def _visitor(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=30)


def _until_hit(url: str, within: float = 15) -> None:
    """Ask as a visitor until nginx answers from a fresh cached copy. An earlier test may have left a
    stale one, which nginx serves while it refreshes it ("UPDATING"); on a loaded machine that
    refresh can outlast the next request."""
    deadline = time.monotonic() + within
    while (status := _visitor(url).headers["X-Cache-Status"]) != "HIT":
        assert time.monotonic() < deadline, f"never a cache hit, last {status}"
        time.sleep(0.2)


def _signed_in(site: dict[str, Any]) -> requests.Session:
    session = requests.Session()
    response = session.post(site["url"] + "/login", data={"login": "sofia", "password": PASSWORD},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:300]
    assert "session" in session.cookies
    session.get(site["url"] + "/", timeout=30)  # the welcome message, shown once
    return session


def _reply(session: requests.Session, site: dict[str, Any], body: str) -> int:
    response = session.post(f"{site['url']}/t/{site['topic']}/reply", data={"body": body, "submit": "1"},
                            headers={"Accept": "application/json"}, timeout=30)
    assert response.status_code == 201, response.text[:300]
    return response.json()["id"]


def test_a_visitors_second_request_is_a_cache_hit(site):
    url = f"{site['url']}/t/{site['topic']}"
    first, second = _visitor(url), _visitor(url)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Cache-Status"] in ("MISS", "EXPIRED", "STALE", "UPDATING", "HIT")
    assert second.headers["X-Cache-Status"] == "HIT", site["nginx"].log()
    assert second.text == first.text and "Behind nginx" in second.text
    assert second.headers["Cache-Control"].startswith("public") and "Set-Cookie" not in second.headers


def test_a_signed_in_request_is_never_served_from_nor_stored_in_the_cache(site):
    session = _signed_in(site)
    url = f"{site['url']}/t/{site['other']}"
    for _ in range(2):
        response = session.get(url, timeout=30)
        assert response.status_code == 200
        assert response.headers["X-Cache-Status"] == "BYPASS"
        assert "Sofia Nginx" in response.text and "Log out" in response.text
        assert response.headers["Cache-Control"] == "private, no-cache"
    reload = session.get(url, headers={"If-None-Match": response.headers["ETag"]}, timeout=30)
    assert reload.status_code == 304 and reload.headers["X-Cache-Status"] == "BYPASS"  # the app's, from its key
    visitor = _visitor(url)  # nothing was stored for this address: a visitor's request goes to the app
    assert visitor.headers["X-Cache-Status"] == "MISS"
    assert "Log out" not in visitor.text and "avatar-link" not in visitor.text  # no account menu


def test_a_post_shows_signed_in_at_once_and_to_visitors_within_the_shared_lifetime(site):
    url = f"{site['url']}/t/{site['topic']}"
    _until_hit(url)  # the visitor's copy is in nginx's cache before the post
    session = _signed_in(site)
    words = f"Posted behind nginx {uuid.uuid4().hex[:8]}"
    _reply(session, site, words)
    posted = time.monotonic()
    assert words in session.get(url, timeout=30).text  # the very next signed-in request
    while words not in _visitor(url).text:
        assert time.monotonic() - posted < SHARED_MAX_AGE + 3, "the visitor's page never caught up"
        time.sleep(0.25)
    assert time.monotonic() - posted < SHARED_MAX_AGE + 3


class Page:
    """A python-socketio client standing in for an open page, connected through nginx."""

    def __init__(self, url: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", self._add)
        self.client.connect(url, wait_timeout=30)  # long-polling first, then the WebSocket upgrade

    def _add(self, message: dict[str, Any]) -> None:
        with self.changed:
            self.events.append(message)
            self.changed.notify_all()

    def wait_for(self, post_id: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not any(e.get("data", {}).get("post_id") == post_id for e in self.events):
                left = deadline - time.monotonic()
                assert left > 0, f"post {post_id} never arrived: {self.events}"
                self.changed.wait(left)


def test_an_open_visitor_page_served_a_little_old_receives_every_post_live(site):
    url = f"{site['url']}/t/{site['topic']}"
    _visitor(url)
    session = _signed_in(site)
    missed = _reply(session, site, "Posted while nginx still held the old page")
    page = _visitor(url)  # from nginx's cache, from before that post
    assert page.headers["X-Cache-Status"] in ("HIT", "STALE", "UPDATING")
    seq = int(re.search(r'data-live-seq="(\d+)"', page.text)[1])
    live = Page(site["url"])
    try:
        deadline = time.monotonic() + 15
        while live.client.transport() != "websocket":  # the upgrade, through nginx
            assert time.monotonic() < deadline, "the connection was never upgraded to a WebSocket"
            time.sleep(0.1)
        answer = live.client.call("subscribe", {"topic": site["topic"], "after": seq}, timeout=30)
        assert "error" not in answer, answer
        live.wait_for(missed)  # caught up from the number the old page carries
        later = _reply(session, site, "Posted while the page is open")
        live.wait_for(later)
    finally:
        live.client.disconnect()


def test_socket_io_long_polling_works_through_nginx(site):
    response = requests.get(f"{site['url']}/socket.io/?EIO=4&transport=polling", timeout=30)
    assert response.status_code == 200 and '"sid"' in response.text
    assert "X-Cache-Status" not in response.headers  # never near the page cache


def test_static_files_come_from_disk_compressed(site):
    page = _visitor(f"{site['url']}/t/{site['topic']}", **{"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"  # requests decompressed it
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{10}\.css)"', page.text)[1]
    raw = requests.get(site["url"] + css, headers={"Accept-Encoding": "gzip"}, timeout=30, stream=True)
    body = raw.raw.read()
    assert raw.status_code == 200 and raw.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == (ROOT / "static" / "css" / "app.css").read_bytes()
    assert len(body) < len(gzip.decompress(body)) / 2
    assert raw.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # From disk: the app puts its Content-Security-Policy on everything it serves, static files too.
    assert "Content-Security-Policy" not in raw.headers
    assert "Content-Security-Policy" in page.headers
    icon = requests.get(site["url"] + "/static/favicon.svg", timeout=30)
    assert icon.status_code == 200 and icon.content == Path(ROOT / "static" / "favicon.svg").read_bytes()
