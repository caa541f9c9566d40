"""Research answers: a person's Gabor-Granger walk, their best-worst (MaxDiff) sets, their profile
(segment) answers. Feedback-style writes: the policy's "feedback.answer" rule (signed in, in good
standing, not a member of the owning organization, feedback open), one transaction with its event
in the concept's room, commit, publish. The set-up (ladder, switch, questions) is
forum/services/research_setup.py; the figures are computed under the demand rule of who counts.

Gabor-Granger: the walk is asked one price at a time (the view keeps the walk so far in the
signed session cookie); only a finished walk is stored, replacing the person's earlier one in the
same transaction, so a walk left half-way never takes away an answer that counted.

MaxDiff: each person's sets come from forum.analytics.maxdiff.design, seeded by the concept and the
person (the same sets on every visit) over the active features in id order. Each answered set is
one row; the next set is the first of the design not answered yet.
"""
from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select

from forum import policy
from forum.analytics import gabor_granger, maxdiff
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import (
    Concept,
    Feature,
    GaborGrangerAnswer,
    GaborGrangerResponse,
    MaxDiffAnswer,
    SegmentAnswer,
    SegmentChoice,
    SegmentQuestion,
    utcnow,
)
from forum.services import events, moderation
from forum.services.tx import commit_and_publish

Walk = Sequence[tuple[Decimal, bool, datetime]]  # (price asked, yes?, when answered)


def _record(concept: Concept, what: str) -> Any:
    """The change's event in the concept's room: open pages refresh, stored summaries recompute."""
    return events.record(events.concept_room(concept.id), "research.changed", {"what": what})


def _may_answer(actor: Any, concept: Concept) -> None:
    policy.require(actor, "feedback.answer", concept)
    moderation.check_rate(actor, "vote")  # new accounts: votes and answers per hour


# --- Gabor-Granger ------------------------------------------------------------------------------

def ladder_of(concept: Concept) -> list[Decimal]:
    ladder = concept.ladder
    if not ladder:
        raise NotFound(_("This concept does not ask whether you would buy it at a price."))
    return ladder


def start_price(concept: Concept, rng: random.Random | None = None) -> Decimal:
    """The first price to ask: a random rung (so that no price anchors everyone)."""
    return (rng or random.SystemRandom()).choice(ladder_of(concept))


def next_price(concept: Concept, walk: Walk) -> Decimal | None:
    """The next price of a walk in progress, or None when it is over. ValidationError when `walk`
    is not one this concept's ladder asks (the ladder changed, or the walk was tampered with)."""
    ladder = ladder_of(concept)
    answers = [(price, yes) for price, yes, _when in walk]
    try:
        gabor_granger.check_walk(ladder, answers, finished=False)
    except ValueError as exc:
        raise ValidationError(_("These answers do not follow the price ladder; please start again.")) from exc
    return gabor_granger.next_price(ladder, answers)


def answer_gabor_granger(actor: Any, concept: Concept, walk: Walk) -> GaborGrangerResponse:
    """Store a finished walk, replacing the person's earlier one."""
    ladder = ladder_of(concept)
    _may_answer(actor, concept)
    answers = [(price, yes) for price, yes, _when in walk]
    try:
        gabor_granger.check_walk(ladder, answers)
    except ValueError as exc:
        raise ValidationError(_("These answers do not follow the price ladder; please start again.")) from exc
    db.session.execute(delete(GaborGrangerResponse).where(
        GaborGrangerResponse.concept_id == concept.id, GaborGrangerResponse.user_id == actor.id))
    now = utcnow()
    response = GaborGrangerResponse(concept_id=concept.id, user_id=actor.id, created_at=now, updated_at=now,
                                    highest_price=gabor_granger.highest_accepted(answers))
    response.answers = [GaborGrangerAnswer(step=step, price=price, accepted=yes, answered_at=when)
                        for step, (price, yes, when) in enumerate(walk, start=1)]
    db.session.add(response)
    commit_and_publish(_record(concept, "gabor_granger"))
    return response


def my_gabor_granger(actor: Any, concept: Concept) -> GaborGrangerResponse | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return db.session.scalar(select(GaborGrangerResponse).where(
        GaborGrangerResponse.concept_id == concept.id, GaborGrangerResponse.user_id == actor.id))


