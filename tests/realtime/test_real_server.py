"""Against a real server process (gunicorn + gevent) with the python-socketio client."""
from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio

from tests.conftest import _TMP, PASSWORD
from tests.realtime.servers import ServerProcess, prepare_database


def seed(url: str) -> dict[str, Any]:
    """A consumer and a topic, written through the services."""
    from forum import create_app
    from forum.extensions import db
    from forum.models import Board
    from forum.services import events, posting
    from tests.conftest import make_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1})
    with app.app_context():
        user = make_user("sofia")
        board = Board(slug="general", name="General", position=1)
        db.session.add(board)
        db.session.commit()
        topic = posting.create_topic(user, board, "Live thread", "The first post")
        data = {"topic_id": topic.id, "seq": events.current_seq(events.topic_room(topic.id)), "user": "sofia"}
        db.session.remove()
        db.engine.dispose()
    return data


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[ServerProcess, dict[str, Any]]]:
    base = _TMP / f"live-{uuid.uuid4().hex[:8]}"
    base.mkdir(parents=True)
    url = f"sqlite:///{base / 'forum.db'}"
    prepare_database(url)
    data = seed(url)
    proc = ServerProcess(url, base, os.environ["SECRET_KEY"], WTF_CSRF_ENABLED="0")
    with proc:
        yield proc, data


def http_session(server: ServerProcess, username: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{server.url}/login", data={"login": username, "password": PASSWORD},
                            allow_redirects=False, timeout=60)
    assert response.status_code == 302, response.text[:300]
    return session


def post_reply(session: requests.Session, server: ServerProcess, topic_id: int, body: str) -> int:
    response = session.post(f"{server.url}/t/{topic_id}/reply", data={"body": body, "submit": "1"},
                            headers={"Accept": "application/json"}, timeout=60)
    assert response.status_code == 201, response.text[:300]
    return response.json()["id"]


class Listener:
    def __init__(self, url: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", self._on_event)
        self.client.connect(url, transports=["websocket"], wait_timeout=60)

    def _on_event(self, message: dict[str, Any]) -> None:
        with self.changed:
            self.events.append(message)
            self.changed.notify_all()

    def wait_for_seq(self, seq: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not any(m["seq"] >= seq for m in self.events):
                left = deadline - time.monotonic()
                assert left > 0, f"no event {seq}; got {[m['seq'] for m in self.events][-5:]}"
                self.changed.wait(left)


def test_a_client_that_misses_50_posts_gets_all_50_in_order_exactly_once(server):
    proc, data = server
    writer = http_session(proc, data["user"])
    topic_id, start = data["topic_id"], data["seq"]

    first = Listener(proc.url)
    answer = first.client.call("subscribe", {"topic": topic_id, "after": start}, timeout=60)
    assert answer["ok"] and answer["seq"] == start
    post_reply(writer, proc, topic_id, "Before the drop")
    first.wait_for_seq(start + 1)
    last_applied = first.events[-1]["seq"]
    first.client.disconnect()

    missed = [post_reply(writer, proc, topic_id, f"Missed post {i}") for i in range(50)]

    again = Listener(proc.url)
    answer = again.client.call("subscribe", {"topic": topic_id, "after": last_applied}, timeout=60)
    assert answer["ok"] and answer["seq"] == last_applied + 50
    # A post after the reconnection arrives live; once it is here, nothing else is on its way.
    sentinel = post_reply(writer, proc, topic_id, "After the reconnection")
    again.wait_for_seq(last_applied + 51)
    again.client.disconnect()
    seqs = [m["seq"] for m in again.events]
    assert seqs == list(range(last_applied + 1, last_applied + 52))
    assert [m["data"]["post_id"] for m in again.events] == [*missed, sentinel]
    assert {m["kind"] for m in again.events} == {"post.added"}
