"""The one background sender behind the outboxes (email, webhooks): after a commit that queued
something, a daemon thread delivers what is due, at most one per app and outbox; a kick while it runs
makes it go round once more. The rows stay in their table, so `flask send-mail` / `send-webhooks`
from cron pick up whatever a stopped thread left."""
from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from forum.extensions import db


class BackgroundSender:
    def __init__(self, name: str, work: Callable[[], float | None], failure: str, wake_max: float = 0) -> None:
        """`work` delivers what is due and returns the seconds until the next delivery falls due
        (or None); the sender wakes for it when that is at most `wake_max` seconds away."""
        self.name, self.work, self.failure, self.wake_max = name, work, failure, wake_max
        self._lock = threading.Condition()
        self._running: set[int] = set()
        self._again: set[int] = set()

    def kick(self, app: Flask) -> None:
        key = id(app)
        with self._lock:
            if key in self._running:
                self._again.add(key)
                return
            self._running.add(key)
        threading.Thread(target=self._run, args=(app,), name=self.name, daemon=True).start()

    def _run(self, app: Flask) -> None:
        key, wait = id(app), None
        while True:
            with app.app_context():
                try:
                    wait = self.work()
                except Exception:  # noqa: BLE001 - logged; the rows stay for the next run
                    app.logger.exception(self.failure)
                finally:
                    db.session.remove()
            with self._lock:
                if key not in self._again:
                    self._running.discard(key)
                    self._lock.notify_all()
                    break
                self._again.discard(key)
        if wait is not None and wait <= self.wake_max:  # a retry or a held delivery: wake for it
            timer = threading.Timer(max(wait, 0.5), self.kick, args=(app,))
            timer.daemon = True
            timer.start()

    def wait_until_idle(self, app: Flask, timeout: float = 30.0) -> bool:
        """Block until the app's background sender has finished (for tests and shutdown)."""
        with self._lock:
            return self._lock.wait_for(lambda: id(app) not in self._running, timeout=timeout)
