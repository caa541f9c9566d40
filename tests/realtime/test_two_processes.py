"""Two real server processes sharing the machine's Redis (SOCKETIO_MESSAGE_QUEUE): a post made through
one reaches a page connected to the other, and both count the same people on the page."""
from __future__ import annotations

import os
import threading
import time
import uuid
from typing import Any

import pytest
import socketio

from tests.conftest import _TMP, REDIS_URL
from tests.realtime.servers import ServerProcess, prepare_database
from tests.realtime.test_real_server import http_session, post_reply, seed

pytestmark = pytest.mark.redis


class Page:
    """A python-socketio client standing in for an open topic page."""

    def __init__(self, url: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.presence: list[int] = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", lambda m: self._add(self.events, m))
        self.client.on("presence", lambda m: self._add(self.presence, m["here"]))
        self.client.connect(url, transports=["websocket"], wait_timeout=30)

    def _add(self, into: list[Any], item: Any) -> None:
        with self.changed:
            into.append(item)
            self.changed.notify_all()

    def wait(self, check: Any, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not check():
                left = deadline - time.monotonic()
                assert left > 0, f"timed out waiting for {what}: events={self.events} presence={self.presence}"
                self.changed.wait(left)


def test_a_post_through_one_process_reaches_a_page_on_the_other_and_presence_agrees(redis_client):
    prefix = f"sbtest-{uuid.uuid4().hex[:10]}"
    base = _TMP / prefix
    base.mkdir(parents=True)
    url = f"sqlite:///{base / 'forum.db'}"
    prepare_database(url)
    data = seed(url)
    shared = {"SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "SOCKETIO_CHANNEL": prefix, "LIVE_KEY_PREFIX": f"{prefix}:",
              "WTF_CSRF_ENABLED": "0"}
    first = ServerProcess(url, base, os.environ["SECRET_KEY"], **shared)
    second = ServerProcess(url, base, os.environ["SECRET_KEY"], **shared)
    pages: list[Page] = []
    try:
        first.start()
        second.start()
        on_first, on_second = Page(first.url), Page(second.url)
        pages += [on_first, on_second]
        topic = {"topic": data["topic_id"], "after": data["seq"]}
        assert on_first.client.call("subscribe", topic, timeout=30)["here"] == 1
        assert on_second.client.call("subscribe", topic, timeout=30)["here"] == 2  # counted across processes
        on_first.wait(lambda: on_first.presence[-1:] == [2], "the first page to hear of the second")

        post_id = post_reply(http_session(first, data["user"]), first, data["topic_id"], "Through process one")
        on_second.wait(lambda: len(on_second.events) == 1, "the post on the other process")
        assert on_second.events[0]["data"]["post_id"] == post_id and on_second.events[0]["seq"] == data["seq"] + 1
        on_first.wait(lambda: len(on_first.events) == 1, "the post on its own process")

        on_second.client.disconnect()
        pages.remove(on_second)
        on_first.wait(lambda: on_first.presence[-1:] == [1], "the count to drop when the other page leaves")
    finally:
        for page in pages:
            page.client.disconnect()
        first.stop()
        second.stop()
        for key in redis_client.scan_iter(f"{prefix}:*"):
            redis_client.delete(key)
