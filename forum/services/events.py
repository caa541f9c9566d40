"""The append-only event log behind the live threads.

Rooms are named by the server from objects (`topic_room`, `concept_room`, `user_room`); a client
never names one. Each room numbers its events 1, 2, 3... without gaps: `record()` bumps the room's
row in `room_sequences` (an UPSERT ... RETURNING, which takes the row lock until the writing
transaction ends) and writes the event with that number, in the caller's transaction. So a room's
numbers follow commit order, and a reader that resumes "after 41" never skips a row that an
earlier transaction was still writing (what a global auto-increment id would do on PostgreSQL).

A service records inside its transaction, commits, then calls `publish()` with what it recorded.
A page reads `current_seq(room)` *before* its content and hands it to the client; the client
subscribes "after" that number, and the socket handler (forum/realtime) sends `since()` from the
database after joining the room, so a push lost on the wire is never lost.

Payloads are thin (ids, counts, names) or carry HTML that was sanitized when written. A client
applies an event by making the page show the state it names, so applying one twice changes
nothing. `staff` holds what only moderators get on top of the payload (a hidden post's text and
the reason): it goes to the room's staff twin, everybody else gets the plain payload.

Retention: events older than EVENTS_RETENTION_DAYS (default 14) are deleted by
`flask prune-events`; a client further behind than what is kept is told to reload.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from blinker import Namespace
from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from forum.extensions import db, socketio, upsert_insert
from forum.models import Event, Post, RoomSequence, utcnow
from forum.services import unread

#: At most this many missed events are sent on one subscribe; further behind, the client reloads.
CATCH_UP_LIMIT = 1000
DEFAULT_RETENTION_DAYS = 14
_UNREAD_KEY = "sb_unread_changed"
_NARROWED_KEY = "sb_rooms_narrowed"

# What the live layer (forum/realtime, which subscribes at start-up) must do after a change of
# rights; services send these signals and never import it.
_signals = Namespace()
#: sender: a user id. Their rights changed (logout, password, role, suspension, membership): every
#: socket of theirs is ended, and their pages reconnect as who they are now.
sessions_ended = _signals.signal("sessions-ended")
#: sender: a room name. Fewer people may see it now (a concept or topic was hidden): every socket
#: subscribed to it is ended, and each page subscribes again, asking the policy again.
room_narrowed = _signals.signal("room-narrowed")


# --- room names ---------------------------------------------------------------------------------

def topic_room(topic_id: int) -> str:
    return f"topic:{topic_id}"


def concept_room(concept_id: int) -> str:
    return f"concept:{concept_id}"


def org_room(organization_id: int) -> str:
    """An organization's room: its name, address and mark changed (no page subscribes; the concept
    list's cache key sums these numbers, forum/web/concepts.py)."""
    return f"org:{organization_id}"


def user_room(user_id: int) -> str:
    """A person's private room: their unread-notification count."""
    return f"user:{user_id}"


def staff_room(room: str) -> str:
    """The twin of a room that moderators join: the same events, with the staff payload."""
    return f"{room}#staff"


# --- writing ------------------------------------------------------------------------------------

def _upsert_sequence(room: str) -> Any:
    table = RoomSequence.__table__
    stmt = upsert_insert(table).values(room=room, last_seq=1)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.room], set_={"last_seq": table.c.last_seq + 1}).returning(table.c.last_seq)


def next_seq(room: str) -> int:
    """The room's next number, taken in the current transaction. The row stays locked until it ends
    (PostgreSQL: the UPSERT's row lock; SQLite: the one writer), so numbers follow commit order and a
    rollback gives its number back."""
    return int(db.session.execute(_upsert_sequence(room)).scalar_one())


def record(room: str, kind: str, payload: dict[str, Any] | None = None, *,
           staff: dict[str, Any] | None = None) -> Event:
    """Add an event to the current transaction with the room's next number. Call it late in the
    transaction: the room's writers wait for each other from here to the commit."""
    event = Event(room=room, seq=next_seq(room), kind=kind, payload=payload or {}, staff_payload=staff)
    db.session.add(event)
    return event


def narrowed(*rooms: str) -> None:
    """Note rooms fewer people may see after this transaction; `publish()` sends `room_narrowed`
    for each once the transaction's own events are out."""
    db.session.info.setdefault(_NARROWED_KEY, set()).update(rooms)


def unread_changed(*user_ids: int) -> None:
    """Note people whose unread count changes in this transaction; `publish()` pushes their counts."""
    db.session.info.setdefault(_UNREAD_KEY, set()).update(uid for uid in user_ids if uid is not None)


# --- reading ------------------------------------------------------------------------------------

