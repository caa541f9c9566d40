"""The keys of the cached pages (forum/pagecache.py): what each page shows, read in one statement.

A page's key is its room's event number (forum/services/events.py) and what it shows from outside
that room. The signed-in reader's own facts that a page shows (their membership of the page's
organization, whether they follow what it shows, their unread notifications) are columns of the
same statement, so that a signed-in request costs one statement besides Flask-Login loading the
person. `remember_reader` hands them to the policy's membership cache; the unread count goes to
the header through forum/pagecache.py.

Each statement is built once (functools.cache) and run with bound parameters.
"""
from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, exists, func, literal, select

from forum import policy
from forum.extensions import db
from forum.models import Concept, Follow, Membership, Notification, Organization, RoomSequence, SummaryVisit, Topic


def room_seq_column(room: Any) -> Any:
    """The room's newest event number as a scalar subquery (0 before its first event)."""
    return func.coalesce(select(RoomSequence.last_seq).where(RoomSequence.room == room).scalar_subquery(), 0)


def _seq(prefix: str, id_column: Any) -> Any:
    return room_seq_column(literal(prefix) + cast(id_column, String))


def reader_columns(organization_id: Any, follow_column: str, followed_id: Any) -> list[Any]:
    """The reader's own facts as columns bound to `:user_id` (NULL for a visitor): `member_role`,
    `following` (`follow_column` is "concept_id" or "topic_id") and `unread`."""
    user_id = bindparam("user_id")
    role = (select(Membership.role).where(Membership.organization_id == organization_id,
                                          Membership.user_id == user_id, Membership.pending.is_(False))
            .scalar_subquery())
    following = exists().where(Follow.user_id == user_id, getattr(Follow, follow_column) == followed_id)
    unread = (select(func.count(Notification.id)).where(Notification.user_id == user_id,
                                                         Notification.read_at.is_(None)).scalar_subquery())
    return [role.label("member_role"), following.label("following"), unread.label("unread")]


def _user_id(actor: Any) -> int | None:
    return actor.id if actor is not None and actor.is_authenticated else None


def remember_reader(actor: Any, organization_id: int | None, row: Any) -> None:
    """What a key row read of the reader's membership: the policy asks no further query."""
    if organization_id is not None and _user_id(actor) is not None:
        policy.remember_membership(actor, organization_id, row.member_role)


# --- topic pages ----------------------------------------------------------------------------------

@functools.cache
def _topic_statement() -> Select:
    return (select(Topic.title, Topic.pinned, Topic.locked, Topic.hidden_at, _seq("topic:", Topic.id).label("seq"),
                   Topic.concept_id, Concept.organization_id, Concept.hidden_at.label("concept_hidden_at"),
                   *reader_columns(Concept.organization_id, "topic_id", Topic.id))
            .select_from(Topic).outerjoin(Concept, Concept.id == Topic.concept_id)
            .where(Topic.id == bindparam("topic_id")))


def topic(topic_id: int, actor: Any) -> Any:
    """A topic page's key row (None: no such topic), with what the policy reads of the topic."""
    return db.session.connection().execute(_topic_statement(), {"topic_id": topic_id,
                                                                "user_id": _user_id(actor)}).first()


# --- concept pages --------------------------------------------------------------------------------

@functools.cache
def _concept_statement() -> Select:
    return (select(Concept.id, Organization.name, Organization.verified_at, Topic.post_count, Topic.last_post_at,
                   _seq("concept:", Concept.id).label("seq"), _seq("topic:", Topic.id).label("topic_seq"),
                   Concept.organization_id, Concept.hidden_at,
                   Concept.title, *reader_columns(Concept.organization_id, "concept_id", Concept.id))
            .select_from(Concept).join(Organization, Organization.id == Concept.organization_id)
            .outerjoin(Topic, Topic.concept_id == Concept.id).where(Concept.slug == bindparam("slug")))


def concept(slug: str, actor: Any) -> Any:
    """A concept page's key row (None: no such concept)."""
    return db.session.connection().execute(_concept_statement(), {"slug": slug, "user_id": _user_id(actor)}).first()


# --- the concept list -----------------------------------------------------------------------------

@functools.cache
def _listing_statement() -> Select:
    """How many concepts there are and the newest id (a concept posted), and the sums of their rooms'
    numbers, which only grow: the concept's own (an edit, a stage change, a hide...), its
    discussion's (a post changes its count and activity date) and its organization's (a new name or
    mark). Any change the list shows moves one of them."""
    user_id = bindparam("user_id")
    memberships = (select(func.aggregate_strings(cast(Membership.organization_id, String), ","))
                   .where(Membership.user_id == user_id, Membership.pending.is_(False)).scalar_subquery())
    unread = (select(func.count(Notification.id)).where(Notification.user_id == user_id,
                                                         Notification.read_at.is_(None)).scalar_subquery())
    return (select(func.count(Concept.id), func.coalesce(func.max(Concept.id), 0),
                   func.coalesce(func.sum(_seq("concept:", Concept.id)), 0),
                   func.coalesce(func.sum(_seq("topic:", Topic.id)), 0),
                   func.coalesce(func.sum(_seq("org:", Concept.organization_id)), 0),
                   memberships.label("memberships"), unread.label("unread"))
            .select_from(Concept).outerjoin(Topic, Topic.concept_id == Concept.id))


def listing(actor: Any) -> Any:
    """The concept list's key row: five numbers (`row[:5]`), the organizations whose hidden concepts
    the reader sees (`memberships`, sorted ids) and their `unread` count."""
    row = db.session.execute(_listing_statement(), {"user_id": _user_id(actor)}).one()
    ids = sorted(int(i) for i in (row.memberships or "").split(",") if i)
    return tuple(row[:5]), tuple(ids), row.unread


# --- the demand summary ---------------------------------------------------------------------------

@functools.cache
def _results_statement() -> Select:
    visited = (select(SummaryVisit.visited_at).where(SummaryVisit.user_id == bindparam("user_id"),
                                                     SummaryVisit.concept_id == Concept.id).scalar_subquery())
    return (select(Concept.id, Concept.slug, Concept.hidden_at, Concept.organization_id,
                   Concept.price_question_enabled, Organization.name, Organization.slug.label("organization_slug"),
                   Organization.publish_price_summary, _seq("concept:", Concept.id).label("seq"),
                   _seq("topic:", Topic.id).label("topic_seq"),
                   *reader_columns(Concept.organization_id, "concept_id", Concept.id), visited.label("visited_at"))
            .select_from(Concept).join(Organization, Organization.id == Concept.organization_id)
            .outerjoin(Topic, Topic.concept_id == Concept.id).where(Concept.slug == bindparam("slug")))


def results(slug: str, actor: Any) -> Any:
    """What the policy reads of the concept and its organization to say who may see its summary,
    its rooms' numbers and the reader's facts (their last recorded visit to it: `visited_at`): the
    summary page's key, in one statement (None: no such concept). The concept itself is loaded only
    to render the page."""
    return db.session.connection().execute(_results_statement(), {"slug": slug, "user_id": _user_id(actor)}).first()
