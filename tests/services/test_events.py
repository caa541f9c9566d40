"""The event log: per-room numbers without gaps, catch-up, the staff audience, retention."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Board, Event, utcnow
from forum.services import events, posting
from tests.conftest import make_user


@pytest.fixture
def topic(people):
    board = Board(slug="general", name="General", position=1)
    db.session.add(board)
    db.session.commit()
    return posting.create_topic(people["consumer"], board, "Kettles", "First post")


def test_each_room_numbers_its_events_from_one_without_gaps(app):
    for i in range(3):
        events.record("topic:1", "x", {"i": i})
        events.record("concept:1", "y", {"i": i})
        db.session.commit()
    rows = db.session.execute(select(Event.room, Event.seq).order_by(Event.id)).all()
    assert [s for r, s in rows if r == "topic:1"] == [1, 2, 3]
    assert [s for r, s in rows if r == "concept:1"] == [1, 2, 3]
    assert events.current_seq("topic:1") == 3 and events.current_seq("topic:9") == 0


def test_a_rolled_back_write_gives_its_number_back(app):
    events.record("topic:1", "x")
    db.session.commit()
    events.record("topic:1", "lost")
    db.session.rollback()
    events.record("topic:1", "kept")
    db.session.commit()
    assert db.session.scalars(select(Event.seq).where(Event.room == "topic:1").order_by(Event.seq)).all() == [1, 2]
    assert events.current_seq("topic:1") == 2


def test_posting_records_in_the_topic_room_and_the_page_number_matches(people, topic):
    room = events.topic_room(topic.id)
    assert events.current_seq(room) == 1
    post = posting.reply(people["owner"], topic, "Second")
    assert events.current_seq(room) == 2
    [message] = events.since(room, 1)
    assert message["kind"] == "post.added" and message["seq"] == 2
    assert message["data"]["post_id"] == post.id and message["data"]["author"] == people["owner"].name


def test_catch_up_is_in_order_and_says_reload_when_it_cannot_patch(app):
    for i in range(5):
        events.record("topic:7", "x", {"i": i})
    db.session.commit()
    assert [m["seq"] for m in events.since("topic:7", 2)] == [3, 4, 5]
    assert events.since("topic:7", 5) == []
    assert events.since("topic:7", 9) is None  # ahead of the room: a reset database
    assert events.since("topic:7", 0, limit=3) is None  # further behind than one catch-up sends
    # Pruned events leave a hole: the client reloads instead of missing them.
    db.session.execute(Event.__table__.delete().where(Event.seq <= 2))
    db.session.commit()
    assert events.since("topic:7", 1) is None
    assert [m["seq"] for m in events.since("topic:7", 2)] == [3, 4, 5]


def test_staff_payload_reaches_only_staff_messages(app):
    events.record("topic:3", "post.hidden", {"post_id": 9}, staff={"reason": "spam", "html": "<p>buy</p>"})
    db.session.commit()
    [public] = events.since("topic:3", 0)
    [staff] = events.since("topic:3", 0, staff=True)
    assert public["data"] == {"post_id": 9}
    assert staff["data"] == {"post_id": 9, "reason": "spam", "html": "<p>buy</p>"}


def test_prune_deletes_old_events_and_numbers_never_restart(app):
    old = events.record("topic:4", "old")
    db.session.flush()
    old.created_at = utcnow() - timedelta(days=30)
    events.record("topic:4", "new")
    db.session.commit()
    assert events.prune() == 1
    assert db.session.scalar(select(func.count(Event.id))) == 1
    assert events.since("topic:4", 0) is None  # event 1 is gone: reload
    assert [m["seq"] for m in events.since("topic:4", 1)] == [2]
    events.record("topic:4", "next")
    db.session.commit()
    assert events.current_seq("topic:4") == 3


def test_prune_events_command(app):
    old = events.record("topic:5", "old")
    db.session.flush()
    old.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["prune-events", "--days", "7"])
    assert result.exit_code == 0 and "Deleted 0 events" in result.output
    result = runner.invoke(args=["prune-events", "--days", "1"])
    assert result.exit_code == 0 and "Deleted 1 events" in result.output


def test_a_reply_notes_the_unread_count_of_who_it_notifies(people, topic, monkeypatch):
    pushed = []
    monkeypatch.setattr(events.socketio, "emit", lambda name, data, to=None, **kw: pushed.append((name, data, to)))
    author = people["consumer"]
    other = make_user("sofia")
    first = db.session.scalar(select(Event.payload).where(Event.room == events.topic_room(topic.id)))["post_id"]
    posting.reply(other, topic, "Agreed", reply_to_id=first)
    assert ("unread", {"count": 1}, events.user_room(author.id)) in pushed
    kinds = [(data["kind"], to) for name, data, to in pushed if name == "event"]
    room = events.topic_room(topic.id)
    assert kinds == [("post.added", [room, events.staff_room(room)])]
