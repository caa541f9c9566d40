"""The page cache's stores: with CACHE_REDIS_URL each process keeps what it read from Redis in its own
memory, for no longer than Redis keeps it, and sees what any other process stored."""
from __future__ import annotations

import time
import uuid

import pytest

from forum.pagecache_stores import LayeredStore, MemoryStore, RedisStore
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.redis


@pytest.fixture
def two_processes(app, redis_client):
    prefix = f"sbtest-store-{uuid.uuid4().hex[:8]}:"
    stores = [LayeredStore(MemoryStore(), RedisStore(REDIS_URL, prefix=prefix)) for _ in range(2)]
    yield stores
    stores[0].far.clear()


def test_what_one_process_stores_the_other_reads_and_keeps_no_longer_than_redis(two_processes):
    first, second = two_processes
    first.set("page|1", {"html": "<p>one</p>", "authors": []}, 1)
    assert second.get("page|1")["html"] == "<p>one</p>"  # from Redis, then from its own memory
    assert second.near.get("page|1") is not None
    time.sleep(1.3)
    assert second.get("page|1") is None and first.get("page|1") is None  # gone from both memories too


def test_a_redis_that_does_not_answer_is_a_miss(app):
    store = LayeredStore(MemoryStore(), RedisStore("redis://127.0.0.1:1/0", prefix="nothing:"))
    with app.test_request_context("/"):
        assert store.get("page|2") is None
        store.set("page|2", {"html": "<p>two</p>", "authors": []}, 60)  # logged, not raised
        assert store.get("page|2")["html"] == "<p>two</p>"  # this process's own copy still serves
