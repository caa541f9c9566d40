"""Role matrix: suggestions (issue 20) on "fb_concept" (feedback open, owned by objects["org"]).

"sg" is an open suggestion by a consumer outside every role ("sg_author"). Consumers, moderators and
admins may suggest and support (members and owners of the organization may not: 403); the
organization's members and owners decide (adopt, decline, merge); everyone else gets 403.
The API list and the CSV follow the exports' rules (see api.py). Everyone signed in reacts to a post
that is not their own; the roadmap is public; the organization's owners manage its webhooks.
"""
from __future__ import annotations

from typing import Any

from flask import current_app

from forum.extensions import db
from forum.models import WebhookEndpoint
from forum.services import suggestions
from tests.conftest import make_user
from tests.web.matrix import Case, same, signed_in
from tests.web.matrix.api import RESULTS

NOT_MEMBERS = {"member": 403, "owner": 403}
DECIDERS = signed_in(403, member="redirect", owner="redirect")
OWNERS = signed_in(403, owner=200)
OWNERS_ACT = signed_in(403, owner="redirect")


def build(objects: dict[str, Any]) -> dict[str, Any]:
    author = make_user("sg_author")
    suggestion = suggestions.suggest(author, objects["fb_concept"], "Pause my subscription", "Summer trips.")
    current_app.config["WEBHOOKS_ALLOW_PRIVATE"] = True  # the matrix posts a local address
    endpoint = WebhookEndpoint(organization_id=objects["org"].id, url="http://127.0.0.1:9/hooks",
                               secret="whsec_matrix", events=["concept.created"])
    db.session.add(endpoint)
    db.session.commit()
    return {"sg_author": author, "sg": suggestion, "hook": endpoint}


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
    ("reactions.react", "POST"): Case(lambda o: f"/p/{o['sg'].post_id}/react", signed_in("redirect"),
                                      data=lambda o: {"kind": "helpful"}),
    ("reactions.mine", "GET"): Case(lambda o: f"/t/{o['sg'].post.topic_id}/reactions/mine", same(200)),
    ("roadmap.show", "GET"): Case(lambda o: f"/orgs/{o['org'].slug}/roadmap", same(200)),
    ("webhooks.index", "GET"): Case(lambda o: f"/orgs/{o['org'].slug}/webhooks", OWNERS),
    ("webhooks.create", "POST"): Case(lambda o: f"/orgs/{o['org'].slug}/webhooks", signed_in(403, owner=201),
                                      data=lambda o: {"url": "http://127.0.0.1:9/new", "events": "concept.created"}),
    ("webhooks.send_test", "POST"): Case(lambda o: f"/orgs/{o['org'].slug}/webhooks/{o['hook'].id}/test",
                                         OWNERS_ACT),
    ("webhooks.enable", "POST"): Case(lambda o: f"/orgs/{o['org'].slug}/webhooks/{o['hook'].id}/enable",
                                      OWNERS_ACT),
    ("webhooks.delete", "POST"): Case(lambda o: f"/orgs/{o['org'].slug}/webhooks/{o['hook'].id}/delete",
                                      OWNERS_ACT),
}
