"""Reactions on posts, concept cards' figures, the list's sorts, what is moving, the public roadmap."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.errors import Conflict
from forum.extensions import db
from forum.models import FeatureVote, Membership, Reaction
from forum.services import decisions, demand, feedback, posting, reactions, suggestions
from tests.conftest import login, make_user
from tests.realtime.conftest import live  # noqa: F401 - the live-page fixture
from tests.services.test_feedback import make_concept


@pytest.fixture
def thread(people):
    concept = make_concept(people["org"])
    topic = posting.concept_topic(concept)
    db.session.commit()
    post = posting.reply(people["member"], topic, "We plan a bigger box. Thoughts?")
    return concept, topic, post


def test_reactions_are_one_each_per_person_and_counted_live(app, client, people, thread,
                                                             live):  # noqa: F811
    _concept, topic, post = thread
    page = live()
    assert page.subscribe(topic=topic.id)["ok"] is True
    page.received()
    login(client, people["consumer"])
    url = f"/p/{post.id}/react"
    json_headers = {"Accept": "application/json"}
    assert client.post(url, data={"kind": "helpful"}, headers=json_headers).json["counts"]["helpful"] == 1
    assert client.post(url, data={"kind": "agree"}, headers=json_headers).json["counts"] == {
        "helpful": 1, "agree": 1, "insightful": 0}
    again = client.post(url, data={"kind": "helpful"}, headers=json_headers).json  # pressed again: taken back
    assert again["on"] is False and again["counts"]["helpful"] == 0
    assert client.post(url, data={"kind": "applause"}).status_code == 400
    live_counts = [e["data"]["counts"] for e in page.events() if e["kind"] == "post.reactions"]
    assert live_counts[-1] == {"helpful": 0, "agree": 1, "insightful": 0}
    assert client.get(f"/t/{topic.id}/reactions/mine").json["reactions"] == [{"post_id": post.id, "kind": "agree"}]
    html = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert re.search(r'data-reaction="agree"[^>]*>Agree <span class="reaction-count">1</span>', html)


def test_nobody_reacts_to_their_own_post_and_reactions_never_count_as_votes(people, thread):
    concept, _topic, post = thread
    with pytest.raises(Conflict, match="You cannot react to your own post"):
        reactions.toggle(people["member"], post, "helpful")
    before = demand.people(concept)
    for name in ("r1", "r2", "r3"):
        reactions.toggle(make_user(name), post, "insightful")
    assert demand.people(concept) == before
    assert db.session.scalar(select(FeatureVote.id)) is None
    assert len(db.session.scalars(select(Reaction)).all()) == 3


def test_cards_show_participants_and_share_for_the_top_feature(client, people):
    concept = make_concept(people["org"], features=("Keeps bread fresh", "App alerts"))
    keep, alerts = concept.features
    for i in range(4):
        feedback.cast_vote(make_user(f"v{i}"), keep, "up" if i < 3 else "down")
    feedback.cast_vote(make_user("v9"), alerts, "down")
    html = client.get("/concepts/").get_data(as_text=True)
    assert "5 people took part" in html
    assert "75% in favour of “Keeps bread fresh”" in html


def test_the_list_sorts_by_support_and_by_this_weeks_activity(client, people):
    quiet = make_concept(people["org"], slug="quiet-one")
    busy = make_concept(people["org"], slug="busy-one")
    suggestion = suggestions.suggest(people["consumer"], busy, "Pause my subscription", "Summer.")
    for i in range(3):
        suggestions.support(make_user(f"s{i}"), suggestion, "on")
    feedback.cast_vote(make_user("lone"), quiet.features[0], "up")
    for i in range(5):  # people who voted and then joined the organization count for nothing
        joiner = make_user(f"joiner{i}")
        db.session.add(FeatureVote(feature_id=quiet.features[0].id, user_id=joiner.id, value=1))
        db.session.add(Membership(organization_id=people["org"].id, user_id=joiner.id, role="member"))
    db.session.commit()

    def order(sort: str) -> list[str]:
        html = client.get(f"/concepts/?sort={sort}").get_data(as_text=True)
        return [slug for slug in re.findall(r'href="/concepts/([a-z-]+)"', html) if slug in ("quiet-one", "busy-one")]

    assert order("supported")[0] == "busy-one"  # 4 supporters against 1 vote
    assert order("active")[0] == "busy-one"  # 5 events this week against 1
    assert order("newest")[0] == "busy-one"
    assert "Most supported" in client.get("/concepts/").get_data(as_text=True)
    front = client.get("/").get_data(as_text=True)
    assert "What is moving this week" in front and front.index("busy-one") < front.index("quiet-one")


def test_the_roadmap_shows_visible_concepts_by_stage_with_their_latest_decision(client, people):
    concept = make_concept(people["org"], slug="smart-bread-box")
    feedback.cast_vote(people["consumer"], concept.features[0], "up")
    decisions.create(people["owner"], concept, "We build the fresh-keeping lid", stage="prototype")
    hidden = make_concept(people["org"], slug="secret-plan")
    hidden.hidden_at = hidden.created_at
    db.session.commit()
    org_page = client.get(f"/orgs/{people['org'].slug}").get_data(as_text=True)
    assert f'/orgs/{people["org"].slug}/roadmap' in org_page
    html = client.get(f"/orgs/{people['org'].slug}/roadmap").get_data(as_text=True)
    prototype = html[html.index('id="stage-prototype-h"'):html.index('id="stage-launched-h"')]
    assert "Smart Bread Box" in prototype and "We build the fresh-keeping lid" in prototype
    assert "Shaped by 1 person" in prototype
    assert "Secret Plan" not in html
