"""Where cached pages live: a size-bounded LRU in process memory (one machine), or Redis (shared by
every process). Both take and give JSON-able dicts with a time to live; a failing Redis is a miss."""
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

    def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
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
        try:
            value = self.client.get(self.prefix + key)
        except redis.RedisError as exc:
            current_app.logger.warning("page cache: Redis get failed: %s", exc)
            return None
        return json.loads(value) if value is not None else None

    def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
        try:
            self.client.set(self.prefix + key, json.dumps(value).encode(), ex=max(1, int(ttl)))
        except redis.RedisError as exc:
            current_app.logger.warning("page cache: Redis set failed: %s", exc)

    def clear(self) -> None:
        for key in self.client.scan_iter(self.prefix + "*"):
            self.client.delete(key)


