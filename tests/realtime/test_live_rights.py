"""Live sockets follow every change of rights, and say no more than the page (issue 22), through
Flask-SocketIO's test client. tests/realtime/test_live_rights_server.py does the same against a real
gunicorn + gevent server, with and without Redis."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import Board, Concept, ReviewItem, utcnow
from forum.services import accounts, moderation, organizations, posting


@pytest.fixture
def topic(people):
    board = Board(slug="general", name="General", position=1)
    db.session.add(board)
    db.session.commit()
    return posting.create_topic(people["consumer"], board, "Kettles", "First post")


@pytest.fixture
def concept(people):
    concept = Concept(organization_id=people["org"].id, slug="smart-kettle", title="Smart kettle",
                      created_by_id=people["owner"].id, last_activity_at=utcnow(), feedback_open=True)
    db.session.add(concept)
    posting.concept_topic(concept)
    db.session.commit()
    return concept


# --- the event log says what the page says ---------------------------------------------------------

def test_a_catch_up_names_no_author_of_a_post_deleted_or_hidden_since(live, people, topic):
    deleted = posting.reply(people["member"], topic, "I regret this")
    hidden = posting.reply(people["owner"], topic, "Rude words")
    kept = posting.reply(people["admin"], topic, "Still here")
    posting.delete_post(people["member"], deleted)
    moderation.act_on_post(people["moderator"], hidden, "hide", "Rude")
    visitor, moderator = live(), live(people["moderator"])
    visitor.subscribe(topic=topic.id, after=0)
    moderator.subscribe(topic=topic.id, after=0)
    added = {m["data"]["post_id"]: m["data"] for m in visitor.events() if m["kind"] == "post.added"}
    for gone in (deleted, hidden):
        assert "author" not in added[gone.id] and "author_id" not in added[gone.id]
    assert added[kept.id]["author"] == people["admin"].name
    staff_added = {m["data"]["post_id"]: m["data"] for m in moderator.events() if m["kind"] == "post.added"}
    assert staff_added[hidden.id]["author"] == people["owner"].name  # moderators see it, greyed, named


def test_a_moderators_edit_or_delete_does_not_name_the_moderator(live, people, topic):
    post = posting.reply(people["member"], topic, "Typo here")
    other = posting.reply(people["member"], topic, "Spam here")
    visitor = live()
    visitor.subscribe(topic=topic.id)
    moderation.act_on_post(people["moderator"], post, "edit", "Fixed a typo", body="Typo fixed")
    posting.edit_post(people["moderator"], post, "Typo fixed again")
    moderation.act_on_post(people["moderator"], other, "delete", "Spam")
    got = visitor.events()
    assert [m["kind"] for m in got] == ["post.edited", "post.edited", "post.deleted"]
    late = live()
    late.subscribe(topic=topic.id, after=0)
    for message in got + [m for m in late.events() if m["kind"] != "post.added"]:
        # Only the post and the topic are named: no editor, no one who deleted.
        assert {k for k in message["data"] if k.endswith("_id")} <= {"post_id", "topic_id", "reply_to_id"}, message


def test_a_post_held_for_review_is_not_announced_with_its_author(live, people, topic):
    moderation.add_blocked_term(people["admin"], "word", "casino")
    visitor = live()
    visitor.subscribe(topic=topic.id)
    posting.reply(people["member"], topic, "Visit my casino")
    [added] = [m for m in visitor.events() if m["kind"] == "post.added"]
    assert "author" not in added["data"] and "author_id" not in added["data"]


# --- sockets follow every change of rights --------------------------------------------------------

def hide(people, concept) -> None:
    moderation.flag(people["consumer"], "concept", concept.id, "spam")
    item = db.session.scalar(db.select(ReviewItem).where(ReviewItem.resolved_at.is_(None)))
    moderation.act_on_item(people["moderator"], item, "hide", "Misleading claims")


def test_hiding_a_concept_ends_the_sockets_of_those_who_may_no_longer_see_it(live, people, concept):
    visitor, consumer, member = live(), live(people["consumer"]), live(people["member"])
    for client in (visitor, consumer, member):
        assert client.subscribe(concept="smart-kettle")["ok"]
        assert client.subscribe(topic=concept.topic.id)["ok"]
    hide(people, concept)
    assert not visitor.connected and not consumer.connected and not member.connected
    # Their pages reconnect as who they are: the member's page may follow it again, no one else's.
    again = {name: live(people[name]) if name != "visitor" else live() for name in ("visitor", "consumer", "member")}
    assert again["visitor"].subscribe(concept="smart-kettle")["error"] == "not_found"
    assert again["consumer"].subscribe(topic=concept.topic.id)["error"] == "not_found"
    assert again["member"].subscribe(concept="smart-kettle")["ok"] is True
    posting.reply(people["owner"], concept.topic, "A stage note for the team")
    assert again["visitor"].events() == [] and again["consumer"].events() == []


def test_a_member_removed_from_the_organization_stops_hearing_its_hidden_concept(live, people, concept):
    concept.hidden_at = utcnow()
    db.session.commit()
    member = live(people["member"])
    assert member.subscribe(concept="smart-kettle")["ok"]
    organizations.remove_member(people["owner"], people["org"], people["member"].id)
    assert not member.connected
    assert live(people["member"]).subscribe(concept="smart-kettle")["error"] == "not_found"


def test_a_client_sent_disconnect_neither_hides_the_socket_nor_survives_a_demotion(live, people, topic):
    moderator = live(people["moderator"])
    assert moderator.subscribe(topic=topic.id)["staff"] is True
    refused = moderator.emit("disconnect")
    assert refused["ok"] is False and refused["error"] == "reserved"
    assert moderator.connected
    accounts.set_role(people["admin"], people["moderator"], "consumer")
    assert not moderator.connected  # end_live_sessions still finds it


def test_a_client_sent_connect_does_not_reset_the_connections_limits(app, live, people, topic):
    app.config.update(LIVE_MAX_SUBSCRIPTIONS=2, LIVE_MESSAGE_BURST=5, LIVE_MESSAGES_PER_SECOND=0.001)
    board = db.session.get(Board, topic.board_id)
    others = [posting.create_topic(people["consumer"], board, f"Topic {i}", "Body") for i in range(3)]
    client = live()
    assert client.subscribe(topic=topic.id)["ok"] and client.subscribe(topic=others[0].id)["ok"]
    assert client.emit("connect")["error"] == "reserved"
    assert client.subscribe(topic=others[1].id)["error"] == "too_many_subscriptions"  # still 2 rooms
    assert client.emit("connect")["error"] == "reserved"
    # The sixth message in a burst of five: the "connect" events counted, and refilled nothing.
    assert client.subscribe(topic=others[2].id)["error"] == "rate_limited"
