"""Concepts (product ideas of an organization), their features and their stage history.

Every function that changes data takes the actor, asks the policy, validates, writes its rows
(and the matching Event) in one transaction, commits and only then publishes.
"""
from __future__ import annotations

import re
from typing import Any

from flask import current_app
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import joinedload, selectinload

from forum import policy
from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.i18n import _, _l
from forum.markup import render
from forum.models import (
    STAGES,
    Concept,
    Feature,
    Membership,
    Organization,
    StageChange,
    Tag,
    Topic,
    User,
    concept_tags,
    utcnow,
)
from forum.services import demand, events, notifications, popularity, search
from forum.services.bodies import too_complex
from forum.services.organizations import slugify, unique_slug
from forum.services.tx import commit_and_publish

TITLE_MAX = 120
SUMMARY_MAX = 200
DESCRIPTION_MAX = 20000
NOTE_MAX = 500
FEATURE_TITLE_MAX = 120
FEATURE_DESCRIPTION_MAX = 1000
TAGS_MAX = 8
TAG_MAX = 32

#: ISO 4217 codes a concept may be priced in.
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "JPY", "CAD", "AUD",
              "NZD", "INR", "BRL", "MXN", "ZAR", "SGD", "HKD", "KRW", "CNY")

STAGE_LABELS = {"idea": _l("Idea"), "concept": _l("Concept"), "prototype": _l("Prototype"), "launched": _l("Launched")}

#: ?sort= values of the concept list and their labels.
SORTS = {"newest": _l("Newest"), "active": _l("Most active this week"), "supported": _l("Most supported"),
         "discussed": _l("Most discussed")}

#: Slugs that would collide with the blueprint's own addresses (/concepts/new).
RESERVED_SLUGS = frozenset({"new"})

def _choose_stage() -> str:
    return _("Choose a stage: %(stages)s.", stages=", ".join(str(STAGE_LABELS[s]) for s in STAGES))


_TAG_RE = re.compile(r"^[\w][\w+#.-]*$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
# Control characters (NUL among them: PostgreSQL refuses it in text) except tab and newlines.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """User text without control characters."""
    return _CONTROL_RE.sub("", value or "")


def is_slug(value: str | None) -> bool:
    """Whether `value` could be a concept's or an organization's slug (for filters and lookups)."""
    return bool(value) and _SLUG_RE.fullmatch(value) is not None


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: [message]})


def _invalid(errors: dict[str, list[str]]) -> ValidationError:
    return ValidationError(_("Please correct the marked fields."), errors)


# --- validation -----------------------------------------------------------------------------------

def parse_tags(text: str | list[str] | None) -> list[str]:
    """'Kitchen, Zero Waste ,kitchen' -> ['kitchen', 'zero-waste']. Raises ValidationError('tags')."""
    if text is None:
        raw: list[Any] = []
    elif isinstance(text, str):
        raw = text.split(",")
    elif isinstance(text, (list, tuple)):
        raw = list(text)
    else:
        raise _fail("tags", _("Tags are text: words separated by commas."))
    tags: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise _fail("tags", _("Tags are text: words separated by commas."))
        name = "-".join(clean_text(item).lower().split())
        if not name or name in tags:
            continue
        if len(name) > TAG_MAX:
            raise _fail("tags", _("A tag has at most %(TAG_MAX)s characters (“%(value)s…” is longer).", TAG_MAX=TAG_MAX, value=name[:TAG_MAX]))
        if not _TAG_RE.fullmatch(name):
            raise _fail("tags", _("“%(name)s” is not a tag: use letters, digits and hyphens.", name=name))
        tags.append(name)
    if len(tags) > TAGS_MAX:
        raise _fail("tags", _("A concept has at most %(TAGS_MAX)s tags; you gave %(count)s.", TAGS_MAX=TAGS_MAX, count=len(tags)))
    return tags


