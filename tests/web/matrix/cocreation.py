"""Role matrix: suggestions (issue 20) on "fb_concept" (feedback open, owned by objects["org"]).

"sg" is an open suggestion by a consumer outside every role ("sg_author"). Consumers, moderators and
admins may suggest and support (members and owners of the organization may not: 403); the
organization's members and owners decide (adopt, decline, merge); everyone else gets 403.
The API list and the CSV follow the exports' rules (see api.py).
"""
from __future__ import annotations

from typing import Any

from forum.services import suggestions
from tests.conftest import make_user
from tests.web.matrix import Case, same, signed_in
from tests.web.matrix.api import RESULTS

NOT_MEMBERS = {"member": 403, "owner": 403}
DECIDERS = signed_in(403, member="redirect", owner="redirect")


def build(objects: dict[str, Any]) -> dict[str, Any]:
    author = make_user("sg_author")
    suggestion = suggestions.suggest(author, objects["fb_concept"], "Pause my subscription", "Summer trips.")
    return {"sg_author": author, "sg": suggestion}


def _s(o: dict[str, Any]) -> str:
    return f"/concepts/{o['fb_concept'].slug}/suggestions"


def _one(o: dict[str, Any]) -> str:
    return f"{_s(o)}/{o['sg'].id}"


CASES = {
    ("suggestions.new", "GET"): Case(lambda o: f"{_s(o)}/new", signed_in(200, **NOT_MEMBERS)),
    ("suggestions.new", "POST"): Case(lambda o: f"{_s(o)}/new", signed_in("redirect", **NOT_MEMBERS),
                                      data=lambda o: {"title": "Skip a month", "why": "Holidays."}),
    ("suggestions.similar_to", "GET"): Case(lambda o: f"{_s(o)}/similar?q=pause", same(200)),
    ("suggestions.show", "GET"): Case(_one, same(200)),
    ("suggestions.support", "POST"): Case(lambda o: f"{_one(o)}/support", signed_in("redirect", **NOT_MEMBERS),
                                          data=lambda o: {"value": "on"}),
    ("suggestions.adopt", "POST"): Case(lambda o: f"{_one(o)}/adopt", DECIDERS, data=lambda o: {"title": ""}),
    ("suggestions.decline", "POST"): Case(lambda o: f"{_one(o)}/decline", DECIDERS,
                                          data=lambda o: {"reason": "Not for this product."}),
    ("suggestions.merge", "POST"): Case(lambda o: f"{_one(o)}/merge", DECIDERS,
                                        data=lambda o: {"target": f"feature:{o['fb_feature'].id}"}),
    ("api.concept_suggestions", "GET"): Case(
        lambda o: f"/api/v1/concepts/{o['fb_concept'].slug}/suggestions", RESULTS),
    ("api.export_suggestions", "GET"): Case(
        lambda o: f"/api/v1/concepts/{o['fb_concept'].slug}/export/suggestions.csv", RESULTS),
}
