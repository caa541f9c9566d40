"""Sockets follow every change of rights against real servers (gunicorn + gevent) with the
python-socketio client: one process without Redis, and two processes sharing Redis (the socket on
one, the change made through the other). The database is SQLite, or PostgreSQL under
TEST_DATABASE_URL=postgresql+psycopg://..."""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from tests.conftest import _TMP, PASSWORD, REDIS_URL, create_pg_database, drop_pg_database, need_service
from tests.realtime.servers import ServerProcess, prepare_database

SLUG = "smart-kettle"


def seed(url: str) -> dict[str, Any]:
    """Consumer, moderator, admin, an organization (owner, member) with a concept and its topic, and
    a board topic, written through the services."""
    from forum import create_app
    from forum.extensions import db
    from forum.models import Board, Concept, utcnow
    from forum.services import posting
    from tests.conftest import make_org, make_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1})
    with app.app_context():
        people = {name: make_user(name, role=role) for name, role in
                  (("sofia", "consumer"), ("maya", "moderator"), ("ada", "admin"), ("olga", "consumer"),
                   ("mick", "consumer"))}
        org = make_org(people["olga"], members=(people["mick"],))
        concept = Concept(organization_id=org.id, slug=SLUG, title="Smart kettle", created_by_id=people["olga"].id,
                          last_activity_at=utcnow(), feedback_open=True)
        db.session.add(concept)
        topic = posting.concept_topic(concept)
        board = Board(slug="general", name="General", position=1)
        db.session.add(board)
        db.session.commit()
        other = posting.create_topic(people["sofia"], board, "Kettles in general", "First post")
        data = {"ids": {n: u.id for n, u in people.items()}, "org": org.slug, "concept_id": concept.id,
                "concept_topic": topic.id, "board_topic": other.id}
        db.session.remove()
        db.engine.dispose()
    return data


@dataclass
class Site:
    actions: ServerProcess  # where people act over HTTP
    sockets: ServerProcess  # where the pages listen (the same process without Redis)
    database_url: str
    data: dict[str, Any]

    def session(self, username: str | None) -> requests.Session:
        http = requests.Session()
        if username:
            response = http.post(f"{self.actions.url}/login", data={"login": username, "password": PASSWORD},
                                 allow_redirects=False, timeout=60)
            assert response.status_code == 302, response.text[:300]
        return http

    def scalar(self, sql: str) -> Any:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar()
        finally:
            engine.dispose()


class Page:
    """An open page's socket: the person's cookies, connected to the sockets' process."""

    def __init__(self, site: Site, http: requests.Session) -> None:
        self.ended = threading.Event()
        self.events: list[dict[str, Any]] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("disconnect", lambda *args: self.ended.set())
        self.client.on("event", self.events.append)
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.client.connect(site.sockets.url, transports=["websocket"], wait_timeout=60,
                            headers={"Cookie": cookie} if cookie else {})

    def call(self, event: str, *args: Any) -> Any:
        return self.client.call(event, *args, timeout=60) if args else self.client.call(event, timeout=60)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture(scope="module", params=["one process", "two processes on Redis"])
def site(request) -> Iterator[Site]:
    prefix = f"sbrights-{uuid.uuid4().hex[:10]}"
    base = _TMP / prefix
    base.mkdir(parents=True)
    pg_name = None
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
        url, pg_name = create_pg_database(os.environ["TEST_DATABASE_URL"])
    else:
        url = f"sqlite:///{base / 'forum.db'}"
    env = {"WTF_CSRF_ENABLED": "0", "LIVE_MAX_SUBSCRIPTIONS": "2", "PAGE_CACHE": "0"}
    if request.param == "two processes on Redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        except Exception as exc:  # noqa: BLE001
            need_service("Redis", str(exc))
        env.update(SOCKETIO_MESSAGE_QUEUE=REDIS_URL, SOCKETIO_CHANNEL=prefix, LIVE_KEY_PREFIX=f"{prefix}:")
    processes: list[ServerProcess] = []
    try:
        prepare_database(url)
        data = seed(url)
        actions = ServerProcess(url, base, os.environ["SECRET_KEY"], **env).start()
        processes.append(actions)
        sockets = actions
        if request.param == "two processes on Redis":
            sockets = ServerProcess(url, base, os.environ["SECRET_KEY"], **env).start()
            processes.append(sockets)
        yield Site(actions, sockets, url, data)
    finally:
        for process in processes:
            process.stop()
        if pg_name:
            drop_pg_database(pg_name, os.environ["TEST_DATABASE_URL"])