def _check_concept(title: str, summary: str, description: str, tags: Any, currency: str,
                   stage: str | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = " ".join(clean_text(title).split())
    if not title:
        errors["title"] = [_("Give the concept a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("A title has at most %(TITLE_MAX)s characters; this one has %(count)s.", TITLE_MAX=TITLE_MAX, count=len(title))]
    summary = " ".join(clean_text(summary).split())
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = [_("The summary is one line of at most %(SUMMARY_MAX)s characters; this one has %(count)s.", SUMMARY_MAX=SUMMARY_MAX, count=len(summary))]
    description = clean_text(description).strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("A description has at most %(DESCRIPTION_MAX)s characters; this one has %(count)s.", DESCRIPTION_MAX=DESCRIPTION_MAX, count=len(description))]
    elif refused := too_complex(description):
        errors["description"] = [refused]
    currency = clean_text(currency).strip().upper()
    if currency not in CURRENCIES:
        shown = (currency or "nothing")[:8]
        errors["currency"] = [_("“%(shown)s” is not a currency we support. Choose one of: %(codes)s.",
                                shown=shown, codes=", ".join(CURRENCIES))]
    if stage is not None and stage not in STAGES:
        errors["stage"] = [_choose_stage()]
    try:
        tag_names = parse_tags(tags)
    except ValidationError as exc:
        errors.update(exc.errors)
        tag_names = []
    if errors:
        raise _invalid(errors)
    return {"title": title, "summary": summary, "description": description, "currency": currency,
            "tags": tag_names}


def check_feature(title: str, description: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    title = " ".join(clean_text(title).split())
    if not title:
        errors["title"] = [_("Give the feature a title.")]
    elif len(title) > FEATURE_TITLE_MAX:
        errors["title"] = [_("A feature title has at most %(FEATURE_TITLE_MAX)s characters; this one has %(count)s.", FEATURE_TITLE_MAX=FEATURE_TITLE_MAX, count=len(title))]
    description = clean_text(description).strip()
    if len(description) > FEATURE_DESCRIPTION_MAX:
        errors["description"] = [_("A feature description has at most %(FEATURE_DESCRIPTION_MAX)s characters; this one has %(count)s.", FEATURE_DESCRIPTION_MAX=FEATURE_DESCRIPTION_MAX, count=len(description))]
    if errors:
        raise _invalid(errors)
    return title, description


def _tags(names: list[str]) -> list[Tag]:
    """Tag rows for the names, reusing existing ones (one query), in the given order."""
    if not names:
        return []
    existing = {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    out = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
        out.append(tag)
    return out


def _commit_changed(concept: Concept) -> None:
    """Commit a change to what the concept page shows (its text, switches, features): the
    `summary.changed` event moves the concept room's number, which is the key of the stored summary
    and of the cached page, and tells open pages; it is published after the commit."""
    commit_and_publish(demand.invalidate(concept))


def _slug_for(title: str) -> str:
    text = title if slugify(title, TITLE_MAX) not in RESERVED_SLUGS else f"{title} concept"
    return unique_slug(Concept, text, max_length=TITLE_MAX)


# --- concepts -------------------------------------------------------------------------------------

def organizations_for(actor: Any) -> list[Organization]:
    """The organizations the actor may post concepts for (where they are a member)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    orgs = db.session.scalars(select(Organization).join(Membership).where(
        Membership.user_id == actor.id).order_by(Organization.name)).all()
    return [org for org in orgs if policy.can(actor, "concept.create", org)]


def create(actor: User, organization: Organization | None, title: str, summary: str = "",
           description: str = "", stage: str = "idea", tags: str | list[str] = "",
           currency: str = "EUR", feedback_open: bool = True, kano_enabled: bool = False,
           price_question_enabled: bool = False, *, price_asks_too_cheap: bool = True) -> Concept:
    """Post a concept for `organization`, with its discussion topic and first stage entry."""
    if organization is None:
        raise _fail("organization", _("Choose the organization this concept belongs to."))
    policy.require(actor, "concept.create", organization)
    fields = _check_concept(title, summary, description, tags, currency, stage)
    now = utcnow()
    concept = Concept(
        organization_id=organization.id, slug=_slug_for(fields["title"]), title=fields["title"],
        summary=fields["summary"], description_source=fields["description"],
        description_html=str(render(fields["description"])) if fields["description"] else "",
        stage=stage, currency=fields["currency"], feedback_open=bool(feedback_open),
        kano_enabled=bool(kano_enabled), price_question_enabled=bool(price_question_enabled),
        price_asks_too_cheap=bool(price_asks_too_cheap), created_by_id=actor.id, created_at=now, updated_at=now, last_activity_at=now)
    concept.tags = _tags(fields["tags"])
    concept.stage_changes.append(StageChange(from_stage=None, to_stage=stage, changed_by_id=actor.id,
                                             created_at=now))
    db.session.add(concept)
    db.session.flush()
    db.session.add(Topic(concept_id=concept.id, title=concept.title, author_id=actor.id, board_id=None,
                         created_at=now, last_post_at=now))
    notifications.follow(actor, concept=concept)
    search.index_concept(concept)
    # Its room's first event: the concept list moves on, and webhooks hear of it (same transaction).
    commit_and_publish(events.record(events.concept_room(concept.id), "concept.created", {"concept_id": concept.id}))
    return concept


def update(actor: User, concept: Concept, title: str, summary: str, description: str,
           tags: str | list[str], currency: str, feedback_open: bool, kano_enabled: bool,
           price_question_enabled: bool, *, price_asks_too_cheap: bool | None = None) -> None:
    """Edit a concept's text, tags, currency and feedback switches. Its address (slug) stays."""
    policy.require(actor, "concept.edit", concept)
    fields = _check_concept(title, summary, description, tags, currency)
    concept.title = fields["title"]
    concept.summary = fields["summary"]
    if fields["description"] != concept.description_source:
        concept.description_source = fields["description"]
        concept.description_html = str(render(fields["description"])) if fields["description"] else ""
    concept.currency = fields["currency"]
    concept.tags = _tags(fields["tags"])
    concept.feedback_open = bool(feedback_open)
    concept.kano_enabled = bool(kano_enabled)
    concept.price_question_enabled = bool(price_question_enabled)
    if price_asks_too_cheap is not None:  # three or four Van Westendorp questions
        concept.price_asks_too_cheap = bool(price_asks_too_cheap)
    concept.updated_at = utcnow()
    topic = db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))
    if topic is not None:
        topic.title = concept.title
    search.index_concept(concept)
    _commit_changed(concept)


def change_stage(actor: User, concept: Concept, stage: str, note: str = "") -> StageChange:
    """Move a concept to another stage; followers are told and the page's timeline shows it."""
    change, event = apply_stage(actor, concept, stage, note)
    commit_and_publish(event)
    return change


def apply_stage(actor: User, concept: Concept, stage: str, note: str = "", *,
                notify_except: set[int] | None = None) -> tuple[StageChange, Any]:
    """The stage change inside the caller's transaction (no commit): the row, the concept, its event
    (returned, to publish after the commit), the followers' notifications (except `notify_except`,
    who hear about it another way) and the search index."""
    policy.require(actor, "concept.edit", concept)
    errors: dict[str, list[str]] = {}
    stage = clean_text(stage).strip().lower()
    note = " ".join(clean_text(note).split())
    if stage not in STAGES:
        errors["stage"] = [_choose_stage()]
    elif stage == concept.stage:
        errors["stage"] = [_("The concept is already at the %(lower)s stage.", lower=STAGE_LABELS[stage].lower())]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("A note has at most %(NOTE_MAX)s characters; this one has %(count)s.", NOTE_MAX=NOTE_MAX, count=len(note))]
    if errors:
        raise _invalid(errors)
    now = utcnow()
    change = StageChange(concept_id=concept.id, from_stage=concept.stage, to_stage=stage, note=note,
                         changed_by_id=actor.id, created_at=now)
    db.session.add(change)
    concept.stage = stage
    concept.updated_at = now
    concept.last_activity_at = now
    db.session.flush()
    event = events.record(events.concept_room(concept.id), "concept.stage",
                          {"concept_id": concept.id, "from": change.from_stage, "to": stage,
                           "note": note, "change_id": change.id})
    notifications.notify_stage_change(concept, change, exclude=notify_except)
    search.index_concept(concept)
    return change, event


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
        if len(name) > TAG_MAX or not _TAG_RE.fullmatch(name):
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


# --- features -------------------------------------------------------------------------------------

def _ordered(concept: Concept) -> tuple[list[Feature], list[Feature]]:
    features = sorted(concept.features, key=lambda f: (f.position, f.id))
    return [f for f in features if f.retired_at is None], [f for f in features if f.retired_at is not None]


def _renumber(active: list[Feature], retired: list[Feature]) -> None:
    """Dense positions: active features 0..n-1 in order, retired ones after them."""
    for position, feature in enumerate(active + retired):
        feature.position = position


def _may_edit(actor: Any, concept: Concept, what: str) -> None:
    if not policy.can(actor, "concept.edit", concept):
        raise PermissionDenied(_("Only members of the organization can %(what)s.", what=what))


def _touch(concept: Concept) -> None:
    now = utcnow()
    concept.updated_at = now
    concept.last_activity_at = now


def add_feature(actor: User, concept: Concept, title: str, description: str = "") -> Feature:
    """Add a feature at the end of the concept's active features."""
    _may_edit(actor, concept, "add features")
    title, description = check_feature(title, description)
    active, retired = _ordered(concept)
    feature = Feature(title=title, description=description, concept=concept)
    db.session.add(feature)
    active.append(feature)
    _renumber(active, retired)
    _touch(concept)
    search.index_feature(feature)
    _commit_changed(concept)
    return feature


def update_feature(actor: User, feature: Feature, title: str, description: str) -> None:
    _may_edit(actor, feature.concept, "edit features")
    feature.title, feature.description = check_feature(title, description)
    feature.updated_at = utcnow()
    _touch(feature.concept)
    search.index_feature(feature)
    _commit_changed(feature.concept)


def move_feature(actor: User, feature: Feature, direction: str) -> None:
    """Swap a feature with its neighbour above ('up') or below ('down'). At an end it stays."""
    _may_edit(actor, feature.concept, "reorder features")
    if direction not in ("up", "down"):
        raise _fail("direction", _("Move a feature up or down."))
    if feature.retired_at is not None:
        raise Conflict(_("A retired feature has no place in the order; restore it first."))
    active, retired = _ordered(feature.concept)
    index = active.index(feature)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(active):
        active[index], active[other] = active[other], active[index]
    _renumber(active, retired)
    _commit_changed(feature.concept)


def retire_feature(actor: User, feature: Feature) -> None:
    """Take a feature out of the concept; it stays in its history and can be restored."""
    _may_edit(actor, feature.concept, "retire features")
    if feature.retired_at is not None:
        return
    feature.retired_at = utcnow()
    _renumber(*_ordered(feature.concept))
    _touch(feature.concept)
    search.index_feature(feature)
    _commit_changed(feature.concept)


def restore_feature(actor: User, feature: Feature) -> None:
    """Bring a retired feature back, at the end of the active ones."""
    _may_edit(actor, feature.concept, "restore features")
    if feature.retired_at is None:
        return
    active, retired = _ordered(feature.concept)
    retired.remove(feature)
    feature.retired_at = None
    _renumber(active + [feature], retired)
    _touch(feature.concept)
    search.index_feature(feature)
    _commit_changed(feature.concept)


def active_features(concept: Concept) -> list[Feature]:
    return _ordered(concept)[0]


def retired_features(concept: Concept) -> list[Feature]:
    return _ordered(concept)[1]


__all__ = [
    "CURRENCIES", "SORTS", "STAGES", "STAGE_LABELS", "active_features", "add_feature", "change_stage",
    "create", "filter_organizations", "get_by_slug", "get_for_key", "get_feature", "listing", "move_feature",
    "of_organization", "organizations_for", "parse_tags", "recent", "restore_feature", "retire_feature",
    "retired_features", "update", "update_feature",
]
