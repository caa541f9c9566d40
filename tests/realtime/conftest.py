"""Socket.IO test clients, each with its own app context (its own Flask-Login user and session)."""
from __future__ import annotations

import contextvars
from typing import Any

import pytest
from flask.globals import _cv_app

from forum.extensions import db, socketio
from tests.conftest import login


class LiveClient:
    """Flask-SocketIO's test client, run like a separate browser: every call in a fresh context."""

    def __init__(self, app: Any, user: Any = None) -> None:
        self.http = app.test_client()
        if user is not None:
            login(self.http, user)
        self.sio = self._run(lambda: socketio.test_client(app, flask_test_client=self.http))
        self.inbox: list[dict[str, Any]] = []

    @staticmethod
    def _run(fn: Any) -> Any:
        def isolated() -> Any:
            _cv_app.set(None)  # type: ignore[arg-type]
            return fn()

        result = contextvars.copy_context().run(isolated)
        if _cv_app.get(None) is not None:
            db.session.expire_all()
        return result

    def emit(self, event: str, *args: Any) -> Any:
        return self._run(lambda: self.sio.emit(event, *args, callback=True))

    def subscribe(self, **what: Any) -> Any:
        return self.emit("subscribe", what)

    def received(self) -> list[dict[str, Any]]:
        """Everything received since the last call: [{"name": ..., "args": [...]}]."""
        got = self._run(lambda: self.sio.get_received())
        self.inbox.extend(got)
        return got

    def events(self) -> list[dict[str, Any]]:
        return [m["args"][0] for m in self.received() if m["name"] == "event"]

    def named(self, name: str) -> list[Any]:
        return [m["args"][0] for m in self.received() if m["name"] == name]

    def disconnect(self) -> None:
        self._run(lambda: self.sio.disconnect())

    @property
    def connected(self) -> bool:
        return self.sio.is_connected()


@pytest.fixture
def live(app):
    """live(user=None) -> a connected LiveClient. The test client patches the Socket.IO server's
    send functions; they are put back afterwards so real sockets (browser tests) work again."""
    # Room numbers restart with every test's database: forget sockets that earlier tests (or the
    # in-process browser tests' pages) left in rooms of the same name.
    from forum.realtime.handlers import registry
    from forum.realtime.presence import MemoryPresence

    app.extensions["sb_presence"] = MemoryPresence()
    app.config["LIVE_PRESENCE_INTERVAL"] = 0  # every count at once (no coalescing) in these tests
    with registry.lock:
        registry.rooms.clear()
    server = socketio.server
    patched = ("_send_packet", "_send_eio_packet")
    saved = {name: server.__dict__.get(name) for name in patched}
    handlers = (server.async_handlers, server.eio.async_handlers)
    clients: list[LiveClient] = []

    def make(user: Any = None) -> LiveClient:
        client = LiveClient(app, user)
        clients.append(client)
        return client

    yield make
    for client in clients:
        if client.connected:
            client.disconnect()
    for name, value in saved.items():
        if value is None:
            server.__dict__.pop(name, None)
        else:
            setattr(server, name, value)
    server.async_handlers, server.eio.async_handlers = handlers


class Applier:
    """What the page's script does with events: apply number last+1, hold later ones until the gap
    fills, drop what it already applied."""

    def __init__(self, after: int) -> None:
        self.last = after
        self.pending: dict[int, dict[str, Any]] = {}
        self.applied: list[dict[str, Any]] = []

    def feed(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            seq = message["seq"]
            if seq <= self.last or seq in self.pending:
                continue
            self.pending[seq] = message
            while self.last + 1 in self.pending:
                self.last += 1
                self.applied.append(self.pending.pop(self.last))

    @property
    def seqs(self) -> list[int]:
        return [m["seq"] for m in self.applied]