def current_seq(room: str) -> int:
    """The room's newest number (0 before its first event). Pages read it before their content."""
    return db.session.scalar(select(RoomSequence.last_seq).where(RoomSequence.room == room)) or 0


def seq_before(room: str, *loaded: Any) -> int:
    """current_seq(room) for a page whose objects were loaded to find the room: they are read again
    after the number, so the page shows at least what the number says."""
    seq = current_seq(room)
    for obj in loaded:
        db.session.refresh(obj)
    return seq


def as_message(event: Event, *, staff: bool = False) -> dict[str, Any]:
    data = dict(event.payload or {})
    if staff and event.staff_payload:
        data.update(event.staff_payload)
    return {"room": event.room, "seq": event.seq, "kind": event.kind, "data": data,
            "at": event.created_at.isoformat() + "Z"}


def since(room: str, after: int, *, staff: bool = False, limit: int = CATCH_UP_LIMIT) -> list[dict[str, Any]] | None:
    """The room's events after number `after`, in order, as messages; None when the client must
    reload instead (it is further behind than what is kept, or ahead of the room: a reset database)."""
    last = current_seq(room)
    if after == last:
        return []
    if after > last or after < 0 or last - after > limit:
        return None
    rows = list(db.session.scalars(select(Event).where(Event.room == room, Event.seq > after)
                                   .order_by(Event.seq).limit(limit)))
    # Pruned (or never kept) events leave a hole at the start: the page cannot be patched.
    if not rows or rows[0].seq != after + 1:
        return None
    messages = [as_message(e, staff=staff) for e in rows]
    return messages if staff else _as_shown_now(messages)


#: What a "post.added" says about who wrote it: public while the post shows, gone once it does not.
POST_AUTHOR_FIELDS = ("author", "author_id")


def _as_shown_now(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A catch-up tells what the page shows now: a post deleted or hidden since it was added shows
    as a placeholder (or not at all), so its "post.added" no longer names its author."""
    added = {m["data"].get("post_id") for m in messages if m["kind"] == "post.added"}
    added.discard(None)
    if not added:
        return messages
    gone = set(db.session.scalars(select(Post.id).where(
        Post.id.in_(added), or_(Post.deleted_at.is_not(None), Post.hidden_at.is_not(None)))))
    for message in messages:
        if message["kind"] == "post.added" and message["data"].get("post_id") in gone:
            for name in POST_AUTHOR_FIELDS:
                message["data"].pop(name, None)
    return messages


# --- pushing ------------------------------------------------------------------------------------

def publish(*events: Event) -> None:
    """Push committed events to their rooms (and the unread counts noted in the transaction).
    Call only after commit. A failed push loses nothing: clients catch up from the database."""
    for event in events:
        try:
            public = as_message(event)
            if event.staff_payload:
                socketio.emit("event", public, to=event.room)
                socketio.emit("event", as_message(event, staff=True), to=staff_room(event.room))
            else:
                socketio.emit("event", public, to=[event.room, staff_room(event.room)])
        except Exception:  # noqa: BLE001 - the database has it; reconnecting clients catch up
            current_app.logger.warning("Could not push event %s:%s; clients will catch up", event.room, event.seq)
    push_unread()
    for room in sorted(db.session.info.pop(_NARROWED_KEY, set())):
        room_narrowed.send(room)


def push_unread(*user_ids: int) -> None:
    """Push the unread-notification count to each person's private room (after commit)."""
    users = set(user_ids) | db.session.info.pop(_UNREAD_KEY, set())
    for uid in sorted(users):
        try:
            count = unread.count(uid)
            socketio.emit("unread", {"count": count}, to=user_room(uid))
        except Exception:  # noqa: BLE001 - the next page load shows the count
            current_app.logger.warning("Could not push the unread count of user %s", uid)


def end_live_sessions(user_id: int) -> None:
    """Disconnect a person's sockets on every process (after a logout, a password change, a
    suspension, a role change, the end of a membership): their pages reconnect as who they are
    now. Call after commit. (forum/realtime receives the signal.)"""
    sessions_ended.send(user_id)


@sa_event.listens_for(Session, "after_rollback")
def _forget_narrowed(session: Session) -> None:
    session.info.pop(_NARROWED_KEY, None)


# --- retention ----------------------------------------------------------------------------------

def retention() -> timedelta:
    return timedelta(days=float(current_app.config.get("EVENTS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)))


def prune(older_than: timedelta | None = None) -> int:
    """Delete events older than the retention (room numbers are kept, so they never restart).
    Returns how many were deleted."""
    cutoff = utcnow() - (older_than if older_than is not None else retention())
    result = db.session.execute(delete(Event).where(Event.created_at < cutoff))
    db.session.commit()
    return result.rowcount or 0
