"""The stored summary of a concept: its parts (votes, Kano, prices...) computed once per change and
kept as JSON in `concept_summaries`; pages, the API and the exports read it with `get(concept)`.

When is it current? It carries the event numbers it was computed at: the concept room's (`seq`) and
its discussion's (`topic_seq`: comments count in the participation). Every change to its inputs
records an event in one of those rooms in the same transaction (a vote, an answer, a feature added
or retired, a switch turned on or off, a comment posted or hidden), so a number moves and the next
read recomputes, once. Changes made elsewhere call `invalidate(concept)` or
`invalidate_for_user(user_id)` in their transaction. Changes by the clock alone (a suspension ends,
a new account's wait ends) are covered by `valid_until`, after which it is recomputed.

One snapshot: every figure (tallies, ranking, waiting votes, participation, Kano, Van Westendorp,
Gabor-Granger, MaxDiff, segments) is read in one database snapshot together with the room numbers
it is stored under (SQLite: one read transaction; PostgreSQL: one REPEATABLE READ transaction on the
request's own connection), so the price histograms always add up to one n under concurrent answers
and "voted" in the participation is the votes part's voters. A segment's figures (`rule.only_segment`)
are read the same way and never stored.

Never waiting: a reader that finds the summary stale computes it and serves it; storing it is
best-effort on the same connection (SQLite: only if the write lock is free at once; PostgreSQL: a
short lock timeout), so no reader waits on a writer and no request takes a second connection.
A writer that reads it stores it in its own transaction; on PostgreSQL that transaction is READ
COMMITTED, so a service that needs the figures reads them before it writes (decisions.create does).

The JSON has a `version` and the parts' names: a row of another shape is simply recomputed.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import String, cast, event, literal, select, text, union
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from forum.extensions import WROTE, db, upsert_insert
from forum.models import (
    Concept,
    ConceptSummary,
    Feature,
    FeatureVote,
    GaborGrangerResponse,
    KanoAnswer,
    MaxDiffAnswer,
    Post,
    PriceResponse,
    SegmentAnswer,
    SegmentQuestion,
    Topic,
    utcnow,
)
from forum.services import events
from forum.services.demand import rule
from forum.services.demand.parts import PARTS
from forum.services.page_keys import room_seq_column

#: Bump when a part changes shape: stored summaries of another version are recomputed.
VERSION = 4

Part = Callable[[Concept], Any]


@dataclass
class Snapshot:
    seq: int
    parts: dict[str, Any] = field(default_factory=dict)
    valid_until: datetime | None = None
    topic_seq: int = 0

    @property
    def key(self) -> tuple[int, int]:
        return self.seq, self.topic_seq

    def current(self, now: datetime) -> bool:
        return self.valid_until is None or self.valid_until > now


# --- which transaction we are in -------------------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    session.info.pop(WROTE, None)
    if has_app_context():
        g.pop("_sb_seqs", None)  # the room numbers read in this transaction may be old now


def _writing(session: Session) -> bool:
    """Inside a transaction that changed something (or is about to): never ended early."""
    if session.info.get(WROTE) or session.new or session.dirty or session.deleted:
        return True
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return bool(connection.info.get("write_gate") or connection.connection.dbapi_connection.in_transaction)
    return False


# --- reading ---------------------------------------------------------------------------------------

_RECENT: OrderedDict[tuple[int, int, int], Snapshot] = OrderedDict()
_RECENT_MAX = 256
_RECENT_LOCK = threading.Lock()


def forget() -> None:
    """Drop this process's memo (tests do, between databases)."""
    with _RECENT_LOCK:
        _RECENT.clear()


def remember_seq(concept_id: int, seq: int, topic_seq: int) -> None:
    """A view that has just read the numbers of the concept's room and its discussion's hands them
    over (saves a query)."""
    g.setdefault("_sb_seqs", {})[concept_id] = (seq, topic_seq)


def room_seqs(concept_id: int) -> tuple[int, int]:
    """(the concept room's number, its discussion's number): the key of its summary, one statement."""
    topic = select(Topic.id).where(Topic.concept_id == concept_id).scalar_subquery()
    row = db.session.execute(select(room_seq_column(events.concept_room(concept_id)),
                                    room_seq_column(literal("topic:") + cast(topic, String)))).one()
    return int(row[0]), int(row[1])


def _memo(concept_id: int, snapshot: Snapshot) -> None:
    with _RECENT_LOCK:
        _RECENT[(concept_id, *snapshot.key)] = snapshot
        _RECENT.move_to_end((concept_id, *snapshot.key))
        while len(_RECENT) > _RECENT_MAX:
            _RECENT.popitem(last=False)


def get(concept: Concept) -> Snapshot:
    """The concept's current summary: remembered, stored, or computed now (and stored, best-effort)."""
    if rule.segment() is not None:
        return refresh(concept, store=False)  # one segment's figures: for the request, never stored
    seqs = g.setdefault("_sb_seqs", {})
    key = seqs.get(concept.id)
    if key is None:
        key = seqs[concept.id] = room_seqs(concept.id)
    now = utcnow()
    with _RECENT_LOCK:
        found = _RECENT.get((concept.id, *key))
    if found is not None and found.current(now):
        return found
    row = db.session.execute(select(ConceptSummary.seq, ConceptSummary.data)
                             .where(ConceptSummary.concept_id == concept.id)).first()
    found = decode(row.data) if row is not None and row.seq == key[0] else None
    if found is None or found.key != key or not found.current(now):
        found = refresh(concept)
    _memo(concept.id, found)
    return found


