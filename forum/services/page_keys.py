"""The keys of the cached pages (forum/pagecache.py): what each page shows, read in one statement.

A page's key is its room's event number (forum/services/events.py) and what it shows from outside
that room. The signed-in reader's own facts that a page shows (their membership of the page's
organization, whether they follow what it shows, their unread notifications) are columns of the
same statement. `remember_reader` hands them to the policy's membership cache; the unread count goes
to the header through forum/pagecache.py.

A signed-in request for a cached page costs one statement in all: Flask-Login's user loader calls
`load_reader`, which reads the person by their session token together with the page's key row (the
page's tables outer-joined to the person, their own facts correlated to their id). The row is kept
for this request only (flask.g), under the page, its argument and the person's id, and the page's
key function below takes it instead of asking again; a visitor, a page not found, another argument
or another person is read by the page's key statement alone.

Each statement is built once (functools.cache) and run with bound parameters.
"""
from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable
from typing import Any

from flask import g, has_app_context
from sqlalchemy import Select, String, bindparam, cast, exists, func, literal, select, true
from sqlalchemy.orm import Bundle

from forum import policy
from forum.extensions import db
from forum.models import (
    Concept,
    Follow,
    Membership,
    Notification,
    Organization,
    RoomSequence,
    SummaryVisit,
    Topic,
    User,
)
from forum.services.concept_fields import is_slug


def room_seq_column(room: Any) -> Any:
    """The room's newest event number as a scalar subquery (0 before its first event)."""
    return func.coalesce(select(RoomSequence.last_seq).where(RoomSequence.room == room).scalar_subquery(), 0)


def _seq(prefix: str, id_column: Any) -> Any:
    return room_seq_column(literal(prefix) + cast(id_column, String))


def reader_columns(organization_id: Any, follow_column: str, followed_id: Any, user_id: Any = None) -> list[Any]:
    """The reader's own facts as columns bound to `:user_id` (NULL for a visitor), or correlated to
    `user_id` (the person's id column): `member_role`, `following` (`follow_column` is "concept_id"
    or "topic_id") and `unread`."""
    user_id = bindparam("user_id") if user_id is None else user_id
    role = (select(Membership.role).where(Membership.organization_id == organization_id,
                                          Membership.user_id == user_id, Membership.pending.is_(False))
            .scalar_subquery())
    following = exists().where(Follow.user_id == user_id, getattr(Follow, follow_column) == followed_id)
    return [role.label("member_role"), following.label("following"), _unread(user_id)]


def _unread(user_id: Any) -> Any:
    return (select(func.count(Notification.id)).where(Notification.user_id == user_id,
                                                      Notification.read_at.is_(None)).scalar_subquery().label("unread"))


def _user_id(actor: Any) -> int | None:
    return actor.id if actor is not None and actor.is_authenticated else None


def remember_reader(actor: Any, organization_id: int | None, row: Any) -> None:
    """What a key row read of the reader's membership: the policy asks no further query."""
    if organization_id is not None and _user_id(actor) is not None:
        policy.remember_membership(actor, organization_id, row.member_role)


# --- topic pages ----------------------------------------------------------------------------------

def _topic_columns(user_id: Any = None) -> list[Any]:
    return [Topic.title, Topic.pinned, Topic.locked, Topic.hidden_at, _seq("topic:", Topic.id).label("seq"),
            Topic.concept_id, Concept.organization_id, Concept.hidden_at.label("concept_hidden_at"),
            *reader_columns(Concept.organization_id, "topic_id", Topic.id, user_id)]


@functools.cache
def _topic_statement() -> Select:
    return (select(*_topic_columns()).select_from(Topic).outerjoin(Concept, Concept.id == Topic.concept_id)
            .where(Topic.id == bindparam("topic_id")))


def topic(topic_id: int, actor: Any) -> Any:
    """A topic page's key row (None: no such topic), with what the policy reads of the topic."""
    return _prefetched("topic", topic_id, actor) or db.session.connection().execute(
        _topic_statement(), {"topic_id": topic_id, "user_id": _user_id(actor)}).first()


