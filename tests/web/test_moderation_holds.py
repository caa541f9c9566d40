"""Moderation that holds (issue 22): a moderator's hide is undone only by a moderator, and nobody's
answer counts on a hidden concept. Plus requests that used to end in a 500."""
from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import FeatureVote, Post, PriceResponse, ReviewItem
from forum.services import moderation, posting
from tests.conftest import login
from tests.services.test_feedback import PRICES, make_concept


def text(response) -> str:
    return response.get_data(as_text=True)


def reply_of(people, topic) -> Post:
    return posting.reply(people["member"], topic, "A fair point about bread knives.")


# --- a moderator's hide stays -------------------------------------------------------------------

def test_the_author_cannot_edit_a_post_a_moderator_hid(client, people, topic):
    moderation.add_blocked_term(people["admin"], "word", "casino")
    post = reply_of(people, topic)
    moderation.act_on_post(people["moderator"], post, "hide", "Insults another member")
    login(client, people["member"])
    response = client.post(f"/p/{post.id}/edit", data={"body": "Now with casino in it", "submit": "1"})
    assert response.status_code in (404, 409)
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post.hidden_reason == "moderator" and post.body_source == "A fair point about bread knives."
    # The author still does not see it; it waits for no review that could publish it.
    assert "A fair point" not in text(client.get(f"/t/{topic.id}"))
    assert db.session.scalar(select(func.count(ReviewItem.id)).where(ReviewItem.resolved_at.is_(None))) == 0


def test_no_queue_decision_publishes_a_post_a_moderator_hid(client, people, topic):
    """Even when something else opens a queue item on it (a blocked word found by an edit that a
    moderator makes through the normal edit form, or flags), dismissing that item keeps it hidden."""
    moderation.add_blocked_term(people["admin"], "word", "casino")
    post = reply_of(people, topic)
    moderation.act_on_post(people["moderator"], post, "hide", "Insults another member")
    posting.edit_post(people["moderator"], post, "Quoted: casino")  # opens a blocked-word item
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.resolved_at.is_(None)))
    assert item is not None
    login(client, people["moderator"])
    response = client.post(f"/moderation/items/{item.id}/act", data={"action": "dismiss", "reason": "Routine"})
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post.hidden_at is not None and post.hidden_reason == "moderator"
    client.post("/logout")
    login(client, people["consumer"])
    assert "Quoted: casino" not in text(client.get(f"/t/{topic.id}"))


def test_flags_on_a_hidden_post_do_not_turn_the_moderators_hide_into_one_a_dismissal_lifts(people, topic):
    moderation.update_settings(people["admin"], {"flag_threshold": "1"})
    post = reply_of(people, topic)
    moderation.act_on_post(people["moderator"], post, "hide", "Insults another member")
    moderation.flag(people["admin"], "post", post.id, "spam")  # staff still see it, and may flag it
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.resolved_at.is_(None)))
    moderation.act_on_item(people["moderator"], item, "dismiss", "Nothing new")
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post.hidden_at is not None and post.hidden_reason == "moderator"


# --- a hidden concept takes no answers --------------------------------------------------------

def test_staff_cannot_vote_or_answer_prices_on_a_hidden_concept(client, people):
    concept = make_concept(people["org"])
    moderation.flag(people["consumer"], "concept", concept.id, "spam")
    item = db.session.scalar(select(ReviewItem))
    moderation.act_on_item(people["moderator"], item, "hide", "Misleading claims")
    for role in ("moderator", "admin"):
        login(client, people[role])
        vote = client.post(f"/concepts/{concept.slug}/features/{concept.features[0].id}/vote", data={"value": "up"})
        price = client.post(f"/concepts/{concept.slug}/price", data=PRICES)
        assert vote.status_code == 409 and price.status_code == 409, role
        assert "hid this concept" in text(vote)
        client.post("/logout")
    assert db.session.scalar(select(func.count(FeatureVote.id))) == 0
    assert db.session.scalar(select(func.count(PriceResponse.id))) == 0


# --- no 500 from a request ---------------------------------------------------------------------

def test_a_suspension_id_past_the_integer_columns_is_a_404(client, people):
    login(client, people["moderator"])
    for value in ("9223372036854775808", "2147483648", "-1", "1e3", "99999999999999999999999999"):
        response = client.post("/moderation/people/carol/act",
                               data={"action": "lift", "reason": "Served", "suspension_id": value})
        assert response.status_code == 404, value
        assert "no such restriction" in text(response)


def test_an_audit_date_at_the_end_of_the_calendar_is_a_400(client, people):
    login(client, people["moderator"])
    for query in ("until=9999-12-31", "since=9999-12-31", "until=0001-01-01"):
        response = client.get(f"/moderation/audit?{query}")
        assert response.status_code == 400, query
        assert "Enter a date from" in text(response)
    assert client.get("/moderation/audit?until=2030-01-31").status_code == 200