# --- MaxDiff ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MaxDiffSet:
    number: int  # 1-based
    of: int  # sets in the person's design
    features: list[Feature]  # in the order shown

    @property
    def shown(self) -> str:
        return ",".join(str(f.id) for f in self.features)


def maxdiff_features(concept: Concept) -> list[Feature] | None:
    """The active features the sets are made of, in id order; None when MaxDiff is off or the
    concept has not 5 to 30 active features now (the sets are not asked then)."""
    if not concept.maxdiff_enabled:
        return None
    features = sorted((f for f in concept.features if f.retired_at is None), key=lambda f: f.id)
    if not maxdiff.FEATURES_MIN <= len(features) <= maxdiff.FEATURES_MAX:
        return None
    return features


def _design(actor: Any, concept: Concept, features: list[Feature]) -> list[list[Feature]]:
    rng = random.Random(f"maxdiff:{concept.id}:{actor.id}:{','.join(str(f.id) for f in features)}")
    return [[features[i] for i in members] for members in maxdiff.design(len(features), rng)]


def answered_sets(actor: Any, concept: Concept) -> int:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return 0
    return db.session.scalar(select(func.count(MaxDiffAnswer.id)).where(
        MaxDiffAnswer.concept_id == concept.id, MaxDiffAnswer.user_id == actor.id)) or 0


def next_set(actor: Any, concept: Concept) -> MaxDiffSet | None:
    """The person's next set to answer, or None when they have answered all of them."""
    features = maxdiff_features(concept)
    if features is None:
        raise NotFound(_("This concept does not ask which features matter most."))
    design = _design(actor, concept, features)
    done = answered_sets(actor, concept)
    if done >= len(design):
        return None
    return MaxDiffSet(done + 1, len(design), design[done])


def answer_maxdiff(actor: Any, concept: Concept, number: int, shown: str, best: int, worst: int) -> None:
    """Store one answered set. `number` and `shown` are what the page showed: when they are not the
    person's next set any more (answered in another tab, or the features changed) it is a Conflict."""
    _may_answer(actor, concept)
    expected = next_set(actor, concept)
    if expected is None or expected.number != number or expected.shown != shown:
        raise Conflict(_("This set was already answered or the features changed; here is your next set."))
    ids = {f.id for f in expected.features}
    if best not in ids or worst not in ids:
        raise ValidationError(_("Pick the most and the least important feature of this set."),
                              {"best": [_("Pick the most important feature.")]} if best not in ids
                              else {"worst": [_("Pick the least important feature.")]})
    if best == worst:
        raise ValidationError(_("The most and the least important feature must differ."),
                              {"worst": [_("Pick a different feature as the least important.")]})
    db.session.add(MaxDiffAnswer(concept_id=concept.id, user_id=actor.id, set_number=number, shown=shown,
                                 best_feature_id=best, worst_feature_id=worst, answered_at=utcnow()))
    commit_and_publish(_record(concept, "maxdiff"), conflict=_("This set was already answered."))


def restart_maxdiff(actor: Any, concept: Concept) -> int:
    """Forget the person's answered sets (to answer them again); returns how many there were."""
    _may_answer(actor, concept)
    gone = db.session.execute(delete(MaxDiffAnswer).where(
        MaxDiffAnswer.concept_id == concept.id, MaxDiffAnswer.user_id == actor.id)).rowcount or 0
    commit_and_publish(_record(concept, "maxdiff"))
    return gone


# --- segments -----------------------------------------------------------------------------------

def questions(concept: Concept) -> list[SegmentQuestion]:
    return list(concept.segment_questions)