# --- concept pages --------------------------------------------------------------------------------

def _concept_columns(user_id: Any = None) -> list[Any]:
    return [Concept.id, Organization.name, Organization.verified_at, Topic.post_count, Topic.last_post_at,
            _seq("concept:", Concept.id).label("seq"), _seq("topic:", Topic.id).label("topic_seq"),
            Concept.organization_id, Concept.hidden_at, Concept.title,
            *reader_columns(Concept.organization_id, "concept_id", Concept.id, user_id)]


@functools.cache
def _concept_statement() -> Select:
    return (select(*_concept_columns()).select_from(Concept)
            .join(Organization, Organization.id == Concept.organization_id)
            .outerjoin(Topic, Topic.concept_id == Concept.id).where(Concept.slug == bindparam("slug")))


def concept(slug: str, actor: Any) -> Any:
    """A concept page's key row (None: no such concept)."""
    return _prefetched("concept", slug, actor) or db.session.connection().execute(
        _concept_statement(), {"slug": slug, "user_id": _user_id(actor)}).first()


# --- the concept list -----------------------------------------------------------------------------

def _listing_numbers() -> Select:
    """How many concepts there are and the newest id (a concept posted), and the sums of their rooms'
    numbers, which only grow: the concept's own (an edit, a stage change, a hide...), its
    discussion's (a post changes its count and activity date) and its organization's (a new name or
    mark). Any change the list shows moves one of them."""
    return (select(func.count(Concept.id).label("concepts"), func.coalesce(func.max(Concept.id), 0).label("newest"),
                   func.coalesce(func.sum(_seq("concept:", Concept.id)), 0).label("concept_seqs"),
                   func.coalesce(func.sum(_seq("topic:", Topic.id)), 0).label("topic_seqs"),
                   func.coalesce(func.sum(_seq("org:", Concept.organization_id)), 0).label("org_seqs"))
            .select_from(Concept).outerjoin(Topic, Topic.concept_id == Concept.id))


def _listing_reader(user_id: Any = None) -> list[Any]:
    user_id = bindparam("user_id") if user_id is None else user_id
    memberships = (select(func.aggregate_strings(cast(Membership.organization_id, String), ","))
                   .where(Membership.user_id == user_id, Membership.pending.is_(False)).scalar_subquery())
    return [memberships.label("memberships"), _unread(user_id)]


@functools.cache
def _listing_statement() -> Select:
    return _listing_numbers().add_columns(*_listing_reader())


def listing(actor: Any) -> Any:
    """The concept list's key row: five numbers (`row[:5]`), the organizations whose hidden concepts
    the reader sees (`memberships`, sorted ids) and their `unread` count."""
    row = _prefetched("listing", None, actor) or db.session.execute(
        _listing_statement(), {"user_id": _user_id(actor)}).one()
    ids = sorted(int(i) for i in (row.memberships or "").split(",") if i)
    return tuple(row[:5]), tuple(ids), row.unread


# --- the demand summary ---------------------------------------------------------------------------

def _results_columns(user_id: Any = None) -> list[Any]:
    visited = (select(SummaryVisit.visited_at)
               .where(SummaryVisit.user_id == (bindparam("user_id") if user_id is None else user_id),
                      SummaryVisit.concept_id == Concept.id).scalar_subquery())
    return [Concept.id, Concept.slug, Concept.hidden_at, Concept.organization_id,
            Concept.price_question_enabled, Organization.name, Organization.slug.label("organization_slug"),
            Organization.publish_price_summary, _seq("concept:", Concept.id).label("seq"),
            _seq("topic:", Topic.id).label("topic_seq"),
            *reader_columns(Concept.organization_id, "concept_id", Concept.id, user_id), visited.label("visited_at")]


@functools.cache
def _results_statement() -> Select:
    return (select(*_results_columns()).select_from(Concept)
            .join(Organization, Organization.id == Concept.organization_id)
            .outerjoin(Topic, Topic.concept_id == Concept.id).where(Concept.slug == bindparam("slug")))


