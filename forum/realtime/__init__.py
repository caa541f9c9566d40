"""Live threads over Socket.IO: rooms, catch-up from the event log, presence (see handlers.py)."""
from __future__ import annotations

from flask import Flask

from forum.extensions import socketio
from forum.realtime import handlers
from forum.realtime.ending import end_room, end_sessions
from forum.realtime.presence import MemoryPresence, RedisPresence
from forum.services import events

__all__ = ["end_room", "end_sessions", "init_app"]


def _on_sessions_ended(user_id: int, **_: object) -> None:
    end_sessions(user_id)


def _on_room_narrowed(room: str, **_: object) -> None:
    end_room(room)


def init_app(app: Flask) -> None:
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    if queue and str(queue).startswith(("redis://", "rediss://", "unix://")):
        app.extensions["sb_presence"] = RedisPresence(queue, app.config.get("LIVE_KEY_PREFIX", "sb:live:"))
    else:
        app.extensions["sb_presence"] = MemoryPresence()
    handlers.register(socketio)
    # The services say when rights change (forum/services/events.py); they never import this layer.
    events.sessions_ended.connect(_on_sessions_ended)
    events.room_narrowed.connect(_on_room_narrowed)
