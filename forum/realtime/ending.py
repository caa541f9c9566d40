"""Ending sockets after a change of rights, on every process (forum/realtime/__init__.py connects
these to the services' signals, forum/services/events.py).

A person's sockets end after a logout, a password change, a role change, a suspension or the end of
a membership; every socket on a room ends after fewer people may see it (a hidden concept). Each
page then connects again (static/js/live.js) and subscribes as who the person is now, so the policy
decides again. Sockets are found through presence, which lists every process's sockets when Redis
carries them; python-socketio's disconnect reaches a socket on another process through the queue.
"""
from __future__ import annotations

from flask import current_app

from forum.extensions import socketio


def end_sessions(user_id: int) -> None:
    """Disconnect every socket of a person (on every process): after a logout or a suspension.
    Their pages reconnect and subscribe again as who they are now."""
    app = current_app._get_current_object()
    presence = app.extensions.get("sb_presence")
    if presence is None:
        return
    try:
        sids = presence.user_sids(user_id)
    except Exception:  # noqa: BLE001 - a presence store outage must not break a logout
        app.logger.warning("Could not list the sockets of user %s", user_id)
        return
    for sid in sids:
        try:
            socketio.server.disconnect(sid, namespace="/")
        except Exception:  # noqa: BLE001
            app.logger.warning("Could not disconnect socket %s", sid)
        presence.remove_user(user_id, sid)


def end_room(room: str) -> None:
    """Disconnect every socket subscribed to a room (on every process) after fewer people may see
    it (a hidden concept): each page reconnects and subscribes again, and the policy decides again.
    The room's staff twin is the same sockets (presence counts them under the room)."""
    app = current_app._get_current_object()
    presence = app.extensions.get("sb_presence")
    if presence is None:
        return
    try:
        sids = presence.room_sids(room)
    except Exception:  # noqa: BLE001 - a presence store outage must not fail the change itself
        app.logger.warning("Could not list the sockets of room %s", room)
        return
    for sid in sids:
        try:
            socketio.server.disconnect(sid, namespace="/")
        except Exception:  # noqa: BLE001
            app.logger.warning("Could not disconnect socket %s", sid)
