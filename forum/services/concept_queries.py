"""Finding concepts: one by its address (with what its page shows), the lists (filtered, sorted and
paged) and the organizations a person may post for. Every query sees only what the actor may (the
policy's "concept.view", as SQL)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import joinedload, selectinload

from forum import policy
from forum.errors import NotFound
from forum.extensions import db
from forum.i18n import _, _l
from forum.models import STAGES, Concept, Feature, Membership, Organization, StageChange, Tag, Topic, concept_tags
from forum.services import popularity
from forum.services.concept_fields import is_slug, is_tag

#: ?sort= values of the concept list and their labels.
SORTS = {"newest": _l("Newest"), "active": _l("Most active this week"), "supported": _l("Most supported"),
         "discussed": _l("Most discussed")}


def organizations_for(actor: Any) -> list[Organization]:
    """The organizations the actor may post concepts for (where they are a member)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    orgs = db.session.scalars(select(Organization).join(Membership).where(
        Membership.user_id == actor.id).order_by(Organization.name)).all()
    return [org for org in orgs if policy.can(actor, "concept.create", org)]


def _page_options() -> list[Any]:
    return [joinedload(Concept.organization), selectinload(Concept.tags),
            selectinload(Concept.features), joinedload(Concept.topic),
            selectinload(Concept.stage_changes).joinedload(StageChange.changed_by)]


def get_by_slug(slug: str, actor: Any = None, refresh: bool = False) -> Concept:
    """The concept at /concepts/<slug> with what its page shows, in a fixed number of queries
    (`refresh`: read again even if this request loaded it already).

    A hidden concept is NotFound for people who may not see it."""
    if not is_slug(slug):
        raise NotFound(_("There is no concept at that address."))
    stmt = select(Concept).where(Concept.slug == slug).options(*_page_options())
    if refresh:
        stmt = stmt.execution_options(populate_existing=True)
    concept = db.session.scalar(stmt)
    policy.require(actor, "concept.view", concept)
    return concept


def get_for_key(slug: str, actor: Any = None) -> Concept:
    """The concept with its organization and discussion topic only: one query, enough to check who
    may see it and to build its page's cache key."""
    if not is_slug(slug):
        raise NotFound(_("There is no concept at that address."))
    concept = db.session.scalar(select(Concept).where(Concept.slug == slug).options(
        joinedload(Concept.organization), joinedload(Concept.topic)))
    policy.require(actor, "concept.view", concept)
    return concept


def get_feature(concept: Concept, feature_id: int) -> Feature:
    feature = next((f for f in concept.features if f.id == feature_id), None)
    if feature is None:
        raise NotFound(_("That feature is not part of this concept."))
    return feature


def _visible(stmt: Select, actor: Any) -> Select:
    """Only concepts the actor may see (the policy's "concept.view", as SQL)."""
    return stmt.where(policy.concept_filter(actor))


def _list_options() -> list[Any]:
    return [joinedload(Concept.organization), selectinload(Concept.tags), joinedload(Concept.topic)]


def listing(actor: Any, stage: str | None = None, organization: str | None = None,
            tag: str | None = None, sort: str = "newest", page: int = 1,
            per_page: int | None = None) -> Any:
    """A page of concepts (db.paginate). Unknown stage or sort values are ignored; an organization
    slug or tag that cannot exist matches nothing."""
    stmt = _visible(select(Concept), actor).options(*_list_options())
    if stage in STAGES:
        stmt = stmt.where(Concept.stage == stage)
    if organization is not None and not is_slug(organization):
        stmt = stmt.where(false())
    elif organization:
        stmt = stmt.where(Concept.organization_id.in_(
            select(Organization.id).where(Organization.slug == organization)))
    if tag:
        name = "-".join(tag.lower().split())
        if not is_tag(name):
            stmt = stmt.where(false())
        else:
            stmt = stmt.where(Concept.id.in_(
                select(concept_tags.c.concept_id).join(Tag, Tag.id == concept_tags.c.tag_id)
                .where(Tag.name == name)))
    if sort in ("active", "supported"):
        stmt = stmt.order_by(*popularity.sort_key(sort))
    elif sort == "discussed":
        stmt = stmt.outerjoin(Topic, Topic.concept_id == Concept.id).order_by(
            func.coalesce(Topic.post_count, 0).desc(), Concept.last_activity_at.desc(), Concept.id.desc())
    else:
        stmt = stmt.order_by(Concept.created_at.desc(), Concept.id.desc())
    per_page = per_page or current_app.config.get("PAGE_SIZE", 20)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def recent(actor: Any, limit: int = 6) -> list[Concept]:
    """The most active concepts, for the front page."""
    stmt = _visible(select(Concept), actor).options(*_list_options()).order_by(
        Concept.last_activity_at.desc(), Concept.id.desc()).limit(limit)
    return list(db.session.scalars(stmt).unique())


def of_organization(actor: Any, organization: Organization, limit: int = 50) -> list[Concept]:
    """An organization's concepts, most active first, for its page."""
    stmt = _visible(select(Concept), actor).where(Concept.organization_id == organization.id).options(
        *_list_options()).order_by(Concept.last_activity_at.desc(), Concept.id.desc()).limit(limit)
    return list(db.session.scalars(stmt).unique())


def filter_organizations() -> list[tuple[str, str]]:
    """(slug, name) of organizations that have concepts, for the list's filter."""
    rows = db.session.execute(select(Organization.slug, Organization.name).where(
        Organization.id.in_(select(Concept.organization_id))).order_by(Organization.name))
    return [(slug, name) for slug, name in rows]
