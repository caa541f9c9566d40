"""Where cached pages live: a size-bounded LRU in process memory (one machine), Redis (shared by every
process), and both layered: each process keeps what it read from Redis for as long as Redis does. All
take and give JSON-able dicts with a time to live; a failing Redis is a miss."""
from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from typing import Any

import redis
from flask import current_app


class MemoryStore:
    """A size-bounded LRU in this process's memory, with per-entry expiry."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[float, int, dict[str, Any]]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item[2]

    def set(self, key: str, value: dict[str, Any], ttl: float) -> None:
        size = 2 * len(value.get("html") or "") + 64  # the page, and its cut at the markers once read
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (time.monotonic() + ttl, size, value)
            self._size += size
            while self._size > self.max_bytes and self._items:
                self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        _, size, _ = self._items.pop(key)
        self._size -= size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


class RedisStore:
    """Entries in Redis under a prefix, with Redis's own expiry: shared by every process. A Redis that
    does not answer is a cache miss (logged), never an error page."""

    def __init__(self, url: str, prefix: str = "sb:page:") -> None:
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.prefix = prefix

    def get(self, key: str) -> dict[str, Any] | None:
        return self.get_with_ttl(key)[0]

    def get_with_ttl(self, key: str) -> tuple[dict[str, Any] | None, float]:
        """The entry and the seconds Redis keeps it still (one round trip)."""
        try:
            value, ttl_ms = self.client.pipeline(transaction=False).get(self.prefix + key).pttl(self.prefix + key).execute()
        except redis.RedisError as exc:
            current_app.logger.warning("page cache: Redis get failed: %s", exc)
            return None, 0.0
        if value is None:
            return None, 0.0
        return json.loads(value), max(0.0, ttl_ms / 1000)

    def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
        try:
            self.client.set(self.prefix + key, json.dumps(value).encode(), ex=max(1, int(ttl)))
        except redis.RedisError as exc:
            current_app.logger.warning("page cache: Redis set failed: %s", exc)

    def clear(self) -> None:
        for key in self.client.scan_iter(self.prefix + "*"):
            self.client.delete(key)


class LayeredStore:
    """This process's memory in front of Redis. A key names what its entry shows (room numbers and
    all), so a copy kept here is Redis's entry for as long as Redis keeps it, and no longer: a hit
    here costs no round trip, and every process still shares what any of them rendered."""

    def __init__(self, near: MemoryStore, far: RedisStore) -> None:
        self.near, self.far = near, far

    def get(self, key: str) -> dict[str, Any] | None:
        entry = self.near.get(key)
        if entry is None:
            entry, ttl = self.far.get_with_ttl(key)
            if entry is not None and ttl > 0:
                self.near.set(key, entry, ttl)
        return entry

    def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
        self.far.set(key, value, ttl)
        self.near.set(key, value, ttl)

    def clear(self) -> None:
        self.near.clear()
        self.far.clear()
