"""Role matrix: search, follows and notifications."""
from __future__ import annotations

from typing import Any

from tests.web.matrix import Case, same, signed_in


def build(objects: dict[str, Any]) -> dict[str, Any]:
    from forum.extensions import db
    from forum.models import Concept, Notification, Topic

    concept = Concept(organization_id=objects["org"].id, slug="discovery-lamp", title="Discovery lamp",
                      summary="A lamp that is found by search.")
    db.session.add(concept)
    db.session.flush()
    topic = Topic(concept_id=concept.id, title=concept.title)
    notification = Notification(user_id=objects["consumer"].id, kind="stage",
                                message="“Discovery lamp” moved to the prototype stage",
                                url="/concepts/discovery-lamp")
    db.session.add_all([topic, notification])
    db.session.commit()
    return {"discovery_concept": concept, "discovery_topic": topic, "notification": notification}


CASES = {
    ("search.index", "GET"): Case(lambda o: "/search?q=lamp", same(200)),
    ("notifications.index", "GET"): Case(lambda o: "/notifications", signed_in(200)),
    ("notifications.read_all", "POST"): Case(lambda o: "/notifications/read-all", signed_in("redirect")),
    ("notifications.read", "POST"): Case(
        lambda o: f"/notifications/{o['notification'].id}/read",
        same(404, visitor="login", consumer="redirect"),
        note="only the owner of a notification opens it; for anyone else it does not exist"),
    ("notifications.follow", "POST"): Case(
        lambda o: "/follow", signed_in("redirect"),
        data=lambda o: {"concept_id": o["discovery_concept"].id, "next": "/concepts/discovery-lamp"}),
    ("notifications.unfollow", "POST"): Case(
        lambda o: "/unfollow", signed_in("redirect"),
        data=lambda o: {"topic_id": o["discovery_topic"].id}),
}
