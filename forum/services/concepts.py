"""Concepts (product ideas of an organization), their features and their stage history.

Every function that changes data takes the actor, asks the policy, validates, writes its rows
(and the matching Event) in one transaction, commits and only then publishes. What the fields may
hold and their checks live in concept_fields.py, finding concepts in concept_queries.py; their
names are offered here too, so other modules use `concepts.<name>` for all three.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum import policy
from forum.errors import Conflict, PermissionDenied, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.markup import render
from forum.models import STAGES, Concept, Feature, Organization, StageChange, Tag, Topic, User, utcnow
from forum.services import demand, events, notifications, search
from forum.services.concept_fields import (
    CURRENCIES,
    DESCRIPTION_MAX,
    FEATURE_DESCRIPTION_MAX,
    FEATURE_TITLE_MAX,
    NOTE_MAX,
    RESERVED_SLUGS,
    STAGE_LABELS,
    SUMMARY_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    check_concept,
    check_feature,
    check_stage_change,
    clean_text,
    is_slug,
    parse_tags,
)
from forum.services.concept_queries import (
    SORTS,
    filter_organizations,
    get_by_slug,
    get_feature,
    get_for_key,
    listing,
    of_organization,
    organizations_for,
    recent,
)
from forum.services.organizations import slugify, unique_slug
from forum.services.tx import commit_and_publish


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: [message]})


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

def create(actor: User, organization: Organization | None, title: str, summary: str = "",
           description: str = "", stage: str = "idea", tags: str | list[str] = "",
           currency: str = "EUR", feedback_open: bool = True, kano_enabled: bool = False,
           price_question_enabled: bool = False, *, price_asks_too_cheap: bool = True) -> Concept:
    """Post a concept for `organization`, with its discussion topic and first stage entry."""
    if organization is None:
        raise _fail("organization", _("Choose the organization this concept belongs to."))
    policy.require(actor, "concept.create", organization)
    fields = check_concept(title, summary, description, tags, currency, stage)
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
    fields = check_concept(title, summary, description, tags, currency)
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
    stage, note = check_stage_change(concept.stage, stage, note)
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
    "CURRENCIES", "DESCRIPTION_MAX", "FEATURE_DESCRIPTION_MAX", "FEATURE_TITLE_MAX", "NOTE_MAX", "SORTS", "STAGES",
    "STAGE_LABELS", "SUMMARY_MAX", "TAGS_MAX", "TAG_MAX", "TITLE_MAX", "active_features", "add_feature",
    "apply_stage", "change_stage", "check_feature", "clean_text", "create", "filter_organizations", "get_by_slug",
    "get_for_key", "get_feature", "is_slug", "listing", "move_feature", "of_organization", "organizations_for",
    "parse_tags", "recent", "restore_feature", "retire_feature", "retired_features", "update", "update_feature",
]
