"""Role matrix: the co-creation routes (votes, Kano, price questions, demand summary).

objects["org"] owns "fb_concept" (feedback open, Kano and price questions on, the organization does
not publish its price summaries), with one feature "fb_feature". Its owner and member may not give
feedback on it (403); everyone else signed in may. Only members see the demand summary.
"""
from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.models import Concept, Feature
from tests.web.matrix import Case, same, signed_in

NOT_MEMBERS = {"member": 403, "owner": 403}


def build(objects: dict[str, Any]) -> dict[str, Any]:
    concept = Concept(organization_id=objects["org"].id, slug="fb-concept", title="Feedback concept",
                      currency="EUR", feedback_open=True, price_question_enabled=True, kano_enabled=True)
    feature = Feature(concept=concept, title="Folding handle", position=0)
    db.session.add_all([concept, feature])
    db.session.commit()
    return {"fb_concept": concept, "fb_feature": feature}


def _base(o: dict[str, Any]) -> str:
    return f"/concepts/{o['fb_concept'].slug}"


CASES = {
    ("feedback.vote", "POST"): Case(
        lambda o: f"{_base(o)}/features/{o['fb_feature'].id}/vote", signed_in("redirect", **NOT_MEMBERS),
        data=lambda o: {"value": "up"}),
    ("feedback.kano", "GET"): Case(lambda o: f"{_base(o)}/kano", signed_in(200, **NOT_MEMBERS)),
    ("feedback.kano", "POST"): Case(
        lambda o: f"{_base(o)}/kano", signed_in("redirect", **NOT_MEMBERS),
        data=lambda o: {f"f{o['fb_feature'].id}_functional": "like",
                        f"f{o['fb_feature'].id}_dysfunctional": "dislike"}),
    ("feedback.price", "GET"): Case(lambda o: f"{_base(o)}/price", signed_in(200, **NOT_MEMBERS)),
    ("feedback.price", "POST"): Case(
        lambda o: f"{_base(o)}/price", signed_in("redirect", **NOT_MEMBERS),
        data=lambda o: {"too_cheap": "10", "cheap": "20", "expensive": "30", "too_expensive": "45",
                        "intent_cheap": "4", "intent_expensive": "2"}),
    ("feedback.results", "GET"): Case(lambda o: f"{_base(o)}/results", same(403, member=200, owner=200, admin=200),
                                      note="the organization does not publish its price summaries"),
    ("feedback.visit", "POST"): Case(lambda o: f"{_base(o)}/results/visit",
                                     signed_in(403, member="redirect", owner="redirect", admin="redirect"),
                                     note="who may read the summary records a visit to it"),
}
