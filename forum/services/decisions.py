"""Decision updates ("you said, we did"): an organization tells the people who shaped a concept what
it decided and why, which features it adopted or dropped, and the price it set beside the
community's acceptable range. Everyone who commented, voted or answered on the concept is notified,
in the app and by email where they allow it; the concept page keeps the decisions as a history.
A decision may move the concept to another stage in the same transaction.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import selectinload

from forum import policy
from forum.errors import ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import (
    Concept,
    Decision,
    DecisionFeature,
    Feature,
    FeatureVote,
    GaborGrangerResponse,
    KanoAnswer,
    MaxDiffAnswer,
    Post,
    PriceResponse,
    Topic,
    User,
    utcnow,
)
from forum.services import concepts as concept_service
from forum.services import demand, events, notifications, posting
from forum.services.bodies import too_complex
from forum.services.tx import commit_and_publish

TITLE_MAX = 160
BODY_MAX = 5000
PRICE_MAX = Decimal("1000000")


def participants(concept: Concept) -> set[int]:
    """Everyone who commented on the concept's discussion, voted on its features, or answered its
    Kano, price or research questions (accounts since deleted excluded)."""
    features = select(Feature.id).where(Feature.concept_id == concept.id)
    ids = union(
        select(Post.author_id.label("uid")).join(Topic, Topic.id == Post.topic_id)
        .where(Topic.concept_id == concept.id, Post.author_id.is_not(None)),
        select(FeatureVote.user_id).where(FeatureVote.feature_id.in_(features)),
        select(KanoAnswer.user_id).where(KanoAnswer.feature_id.in_(features)),
        select(PriceResponse.user_id).where(PriceResponse.concept_id == concept.id),
        select(GaborGrangerResponse.user_id).where(GaborGrangerResponse.concept_id == concept.id),
        select(MaxDiffAnswer.user_id).where(MaxDiffAnswer.concept_id == concept.id),
    ).subquery()
    return set(db.session.scalars(select(User.id).where(User.id.in_(select(ids.c.uid)),
                                                        User.deleted_at.is_(None))))


def _parse_price(raw: Any, errors: dict[str, list[str]]) -> Decimal | None:
    text = str(raw or "").strip().replace(",", "")
    if not text:
        return None
    try:
        price = Decimal(text)
    except InvalidOperation:
        errors["price"] = [_("Give the price as a number, e.g. 29 or 29.90.")]
        return None
    if not price.is_finite() or price <= 0 or price > PRICE_MAX:
        errors["price"] = [_("Give a price above 0 and at most %(PRICE_MAX)s.", PRICE_MAX=format(PRICE_MAX, ','))]
        return None
    return price.quantize(Decimal("0.01"))


def _feature_ids(concept: Concept, raw: Any, field: str, errors: dict[str, list[str]]) -> list[int]:
    own = {f.id for f in concept.features}
    chosen = []
    for value in raw or []:
        text = str(value).strip()
        if not text.isdigit() or int(text) not in own:
            errors[field] = [_("Choose features of this concept.")]
            return []
        chosen.append(int(text))
    return list(dict.fromkeys(chosen))


def _check_text(title: Any, body: Any, errors: dict[str, list[str]]) -> tuple[str, str]:
    """The decision's line and its explanation, cleaned; what is wrong with them goes in `errors`."""
    title = " ".join(str(title or "").split())
    body = str(body or "").strip()
    if not title:
        errors["title"] = [_("Say in one line what you decided.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("The decision's line has at most %(TITLE_MAX)s characters.", TITLE_MAX=TITLE_MAX)]
    if len(body) > BODY_MAX:
        errors["body"] = [_("The explanation has at most %(BODY_MAX)s characters.", BODY_MAX=BODY_MAX)]
    elif refused := too_complex(body):
        errors["body"] = [refused]
    return title, body


def create(actor: Any, concept: Concept, title: Any, body: Any = "", stage: Any = "", price: Any = "",
           adopted: Any = (), dropped: Any = ()) -> Decision:
    """Post a decision update. `stage` (optional) moves the concept; `price` (optional) is the price
    set; `adopted` / `dropped` are feature ids of the concept."""
    policy.require(actor, "decision.create", concept)
    title, body, stage, price_set, adopted_ids, dropped_ids = _checked(
        concept, title, body, stage, price, adopted, dropped)
    # The price range shown, read before anything is written: one consistent snapshot of the
    # summary (a transaction that has written could not read one on PostgreSQL).
    answers = demand.price_result(concept)
    shaped_by = participants(concept)
    recorded = []
    moved = bool(stage) and stage != concept.stage
    if moved:  # people who shaped it hear of the decision; other followers of the stage change
        _change, event = concept_service.apply_stage(actor, concept, stage, title[:500],
                                                     notify_except=shaped_by)
        recorded.append(event)
    html = posting.render_body(body)[0] if body else ""
    decision = Decision(concept_id=concept.id, author_id=actor.id, title=title, body_source=body,
                        body_html=html, stage=stage if moved else None, price=price_set, created_at=utcnow())
    _note_price_range(decision, answers)
    for feature_id in adopted_ids:
        decision.features.append(DecisionFeature(feature_id=feature_id, outcome="adopted"))
    for feature_id in dropped_ids:
        decision.features.append(DecisionFeature(feature_id=feature_id, outcome="dropped"))
    db.session.add(decision)
    concept.last_activity_at = decision.created_at
    db.session.flush()
    notifications.notify_decision(concept, decision, shaped_by)
    recorded.append(events.record(events.concept_room(concept.id), "decision.added",
                                  {"concept_id": concept.id, "decision_id": decision.id, "title": title}))
    commit_and_publish(*recorded)
    return decision


def _checked(concept: Concept, title: Any, body: Any, stage: Any, price: Any, adopted: Any,
             dropped: Any) -> tuple[str, str, str, Decimal | None, list[int], list[int]]:
    """A decision's fields as stored (title, body, stage, price, adopted and dropped feature ids);
    ValidationError naming each bad one."""
    errors: dict[str, list[str]] = {}
    title, body = _check_text(title, body, errors)
    stage = str(stage or "").strip().lower()
    price_set = _parse_price(price, errors)
    adopted_ids = _feature_ids(concept, adopted, "adopted", errors)
    dropped_ids = _feature_ids(concept, dropped, "dropped", errors)
    if set(adopted_ids) & set(dropped_ids):
        errors["dropped"] = [_("A feature is either adopted or dropped, not both.")]
    if errors:
        raise ValidationError(_("Please check the decision."), errors)
    return title, body, stage, price_set, adopted_ids, dropped_ids


def _note_price_range(decision: Decision, result: Any) -> None:
    """The acceptable price range the answers showed when the decision was taken, and how many answered."""
    if result is not None:
        decision.range_respondents = result.n
        if result.pmc is not None and result.pme is not None:
            decision.range_low = Decimal(str(result.pmc)).quantize(Decimal("0.01"))
            decision.range_high = Decimal(str(result.pme)).quantize(Decimal("0.01"))


def of_concept(concept: Concept) -> list[Decision]:
    """The concept's decisions, newest first, with their features."""
    return list(db.session.scalars(
        select(Decision).where(Decision.concept_id == concept.id)
        .options(selectinload(Decision.features).joinedload(DecisionFeature.feature),
                 selectinload(Decision.author))
        .order_by(Decision.created_at.desc(), Decision.id.desc())))
