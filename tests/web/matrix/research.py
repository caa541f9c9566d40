"""Role matrix: the research questions (price ladder, best-worst sets, profile questions).

objects["org"] owns "rs_concept" (feedback open, a ladder 10/20/30, best-worst sets on over five
features, one profile question "rs_question"). Its owner and member set the questions up and may not
answer them (403); everyone else signed in answers them and may not set them up.
"""
from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.models import Concept, Feature, SegmentChoice, SegmentQuestion
from tests.web.matrix import Case, same, signed_in

NOT_MEMBERS = {"member": 403, "owner": 403}
MEMBERS_WRITE = same(403, visitor="login", member="redirect", owner="redirect")
MEMBERS_READ = same(403, visitor="login", member=200, owner=200)


def build(objects: dict[str, Any]) -> dict[str, Any]:
    concept = Concept(organization_id=objects["org"].id, slug="rs-concept", title="Research concept",
                      currency="EUR", feedback_open=True, price_ladder="10,20,30", maxdiff_enabled=True)
    features = [Feature(concept=concept, title=f"Feature {i}", position=i) for i in range(5)]
    db.session.add_all([concept, *features])
    db.session.flush()
    question = SegmentQuestion(concept_id=concept.id, text="How often?", position=1,
                               choices=[SegmentChoice(label="Daily", position=1),
                                        SegmentChoice(label="Weekly", position=2)])
    db.session.add(question)
    db.session.commit()
    return {"rs_concept": concept, "rs_question": question}


def _base(o: dict[str, Any]) -> str:
    return f"/concepts/{o['rs_concept'].slug}"


CASES = {
    ("research.settings", "GET"): Case(lambda o: f"{_base(o)}/research", MEMBERS_READ),
    ("research.set_ladder", "POST"): Case(lambda o: f"{_base(o)}/research/ladder", MEMBERS_WRITE,
                                          data=lambda o: {"ladder": "10, 20, 30, 40"}),
    ("research.set_maxdiff", "POST"): Case(lambda o: f"{_base(o)}/research/maxdiff", MEMBERS_WRITE,
                                           data=lambda o: {}),
    ("research.add_question", "POST"): Case(lambda o: f"{_base(o)}/research/questions", MEMBERS_WRITE,
                                            data=lambda o: {"text": "Household?", "choices": "1\n2\n3+"}),
    ("research.remove_question", "POST"): Case(
        lambda o: f"{_base(o)}/research/questions/{o['rs_question'].id}/delete", MEMBERS_WRITE),
    ("research.gabor_granger", "GET"): Case(lambda o: f"{_base(o)}/would-you-buy", signed_in(200, **NOT_MEMBERS)),
    ("research.gabor_granger", "POST"): Case(
        lambda o: f"{_base(o)}/would-you-buy", signed_in("redirect", **NOT_MEMBERS),
        data=lambda o: {"price": "20", "answer": "yes"},
        note="a price other than the one asked is sent back to the question asked"),
    ("research.best_worst", "GET"): Case(lambda o: f"{_base(o)}/best-worst", signed_in(200, **NOT_MEMBERS)),
    ("research.best_worst", "POST"): Case(
        lambda o: f"{_base(o)}/best-worst", signed_in("redirect", **NOT_MEMBERS),
        data=lambda o: {"number": "1", "shown": "1,2,3", "best": "1", "worst": "2"},
        note="a set other than the one shown is sent back to the set to answer"),
    ("research.restart_best_worst", "POST"): Case(lambda o: f"{_base(o)}/best-worst/restart",
                                                  signed_in("redirect", **NOT_MEMBERS)),
    ("research.profile", "GET"): Case(lambda o: f"{_base(o)}/about-you", signed_in(200, **NOT_MEMBERS)),
    ("research.profile", "POST"): Case(
        lambda o: f"{_base(o)}/about-you", signed_in("redirect", **NOT_MEMBERS),
        data=lambda o: {f"q{o['rs_question'].id}": str(o["rs_question"].choices[0].id)}),
}
