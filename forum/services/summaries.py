"""Stored summaries: a concept's tallies, ranking, Kano and price results, computed once per change.

Computing the demand summary costs tens of milliseconds (the Van Westendorp curves over every price
answer); a page must not pay that on every view. So the numbers are computed after their inputs
change and stored in `concept_summaries`; pages read them (`get(concept)`).

When is a stored summary current? It carries the concept room's event number (`seq`) it was computed
at. Every change to its inputs records an event in the concept's room in the same transaction (a vote,
a Kano or price answer, a feature added or retired, a switch turned on or off), so the room's number
moves and the next read recomputes, once. Changes that happen elsewhere call `invalidate(concept)`
(or `invalidate_for_user(user_id)` for a person's suspension, its lifting, or a change of membership)
inside their transaction: it records a `summary.changed` event in each room concerned, which moves
the number just the same (and tells open pages to refresh their numbers).

Suspensions end by date, with nobody acting: a summary also stores `valid_until`, the earliest end of
a suspension among the concept's respondents (or of a brand-new voter's wait before their vote counts,
`moderation.next_vote_counts_at`), and is recomputed after it. Ordering matters for
correctness under concurrent writes: the room number is read before the inputs, so a stored summary
never claims a number newer than the data it was computed from.
"""
from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import event, func, select, union
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.models import (
    Concept,
    ConceptSummary,
    Feature,
    FeatureVote,
    KanoAnswer,
    PriceResponse,
    User,
    utcnow,
)

#: Bump when `Summary` changes shape: stored summaries of another version are recomputed.
VERSION = 2


@dataclass
class Summary:
    seq: int
    tallies: dict[int, tuple[int, int]]  # feature id -> (for, against), counted voters only
    ranking: list[int]  # active feature ids, best Wilson lower bound first
    voters: int
    kano: dict[int, Any] = field(default_factory=dict)  # feature id -> kano.summarize(...)
    kano_respondents: int = 0
    price: Any = None  # pricing.PriceSensitivityResult, or None without the price question
    bargains: list[dict[str, Any]] = field(default_factory=list)  # the "bargain" prices, binned
    intents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # purchase intents counted
    valid_until: datetime | None = None
    version: int = VERSION


def room(concept_id: int) -> str:
    from forum.services import events

    return events.concept_room(concept_id)


def room_seq(name: str) -> int:
    """The newest event number of a room (the live threads' per-room sequence)."""
    from forum.services import events

    return events.current_seq(name)


# --- reading ------------------------------------------------------------------------------------

#: Summaries recently read or computed by this process, by (concept id, room number): a page view
#: whose room has not moved since skips even the stored row.
_RECENT: OrderedDict[tuple[int, int], Summary] = OrderedDict()
_RECENT_MAX = 256
_RECENT_LOCK = threading.Lock()


def forget() -> None:
    """Drop this process's memo (tests do, between databases)."""
    with _RECENT_LOCK:
        _RECENT.clear()


def remember_seq(concept_id: int, seq: int) -> None:
    """A view that has just read the concept room's number hands it over (saves a query)."""
    g.setdefault("_sb_seqs", {})[concept_id] = seq


def get(concept: Concept) -> Summary:
    """The concept's current summary: the stored one, or computed now (and stored) when its inputs
    changed since. Memoized for the request (until it commits) and, by room number, for the process."""
    seqs = g.setdefault("_sb_seqs", {})
    seq = seqs.get(concept.id)
    if seq is None:
        seq = seqs[concept.id] = room_seq(room(concept.id))
    now = utcnow()
    with _RECENT_LOCK:
        summary = _RECENT.get((concept.id, seq))
    if summary is not None and (summary.valid_until is None or summary.valid_until > now):
        return summary
    row = db.session.execute(
        select(ConceptSummary.seq, ConceptSummary.valid_until, ConceptSummary.data)
        .where(ConceptSummary.concept_id == concept.id)).first()
    summary = None
    if row is not None and row.seq == seq and (row.valid_until is None or row.valid_until > now):
        summary = _load(row.data)
    if summary is None:
        summary = compute(concept, seq)
        _store(concept.id, summary)
    with _RECENT_LOCK:
        _RECENT[concept.id, seq] = summary
        _RECENT.move_to_end((concept.id, seq))
        while len(_RECENT) > _RECENT_MAX:
            _RECENT.popitem(last=False)
    return summary


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_seqs(session: Session) -> None:
    """After a commit (or rollback) the room numbers read in this request may be old."""
    if has_app_context():
        g.pop("_sb_seqs", None)


def _load(data: bytes) -> Summary | None:
    try:
        summary = pickle.loads(data)  # noqa: S301 - written by this server into its own database
    except Exception:  # noqa: BLE001 - an unreadable row (a class changed shape): recompute
        return None
    return summary if isinstance(summary, Summary) and summary.version == VERSION else None


