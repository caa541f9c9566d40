"""The Socket.IO handlers: subscribe to what a page shows, catch up from the database, presence.

A client never names a room. It sends `subscribe` with the object its page shows and the last
number it applied ({"topic": 12, "after": 41} or {"concept": "smart-kettle", "after": 7}); the
server asks the policy whether this person may see it, joins the socket to the room first, and only
then reads every later event from the database and sends them in order (joining first closes the
race with a transaction that commits meanwhile: its event comes live, from the database, or both,
and the client drops the duplicate). The answer (the Socket.IO acknowledgement) is
{"ok": true, "room": ..., "seq": <last number sent>, "here": <people on the page>}, or
{"ok": true, "reload": true} when the client is further behind than what is kept, or
{"ok": false, "error": <code>, "message": <words>} for a refusal or a malformed message.

Moderators join the room's staff twin, where events carry their staff payload. Sockets use the
Flask-Login session (Flask-SocketIO's manage_session=False) and the same-origin check;
visitors listen to public rooms. A suspended (or silenced) person listens as a visitor: public rooms only, and
no private room (unread count). Logging out or a suspension ends the person's sockets
(forum/realtime/ending.py), and the page reconnects as who they are now; so does hiding a concept for
every page open on it. Both run on the services' signals (forum/services/events.py).
Events named like Socket.IO's own (connect, disconnect) are refused when a client sends them.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from flask_login import current_user
from flask_socketio import disconnect, emit, join_room, leave_room

from forum import policy
from forum.errors import DomainError
from forum.extensions import socketio
from forum.i18n import _
from forum.realtime.presence import HEARTBEAT
from forum.services import concepts, events, posting

MAX_SLUG = 200
MAX_AFTER = 2**62


@dataclass
class Connection:
    user_id: int | None
    staff: bool
    rooms: set[str] = field(default_factory=set)
    tokens: float = 0.0
    stamp: float = field(default_factory=time.monotonic)
    refused: int = 0


class Registry:
    """This process's sockets: their state, and the rooms and people they are in (for the heartbeat)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connections: dict[str, Connection] = {}
        self.rooms: dict[str, set[str]] = {}
        self.users: dict[int, set[str]] = {}
        self.heartbeat_started = False
        self.last_counts: dict[str, int] = {}
        self.presence_sent: dict[str, float] = {}
        self.presence_pending: set[str] = set()

    def snapshot(self) -> tuple[dict[str, set[str]], dict[int, set[str]]]:
        with self.lock:
            return ({r: set(s) for r, s in self.rooms.items()}, {u: set(s) for u, s in self.users.items()})


registry = Registry()


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _presence() -> Any:
    return current_app.extensions["sb_presence"]


def _viewer() -> Any:
    """Who listens: the signed-in person, or None for a visitor (and for a suspended person)."""
    user = current_user._get_current_object() if current_user else None
    if user is None or not getattr(user, "is_authenticated", False) or user.is_read_only:
        return None
    return user


def _answer_error(code: str, message: str) -> dict[str, Any]:
    emit("problem", {"error": code, "message": message})
    return {"ok": False, "error": code, "message": message}


def _take_token(conn: Connection) -> None:
    """A bucket per connection: LIVE_MESSAGE_BURST messages, refilled at LIVE_MESSAGES_PER_SECOND."""
    config = current_app.config
    burst = float(config.get("LIVE_MESSAGE_BURST", 20))
    rate = float(config.get("LIVE_MESSAGES_PER_SECOND", 2))
    now = time.monotonic()
    conn.tokens = min(burst, conn.tokens + (now - conn.stamp) * rate)
    conn.stamp = now
    if conn.tokens < 1:
        conn.refused += 1
        raise Refused("rate_limited", _("Too many messages; slow down."))
    conn.tokens -= 1


def _connection() -> Connection:
    conn = registry.connections.get(request.sid)  # type: ignore[attr-defined]
    if conn is None:
        raise Refused("not_connected", _("Connect again."))
    return conn


