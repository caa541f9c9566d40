"""Suggestions as people use them: suggest, support, adopt, decline, merge; live pages; the API."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from forum.extensions import db, limiter
from forum.models import BlockedTerm, Feature, FeatureVote, Notification, ReviewItem, Suggestion
from forum.services import moderation, search, suggestions
from tests.conftest import login, make_user
from tests.realtime.conftest import live  # noqa: F401 - the live-page fixture
from tests.services.test_feedback import make_concept


@pytest.fixture
def concept(people):
    return make_concept(people["org"])


@pytest.fixture
def crowd(people):
    return {"dan": make_user("dan"), "eve": make_user("eve")}


def _suggest(client, concept, title="Pause my subscription", why="I travel a lot in summer."):
    return client.post(f"/concepts/{concept.slug}/suggestions/new", data={"title": title, "why": why})


def _notified(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)))


def test_suggest_support_adopt_makes_a_feature_with_the_supporters_votes(app, client, people, concept, crowd,
                                                                          live):  # noqa: F811
    login(client, people["consumer"])
    assert _suggest(client, concept).status_code == 303
    suggestion = db.session.scalar(select(Suggestion))
    assert suggestion.post is not None and "Pause my subscription" in suggestion.post.body_html
    page = live()  # a visitor's open concept page
    assert page.subscribe(concept=concept.slug)["ok"] is True
    page.received()
    for name in ("dan", "eve"):
        other = app.test_client()
        login(other, crowd[name])
        assert other.post(f"/concepts/{concept.slug}/suggestions/{suggestion.id}/support",
                          data={"value": "on"}).status_code == 303
    assert suggestions.support_of(suggestion) == 3  # the author supports their own
    owner = app.test_client()
    login(owner, people["owner"])
    assert owner.post(f"/concepts/{concept.slug}/suggestions/{suggestion.id}/adopt",
                      data={"title": "Pause a subscription"}).status_code == 303
    db.session.expire_all()
    feature = db.session.scalar(select(Feature).where(Feature.title == "Pause a subscription"))
    voters = set(db.session.scalars(select(FeatureVote.user_id).where(FeatureVote.feature_id == feature.id,
                                                                      FeatureVote.value == 1)))
    assert voters == {people["consumer"].id, crowd["dan"].id, crowd["eve"].id}
    for person in (people["consumer"], crowd["dan"], crowd["eve"]):
        assert any("is now a feature" in m for m in _notified(person))
    kinds = [e["kind"] for e in page.events()]
    assert kinds.count("suggestion.support") == 2 and "suggestion.adopted" in kinds
    html = client.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    assert "Pause a subscription" in html and "Suggested by Carol" in html


def test_a_supporter_can_withdraw_and_support_is_one_per_person(app, client, people, concept, crowd):
    suggestion = suggestions.suggest(people["consumer"], concept, "Pause my subscription", "Summer trips.")
    login(client, crowd["dan"])
    url = f"/concepts/{concept.slug}/suggestions/{suggestion.id}/support"
    for _ in range(2):
        assert client.post(url, data={"value": "on"}, headers={"Accept": "application/json"}).json["support"] == 2
    assert client.post(url, data={"value": "off"}, headers={"Accept": "application/json"}).json["support"] == 1


def test_merge_into_another_suggestion_moves_support_without_doubling(people, concept, crowd):
    a = suggestions.suggest(people["consumer"], concept, "Pause my subscription", "Summer.")
    b = suggestions.suggest(crowd["dan"], concept, "Skip a month", "Holidays.")
    suggestions.support(crowd["eve"], a, "on")
    suggestions.support(crowd["eve"], b, "on")  # eve supports both
    suggestions.merge(people["owner"], a, f"suggestion:{b.id}")
    assert a.status == "merged" and a.merged_into_id == b.id
    assert suggestions.support_of(b) == 3  # dan, eve (once), carol
    assert suggestions.support_of(a) == 0


def test_merge_into_a_feature_gives_votes_once(people, concept, crowd):
    feature = concept.features[0]
    a = suggestions.suggest(people["consumer"], concept, "Keep bread fresher", "Stale bread.")
    suggestions.support(crowd["dan"], a, "on")
    db.session.add(FeatureVote(feature_id=feature.id, user_id=crowd["dan"].id, value=-1))
    db.session.commit()
    suggestions.merge(people["owner"], a, f"feature:{feature.id}")
    votes = dict(db.session.execute(select(FeatureVote.user_id, FeatureVote.value)
                                    .where(FeatureVote.feature_id == feature.id)).all())
    assert votes == {people["consumer"].id: 1, crowd["dan"].id: -1}  # dan keeps his own vote


def test_a_decline_shows_its_reason_to_everyone(app, client, people, concept):
    suggestion = suggestions.suggest(people["consumer"], concept, "Gold plating", "Shiny.")
    owner = app.test_client()
    login(owner, people["owner"])
    assert owner.post(f"/concepts/{concept.slug}/suggestions/{suggestion.id}/decline",
                      data={"reason": "x"}).status_code == 400
    assert owner.post(f"/concepts/{concept.slug}/suggestions/{suggestion.id}/decline",
                      data={"reason": "Too costly for a bread box."}).status_code == 303
    html = client.get(f"/concepts/{concept.slug}/suggestions/{suggestion.id}").get_data(as_text=True)
    assert "Declined" in html and "Too costly for a bread box." in html
    assert any("was declined: Too costly" in m for m in _notified(people["consumer"]))


def test_members_may_not_suggest_and_consumers_may_not_decide(app, client, people, concept):
    login(client, people["member"])
    assert _suggest(client, concept).status_code == 403
    suggestion = suggestions.suggest(people["consumer"], concept, "Pause my subscription", "Summer.")
    consumer = app.test_client()
    login(consumer, people["consumer"])
    assert consumer.post(f"/concepts/{concept.slug}/suggestions/{suggestion.id}/adopt").status_code == 403


def test_a_blocked_word_holds_the_suggestion_for_review(app, client, people, concept, crowd):
    db.session.add(BlockedTerm(kind="word", value="casino"))
    db.session.commit()
    login(client, people["consumer"])
    assert _suggest(client, concept, title="Casino mode", why="Win bread").status_code == 303
    suggestion = db.session.scalar(select(Suggestion))
    assert db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == suggestion.post_id)) is not None
    other = app.test_client()
    login(other, crowd["dan"])
    assert "Casino mode" not in other.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    assert other.get(f"/concepts/{concept.slug}/suggestions/{suggestion.id}").status_code == 404
    assert "Casino mode" in client.get(f"/concepts/{concept.slug}").get_data(as_text=True)  # its author


def test_a_new_account_meets_the_post_limit(app, client, people, concept):
    newbie = make_user("newbie", trust_level=0)
    moderation.update_settings(people["admin"], {"new_posts_per_hour": "2"})
    limiter.enabled = True
    login(client, newbie)
    for i in range(2):
        assert _suggest(client, concept, title=f"Idea number {i}", why="because").status_code == 303
    response = _suggest(client, concept, title="One too many", why="because")
    assert response.status_code == 429 and "New members can post 2 times per hour" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Suggestion.id))) == 2  # nothing half-written


def test_similar_features_and_suggestions_are_found_while_typing(client, people, concept):
    search.reindex_all()  # the features the fixture wrote directly
    suggestions.suggest(people["consumer"], concept, "Pause my subscription", "Summer.")
    found = client.get(f"/concepts/{concept.slug}/suggestions/similar?q=subscription pause").json["results"]
    assert [r["title"] for r in found] == ["Pause my subscription"]
    found = client.get(f"/concepts/{concept.slug}/suggestions/similar?q=fresh").json["results"]
    assert found and found[0]["kind"] == "feature" and found[0]["title"] == "Keeps bread fresh"
    assert client.get(f"/concepts/{concept.slug}/suggestions/similar?q=\"*(").json["results"] == []


def test_api_and_csv_list_suggestions_under_the_export_rules(app, client, people, concept, crowd):
    suggestion = suggestions.suggest(people["consumer"], concept, "Pause my subscription", "Summer.")
    suggestions.support(crowd["dan"], suggestion, "on")
    suggestions.adopt(people["owner"], suggestion)
    assert client.get(f"/api/v1/concepts/{concept.slug}/suggestions").status_code == 401
    login(client, people["member"])
    body = client.get(f"/api/v1/concepts/{concept.slug}/suggestions").json["suggestions"]
    assert body[0]["title"] == "Pause my subscription" and body[0]["status"] == "adopted"
    assert body[0]["support"] == 2 and body[0]["feature"]["title"] == "Pause my subscription"
    assert body[0]["why"] == "Summer." and body[0]["created_at"].endswith("Z")
    text = client.get(f"/api/v1/concepts/{concept.slug}/export/suggestions.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["status"] == "adopted" and rows[0]["support"] == "2"
    assert rows[0]["author"] not in ("carol", "Carol", "") and len(rows[0]["author"]) == 16


def test_a_decision_names_the_adopted_suggestion_and_credits_its_author(client, people, concept):
    from forum.services import decisions

    suggestion = suggestions.suggest(people["consumer"], concept, "Pause my subscription", "Summer.")
    feature = suggestions.adopt(people["owner"], suggestion)
    decisions.create(people["owner"], concept, "Pausing is in", adopted=[str(feature.id)])
    html = client.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    decisions_part = html[html.index('id="decisions"'):]
    assert "Adopted: Pause my subscription · suggested by Carol" in decisions_part


def test_a_moderators_hide_and_approval_reach_the_cached_concept_page(app, client, people, concept, crowd):
    db.session.add(BlockedTerm(kind="word", value="casino"))
    db.session.commit()
    held = suggestions.suggest(people["consumer"], concept, "Casino mode", "Win bread")
    shown = suggestions.suggest(crowd["dan"], concept, "Pause my subscription", "Summer.")
    page = client.get(f"/concepts/{concept.slug}").get_data(as_text=True)  # a visitor's page, now cached
    assert "Pause my subscription" in page and "Casino mode" not in page
    moderation.act_on_post(people["moderator"], shown.post, "hide", "Off topic for this concept.")
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == held.post_id))
    moderation.act_on_item(people["moderator"], item, "restore", "Fine after all.")
    page = client.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    assert "Pause my subscription" not in page and "Casino mode" in page
