"""Who took part: distinct people who commented, voted, answered Kano, answered the price questions,
and in all, by the one rule (a comment by the owning organization's official voice is not a
consumer's; a member's or a suspended person's does not count, as their answers do not).

Counting distinct people over a million answers takes seconds, so the counts are kept in this process
by the concept room's and its discussion's event numbers: every vote, answer, comment or change of
whose answers count moves one of them, and only then is it counted again."""
from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, or_, select, union

from forum.extensions import db
from forum.models import Concept, Feature, FeatureVote, KanoAnswer, Post, PriceResponse, Topic, User
from forum.services import events
from forum.services.demand import rule
from forum.services.demand.rule import counted

_MEMO: dict[tuple[int, int, int], dict[str, int]] = {}
_MEMO_MAX = 512
_LOCK = threading.Lock()


def forget() -> None:
    """Drop the counts kept in this process (tests: ids and room numbers restart)."""
    with _LOCK:
        _MEMO.clear()


def participation(concept: Concept) -> dict[str, int]:
    """{"total", "commented", "voted", "kano", "price"}: distinct people whose part counts."""
    if rule.segment() is not None:
        return count(concept)  # a segment's: not remembered under the concept's numbers
    topic_id = db.session.scalar(select(Topic.id).where(Topic.concept_id == concept.id))
    key = (concept.id, events.current_seq(events.concept_room(concept.id)),
           events.current_seq(events.topic_room(topic_id)) if topic_id else 0)
    with _LOCK:
        cached = _MEMO.get(key)
    if cached is None:
        cached = count(concept)
        with _LOCK:
            if len(_MEMO) >= _MEMO_MAX:
                _MEMO.clear()
            _MEMO[key] = cached
    return dict(cached)


def count(concept: Concept) -> dict[str, int]:
    """The counts, from the database now (participation() remembers them)."""
    feature_ids = select(Feature.id).where(Feature.concept_id == concept.id,
                                           Feature.retired_at.is_(None)).scalar_subquery()
    voters = select(FeatureVote.user_id.label("user_id")).where(FeatureVote.feature_id.in_(feature_ids))
    kano_people = select(KanoAnswer.user_id.label("user_id")).where(KanoAnswer.feature_id.in_(feature_ids))
    pricers = select(PriceResponse.user_id.label("user_id")).where(PriceResponse.concept_id == concept.id)
    commenters = (select(Post.author_id.label("user_id")).join(Topic, Topic.id == Post.topic_id)
                  .where(Topic.concept_id == concept.id, Post.author_id.is_not(None),
                         Post.deleted_at.is_(None), Post.hidden_at.is_(None),
                         or_(Post.official_organization_id.is_(None),
                             Post.official_organization_id != concept.organization_id)))

    def distinct(stmt: Any) -> int:
        sub = stmt.subquery()
        return db.session.scalar(
            select(func.count(func.distinct(sub.c.user_id))).select_from(sub)
            .join(User, User.id == sub.c.user_id).where(counted(concept.id))) or 0

    everyone = union(voters, kano_people, pricers, commenters).subquery()
    total = db.session.scalar(select(func.count()).select_from(everyone)
                              .join(User, User.id == everyone.c.user_id).where(counted(concept.id))) or 0
    return {"total": total, "commented": distinct(commenters), "voted": distinct(voters),
            "kano": distinct(kano_people) if concept.kano_enabled else 0,
            "price": distinct(pricers) if concept.price_question_enabled else 0}


__all__ = ["count", "forget", "participation"]
