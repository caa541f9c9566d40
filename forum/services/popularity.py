"""How much is happening on a concept, as SQL the concept list orders by (forum/services/concepts.py):
activity this week (the events its rooms recorded in the last seven days) and support ("for" votes on
its active features and support of its open suggestions, by people whose answers count)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, exists, func, literal, or_, select

from forum.models import (
    Concept,
    Event,
    Feature,
    FeatureVote,
    Membership,
    Suggestion,
    SuggestionSupport,
    Topic,
    User,
    utcnow,
)
from forum.services import feedback

WEEK = timedelta(days=7)


def week_activity() -> Any:
    """A correlated SQL count of the events of a concept's rooms in the last seven days."""
    since = utcnow() - WEEK
    rooms = or_(Event.room == literal("concept:") + cast(Concept.id, String),
                Event.room == literal("topic:") + cast(
                    select(Topic.id).where(Topic.concept_id == Concept.id).limit(1).scalar_subquery(), String))
    return (select(func.count(Event.id)).where(Event.created_at >= since, rooms)
            .correlate(Concept).scalar_subquery())


def _counted_here() -> Any:
    """The rule of whose answer counts (feedback.counted) for a concept of the enclosing query: the
    same conditions, with the organization taken from that row (a correlated form for ORDER BY)."""
    member = (exists().where(Membership.user_id == User.id, Membership.organization_id == Concept.organization_id,
                             Membership.pending.is_(False)).correlate_except(Membership))
    return and_(feedback._not_suspended(), ~member)


def support_total() -> Any:
    """A correlated SQL count: "for" votes on the concept's active features and support of its open
    suggestions, by people whose answers count."""
    votes = (select(func.count(FeatureVote.id)).join(Feature, Feature.id == FeatureVote.feature_id)
             .join(User, User.id == FeatureVote.user_id)
             .where(Feature.concept_id == Concept.id, Feature.retired_at.is_(None), FeatureVote.value > 0,
                    _counted_here())
             .correlate(Concept).scalar_subquery())
    backing = (select(func.count(SuggestionSupport.id))
               .join(Suggestion, Suggestion.id == SuggestionSupport.suggestion_id)
               .join(User, User.id == SuggestionSupport.user_id)
               .where(Suggestion.concept_id == Concept.id, Suggestion.status == "open",
                      _counted_here())
               .correlate(Concept).scalar_subquery())
    return votes + backing


def sort_key(sort: str) -> list[Any] | None:
    """ORDER BY of the concept list's extra sorts ("active" this week, "supported"), or None."""
    if sort == "active":
        activity = week_activity()
        return [activity.desc(), Concept.last_activity_at.desc(), Concept.id.desc()]
    if sort == "supported":
        return [support_total().desc(), case((Concept.feedback_open, 0), else_=1), Concept.id.desc()]
    return None