@pytest.fixture
def pages(site) -> Iterator[Any]:
    opened: list[Page] = []

    def open_page(username: str | None = None, http: requests.Session | None = None) -> Page:
        page = Page(site, http or site.session(username))
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        page.close()


def test_a_client_sent_disconnect_does_not_outlive_a_logout_or_a_demotion(site, pages):
    sofia_http = site.session("sofia")
    sofia = pages(http=sofia_http)
    maya = pages("maya")
    assert maya.call("subscribe", {"topic": site.data["board_topic"]})["staff"] is True
    for page in (sofia, maya):
        refused = page.call("disconnect")
        assert refused["ok"] is False and refused["error"] == "reserved"
    assert sofia_http.post(f"{site.actions.url}/logout", allow_redirects=False, timeout=60).status_code == 302
    assert sofia.ended.wait(30), "the logged-out person's socket stayed open"
    admin = site.session("ada")
    demoted = admin.post(f"{site.actions.url}/admin/users/{site.data['ids']['maya']}/role",
                         data={"role": "consumer"}, allow_redirects=False, timeout=60)
    assert demoted.status_code == 302
    assert maya.ended.wait(30), "the demoted moderator's socket stayed open"
    admin.post(f"{site.actions.url}/admin/users/{site.data['ids']['maya']}/role", data={"role": "moderator"},
               timeout=60)


def test_a_client_sent_connect_resets_no_limit(site, pages):
    page = pages()
    assert page.call("subscribe", {"topic": site.data["board_topic"]})["ok"]
    assert page.call("subscribe", {"concept": SLUG})["ok"]
    for _ in range(3):
        assert page.call("connect")["error"] == "reserved"
    assert page.call("subscribe", {"topic": site.data["concept_topic"]})["error"] == "too_many_subscriptions"


def hide_concept(site: Site) -> None:
    """A consumer flags the concept, a moderator hides it from the queue (over HTTP)."""
    flagged = site.session("sofia").post(f"{site.actions.url}/flag", data={
        "kind": "concept", "target_id": site.data["concept_id"], "reason": "spam"}, allow_redirects=False, timeout=60)
    assert flagged.status_code == 302
    item = site.scalar(f"SELECT id FROM review_items WHERE concept_id = {site.data['concept_id']}")
    hidden = site.session("maya").post(f"{site.actions.url}/moderation/items/{item}/act",
                                       data={"action": "hide", "reason": "Misleading"}, allow_redirects=False,
                                       timeout=60)
    assert hidden.status_code == 302, hidden.text[:300]


def test_hiding_a_concept_ends_the_pages_that_may_no_longer_see_it(site, pages):
    visitor, member = pages(), pages("mick")
    for page in (visitor, member):
        assert page.call("subscribe", {"concept": SLUG})["ok"]
    hide_concept(site)
    assert visitor.ended.wait(30) and member.ended.wait(30)
    # Reconnected as who they are: the visitor may not follow it any more, the member may.
    assert pages().call("subscribe", {"concept": SLUG})["error"] == "not_found"
    assert pages("mick").call("subscribe", {"concept": SLUG})["ok"] is True


def test_a_member_removed_from_the_organization_stops_hearing_its_hidden_concept(site, pages):
    if site.scalar(f"SELECT hidden_at FROM concepts WHERE id = {site.data['concept_id']}") is None:
        hide_concept(site)  # (the test above hides it when it ran first on this process's site)
    member = pages("mick")
    assert member.call("subscribe", {"concept": SLUG})["ok"]  # members see their hidden concept
    removed = site.session("olga").post(f"{site.actions.url}/orgs/{site.data['org']}/members/"
                                        f"{site.data['ids']['mick']}/remove", allow_redirects=False, timeout=60)
    assert removed.status_code == 302
    assert member.ended.wait(30), "the former member's socket stayed open"
    again = pages("mick").call("subscribe", {"concept": SLUG})
    assert again.get("error") == "not_found", again
