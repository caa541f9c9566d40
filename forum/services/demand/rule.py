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

How it is asked: the people whose answers do NOT count now are few (`excluded`: suspended, members,
accounts inside their wait), found by index (users.suspended_until, users.created_at,
memberships.organization_id); an answer counts when its author's id is not among them. So a million
answers are filtered by a probe into that small set, not by a join with users each (and a query that
reads only an answers table never touches users).
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


def _organization(concept_id: int) -> Any:
    owner = aliased(Concept)
    return select(owner.organization_id).where(owner.id == concept_id).scalar_subquery()


def not_member(concept_id: int) -> Any:
    return ~exists().where(Membership.user_id == User.id, Membership.organization_id == _organization(concept_id),
                           Membership.pending.is_(False))


def _suspended(now: datetime) -> Any:
    return select(User.id.label("user_id")).where(User.suspended_until > now)


def _new(now: datetime) -> Any:
    """Accounts inside the new-account wait (not past_wait): the negation of past_wait, by index."""
    return select(User.id.label("user_id")).where(User.created_at > now - wait(), User.trust_level <= 0)


def _members(concept_id: int) -> Any:
    return select(Membership.user_id.label("user_id")).where(
        Membership.organization_id == _organization(concept_id), Membership.pending.is_(False))


def excluded(concept_id: int, now: datetime | None = None) -> Any:
    """The ids of the people whose answers on this concept do not count now: suspended, members of the
    owning organization, brand-new accounts inside their wait (the negation of not_suspended,
    not_member and past_wait, each found by an index)."""
    now = now or utcnow()
    return union(_suspended(now), _new(now), _members(concept_id))


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


def in_segment(user_id: Any = None) -> Any:
    chosen = _SEGMENT.get()
    if chosen is None:
        return true()
    return (User.id if user_id is None else user_id).in_(
        select(SegmentAnswer.user_id).where(SegmentAnswer.question_id == chosen[0],
                                            SegmentAnswer.choice_id == chosen[1]))


def counted(concept_id: int, now: datetime | None = None, user_id: Any = None) -> Any:
    """SQL condition: this person's answers on this concept count (inside `only_segment`, and the
    person is in the segment). On `user_id`, an answers table's column (no join with users needed),
    or on User.id (joined to the answers) by default."""
    user_id = User.id if user_id is None else user_id
    return and_(user_id.not_in(excluded(concept_id, now)), in_segment(user_id))


def waiting(concept_id: int, now: datetime | None = None, user_id: Any = None) -> Any:
    """SQL condition (on `user_id`, by default User.id): answers saved that will count once the
    new-account wait ends (not suspended, not a member, inside the wait)."""
    now = now or utcnow()
    user_id = User.id if user_id is None else user_id
    return and_(user_id.in_(_new(now)), user_id.not_in(union(_suspended(now), _members(concept_id))))


def counts_from(user: Any, now: datetime | None = None) -> datetime | None:
    """When a person's answers start counting (the end of their wait), or None when they already do."""
    now = now or utcnow()
    if user is None or getattr(user, "trust_level", 1) > 0 or user.created_at is None:
        return None
    start = user.created_at + wait()
    return start if start > now else None


def answered(concept_id: int) -> Any:
    """SQL condition on User: voted, answered Kano, the price questions, the ladder, a best-worst set
    or a profile question, or commented on the concept (each an EXISTS by the user id index)."""
    return or_(
        exists().where(FeatureVote.user_id == User.id, FeatureVote.feature_id == Feature.id,
                       Feature.concept_id == concept_id),
        exists().where(KanoAnswer.user_id == User.id, KanoAnswer.feature_id == Feature.id,
                       Feature.concept_id == concept_id),
        exists().where(PriceResponse.user_id == User.id, PriceResponse.concept_id == concept_id),
        exists().where(GaborGrangerResponse.user_id == User.id, GaborGrangerResponse.concept_id == concept_id),
        exists().where(MaxDiffAnswer.user_id == User.id, MaxDiffAnswer.concept_id == concept_id),
        exists().where(SegmentAnswer.user_id == User.id, SegmentAnswer.question_id == SegmentQuestion.id,
                       SegmentQuestion.concept_id == concept_id),
        exists().where(Post.author_id == User.id, Post.topic_id == Topic.id, Topic.concept_id == concept_id))


def valid_until(concept_id: int, now: datetime | None = None) -> datetime | None:
    """The next moment the rule's answer changes by the clock alone: a suspension among the
    respondents ends, or a brand-new respondent's wait does. A stored summary is good until then."""
    now = now or utcnow()
    suspended = case((User.suspended_until > now, User.suspended_until), else_=None)
    new = case((and_(User.trust_level == 0, User.created_at > now - wait()), User.created_at), else_=None)
    # the few people suspended now or inside their wait (by index), who answered (by index)
    suspension_end, first_new = db.session.execute(
        select(func.min(suspended), func.min(new))
        .where(User.id.in_(union(_suspended(now), _new(now))), answered(concept_id))).one()
    ends = [t for t in (suspension_end, first_new + wait() if first_new is not None else None) if t]
    return min(ends) if ends else None


__all__ = ["answered", "counted", "excluded", "in_segment", "only_segment", "segment", "counts_from", "not_suspended", "past_wait", "valid_until", "wait",
           "waiting"]