def results(slug: str, actor: Any) -> Any:
    """What the policy reads of the concept and its organization to say who may see its summary,
    its rooms' numbers and the reader's facts (their last recorded visit to it: `visited_at`): the
    summary page's key, in one statement (None: no such concept). The concept itself is loaded only
    to render the page."""
    return _prefetched("results", slug, actor) or db.session.connection().execute(
        _results_statement(), {"slug": slug, "user_id": _user_id(actor)}).first()


# --- the person with the page's key, in one statement ---------------------------------------------

class _KeyRow(Bundle):
    """A page's key columns as one entity of an ORM statement: a row of them by name and by place
    (as the page's own key statement reads it), or None when its first column, `found`, is NULL (no
    such page). Bundle.create_row_processor is SQLAlchemy's documented place for this."""

    def __init__(self, found: Any, *columns: Any) -> None:
        super().__init__("key", found.label("found"), *columns)
        self.row_type = namedtuple("KeyRow", [column.key for column in columns])

    def create_row_processor(self, query: Any, procs: Any, labels: Any) -> Callable[[Any], Any]:
        found, *rest = procs
        make = self.row_type._make
        return lambda row: None if found(row) is None else make([proc(row) for proc in rest])


def _with_person(found: Any, columns: list[Any], *joins: tuple[Any, Any]) -> Select:
    """The person by their session token and, outer-joined to them, the page's tables (`joins`: each
    with its condition): the key row (`found` is NULL when there is no such page)."""
    statement = select(User, _KeyRow(found, *columns)).select_from(User)
    for table, condition in joins:
        statement = statement.outerjoin(table, condition)
    return statement.where(User.session_token == bindparam("token"))


@functools.cache
def _reader_statement(kind: str) -> Select:
    """The person and the page's key row with their own facts, correlated to their id."""
    if kind == "topic":
        return _with_person(Topic.id, _topic_columns(User.id), (Topic, Topic.id == bindparam("topic_id")),
                            (Concept, Concept.id == Topic.concept_id))
    if kind == "listing":
        numbers = _listing_numbers().subquery("listing")
        return _with_person(numbers.c.concepts, [*numbers.c, *_listing_reader(User.id)], (numbers, true()))
    columns = _concept_columns(User.id) if kind == "concept" else _results_columns(User.id)
    return _with_person(Organization.id, columns, (Concept, Concept.slug == bindparam("slug")),
                        (Organization, Organization.id == Concept.organization_id),
                        (Topic, Topic.concept_id == Concept.id))


#: Each cached page's one argument: its name in the statement.
_ARGUMENTS = {"topic": "topic_id", "concept": "slug", "results": "slug", "listing": None}


@functools.cache
def _user_statement() -> Select:
    return select(User).where(User.session_token == bindparam("token"))


def load_reader(token: str, kind: str | None = None, argument: Any = None) -> User | None:
    """The person whose session token this is (Flask-Login's user loader), fresh from the database.
    For a cached page (`kind`: "topic", "concept", "listing" or "results"; `argument`: its topic id
    or slug, None for the list) the page's key row comes in the same statement, kept for this request."""
    if kind not in _ARGUMENTS or (_ARGUMENTS[kind] == "slug" and not is_slug(argument)):
        return db.session.scalar(_user_statement(), {"token": token})
    name = _ARGUMENTS[kind]
    row = db.session.execute(_reader_statement(kind), {"token": token, name: argument} if name else
                             {"token": token}).first()
    if row is None:
        return None
    user, key = row
    if key is not None:
        g._sb_page_key = (kind, argument, user.id, key)
    return user


def _prefetched(kind: str, argument: Any, actor: Any) -> Any:
    """The key row that `load_reader` read for this page, argument and reader in this request (taken
    once), or None: the caller asks the key statement."""
    held = g.pop("_sb_page_key", None) if has_app_context() else None
    if held is None or held[:3] != (kind, argument, _user_id(actor)):
        return None
    return held[3]