def _target(message: Any, viewer: Any) -> tuple[str, dict[str, Any]]:
    """(room, what the room is) for a subscribe/unsubscribe message, or Refused."""
    if not isinstance(message, dict):
        raise Refused("malformed", _('Send an object such as {"topic": 12, "after": 40}.'))
    keys = set(message) - {"after"}
    if keys == {"topic"}:
        topic_id = message["topic"]
        if isinstance(topic_id, bool) or not isinstance(topic_id, int) or not 0 < topic_id < 2**31:
            raise Refused("malformed", _("A topic is named by its number."))
        try:
            topic = posting.get_topic(topic_id, viewer)
        except DomainError:
            topic = None
        if topic is None or not policy.can(viewer, "topic.view", topic):
            raise Refused("not_found", _("There is no topic at that address."))
        return events.topic_room(topic.id), {"topic": topic.id}
    if keys == {"concept"}:
        slug = message["concept"]
        if not isinstance(slug, str) or not slug or len(slug) > MAX_SLUG:
            raise Refused("malformed", _("A concept is named by its address."))
        try:
            concept = concepts.get_by_slug(slug, viewer)
        except DomainError:
            concept = None
        if concept is None or not policy.can(viewer, "concept.view", concept):
            raise Refused("not_found", _("There is no concept at that address."))
        return events.concept_room(concept.id), {"concept": concept.slug}
    raise Refused("malformed", _('Name one topic or one concept: {"topic": 12} or {"concept": "slug"}.'))


def _after(message: dict[str, Any], room: str) -> int:
    after = message.get("after")
    if after is None:
        return events.current_seq(room)
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < MAX_AFTER:
        raise Refused("malformed", _('"after" is the last event number the page applied (0 or more).'))
    return after


def _emit_presence(room: str, count: int) -> None:
    registry.last_counts[room] = count
    socketio.emit("presence", {"room": room, "here": count}, to=[room, events.staff_room(room)])


def _broadcast_presence(room: str, count: int) -> None:
    """Tell the room its new count: at once if none was sent in the last LIVE_PRESENCE_INTERVAL
    seconds, else once at the end of it with the count then. (A room that 500 pages join within a
    second hears one or two counts, not 500 times 500.)"""
    app = current_app._get_current_object()
    interval = float(app.config.get("LIVE_PRESENCE_INTERVAL", 1.0))
    now = time.monotonic()
    with registry.lock:
        if room in registry.presence_pending:
            return
        wait = interval - (now - registry.presence_sent.get(room, -interval))
        if wait > 0:
            registry.presence_pending.add(room)
        else:
            registry.presence_sent[room] = now
    if wait <= 0:
        _emit_presence(room, count)
        return

    def later() -> None:
        socketio.sleep(wait)
        with registry.lock:
            registry.presence_pending.discard(room)
            registry.presence_sent[room] = time.monotonic()
        try:
            _emit_presence(room, app.extensions["sb_presence"].count(room))
        except Exception:  # noqa: BLE001 - the next change sends it again
            app.logger.warning("Could not send the presence count of %s", room)

    socketio.start_background_task(later)


def _sent_by_client() -> bool:
    """Socket.IO calls the connect and disconnect handlers itself while it sets a connection up or
    tears it down (the connection is not "connected" then). An event of the same name that a client
    sends arrives on a live connection: it is refused, so no client resets its limits or leaves the
    registry (and `end_sessions`) while its socket stays open."""
    return bool(socketio.server.manager.is_connected(request.sid, request.namespace or "/"))  # type: ignore[attr-defined]


def _refuse_reserved() -> dict[str, Any]:
    conn = registry.connections.get(request.sid)  # type: ignore[attr-defined]
    if conn is not None:
        conn.refused += 1
        try:
            _take_token(conn)  # a message like any other
        except Refused:
            pass
    _maybe_drop()
    return _answer_error("reserved", _("That event name is Socket.IO's own; a client cannot send it."))


def on_connect(auth: Any = None) -> bool | dict[str, Any]:
    if _sent_by_client():
        return _refuse_reserved()
    viewer = _viewer()
    sid = request.sid  # type: ignore[attr-defined]
    burst = float(current_app.config.get("LIVE_MESSAGE_BURST", 20))
    conn = Connection(user_id=viewer.id if viewer else None, staff=policy.can(viewer, "moderation.access"),
                      tokens=burst)
    with registry.lock:
        registry.connections[sid] = conn
        if viewer is not None:
            registry.users.setdefault(viewer.id, set()).add(sid)
    if viewer is not None:
        join_room(events.user_room(viewer.id))
        _presence().add_user(viewer.id, sid)
    _start_heartbeat()
    return True


