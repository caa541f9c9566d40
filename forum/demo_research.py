"""Demo research answers: the Pulse One earbuds ask "would you buy it at this price?" on a ladder,
best-worst sets over their features, and one profile question, answered by the demo's respondents
(forum.demo.seed_respondents) with a fixed random seed, so the summary's charts show at once.

The answers are made so that the demand curve is inelastic at the low prices (revenue still rises)
and elastic past €179 (revenue falls): 1 + elasticity changes sign there, and the revenue optimum
sits inside the ladder. One answer to the profile question is given by fewer than five people, to
show the privacy floor. Skipped when the concept is absent or already has answers."""
from __future__ import annotations

import math
import random
from decimal import Decimal

from sqlalchemy import insert, select

from forum.analytics import gabor_granger, maxdiff
from forum.extensions import db
from forum.models import (
    Concept,
    GaborGrangerAnswer,
    GaborGrangerResponse,
    MaxDiffAnswer,
    SegmentAnswer,
    SegmentChoice,
    SegmentQuestion,
    utcnow,
)
from forum.services import events

SLUG = "pulse-one-repairable-earbuds"
SEED = 20260321
LADDER = "99,129,149,179,199,249"
#: Respondents by their highest "yes" (None: no price): buyers 240, 220, 200, 170, 90, 30 of 260.
HIGHEST = {None: 20, 99: 20, 129: 20, 149: 30, 179: 80, 199: 60, 249: 30}
#: The profile question and how many say each answer (the last one is under the floor of five).
QUESTION = ("How often do you buy new earbuds?", [("Every year", 110), ("Every two or three years", 140),
                                                 ("Only when they break", 3)])
#: The features' appeal in the best-worst picks (utilities of the maxdiff model), in feature order.
UTILITIES = [1.2, 0.4, 0.9, -0.8, 0.1, -0.3]
MAXDIFF_PEOPLE = 200


def _walk(ladder: list[Decimal], highest: Decimal | None, rng: random.Random) -> list[tuple[Decimal, bool]]:
    answers: list[tuple[Decimal, bool]] = []
    price: Decimal | None = rng.choice(ladder)
    while price is not None:
        answers.append((price, highest is not None and price <= highest))
        price = gabor_granger.next_price(ladder, answers)
    return answers


def _seed_ladder(concept: Concept, people: list[int], rng: random.Random) -> None:
    ladder = concept.ladder
    highs = [None if h is None else Decimal(h) for h, n in HIGHEST.items() for _ in range(n)]
    rng.shuffle(highs)
    now = utcnow()
    for user_id, highest in zip(people, highs, strict=False):
        response = GaborGrangerResponse(concept_id=concept.id, user_id=user_id, highest_price=highest,
                                        created_at=now, updated_at=now)
        response.answers = [GaborGrangerAnswer(step=step, price=price, accepted=yes, answered_at=now)
                            for step, (price, yes) in enumerate(_walk(ladder, highest, rng), start=1)]
        db.session.add(response)


def _pick(members: list[int], rng: random.Random) -> tuple[int, int]:
    """Best and worst drawn from the maxdiff model: P(i, j) proportional to exp(u_i - u_j)."""
    pairs = [(i, j) for i in members for j in members if i != j]
    weights = [math.exp(UTILITIES[i] - UTILITIES[j]) for i, j in pairs]
    return rng.choices(pairs, weights)[0]


def _seed_maxdiff(concept: Concept, people: list[int], rng: random.Random) -> None:
    features = sorted((f for f in concept.features if f.retired_at is None), key=lambda f: f.id)
    order = {f.id: place for place, f in enumerate(f for f in concept.features if f.retired_at is None)}
    rows, now = [], utcnow()
    for user_id in people[:MAXDIFF_PEOPLE]:
        design = maxdiff.design(len(features), random.Random(f"maxdiff:{concept.id}:{user_id}:"
                                                             + ",".join(str(f.id) for f in features)))
        for number, members in enumerate(design, start=1):
            best, worst = _pick([order[features[i].id] for i in members], rng)
            by_place = {order[f.id]: f.id for f in features}
            rows.append({"concept_id": concept.id, "user_id": user_id, "set_number": number,
                         "shown": ",".join(str(features[i].id) for i in members),
                         "best_feature_id": by_place[best], "worst_feature_id": by_place[worst], "answered_at": now})
    db.session.execute(insert(MaxDiffAnswer), rows)


def _seed_segments(concept: Concept, people: list[int], highs: dict[int, Decimal | None]) -> None:
    text, choices = QUESTION
    question = SegmentQuestion(concept_id=concept.id, text=text, position=1,
                               choices=[SegmentChoice(label=label, position=place)
                                        for place, (label, _n) in enumerate(choices, start=1)])
    db.session.add(question)
    db.session.flush()
    # Those willing to pay most are the yearly buyers: the segment's demand curve differs.
    ranked = sorted(people, key=lambda uid: -(highs.get(uid) or 0))
    start, now = 0, utcnow()
    for choice, (_label, n) in zip(question.choices, choices, strict=True):
        for user_id in ranked[start:start + n]:
            db.session.add(SegmentAnswer(question_id=question.id, choice_id=choice.id, user_id=user_id,
                                         answered_at=now))
        start += n


def seed_research(respondents: list[int]) -> None:
    concept = db.session.scalar(select(Concept).where(Concept.slug == SLUG))
    if concept is None or db.session.scalar(
            select(GaborGrangerResponse.id).where(GaborGrangerResponse.concept_id == concept.id).limit(1)):
        return
    rng = random.Random(SEED)
    concept.price_ladder = LADDER
    concept.maxdiff_enabled = True
    people = list(respondents)
    rng.shuffle(people)
    _seed_ladder(concept, people, rng)
    db.session.flush()
    highs = dict(db.session.execute(select(GaborGrangerResponse.user_id, GaborGrangerResponse.highest_price)
                                    .where(GaborGrangerResponse.concept_id == concept.id)).tuples().all())
    _seed_maxdiff(concept, people, rng)
    _seed_segments(concept, people, highs)
    events.record(events.concept_room(concept.id), "research.changed", {"what": "demo"})
    db.session.commit()


__all__ = ["seed_research"]