def my_segments(actor: Any, concept: Concept) -> dict[int, int]:
    """{question id: choice id} of the person's answers on this concept."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    rows = db.session.execute(
        select(SegmentAnswer.question_id, SegmentAnswer.choice_id)
        .join(SegmentQuestion, SegmentQuestion.id == SegmentAnswer.question_id)
        .where(SegmentQuestion.concept_id == concept.id, SegmentAnswer.user_id == actor.id))
    return dict(rows.tuples().all())


def answer_segments(actor: Any, concept: Concept, answers: Mapping[int, int | None]) -> int:
    """Save the person's profile answers {question id: choice id, or None to take one back}; every
    question is optional. Returns how many are answered now."""
    asked = {q.id: q for q in questions(concept)}
    if not asked:
        raise NotFound(_("This concept asks no profile questions."))
    _may_answer(actor, concept)
    errors = {}
    for question_id, choice_id in answers.items():
        question = asked.get(question_id)
        if question is None:
            raise ValidationError(_("That question is not asked on this concept."))
        if choice_id is not None and choice_id not in {c.id for c in question.choices}:
            errors[f"q{question_id}"] = [_("Choose one of the answers offered.")]
    if errors:
        raise ValidationError(_("Please check your answers."), errors)
    db.session.execute(delete(SegmentAnswer).where(
        SegmentAnswer.user_id == actor.id, SegmentAnswer.question_id.in_(list(answers))))
    now = utcnow()
    for question_id, choice_id in answers.items():
        if choice_id is not None:
            db.session.add(SegmentAnswer(question_id=question_id, choice_id=choice_id, user_id=actor.id,
                                         answered_at=now))
    commit_and_publish(_record(concept, "segments"))
    return len(my_segments(actor, concept))


# --- a person's own answers (their archive; deleting their account) ---------------------------

def concepts_of(user_id: int) -> set[int]:
    """The concepts the person gave research answers on."""
    ids = set(db.session.scalars(select(GaborGrangerResponse.concept_id).where(GaborGrangerResponse.user_id == user_id)))
    ids |= set(db.session.scalars(select(MaxDiffAnswer.concept_id).where(MaxDiffAnswer.user_id == user_id)))
    ids |= set(db.session.scalars(select(SegmentQuestion.concept_id).join(
        SegmentAnswer, SegmentAnswer.question_id == SegmentQuestion.id).where(SegmentAnswer.user_id == user_id)))
    return ids


def archive(user_id: int) -> dict[str, list[dict[str, Any]]]:
    """The person's research answers, for their data download (features and choices by their text)."""
    slugs = dict(db.session.execute(select(Concept.id, Concept.slug).where(Concept.id.in_(sorted(concepts_of(user_id))))).tuples().all())
    titles = dict(db.session.execute(select(Feature.id, Feature.title).where(Feature.concept_id.in_(list(slugs)))).tuples().all())
    walks = [{"concept": slugs.get(r.concept_id, ""), "price": str(a.price), "answer": "yes" if a.accepted else "no",
              "answered_at": a.answered_at.isoformat() + "Z"}
             for r in db.session.scalars(select(GaborGrangerResponse).where(GaborGrangerResponse.user_id == user_id))
             for a in r.answers]
    sets = [{"concept": slugs.get(m.concept_id, ""), "set": m.set_number,
             "shown": [titles.get(i, "") for i in m.shown_ids], "best": titles.get(m.best_feature_id, ""),
             "worst": titles.get(m.worst_feature_id, ""), "answered_at": m.answered_at.isoformat() + "Z"}
            for m in db.session.scalars(select(MaxDiffAnswer).where(MaxDiffAnswer.user_id == user_id)
                                        .order_by(MaxDiffAnswer.id))]
    profile = [{"concept": slugs.get(q.concept_id, ""), "question": q.text, "answer": c.label}
               for q, c in db.session.execute(
                   select(SegmentQuestion, SegmentChoice).join(SegmentAnswer, SegmentAnswer.question_id == SegmentQuestion.id)
                   .join(SegmentChoice, SegmentChoice.id == SegmentAnswer.choice_id)
                   .where(SegmentAnswer.user_id == user_id)).tuples()]
    return {"would_you_buy": walks, "best_worst": sets, "profile": profile}


def withdraw(user_id: int) -> list[Any]:
    """Delete the person's research answers (inside the caller's transaction); returns the events to
    publish after its commit, one per concept touched."""
    touched = concepts_of(user_id)
    db.session.execute(delete(GaborGrangerResponse).where(GaborGrangerResponse.user_id == user_id))
    db.session.execute(delete(MaxDiffAnswer).where(MaxDiffAnswer.user_id == user_id))
    db.session.execute(delete(SegmentAnswer).where(SegmentAnswer.user_id == user_id))
    return [events.record(events.concept_room(concept_id), "research.changed", {"what": "withdrawn"})
            for concept_id in sorted(touched)]


__all__ = [
    "MaxDiffSet", "answer_gabor_granger", "archive", "concepts_of", "withdraw", "answer_maxdiff", "answer_segments", "answered_sets", "ladder_of",
    "maxdiff_features", "my_gabor_granger", "my_segments", "next_price", "next_set", "questions",
    "restart_maxdiff", "start_price",
]