def on_disconnect(*args: Any) -> dict[str, Any] | None:
    if _sent_by_client():
        return _refuse_reserved()
    sid = request.sid  # type: ignore[attr-defined]
    with registry.lock:
        conn = registry.connections.pop(sid, None)
        if conn is None:
            return
        for room in conn.rooms:
            members = registry.rooms.get(room)
            if members is not None:
                members.discard(sid)
                if not members:
                    del registry.rooms[room]
        if conn.user_id is not None:
            sids = registry.users.get(conn.user_id)
            if sids is not None:
                sids.discard(sid)
                if not sids:
                    del registry.users[conn.user_id]
    presence = _presence()
    for room in conn.rooms:
        _broadcast_presence(room, presence.leave(room, sid))
    if conn.user_id is not None:
        presence.remove_user(conn.user_id, sid)


def on_subscribe(message: Any = None) -> dict[str, Any]:
    try:
        conn = _connection()
        _take_token(conn)
        viewer = _viewer()
        room, what = _target(message, viewer)
        after = _after(message, room)
        if room not in conn.rooms and len(conn.rooms) >= int(current_app.config.get("LIVE_MAX_SUBSCRIPTIONS", 10)):
            raise Refused("too_many_subscriptions", _("This page listens to too many things at once."))
    except Refused as refused:
        _maybe_drop()
        return _answer_error(refused.code, refused.message)
    sid = request.sid  # type: ignore[attr-defined]
    staff = policy.can(viewer, "moderation.access")
    # Join first, then read: an event committed meanwhile arrives live, from the database, or both.
    join_room(events.staff_room(room) if staff else room)
    first = room not in conn.rooms
    with registry.lock:
        conn.rooms.add(room)
        registry.rooms.setdefault(room, set()).add(sid)
    here = _presence().join(room, sid) if first else _presence().count(room)
    if first:
        _broadcast_presence(room, here)
    missed = events.since(room, after, staff=staff)
    if missed is None:
        emit("reload", {"room": room, **what})
        return {"ok": True, "room": room, **what, "reload": True, "here": here, "staff": staff}
    for message_out in missed:
        emit("event", message_out)
    last = missed[-1]["seq"] if missed else after
    return {"ok": True, "room": room, **what, "seq": last, "here": here, "staff": staff}


def on_unsubscribe(message: Any = None) -> dict[str, Any]:
    try:
        conn = _connection()
        _take_token(conn)
        room, what = _target(message, _viewer())
    except Refused as refused:
        _maybe_drop()
        return _answer_error(refused.code, refused.message)
    sid = request.sid  # type: ignore[attr-defined]
    leave_room(room)
    leave_room(events.staff_room(room))
    if room in conn.rooms:
        with registry.lock:
            conn.rooms.discard(room)
            members = registry.rooms.get(room)
            if members is not None:
                members.discard(sid)
                if not members:
                    del registry.rooms[room]
        _broadcast_presence(room, _presence().leave(room, sid))
    return {"ok": True, "room": room, **what}


def _maybe_drop() -> None:
    """A client that keeps sending after being refused many times is disconnected."""
    conn = registry.connections.get(request.sid)  # type: ignore[attr-defined]
    if conn is not None and conn.refused > int(current_app.config.get("LIVE_MAX_REFUSALS", 50)):
        disconnect()


def on_error(exc: Exception) -> dict[str, Any]:
    current_app.logger.exception("Socket.IO handler failed: %s", exc)
    return _answer_error("server_error", _("Something went wrong; the page will catch up when it reconnects."))


def _start_heartbeat() -> None:
    """With Redis presence: refresh this process's sockets and push counts that changed (others'
    sockets expiring, e.g. after a process was killed)."""
    app = current_app._get_current_object()
    presence = app.extensions["sb_presence"]
    if registry.heartbeat_started or not hasattr(presence, "redis"):
        return
    registry.heartbeat_started = True

    def beat() -> None:
        while True:
            socketio.sleep(HEARTBEAT)
            try:
                rooms, users = registry.snapshot()
                presence.refresh(rooms, users)
                with app.app_context():
                    for room in rooms:
                        count = presence.count(room)
                        if registry.last_counts.get(room) != count:
                            _broadcast_presence(room, count)
            except Exception:  # noqa: BLE001 - try again at the next beat
                app.logger.warning("Presence heartbeat failed", exc_info=True)

    socketio.start_background_task(beat)


def register(sio: Any) -> None:
    sio.on_event("connect", on_connect)
    sio.on_event("disconnect", on_disconnect)
    sio.on_event("subscribe", on_subscribe)
    sio.on_event("unsubscribe", on_unsubscribe)
    sio.on_error_default(on_error)
