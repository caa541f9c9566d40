"""Whose answer counts: the one rule every demand figure asks.

A vote, a Kano answer or a price answer counts when its author, as they are NOW,

* is not suspended (their answers come back when the suspension ends),
* is not a member of the organization that owns the concept (a member's answers stay stored and
  count again once the membership ends),
* is past the new-account wait (`new_vote_delay_minutes`, a site setting: a brand-new account's
  answers are saved at once and count from the end of the wait), and
* has not withdrawn them (deleting an account with "remove my answers" deletes the rows).

Tallies, rankings, participation, Kano, Van Westendorp, the stored summary, the charts, every export
row and every API figure filter with `counted(concept_id)`, so they agree by construction.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from flask import has_app_context
from sqlalchemy import and_, case, exists, func, or_, select, true, union
from sqlalchemy.orm import aliased

from forum.extensions import db
from forum.models import (
    Concept,
    Feature,
    FeatureVote,
    GaborGrangerResponse,
    KanoAnswer,
    MaxDiffAnswer,
    Membership,
    Post,
    PriceResponse,
    SegmentAnswer,
    SegmentQuestion,
    Topic,
    User,
    utcnow,
)
from forum.services.site_settings import setting

_LAST_WAIT: list[timedelta] = []


def wait() -> timedelta:
    """How long a brand-new account's answers wait before they count (a site setting). Outside the
    app context (a streamed export's rows are read after the view has returned) it is the value
    this process read last, in that view."""
    if not has_app_context() and _LAST_WAIT:
        return _LAST_WAIT[-1]
    value = timedelta(minutes=float(setting("new_vote_delay_minutes")))
    _LAST_WAIT[:] = [value]
    return value


def not_suspended(now: datetime | None = None) -> Any:
    now = now or utcnow()
    return or_(User.suspended_until.is_(None), User.suspended_until <= now)


def past_wait(now: datetime | None = None) -> Any:
    """SQL condition on User: not a brand-new account still inside its wait."""
    now = now or utcnow()
    return or_(User.trust_level > 0, User.created_at <= now - wait())


def not_member(concept_id: int) -> Any:
    owner = aliased(Concept)
    organization = select(owner.organization_id).where(owner.id == concept_id).scalar_subquery()
    return ~exists().where(Membership.user_id == User.id, Membership.organization_id == organization,
                           Membership.pending.is_(False))


_SEGMENT: ContextVar[tuple[int, int] | None] = ContextVar("demand_segment", default=None)


@contextmanager
def only_segment(question_id: int, choice_id: int) -> Iterator[None]:
    """Inside, the rule counts only the people who gave this answer to this profile question: a
    segment's summary (computed, never stored; forum.services.demand.segments keeps the floor)."""
    token = _SEGMENT.set((question_id, choice_id))
    try:
        yield
    finally:
        _SEGMENT.reset(token)


def segment() -> tuple[int, int] | None:
    """The (question id, choice id) the rule is narrowed to, or None."""
    return _SEGMENT.get()


def in_segment() -> Any:
    chosen = _SEGMENT.get()
    if chosen is None:
        return true()
    return User.id.in_(select(SegmentAnswer.user_id).where(SegmentAnswer.question_id == chosen[0],
                                                          SegmentAnswer.choice_id == chosen[1]))


def counted(concept_id: int, now: datetime | None = None) -> Any:
    """SQL condition on User (joined to the answers): this person's answers on this concept count
    (inside `only_segment`, and the person is in the segment)."""
    now = now or utcnow()
    return and_(not_suspended(now), not_member(concept_id), past_wait(now), in_segment())


def waiting(concept_id: int, now: datetime | None = None) -> Any:
    """SQL condition on User: answers saved that will count once the new-account wait ends."""
    now = now or utcnow()
    return and_(not_suspended(now), not_member(concept_id), ~past_wait(now))


def counts_from(user: Any, now: datetime | None = None) -> datetime | None:
    """When a person's answers start counting (the end of their wait), or None when they already do."""
    now = now or utcnow()
    if user is None or getattr(user, "trust_level", 1) > 0 or user.created_at is None:
        return None
    start = user.created_at + wait()
    return start if start > now else None


def respondents(concept_id: int) -> Any:
    """Everyone who voted, answered any question or commented on the concept (a UNION of ids)."""
    return union(
        select(FeatureVote.user_id.label("user_id")).join(Feature, Feature.id == FeatureVote.feature_id)
        .where(Feature.concept_id == concept_id),
        select(KanoAnswer.user_id.label("user_id")).join(Feature, Feature.id == KanoAnswer.feature_id)
        .where(Feature.concept_id == concept_id),
        select(PriceResponse.user_id.label("user_id")).where(PriceResponse.concept_id == concept_id),
        select(GaborGrangerResponse.user_id.label("user_id")).where(GaborGrangerResponse.concept_id == concept_id),
        select(MaxDiffAnswer.user_id.label("user_id")).where(MaxDiffAnswer.concept_id == concept_id),
        select(SegmentAnswer.user_id.label("user_id")).join(
            SegmentQuestion, SegmentQuestion.id == SegmentAnswer.question_id)
        .where(SegmentQuestion.concept_id == concept_id),
        select(Post.author_id.label("user_id")).join(Topic, Topic.id == Post.topic_id)
        .where(Topic.concept_id == concept_id),
    ).subquery()


def valid_until(concept_id: int, now: datetime | None = None) -> datetime | None:
    """The next moment the rule's answer changes by the clock alone: a suspension among the
    respondents ends, or a brand-new respondent's wait does. A stored summary is good until then."""
    now = now or utcnow()
    people = respondents(concept_id)
    suspended = case((User.suspended_until > now, User.suspended_until), else_=None)
    new = case((and_(User.trust_level == 0, User.created_at > now - wait()), User.created_at), else_=None)
    suspension_end, first_new = db.session.execute(
        select(func.min(suspended), func.min(new))
        .where(User.id.in_(select(people.c.user_id)))).one()
    ends = [t for t in (suspension_end, first_new + wait() if first_new is not None else None) if t]
    return min(ends) if ends else None


__all__ = ["counted", "in_segment", "only_segment", "segment", "counts_from", "not_suspended", "past_wait", "respondents", "valid_until", "wait",
           "waiting"]
