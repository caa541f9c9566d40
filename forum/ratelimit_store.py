"""Rate-limit counters in a SQLite file, the default when no Redis is configured.

Counters kept in process memory vanish when the process restarts (a locked-out guesser would get a
fresh five tries after every deploy) and are not shared by two processes on one machine. A small
SQLite file under instance/ fixes both without a server. With Redis (`RATELIMIT_STORAGE_URI=redis://`)
the counters live there instead and hold across machines.

The URI is `sqlitefile:///absolute/path/ratelimits.sqlite`. It supports the fixed-window strategy,
Flask-Limiter's default and the one the forum uses.
"""
from __future__ import annotations

import sqlite3
import threading
import time
import urllib.parse

from limits.storage import Storage

SCHEME = "sqlitefile"


class SQLiteFileStorage(Storage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: object) -> None:
        parsed = urllib.parse.urlparse(uri or "")
        self.path = urllib.parse.unquote(parsed.netloc + parsed.path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS counters "
                         "(key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL NOT NULL)")
            self._conn = conn
        return self._conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
                conn.execute("INSERT INTO counters (key, value, expires) VALUES (?, ?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
                             (key, amount, now + expiry))
                value = conn.execute("SELECT value FROM counters WHERE key = ?", (key,)).fetchone()[0]
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return int(value)

    def _row(self, key: str) -> tuple[int, float] | None:
        with self._lock:
            row = self._connection().execute(
                "SELECT value, expires FROM counters WHERE key = ? AND expires > ?", (key, time.time())).fetchone()
        return (int(row[0]), float(row[1])) if row else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        try:
            with self._lock:
                self._connection().execute("SELECT 1")
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        with self._lock:
            cursor = self._connection().execute("DELETE FROM counters")
        return cursor.rowcount

    def clear(self, key: str) -> None:
        with self._lock:
            self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