def compute(concept: Concept) -> Snapshot:
    """Every part from the database as it is now (the caller provides the snapshot: refresh)."""
    seq, topic_seq = room_seqs(concept.id)  # read before the inputs
    parts = {name: part(concept) for name, part in PARTS.items()}
    return Snapshot(seq=seq, parts=parts, valid_until=rule.valid_until(concept.id), topic_seq=topic_seq)


def refresh(concept: Concept, store: bool = True) -> Snapshot:
    """Compute the summary in one snapshot and (`store`) store it without waiting (see the module's
    notes)."""
    session = db.session()
    if _writing(session):
        snapshot = compute(concept)  # the writer's own transaction is the snapshot
        if store:
            try:
                with session.begin_nested():
                    session.execute(_upsert(concept.id, snapshot))
            except DBAPIError as exc:
                _not_stored(concept.id, exc)
        return snapshot
    if session.connection().dialect.name == "sqlite":
        return _refresh_sqlite(session, concept, store)
    return _refresh_postgresql(session, concept, store)


def _refresh_sqlite(session: Session, concept: Concept, store: bool) -> Snapshot:
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    connection.exec_driver_sql("BEGIN")  # deferred: one read snapshot from the first read on
    try:
        snapshot = compute(concept)
    finally:
        raw.rollback()
    if not store:
        return snapshot
    timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, or not at all
        connection.execute(_upsert(concept.id, snapshot))
        raw.commit()
    except DBAPIError as exc:
        raw.rollback()
        _not_stored(concept.id, exc)
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(timeout or 0)}")
    return snapshot


def _refresh_postgresql(session: Session, concept: Concept, store: bool) -> Snapshot:
    session.rollback()  # nothing was written: end the read-committed transaction
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        snapshot = compute(concept)
    except BaseException:
        session.rollback()
        raise
    if not store:
        session.rollback()
        return snapshot
    try:
        session.execute(text("SET LOCAL lock_timeout = '200ms'"))
        session.execute(_upsert(concept.id, snapshot))
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        _not_stored(concept.id, exc)
    return snapshot


def _not_stored(concept_id: int, exc: Exception) -> None:
    current_app.logger.info("The summary of concept %s was served, not stored: %s", concept_id, exc)


# --- JSON ------------------------------------------------------------------------------------------

def encode(snapshot: Snapshot) -> str:
    return json.dumps({"version": VERSION, "seq": snapshot.seq, "topic_seq": snapshot.topic_seq, "parts": snapshot.parts,
                       "valid_until": snapshot.valid_until.isoformat() if snapshot.valid_until else None},
                      separators=(",", ":"))


def decode(data: Any) -> Snapshot | None:
    """The stored JSON back, or None when it is of another shape (then it is recomputed)."""
    try:
        stored = json.loads(data)
        if stored.get("version") != VERSION or not set(PARTS) <= set(stored["parts"]):
            return None
        until = stored["valid_until"]
        return Snapshot(seq=int(stored["seq"]), parts=stored["parts"], topic_seq=int(stored["topic_seq"]),
                        valid_until=datetime.fromisoformat(until) if until else None)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def _upsert(concept_id: int, snapshot: Snapshot) -> Any:
    """Insert or replace the row, never replacing a newer summary."""
    values = {"concept_id": concept_id, "seq": snapshot.seq, "valid_until": snapshot.valid_until,
              "data": encode(snapshot), "computed_at": utcnow()}
    stmt = upsert_insert(ConceptSummary).values(values)
    return stmt.on_conflict_do_update(
        index_elements=["concept_id"],
        set_={name: getattr(stmt.excluded, name) for name in ("seq", "valid_until", "data", "computed_at")},
        where=ConceptSummary.seq <= stmt.excluded.seq)


# --- invalidating ----------------------------------------------------------------------------------

def invalidate(concept: Concept | int) -> Any:
    """Call inside the transaction of a change that alters the concept's numbers but records no
    event in its room itself. Returns the event: publish it after the commit."""
    concept_id = concept if isinstance(concept, int) else concept.id
    return events.record(events.concept_room(concept_id), "summary.changed", {"concept_id": concept_id})


def invalidate_for_user(user_id: int) -> list[Any]:
    """Call inside the transaction that changes whether a person's answers count (a suspension, a
    membership, a deleted account): every concept they answered on is recomputed."""
    concept_ids = db.session.scalars(union(
        select(Feature.concept_id).join(FeatureVote, FeatureVote.feature_id == Feature.id)
        .where(FeatureVote.user_id == user_id),
        select(Feature.concept_id).join(KanoAnswer, KanoAnswer.feature_id == Feature.id)
        .where(KanoAnswer.user_id == user_id),
        select(PriceResponse.concept_id).where(PriceResponse.user_id == user_id),
        select(GaborGrangerResponse.concept_id).where(GaborGrangerResponse.user_id == user_id),
        select(MaxDiffAnswer.concept_id).where(MaxDiffAnswer.user_id == user_id),
        select(SegmentQuestion.concept_id).join(SegmentAnswer, SegmentAnswer.question_id == SegmentQuestion.id)
        .where(SegmentAnswer.user_id == user_id),
        select(Topic.concept_id).join(Post, Post.topic_id == Topic.id)  # their comments: participation
        .where(Post.author_id == user_id, Topic.concept_id.is_not(None)),
    )).all()
    return [invalidate(concept_id) for concept_id in sorted(set(concept_ids))]


__all__ = ["Part", "Snapshot", "compute", "decode", "encode", "forget", "get", "invalidate",
           "invalidate_for_user", "refresh", "remember_seq", "room_seqs"]
