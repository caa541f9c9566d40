"""Role matrix: the concept pages. Only members (owner, member) of the owning organization write;
site admins and moderators who are not members get 403 like any other outsider."""
from __future__ import annotations

from typing import Any

from tests.web.matrix import Case, same, signed_in

MEMBERS_WRITE = same(403, visitor="login", member="redirect", owner="redirect")
MEMBERS_READ = same(403, visitor="login", member=200, owner=200)


def build(objects: dict[str, Any]) -> dict[str, Any]:
    from forum.services import concepts

    concept = concepts.create(objects["owner"], objects["org"], "Matrix concept",
                              summary="A concept for the role matrix.", description="Plain *text*.",
                              tags="matrix", price_question_enabled=True, kano_enabled=True)
    feature = concepts.add_feature(objects["owner"], concept, "Matrix feature", "Something to vote on")
    return {"concept": concept, "feature": feature}


def _c(o: dict[str, Any]) -> str:
    return f"/concepts/{o['concept'].slug}"


def _f(o: dict[str, Any]) -> str:
    return f"{_c(o)}/features/{o['feature'].id}"


CASES = {
    ("concepts.index", "GET"): Case(lambda o: "/concepts/?stage=idea&sort=active", same(200)),
    ("concepts.new", "GET"): Case(lambda o: "/concepts/new", signed_in(200),
                                  note="non-members see the hint that they need an organization"),
    ("concepts.new", "POST"): Case(
        lambda o: "/concepts/new", MEMBERS_WRITE,
        data=lambda o: {"organization": o["org"].slug, "title": "Brand new concept", "stage": "idea",
                        "currency": "EUR", "tags": "new"}),
    ("concepts.show", "GET"): Case(_c, same(200)),
    ("concepts.edit", "GET"): Case(lambda o: _c(o) + "/edit", MEMBERS_READ),
    ("concepts.edit", "POST"): Case(
        lambda o: _c(o) + "/edit", MEMBERS_WRITE,
        data=lambda o: {"title": "Matrix concept, edited", "currency": "USD", "tags": "matrix"}),
    ("concepts.change_stage", "POST"): Case(lambda o: _c(o) + "/stage", MEMBERS_WRITE,
                                            data=lambda o: {"stage": "concept", "note": "Onwards"}),
    ("concepts.add_feature", "POST"): Case(lambda o: _c(o) + "/features", MEMBERS_WRITE,
                                           data=lambda o: {"title": "Another feature"}),
    ("concepts.edit_feature", "GET"): Case(lambda o: _f(o) + "/edit", MEMBERS_READ),
    ("concepts.edit_feature", "POST"): Case(lambda o: _f(o) + "/edit", MEMBERS_WRITE,
                                            data=lambda o: {"title": "Matrix feature, edited"}),
    ("concepts.move_feature", "POST"): Case(lambda o: _f(o) + "/move", MEMBERS_WRITE,
                                            data=lambda o: {"direction": "down"}),
    ("concepts.retire_feature", "POST"): Case(lambda o: _f(o) + "/retire", MEMBERS_WRITE),
    ("concepts.restore_feature", "POST"): Case(lambda o: _f(o) + "/restore", MEMBERS_WRITE),
}
