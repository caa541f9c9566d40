"""Live sockets follow every change of rights, and say no more than the page (issue 22), through
Flask-SocketIO's test client. tests/realtime/test_live_rights_server.py does the same against a real
gunicorn + gevent server, with and without Redis."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import Board, Concept, utcnow
from forum.services import moderation, posting


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
