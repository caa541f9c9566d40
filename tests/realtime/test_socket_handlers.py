"""The Socket.IO handlers through Flask-SocketIO's test client: subscribe, catch up, who hears what."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import Board, Concept, Event, utcnow
from forum.services import accounts, events, feedback, posting
from tests.conftest import make_user


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


def seqs(messages):
    return [m["seq"] for m in messages]


def test_a_visitor_subscribes_and_hears_new_posts_in_order(live, people, topic):
    visitor = live()
    answer = visitor.subscribe(topic=topic.id, after=1)
    assert answer == {"ok": True, "room": f"topic:{topic.id}", "topic": topic.id, "seq": 1, "here": 1,
                      "staff": False}
    first = posting.reply(people["owner"], topic, "Second")
    second = posting.reply(people["member"], topic, "Third")
    got = visitor.events()
    assert seqs(got) == [2, 3]
    assert [m["data"]["post_id"] for m in got] == [first.id, second.id]
    assert got[0]["kind"] == "post.added" and got[0]["data"]["author"] == people["owner"].name


def test_catch_up_sends_what_was_missed_from_the_database_in_order(live, people, topic):
    for i in range(4):
        posting.reply(people["owner"], topic, f"Reply {i}")
    client = live()
    answer = client.subscribe(topic=topic.id, after=2)
    assert answer["ok"] and answer["seq"] == 5
    assert seqs(client.events()) == [3, 4, 5]
    # Without "after": from now on, nothing replayed.
    other = live()
    assert other.subscribe(topic=topic.id)["seq"] == 5 and other.events() == []


def test_subscribing_again_neither_doubles_deliveries_nor_presence(live, people, topic):
    client = live()
    client.subscribe(topic=topic.id, after=1)
    again = client.subscribe(topic=topic.id, after=1)
    assert again["here"] == 1
    posting.reply(people["owner"], topic, "Once")
    assert seqs(client.events()) == [2]


def test_a_client_too_far_behind_is_told_to_reload(live, people, topic):
    posting.reply(people["owner"], topic, "Second")
    db.session.execute(Event.__table__.delete().where(Event.seq == 1))  # pruned
    db.session.commit()
    client = live()
    answer = client.subscribe(topic=topic.id, after=0)
    assert answer["ok"] and answer["reload"] is True
    assert client.named("reload") == [{"room": f"topic:{topic.id}", "topic": topic.id}]
    assert client.subscribe(topic=topic.id, after=1)["seq"] == 2


def test_hidden_content_reaches_only_moderators(live, people, topic):
    post = posting.reply(people["owner"], topic, "Buy cheap watches")
    consumer, moderator = live(people["consumer"]), live(people["moderator"])
    consumer.subscribe(topic=topic.id)
    moderator.subscribe(topic=topic.id)
    # What the moderation service records when it hides a post.
    event = events.record(events.topic_room(topic.id), "post.hidden", {"post_id": post.id},
                          staff={"reason": "Spam", "html": post.body_html})
    db.session.commit()
    events.publish(event)
    [seen_by_consumer] = consumer.events()
    [seen_by_moderator] = moderator.events()
    assert seen_by_consumer["data"] == {"post_id": post.id}
    assert seen_by_moderator["data"] == {"post_id": post.id, "reason": "Spam", "html": post.body_html}
    # The same from the database on catch-up.
    late_consumer, late_moderator = live(people["member"]), live(people["moderator"])
    late_consumer.subscribe(topic=topic.id, after=2)
    late_moderator.subscribe(topic=topic.id, after=2)
    assert late_consumer.events()[0]["data"] == {"post_id": post.id}
    assert late_moderator.events()[0]["data"]["reason"] == "Spam"


def test_rooms_the_user_may_not_see_are_refused(live, people, topic, concept):
    topic.hidden_at = utcnow()
    concept.hidden_at = utcnow()
    db.session.commit()
    consumer = live(people["consumer"])
    refused = consumer.subscribe(topic=topic.id)
    assert refused == {"ok": False, "error": "not_found", "message": "There is no topic at that address."}
    assert consumer.subscribe(concept="smart-kettle")["error"] == "not_found"
    assert consumer.subscribe(topic=999999)["error"] == "not_found"  # same answer as a hidden one
    # Moderators see hidden topics; the concept's members see their hidden concept.
    assert live(people["moderator"]).subscribe(topic=topic.id)["ok"] is True
    assert live(people["member"]).subscribe(concept="smart-kettle")["ok"] is True
    posting.reply(people["moderator"], topic, "Moderator note")
    assert consumer.events() == []


@pytest.mark.parametrize("message", [
    None, "topic:1", 42, [1, 2], {}, {"room": "topic:1"}, {"topic": "1"}, {"topic": True},
    {"topic": -3}, {"topic": 10**30}, {"topic": 1, "concept": "x"}, {"concept": ""}, {"concept": 5},
    {"concept": "x" * 500}, {"topic": 1, "after": -1}, {"topic": 1, "after": "5"}, {"topic": 1, "after": 1.5},
])
def test_malformed_messages_get_an_error_answer_and_the_socket_lives_on(live, topic, message):
    client = live()
    answer = client.emit("subscribe", message) if message is not None else client.emit("subscribe")
    assert answer["ok"] is False and answer["error"] in {"malformed", "not_found"}
    assert client.named("problem")[0]["error"] == answer["error"]
    assert client.connected and client.subscribe(topic=topic.id)["ok"] is True


def test_per_connection_limits(app, live, people, topic):
    app.config.update(LIVE_MAX_SUBSCRIPTIONS=2, LIVE_MESSAGE_BURST=5, LIVE_MESSAGES_PER_SECOND=0.001)
    board = db.session.get(Board, topic.board_id)
    others = [posting.create_topic(people["consumer"], board, f"Topic {i}", "Body") for i in range(2)]
    client = live()
    assert client.subscribe(topic=topic.id)["ok"]
    assert client.subscribe(topic=others[0].id)["ok"]
    assert client.subscribe(topic=others[1].id)["error"] == "too_many_subscriptions"
    assert client.emit("unsubscribe", {"topic": topic.id})["ok"]
    assert client.subscribe(topic=others[1].id)["ok"]  # a place was freed: fifth message
    assert client.subscribe(topic=topic.id)["error"] == "rate_limited"  # sixth message in a burst of five


def test_presence_counts_people_on_the_page(live, topic):
    first, second = live(), live()
    assert first.subscribe(topic=topic.id)["here"] == 1
    assert second.subscribe(topic=topic.id)["here"] == 2
    assert first.named("presence")[-1] == {"room": f"topic:{topic.id}", "here": 2}
    second.disconnect()
    assert first.named("presence")[-1]["here"] == 1


def test_the_unread_count_is_pushed_to_the_person_only(live, people, topic):
    author, other = live(people["consumer"]), live(people["owner"])
    first_post = db.session.scalar(db.select(Event.payload).where(Event.seq == 1))["post_id"]
    posting.reply(make_user("sofia"), topic, "Agreed", reply_to_id=first_post)
    assert author.named("unread") == [{"count": 1}]
    assert other.named("unread") == []


def test_tally_events_carry_counts_and_the_new_ranking(live, people, concept):
    feature_a, feature_b = (feedback_feature(concept, title) for title in ("Timer", "Keep warm"))
    client = live()
    client.subscribe(concept="smart-kettle")
    feedback.cast_vote(people["consumer"], feature_b, "up")
    [event] = client.events()
    assert event["kind"] == "tally.changed"
    assert event["data"]["feature_id"] == feature_b.id and event["data"]["up"] == 1
    assert event["data"]["order"] == [feature_b.id, feature_a.id]


def feedback_feature(concept, title):
    from forum.models import Feature

    feature = Feature(concept_id=concept.id, title=title, position=len(concept.features))
    db.session.add(feature)
    db.session.commit()
    db.session.refresh(concept)
    return feature


def test_logging_out_everywhere_ends_the_sockets(live, people, topic):
    client = live(people["moderator"])
    client.subscribe(topic=topic.id)
    accounts.end_other_sessions(people["moderator"])
    assert not client.connected


def test_a_suspended_person_listens_as_a_visitor(live, people, topic, concept):
    from datetime import timedelta

    member = people["member"]
    member.suspended_until = utcnow() + timedelta(days=3)
    concept.hidden_at = utcnow()
    db.session.commit()
    client = live(member)
    assert client.subscribe(concept="smart-kettle")["error"] == "not_found"
    assert client.subscribe(topic=topic.id)["ok"] is True
    posting.reply(make_user("sofia"), topic, "@mick hello")
    assert client.named("unread") == []
