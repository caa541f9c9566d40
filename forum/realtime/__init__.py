"""Live threads over Socket.IO: rooms, catch-up from the event log, presence (see handlers.py)."""
from __future__ import annotations

from flask import Flask

from forum.extensions import socketio
from forum.realtime import handlers
from forum.realtime.handlers import end_sessions
from forum.realtime.presence import MemoryPresence, RedisPresence

__all__ = ["end_sessions", "init_app"]


def init_app(app: Flask) -> None:
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if queue and str(queue).startswith(("redis://", "rediss://", "unix://")):
        app.extensions["sb_presence"] = RedisPresence(queue, app.config.get("LIVE_KEY_PREFIX", "sb:live:"))
    else:
        app.extensions["sb_presence"] = MemoryPresence()
    handlers.register(socketio)
