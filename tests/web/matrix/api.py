"""Role matrix: the JSON API and exports (/api/v1), the organization's API tokens and overview.

The API answers with the browser session here (tokens are tested in tests/api/). "fb_concept" (see
feedback.py) belongs to objects["org"], which does not publish its summaries: only its members read
the summary and exports; visitors get 401 (no credentials), other signed-in people 403.
"""
from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.models import ApiToken
from tests.web.matrix import Case, same

RESULTS = same(403, visitor=401, member=200, owner=200, admin=200)
OWNERS = same(403, visitor="login", owner=200)


def build(objects: dict[str, Any]) -> dict[str, Any]:
    token = ApiToken(organization_id=objects["org"].id, name="matrix", token_hash="0" * 64, prefix="sb_matrix")
    db.session.add(token)
    db.session.commit()
    return {"api_token": token}


def _c(o: dict[str, Any]) -> str:
    return f"/api/v1/concepts/{o['fb_concept'].slug}"


CASES = {
    ("api.concepts", "GET"): Case(lambda o: "/api/v1/concepts", same(200)),
    ("api.concept", "GET"): Case(_c, same(200)),
    ("api.concept_summary", "GET"): Case(lambda o: f"{_c(o)}/summary", RESULTS),
    ("api.export_csv", "GET"): Case(lambda o: f"{_c(o)}/export/prices.csv", RESULTS),
    ("api.export_summary", "GET"): Case(lambda o: f"{_c(o)}/export/summary.json", RESULTS),
    ("api.export_xlsx", "GET"): Case(lambda o: f"{_c(o)}/export.xlsx", RESULTS),
    ("api.openapi", "GET"): Case(lambda o: "/api/v1/openapi.json", same(200)),
    ("org_data.tokens", "GET"): Case(lambda o: f"/orgs/{o['org'].slug}/tokens", OWNERS),
    ("org_data.create_token", "POST"): Case(lambda o: f"/orgs/{o['org'].slug}/tokens",
                                            same(403, visitor="login", owner=201),
                                            data=lambda o: {"name": "R export"}),
    ("org_data.revoke_token", "POST"): Case(
        lambda o: f"/orgs/{o['org'].slug}/tokens/{o['api_token'].id}/revoke",
        same(403, visitor="login", owner="redirect")),
    ("org_data.overview", "GET"): Case(lambda o: f"/orgs/{o['org'].slug}/overview",
                                       same(403, visitor="login", member=200, owner=200)),
}
