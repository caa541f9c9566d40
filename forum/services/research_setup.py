"""Setting up a concept's research: the Gabor-Granger price ladder, the MaxDiff switch, and up to
three profile (segment) questions. The owning organization's members do it (policy
"research.manage"); each change records its event in the concept's room (open pages refresh,
stored summaries recompute)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from forum import policy
from forum.analytics import gabor_granger, maxdiff
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import Concept, GaborGrangerResponse, SegmentChoice, SegmentQuestion
from forum.services import events
from forum.services.concept_fields import clean_text
from forum.services.tx import commit_and_publish

PRICE_MAX = Decimal("1000000")
QUESTIONS_MAX = 3
CHOICES_MIN, CHOICES_MAX = 2, 8
QUESTION_MAX_LENGTH, CHOICE_MAX_LENGTH = 200, 80
_SEPARATORS = re.compile(r"[,;\s]+")


def _record(concept: Concept, what: str) -> Any:
    return events.record(events.concept_room(concept.id), "research.changed", {"what": what})


def parse_ladder(text: str) -> list[Decimal]:
    """"9, 12.50, 15" -> [9, 12.50, 15]; "" -> [] (no ladder). ValidationError on field "ladder"."""
    parts = [p for p in _SEPARATORS.split(clean_text(text).strip()) if p]
    if not parts:
        return []
    prices = []
    for part in parts:
        try:
            price = Decimal(part)
        except InvalidOperation:
            price = None
        if price is None or not price.is_finite() or price <= 0 or price > PRICE_MAX \
                or price != price.quantize(Decimal("0.01")):
            raise ValidationError(_("Please check the prices."), {"ladder": [
                _("“%(price)s” is not a price: write amounts like 9 or 12.50, above 0.", price=part[:20])]})
        prices.append(price.quantize(Decimal("0.01")))
    try:
        return gabor_granger.check_ladder(prices)
    except ValueError:
        raise ValidationError(_("Please check the prices."), {"ladder": [
            _("Give %(low)d to %(high)d different prices.", low=gabor_granger.LADDER_MIN,
              high=gabor_granger.LADDER_MAX)]}) from None


def _text(price: Decimal) -> str:
    return f"{price.normalize():f}"


def set_ladder(actor: Any, concept: Concept, text: str, clear_answers: bool = False) -> int:
    """Set the ladder (or, with no prices, stop asking). A different ladder once people have
    answered needs `clear_answers`: their walks were on the old prices and are deleted. Returns
    how many walks were deleted."""
    policy.require(actor, "research.manage", concept)
    ladder = parse_ladder(text)
    stored = ",".join(_text(p) for p in ladder)
    if stored == concept.price_ladder:
        return 0
    answered = db.session.scalar(select(func.count(GaborGrangerResponse.id)).where(
        GaborGrangerResponse.concept_id == concept.id)) or 0
    deleted = 0
    if ladder and answered:
        if not clear_answers:
            raise ValidationError(_("People have answered on the current prices."), {"clear_answers": [
                _("Tick the box to delete their %(n)d answers and ask the new prices.", n=answered)]})
        for response in db.session.scalars(select(GaborGrangerResponse).where(
                GaborGrangerResponse.concept_id == concept.id)):
            db.session.delete(response)
        deleted = answered
    concept.price_ladder = stored
    commit_and_publish(_record(concept, "gabor_granger"))
    return deleted


def set_maxdiff(actor: Any, concept: Concept, enabled: bool) -> None:
    """Turn the best-worst sets on (the concept needs 5 to 30 active features) or off (the answers
    stay, and count again when it is turned back on)."""
    policy.require(actor, "research.manage", concept)
    if enabled:
        active = sum(1 for f in concept.features if f.retired_at is None)
        if not maxdiff.FEATURES_MIN <= active <= maxdiff.FEATURES_MAX:
            raise ValidationError(_("Best-worst sets need %(low)d to %(high)d active features; this concept "
                                    "has %(n)d.", low=maxdiff.FEATURES_MIN, high=maxdiff.FEATURES_MAX, n=active))
    if concept.maxdiff_enabled == enabled:
        return
    concept.maxdiff_enabled = enabled
    commit_and_publish(_record(concept, "maxdiff"))


def _choices(text: str) -> list[str]:
    labels = [clean_text(line).strip() for line in (text or "").splitlines()]
    labels = [label for label in labels if label]
    errors = []
    if not CHOICES_MIN <= len(labels) <= CHOICES_MAX:
        errors.append(_("Give %(low)d to %(high)d answers, one a line.", low=CHOICES_MIN, high=CHOICES_MAX))
    if any(len(label) > CHOICE_MAX_LENGTH for label in labels):
        errors.append(_("Keep each answer under %(n)d characters.", n=CHOICE_MAX_LENGTH))
    if len({label.casefold() for label in labels}) != len(labels):
        errors.append(_("Each answer must be different."))
    if errors:
        raise ValidationError(_("Please check the answers."), {"choices": errors})
    return labels


def add_question(actor: Any, concept: Concept, text: str, choices: str) -> SegmentQuestion:
    """Add a profile question with its answers (one a line); at most three per concept."""
    policy.require(actor, "research.manage", concept)
    text = clean_text(text).strip()
    if not text or len(text) > QUESTION_MAX_LENGTH:
        raise ValidationError(_("Please check the question."), {"text": [
            _("Write the question, in at most %(n)d characters.", n=QUESTION_MAX_LENGTH)]})
    labels = _choices(choices)
    existing = list(concept.segment_questions)
    if len(existing) >= QUESTIONS_MAX:
        raise ValidationError(_("A concept has at most %(n)d profile questions.", n=QUESTIONS_MAX))
    question = SegmentQuestion(concept_id=concept.id, text=text,
                               position=max((q.position for q in existing), default=0) + 1,
                               choices=[SegmentChoice(label=label, position=place)
                                        for place, label in enumerate(labels, start=1)])
    db.session.add(question)
    commit_and_publish(_record(concept, "segments"))
    return question


def get_question(concept: Concept, question_id: int) -> SegmentQuestion:
    question = db.session.get(SegmentQuestion, question_id)
    if question is None or question.concept_id != concept.id:
        raise NotFound(_("This concept has no such profile question."))
    return question


def remove_question(actor: Any, question: SegmentQuestion) -> None:
    """Delete a profile question and everyone's answers to it."""
    concept = db.session.get(Concept, question.concept_id)
    policy.require(actor, "research.manage", concept)
    db.session.delete(question)
    commit_and_publish(_record(concept, "segments"))


__all__ = ["add_question", "get_question", "parse_ladder", "remove_question", "set_ladder", "set_maxdiff"]
