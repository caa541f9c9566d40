"""Segments: the concept's profile questions, how many counted people gave each answer, and the
privacy floor. A segment (one answer to one question) is shown only when at least FLOOR counted
people are in it: the summary for a smaller one is refused (the page says why, the API answers 422
naming the floor), and the exports leave its cell empty, so nobody in it can be told apart."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from forum.errors import DomainError, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import Concept, SegmentAnswer, SegmentChoice, SegmentQuestion
from forum.services.demand.rule import counted

FLOOR = 5


class BelowFloor(DomainError):
    """A segment with fewer counted people than the floor (422 in the API)."""

    status = 422
    title = "Segment too small"


def counts(concept: Concept) -> dict[int, int]:
    """{choice id: counted people who gave it}."""
    rows = db.session.execute(
        select(SegmentAnswer.choice_id, func.count())
        .join(SegmentQuestion, SegmentQuestion.id == SegmentAnswer.question_id)
        .where(SegmentQuestion.concept_id == concept.id, counted(concept.id, user_id=SegmentAnswer.user_id))
        .group_by(SegmentAnswer.choice_id))
    return {choice_id: int(n) for choice_id, n in rows}


def compute(concept: Concept) -> dict[str, int]:
    """The stored part: {choice id (text): counted people}."""
    return {str(choice_id): n for choice_id, n in counts(concept).items()}


def section(concept: Concept, part: dict[str, int] | None) -> list[dict[str, Any]]:
    """The contract's `segments`: every question with its answers and how many counted people gave
    each (n is a count, never a list of people: it is shown for every answer)."""
    part = part or {}
    return [{"id": q.id, "question": q.text,
             "choices": [{"id": c.id, "label": c.label, "n": part.get(str(c.id), 0)} for c in q.choices]}
            for q in concept.segment_questions]


def parse(concept: Concept, raw: str | None) -> tuple[SegmentQuestion, SegmentChoice] | None:
    """`?segment=<question_id>:<choice_id>` as the question and the answer; None when absent.
    ValidationError (400) when it names no answer of this concept's questions."""
    if raw is None or raw == "":
        return None
    question_id, _sep, choice_id = raw.partition(":")
    question = next((q for q in concept.segment_questions if str(q.id) == question_id.strip()), None)
    choice = next((c for c in question.choices if str(c.id) == choice_id.strip()), None) if question else None
    if choice is None:
        raise ValidationError(_("There is no segment “%(segment)s” on this concept: use "
                                "?segment=<question id>:<answer id>.", segment=raw[:40]))
    return question, choice


def check(concept: Concept, choice: SegmentChoice) -> int:
    """The counted people in the segment (counted now); BelowFloor when fewer than FLOOR."""
    n = counts(concept).get(choice.id, 0)
    if n < FLOOR:
        raise BelowFloor(_("This segment has fewer than %(floor)d counted people, so its figures are not "
                           "shown (the privacy floor is %(floor)d).", floor=FLOOR))
    return n


def labels_by_person(concept: Concept, part: dict[str, int] | None) -> dict[int, dict[int, str]]:
    """{person id: {question id: answer label}} for the exports, only answers given by at least
    FLOOR counted people (any other cell stays empty)."""
    part = part or {}
    shown = {c.id: c.label for q in concept.segment_questions for c in q.choices if part.get(str(c.id), 0) >= FLOOR}
    out: dict[int, dict[int, str]] = {}
    if not shown:
        return out
    rows = db.session.execute(
        select(SegmentAnswer.user_id, SegmentAnswer.question_id, SegmentAnswer.choice_id)
        .where(SegmentAnswer.choice_id.in_(list(shown))))
    for user_id, question_id, choice_id in rows:
        out.setdefault(user_id, {})[question_id] = shown[choice_id]
    return out


def columns(concept: Concept) -> list[str]:
    return [f"segment:{q.text}" for q in concept.segment_questions]


def cells(concept: Concept, labels: dict[int, dict[int, str]], user_id: int | None) -> Iterable[str]:
    mine = labels.get(user_id, {}) if user_id is not None else {}
    return [mine.get(q.id, "") for q in concept.segment_questions]


__all__ = ["FLOOR", "BelowFloor", "cells", "check", "columns", "compute", "counts", "labels_by_person", "parse",
           "section"]
