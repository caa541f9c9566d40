"""The demo's research answers: a ladder whose demand turns from inelastic to elastic, best-worst
sets made by the balanced design, a profile question with one answer under the privacy floor."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from forum.analytics import gabor_granger
from forum.demo import seed_concepts, seed_organizations, seed_people, seed_respondents
from forum.demo_research import SLUG, seed_research
from forum.extensions import db
from forum.models import Concept, GaborGrangerAnswer, GaborGrangerResponse, MaxDiffAnswer, SegmentAnswer


def seeded() -> Concept:
    seed_people()
    seed_organizations()
    db.session.commit()
    seed_concepts()
    seed_research(seed_respondents())
    return db.session.scalar(select(Concept).where(Concept.slug == SLUG))


def test_the_demo_ladder_turns_elastic_and_every_walk_follows_the_ladder(app):
    concept = seeded()
    ladder = concept.ladder
    counts = Counter(db.session.scalars(select(GaborGrangerResponse.highest_price)
                                        .where(GaborGrangerResponse.concept_id == concept.id)))
    result = gabor_granger.demand(ladder, counts)
    values = [e.elasticity for e in result.elasticities]
    assert values[0] > -1 and values[-1] < -1  # inelastic at first, elastic at the top
    assert any(1 + a > 0 > 1 + b for a, b in zip(values, values[1:], strict=False))
    assert ladder[0] < result.revenue_optimal_price < ladder[-1]
    for response in db.session.scalars(select(GaborGrangerResponse)):
        gabor_granger.check_walk(ladder, [(a.price, a.accepted) for a in response.answers])
    assert db.session.scalar(select(func.count(GaborGrangerAnswer.id))) > result.n


def test_the_demo_best_worst_sets_and_profile_answers(app):
    concept = seeded()
    per_person = Counter(db.session.scalars(select(MaxDiffAnswer.user_id)))
    assert len(per_person) == 200 and set(per_person.values()) == {4}  # six features: four sets of 3
    choices = Counter(db.session.scalars(select(SegmentAnswer.choice_id)))
    assert sorted(choices.values()) == [3, 110, 140]
    seed_research(seed_respondents())  # a second run changes nothing
    assert db.session.scalar(select(func.count(MaxDiffAnswer.id))) == 800
    assert concept.maxdiff_enabled
