"""The append-only event log behind the live threads.

A service calls `record()` inside its transaction, commits, and then calls `publish()` with the
events it recorded. Clients that reconnect send the last event id they saw and get the rest
from the database (see forum/realtime), so a push that is lost on the wire is never lost.
"""
from __future__ import annotations

from typing import Any

from flask import current_app

from forum.extensions import db, socketio
from forum.models import Event


def record(channel: str, kind: str, payload: dict[str, Any] | None = None) -> Event:
    """Add an event to the current transaction. Its id is known after flush."""
    event = Event(channel=channel, kind=kind, payload=payload or {})
    db.session.add(event)
    return event


def as_message(event: Event) -> dict[str, Any]:
    return {"id": event.id, "channel": event.channel, "kind": event.kind, "payload": event.payload,
            "at": event.created_at.isoformat() + "Z"}


def publish(*events: Event) -> None:
    """Push committed events to the Socket.IO room of their channel. Call only after commit."""
    for event in events:
        try:
            socketio.emit("event", as_message(event), to=event.channel)
        except Exception:  # noqa: BLE001 - the database has it; reconnecting clients catch up
            current_app.logger.warning("Could not push event %s; clients will catch up", event.id)