def compute(concept: Concept, seq: int | None = None) -> Summary:
    """Everything the pages show, from the database: one query per part, plus the pure analytics."""
    from forum.analytics import ranking
    from forum.services import feedback

    if seq is None:
        seq = room_seq(room(concept.id))  # read before the inputs: see the module's notes
    counts = feedback.tallies(concept.id)
    features = feedback.active_features(concept)
    order = ranking.rank([((f.position, f.id), *counts.get(f.id, (0, 0))) for f in features])
    voters = db.session.scalar(
        select(func.count(func.distinct(FeatureVote.user_id)))
        .join(Feature, Feature.id == FeatureVote.feature_id)
        .join(User, User.id == FeatureVote.user_id)
        .where(Feature.concept_id == concept.id, Feature.retired_at.is_(None),
               feedback.counted(concept.id))) or 0
    summary = Summary(seq=seq, tallies=counts, ranking=[feature_id for _, feature_id in order],
                      voters=int(voters))
    if concept.kano_enabled:
        summary.kano = feedback.kano_by_feature(concept)
        summary.kano_respondents = feedback._kano_respondents(concept.id)
    if concept.price_question_enabled:
        from forum.services import summary as summary_page

        summary.price = feedback.price_analysis(concept)
        summary.bargains = summary_page.bargain_distribution(concept)
        summary.intents = summary_page.intents(concept)
    # Good until the next suspension ends or the next brand-new account's vote starts counting.
    from forum.services import moderation

    ends = [t for t in (_next_suspension_end(concept.id), moderation.next_vote_counts_at(concept.id)) if t]
    summary.valid_until = min(ends) if ends else None
    return summary


def _next_suspension_end(concept_id: int) -> datetime | None:
    """The earliest end of a running suspension among the people who gave this concept feedback."""
    respondents = union(
        select(FeatureVote.user_id).join(Feature, Feature.id == FeatureVote.feature_id)
        .where(Feature.concept_id == concept_id),
        select(KanoAnswer.user_id).join(Feature, Feature.id == KanoAnswer.feature_id)
        .where(Feature.concept_id == concept_id),
        select(PriceResponse.user_id).where(PriceResponse.concept_id == concept_id),
    ).subquery()
    return db.session.scalar(
        select(func.min(User.suspended_until))
        .where(User.suspended_until > utcnow(), User.id.in_(select(respondents.c[0]))))


def _store(concept_id: int, summary: Summary) -> None:
    """Upsert on a connection of its own (the request's session and its loaded objects stay as they
    are), never replacing a newer summary. Storing is an optimisation: a failure only means the next
    read computes again."""
    values = {"concept_id": concept_id, "seq": summary.seq, "valid_until": summary.valid_until,
              "data": pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL), "computed_at": utcnow()}
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(ConceptSummary).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["concept_id"],
        set_={name: getattr(stmt.excluded, name) for name in ("seq", "valid_until", "data", "computed_at")},
        where=ConceptSummary.seq <= stmt.excluded.seq)
    try:
        if db.session().in_transaction() and db.session.connection().info.get("write_gate"):
            # A SQLite write request that holds this process's write turn (forum/__init__.py): a
            # second connection would wait for it. The row goes with the request's transaction.
            with db.session.begin_nested():
                db.session.execute(stmt)
            return
        with db.engine.begin() as conn:
            conn.execute(stmt)
    except Exception as exc:  # noqa: BLE001
        current_app.logger.warning("Could not store the summary of concept %s: %s", concept_id, exc)


# --- invalidating -------------------------------------------------------------------------------

def invalidate(concept: Concept | int) -> Any:
    """Call inside the transaction of a change that alters the concept's numbers but records no event
    in its room itself. Returns the event: publish it after the commit (events.publish)."""
    from forum.services import events

    concept_id = concept if isinstance(concept, int) else concept.id
    return events.record(room(concept_id), "summary.changed", {"concept_id": concept_id})


def invalidate_for_user(user_id: int) -> list[Any]:
    """Call inside the transaction that suspends or un-suspends a person, or changes their
    membership: every concept they gave feedback on is recomputed. Returns the events to publish."""
    concept_ids = db.session.scalars(union(
        select(Feature.concept_id).join(FeatureVote, FeatureVote.feature_id == Feature.id)
        .where(FeatureVote.user_id == user_id),
        select(Feature.concept_id).join(KanoAnswer, KanoAnswer.feature_id == Feature.id)
        .where(KanoAnswer.user_id == user_id),
        select(PriceResponse.concept_id).where(PriceResponse.user_id == user_id),
    )).all()
    return [invalidate(concept_id) for concept_id in sorted(set(concept_ids))]


__all__ = ["Summary", "compute", "forget", "get", "invalidate", "invalidate_for_user", "remember_seq", "room", "room_seq"]
