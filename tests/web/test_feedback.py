"""The co-creation pages as a person uses them: vote buttons, the Kano and price forms, the summary."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import FeatureVote, KanoAnswer, PriceResponse, User, utcnow
from forum.services import feedback
from tests.conftest import login, make_user
from tests.services.test_feedback import make_concept

PRICES = {"too_cheap": "10", "cheap": "20", "expensive": "30", "too_expensive": "40"}


@pytest.fixture
def concept(people):
    return make_concept(people["org"])


def panel_html(app, client, concept, user=None) -> str:
    """The concept page's feedback panel as `user` sees it (the real page when it exists)."""
    if "concepts.show" in app.view_functions:
        response = client.get(f"/concepts/{concept.slug}")
        assert response.status_code == 200
        return response.get_data(as_text=True)
    with app.test_request_context(f"/concepts/{concept.slug}"):
        return render_template("concepts/_feedback.html", concept=concept,
                               feedback=feedback.panel(user, concept))


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# --- votes ------------------------------------------------------------------------------------------

def test_voting_from_the_panel_counts_and_highlights_the_vote(app, client, people, concept):
    feature = concept.features[0]
    login(client, people["consumer"])
    response = client.post(f"/concepts/{concept.slug}/features/{feature.id}/vote", data={"value": "up"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/concepts/{concept.slug}#fb-feature-{feature.id}")
    html = panel_html(app, client, concept, people["consumer"])
    row = html[html.index(f'id="fb-feature-{feature.id}"'):]
    row = row[:row.index("</li>")]
    assert "1 for" in row and "0 against" in row
    assert re.search(r'aria-pressed="true">\s*<span aria-hidden="true">▲</span> For', row)
    assert 'name="value" value="clear"' in row  # pressing "For" again withdraws the vote


def test_a_vote_can_be_sent_as_json(client, people, concept):
    feature = concept.features[0]
    login(client, people["consumer"])
    response = client.post(f"/concepts/{concept.slug}/features/{feature.id}/vote", data={"value": "down"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200
    answer = response.get_json()
    assert {k: answer[k] for k in ("feature_id", "value", "up", "down", "score")} == {
        "feature_id": feature.id, "value": -1, "up": 0, "down": 1, "score": 0.0}
    # What the page shows beside the row, and the new order of the list.
    assert answer["message"] == "Your vote against this feature is counted."
    assert sorted(answer["order"]) == sorted(f.id for f in concept.features if f.retired_at is None)


def test_visitors_are_asked_to_log_in_to_vote(client, concept):
    response = client.post(f"/concepts/{concept.slug}/features/{concept.features[0].id}/vote", data={"value": "up"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(FeatureVote) == 0


@pytest.mark.parametrize("role", ["owner", "member"])
def test_organization_members_get_a_clear_refusal(client, people, concept, role):
    login(client, people[role])
    response = client.post(f"/concepts/{concept.slug}/features/{concept.features[0].id}/vote", data={"value": "up"})
    assert response.status_code == 403
    assert "Members of Acme Gadgets cannot vote on their own concepts" in response.get_data(as_text=True)
    assert count(FeatureVote) == 0


def test_a_suspended_person_cannot_vote_and_their_vote_leaves_the_page(app, client, people, concept):
    carol, feature = people["consumer"], concept.features[0]
    login(client, carol)
    client.post(f"/concepts/{concept.slug}/features/{feature.id}/vote", data={"value": "up"})
    carol.suspended_until = utcnow() + timedelta(days=2)
    db.session.commit()
    response = client.post(f"/concepts/{concept.slug}/features/{feature.id}/vote", data={"value": "down"})
    assert response.status_code == 403
    assert "suspended" in response.get_data(as_text=True)
    other = app.test_client()
    html = panel_html(app, other, concept)
    row = html[html.index(f'id="fb-feature-{feature.id}"'):]
    assert "0 for" in row[:row.index("</li>")]


def test_closed_feedback_refuses_votes_and_answers_with_a_message(client, people, concept):
    concept.feedback_open = False
    db.session.commit()
    login(client, people["consumer"])
    for url, data in ((f"/concepts/{concept.slug}/features/{concept.features[0].id}/vote", {"value": "up"}),
                      (f"/concepts/{concept.slug}/price", PRICES),
                      (f"/concepts/{concept.slug}/kano", {f"f{concept.features[0].id}_functional": "like",
                                                          f"f{concept.features[0].id}_dysfunctional": "dislike"})):
        response = client.post(url, data=data)
        assert response.status_code == 409, url
        assert "Feedback on this concept is closed" in response.get_data(as_text=True)
    assert count(FeatureVote) == count(KanoAnswer) == count(PriceResponse) == 0
    page = client.get(f"/concepts/{concept.slug}/price").get_data(as_text=True)
    assert "Feedback on this concept is closed" in page and 'name="too_cheap"' not in page


def test_the_panel_ranks_ninety_of_a_hundred_above_two_of_two(app, client, people):
    concept = make_concept(people["org"], features=("Two of two", "Ninety of a hundred"))
    few, many = concept.features
    users = [User(username=f"r{i}", username_key=f"r{i}", email=f"r{i}@x.test", password_hash="x", trust_level=1)
             for i in range(100)]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all([FeatureVote(feature_id=few.id, user_id=users[i].id, value=1) for i in range(2)])
    db.session.add_all([FeatureVote(feature_id=many.id, user_id=users[i].id, value=1 if i < 90 else -1)
                        for i in range(100)])
    db.session.commit()
    html = panel_html(app, client, concept)
    panel = html[html.index('id="feedback"'):]
    assert panel.index("Ninety of a hundred") < panel.index("Two of two")
    assert "90 for" in panel and "10 against" in panel and "2 for" in panel


def test_a_vote_on_a_feature_of_another_concept_is_not_found(client, people, concept):
    other = make_concept(people["org"], slug="other-thing", features=("Elsewhere",))
    login(client, people["consumer"])
    response = client.post(f"/concepts/{concept.slug}/features/{other.features[0].id}/vote", data={"value": "up"})
    assert response.status_code == 404
    assert client.post("/concepts/nope/features/1/vote", data={"value": "up"}).status_code == 404


# --- Kano -------------------------------------------------------------------------------------------

def test_the_kano_form_asks_both_questions_for_each_feature_and_saves(client, people, concept):
    keeps, alerts = concept.features
    login(client, people["consumer"])
    page = client.get(f"/concepts/{concept.slug}/kano").get_data(as_text=True)
    assert "If the product has “Keeps bread fresh”, how do you feel?" in page
    assert "If it does not have “App alerts”, how do you feel?" in page
    for label in ("I like it", "I expect it", "I am neutral", "I can live with it", "I dislike it"):
        assert label in page
    response = client.post(f"/concepts/{concept.slug}/kano", data={
        f"f{keeps.id}_functional": "expect", f"f{keeps.id}_dysfunctional": "dislike"})
    assert response.status_code == 303
    assert feedback.my_kano(people["consumer"], concept.id) == {keeps.id: ("expect", "dislike")}
    page = client.get(f"/concepts/{concept.slug}/kano").get_data(as_text=True)
    assert re.search(rf'name="f{keeps.id}_functional"[^>]*value="expect"[^>]*checked|checked[^>]*name="f{keeps.id}_functional"[^>]*value="expect"', page)


def test_a_half_answered_kano_feature_is_refused_and_keeps_the_choice(client, people, concept):
    keeps = concept.features[0]
    login(client, people["consumer"])
    response = client.post(f"/concepts/{concept.slug}/kano", data={f"f{keeps.id}_functional": "like"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Answer how you would feel if it does not have “Keeps bread fresh”" in html
    assert re.search(rf'checked[^>]*name="f{keeps.id}_functional"[^>]*value="like"|name="f{keeps.id}_functional"[^>]*value="like"[^>]*checked', html)
    assert count(KanoAnswer) == 0


def test_the_kano_form_is_not_there_when_switched_off(client, people, concept):
    concept.kano_enabled = False
    db.session.commit()
    login(client, people["consumer"])
    assert client.get(f"/concepts/{concept.slug}/kano").status_code == 404


# --- prices -----------------------------------------------------------------------------------------

def test_the_price_form_explains_each_question(client, people, concept):
    login(client, people["consumer"])
    page = client.get(f"/concepts/{concept.slug}/price").get_data(as_text=True)
    assert "so cheap that you would doubt its quality" in page
    assert "a bargain: a great buy for the money" in page
    assert "start to feel expensive, though you would still consider it" in page
    assert "so expensive that you would not consider buying it" in page
    assert "in EUR" in page
    assert "Where your answer sits" not in page


@pytest.mark.parametrize(("change", "message"), [
    ({"cheap": "twenty"}, "“A bargain” must be a number, like 25 or 24.99."),
    ({"cheap": ""}, "Enter a price for “A bargain”."),
    ({"too_cheap": "0"}, "“Too cheap” must be more than zero."),
    ({"too_cheap": "-5"}, "“Too cheap” must be more than zero."),
    ({"too_expensive": "5000000"}, "“Too expensive” must be at most €1,000,000."),
    ({"expensive": "30.125"}, "“Getting expensive” can have at most two decimals (cents)."),
    ({"too_cheap": "20"}, "“Too cheap” (€20) must be lower than “A bargain” (€20)."),
    ({"cheap": "40"}, "“A bargain” (€40) must be lower than “Getting expensive” (€30)."),
    ({"too_expensive": "25"}, "“Getting expensive” (€30) must be lower than “Too expensive” (€25)."),
    ({"intent_cheap": "9"}, "is a choice from 1 (very unlikely) to 5 (very likely)."),
])
def test_a_bad_price_answer_is_shown_again_with_its_message(client, people, concept, change, message):
    login(client, people["consumer"])
    data = {**PRICES, **change}
    response = client.post(f"/concepts/{concept.slug}/price", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    for name in ("too_cheap", "cheap", "expensive", "too_expensive"):
        if data[name]:
            assert re.search(rf'name="{name}"[^>]*value="{re.escape(data[name])}"|value="{re.escape(data[name])}"[^>]*name="{name}"', html), name
    assert count(PriceResponse) == 0


def test_after_answering_the_person_sees_where_their_answer_sits(client, people, concept):
    for i, (tc, c, e, te) in enumerate([(5, 10, 20, 30), (8, 15, 25, 35), (10, 20, 30, 40), (12, 25, 35, 50)]):
        feedback.answer_price(make_user(f"p{i}"), concept, {"too_cheap": tc, "cheap": c, "expensive": e,
                                                            "too_expensive": te})
    login(client, people["consumer"])
    response = client.post(f"/concepts/{concept.slug}/price", data={
        "too_cheap": "9", "cheap": "22", "expensive": "26", "too_expensive": "45", "intent_cheap": "4"})
    assert response.status_code == 303
    page = client.get(f"/concepts/{concept.slug}/price").get_data(as_text=True)
    assert "Where your answer sits" in page
    assert "appears once 30 people have answered" in page and "% of answers" not in page
    concept.organization.publish_price_summary = True
    db.session.commit()
    page = client.get(f"/concepts/{concept.slug}/price").get_data(as_text=True)
    assert "Your “a bargain” price (€22) is higher than or equal to 80% of answers." in page
    assert 'value="22"' in page  # the form shows the answer to change it
    stored = db.session.scalar(select(PriceResponse).where(PriceResponse.user_id == people["consumer"].id))
    assert stored.intent_cheap == 4 and stored.intent_expensive is None


# --- results ----------------------------------------------------------------------------------------

def test_the_results_page_is_for_members_unless_published(app, people, concept):
    url = f"/concepts/{concept.slug}/results"
    assert app.test_client().get(url).status_code == 403
    for role, status in (("consumer", 403), ("admin", 200), ("member", 200), ("owner", 200)):
        client = app.test_client()
        login(client, people[role])
        response = client.get(url)
        assert response.status_code == status, role
    people["org"].publish_price_summary = True
    db.session.commit()
    assert app.test_client().get(url).status_code == 200


def test_the_results_page_draws_the_price_curves_and_warns_of_a_small_sample(client, people, concept):
    for i in range(12):
        user = make_user(f"p{i}")
        feedback.answer_price(user, concept, {"too_cheap": 5 + i, "cheap": 12 + i, "expensive": 22 + i,
                                              "too_expensive": 35 + 2 * i, "intent_cheap": "4",
                                              "intent_expensive": "2"})
        feedback.answer_kano(user, concept, {concept.features[0].id: ("expect", "dislike")})
        feedback.cast_vote(user, concept.features[1], "up")
    login(client, people["member"])
    html = client.get(f"/concepts/{concept.slug}/results").get_data(as_text=True)
    assert "<svg" in html and "<polyline" in html and "Too expensive" in html
    assert "style=" not in html and "<script>" not in html
    assert "Small sample" in html
    assert "Acceptable range" in html and "Optimal price point" in html
    assert "Price with most revenue" in html
    assert "Must-be" in html
    assert "12 for" not in html  # the table has columns, not sentences
    assert re.search(r"<th scope=\"row\">App alerts</th>\s*<td data-label=\"For\">12</td>", html)


def test_the_panel_shows_the_price_summary_only_where_visible(app, people, concept):
    for i in range(3):
        feedback.answer_price(make_user(f"p{i}"), concept, {"too_cheap": 5 + i, "cheap": 12 + i,
                                                            "expensive": 22 + i, "too_expensive": 35 + i})
    consumer = app.test_client()
    login(consumer, people["consumer"])
    assert "Acceptable range" not in panel_html(app, consumer, concept, people["consumer"])
    owner = app.test_client()
    login(owner, people["owner"])
    assert "Acceptable range" in panel_html(app, owner, concept, people["owner"])


def test_a_vote_without_the_form_token_is_refused_when_csrf_is_on(app, client, people, concept):
    feature = concept.features[0]
    login(client, people["consumer"])
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/concepts/{concept.slug}/features/{feature.id}/vote"
    assert client.post(url, data={"value": "up"}).status_code == 400
    assert count(FeatureVote) == 0
    page = client.get(f"/concepts/{concept.slug}/price").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post(url, data={"value": "up", "csrf_token": token.group(1) or token.group(2)})
    assert response.status_code == 303
    assert count(FeatureVote) == 1
