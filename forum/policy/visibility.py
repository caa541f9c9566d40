"""Who sees what: concepts, topics and posts, as rules and, for lists, as SQL conditions."""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select, true

from forum.errors import NotFound
from forum.i18n import _l
from forum.models import Concept, Membership, Topic
from forum.policy.memberships import is_member
from forum.policy.refusals import (
    CONCEPT_MISSING,
    POST_MISSING,
    TOPIC_MISSING,
    Refusal,
    is_token,
    moderator,
    signed_in,
    token_concept,
)


def concept_view(a: Any, concept: Any) -> Refusal | None:
    """A hidden concept exists for moderators and the owning organization's members only."""
    if is_token(a):
        return token_concept(a, concept)
    if concept is None:
        return Refusal(CONCEPT_MISSING, NotFound)
    if concept.hidden_at is None or moderator(a) or is_member(a, concept.organization_id):
        return None
    return Refusal(CONCEPT_MISSING, NotFound)


def topic_view(a: Any, topic: Any) -> Refusal | None:
    """Moderators see every topic. Others: not a hidden topic, and a concept's topic only while they
    may see the concept."""
    if topic is None:
        return Refusal(TOPIC_MISSING, NotFound)
    if moderator(a):
        return None
    if topic.hidden_at is not None:
        return Refusal(TOPIC_MISSING, NotFound)
    concept = topic.concept if topic.concept_id is not None else None
    if concept is not None and concept_view(a, concept) is not None:
        return Refusal(TOPIC_MISSING, NotFound)
    return None


def post_view(a: Any, post: Any) -> Refusal | None:
    """A post's content: in a topic the actor may see, and, once deleted or hidden, for moderators
    only (others see the placeholder), except that a post held for review shows to its author."""
    if post is None:
        return Refusal(POST_MISSING, NotFound)
    if topic_view(a, post.topic) is not None:
        return Refusal(POST_MISSING, NotFound)
    if moderator(a):
        return None
    if post.deleted_at is not None:
        return Refusal(_l("This post was deleted."), NotFound)
    if post.hidden_at is not None and not (
            post.hidden_reason == "held" and signed_in(a) and a.id == post.author_id):
        # A post held for review (a blocked word or domain) stays visible to its author, marked
        # "awaits review"; a hidden one is not (they are told why in a notification).
        return Refusal(_l("This post was hidden by a moderator."), NotFound)
    return None


def concept_filter(actor: Any) -> Any:
    """The "concept.view" rule as an SQL condition on Concept."""
    if is_token(actor):
        return Concept.organization_id == actor.organization_id
    if moderator(actor):
        return true()
    if signed_in(actor):
        own = select(Membership.organization_id).where(Membership.user_id == actor.id,
                                                       Membership.pending.is_(False))
        return or_(Concept.hidden_at.is_(None), Concept.organization_id.in_(own))
    return Concept.hidden_at.is_(None)


def topic_filter(actor: Any) -> Any:
    """The "topic.view" rule as an SQL condition on Topic (no join needed)."""
    if moderator(actor):
        return true()
    return and_(Topic.hidden_at.is_(None), or_(
        Topic.concept_id.is_(None), Topic.concept_id.in_(select(Concept.id).where(concept_filter(actor)))))
