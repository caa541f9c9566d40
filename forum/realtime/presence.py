"""Who is here: the sockets in each room ("N here now") and each person's sockets.

In memory for one process; in Redis (sorted sets scored by an expiry time, refreshed by each process
every HEARTBEAT seconds) when SOCKETIO_MESSAGE_QUEUE is set, so counts agree across processes and
the sockets of a process that was killed drop out after TTL seconds.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any

TTL = 45.0
HEARTBEAT = 15.0


class MemoryPresence:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rooms: dict[str, set[str]] = defaultdict(set)
        self._users: dict[int, set[str]] = defaultdict(set)

    def join(self, room: str, sid: str) -> int:
        with self._lock:
            self._rooms[room].add(sid)
            return len(self._rooms[room])

    def leave(self, room: str, sid: str) -> int:
        with self._lock:
            members = self._rooms.get(room)
            if members is None:
                return 0
            members.discard(sid)
            if not members:
                del self._rooms[room]
                return 0
            return len(members)

    def count(self, room: str) -> int:
        with self._lock:
            return len(self._rooms.get(room, ()))

    def room_sids(self, room: str) -> set[str]:
        with self._lock:
            return set(self._rooms.get(room, ()))

    def add_user(self, user_id: int, sid: str) -> None:
        with self._lock:
            self._users[user_id].add(sid)

    def remove_user(self, user_id: int, sid: str) -> None:
        with self._lock:
            sids = self._users.get(user_id)
            if sids is not None:
                sids.discard(sid)
                if not sids:
                    del self._users[user_id]

    def user_sids(self, user_id: int) -> set[str]:
        with self._lock:
            return set(self._users.get(user_id, ()))

    def refresh(self, local: dict[str, set[str]], users: dict[int, set[str]]) -> None:
        """Nothing expires in memory."""


class RedisPresence:
    """Sorted sets: member = socket id, score = when it expires unless its process refreshes it."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # only with a Redis URL configured: a one-machine install never loads it

        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = prefix

    def _room_key(self, room: str) -> str:
        return f"{self.prefix}room:{room}"

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}user:{user_id}"

    def _count(self, pipe: Any, key: str) -> None:
        now = time.time()
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zcard(key)
        pipe.expire(key, int(TTL * 2))

    def join(self, room: str, sid: str) -> int:
        key = self._room_key(room)
        pipe = self.redis.pipeline()
        pipe.zadd(key, {sid: time.time() + TTL})
        self._count(pipe, key)
        return int(pipe.execute()[2])

    def leave(self, room: str, sid: str) -> int:
        key = self._room_key(room)
        pipe = self.redis.pipeline()
        pipe.zrem(key, sid)
        self._count(pipe, key)
        return int(pipe.execute()[2])

    def count(self, room: str) -> int:
        pipe = self.redis.pipeline()
        self._count(pipe, self._room_key(room))
        return int(pipe.execute()[1])

    def room_sids(self, room: str) -> set[str]:
        """The sockets in a room, on every process (those of a killed process expire)."""
        return {s.decode() if isinstance(s, bytes) else s
                for s in self.redis.zrangebyscore(self._room_key(room), time.time(), "+inf")}

    def add_user(self, user_id: int, sid: str) -> None:
        key = self._user_key(user_id)
        pipe = self.redis.pipeline()
        pipe.zadd(key, {sid: time.time() + TTL})
        pipe.expire(key, int(TTL * 2))
        pipe.execute()

    def remove_user(self, user_id: int, sid: str) -> None:
        self.redis.zrem(self._user_key(user_id), sid)

    def user_sids(self, user_id: int) -> set[str]:
        key = self._user_key(user_id)
        return {s.decode() if isinstance(s, bytes) else s
                for s in self.redis.zrangebyscore(key, time.time(), "+inf")}

    def refresh(self, local: dict[str, set[str]], users: dict[int, set[str]]) -> None:
        """Push the expiry of this process's sockets forward."""
        until = time.time() + TTL
        pipe = self.redis.pipeline()
        for room, sids in local.items():
            if sids:
                pipe.zadd(self._room_key(room), dict.fromkeys(sids, until), xx=True)
                pipe.expire(self._room_key(room), int(TTL * 2))
        for user_id, sids in users.items():
            if sids:
                pipe.zadd(self._user_key(user_id), dict.fromkeys(sids, until), xx=True)
                pipe.expire(self._user_key(user_id), int(TTL * 2))
        pipe.execute()
