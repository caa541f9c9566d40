"""Many writers committing at once in one room (PostgreSQL): nothing lost, nothing twice, in order."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Board, Event, Topic, User
from forum.services import events, posting
from tests.conftest import make_user
from tests.realtime.conftest import Applier

pytestmark = pytest.mark.postgres

WRITERS = 8
POSTS_EACH = 10


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (TEST_DATABASE_URL=postgresql+psycopg://...)")


@pytest.fixture
def topic(people):
    board = Board(slug="general", name="General", position=1)
    db.session.add(board)
    db.session.commit()
    return posting.create_topic(people["consumer"], board, "Busy thread", "First post")


def _writer(app, user_id: int, topic_id: int, errors: list[BaseException]) -> None:
    try:
        with app.app_context():
            user = db.session.get(User, user_id)
            for i in range(POSTS_EACH):
                topic = db.session.get(Topic, topic_id)
                posting.reply(user, topic, f"Post {i} from {user.username}")
            db.session.remove()
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_every_subscriber_gets_every_event_once_in_order(app, live, topic):
    writers = [make_user(f"writer{i}") for i in range(WRITERS)]
    early = [live() for _ in range(3)]
    for client in early:
        assert client.subscribe(topic=topic.id, after=1)["seq"] == 1
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_writer, args=(app, w.id, topic.id, errors)) for w in writers]
    for thread in threads:
        thread.start()
    # One page opens while the writers are busy: its catch-up and the live pushes overlap.
    late = live()
    late_applier = Applier(0)
    answer = late.subscribe(topic=topic.id, after=0)
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    total = 1 + WRITERS * POSTS_EACH
    assert events.current_seq(events.topic_room(topic.id)) == total
    assert db.session.scalar(select(func.count(Event.id)).where(Event.room == events.topic_room(topic.id))) == total
    for client in early:
        received = client.events()
        # Each event pushed exactly once (publishing after commit may deliver neighbours swapped)...
        assert sorted(m["seq"] for m in received) == list(range(2, total + 1))
        applier = Applier(1)
        applier.feed(received)
        # ...and the page applies all of them in number order.
        assert applier.seqs == list(range(2, total + 1)) and not applier.pending
    late_applier.feed(late.events())
    assert answer["ok"] and late_applier.seqs == list(range(1, total + 1))


def test_a_transaction_that_took_its_id_first_and_committed_last_is_still_delivered(app, live, people, topic):
    """On PostgreSQL ids become visible out of commit order: a reader resuming from "the highest id I
    have seen" skips the slow transaction's event for good. The room number does not."""
    other_room = events.concept_room(999)
    room = events.topic_room(topic.id)
    listener = live()
    listener.subscribe(topic=topic.id)  # at 1
    took_id, go_on = threading.Event(), threading.Event()
    slow: dict[str, int] = {}

    def slow_writer() -> None:
        with app.app_context():
            event = events.record(room, "post.edited", {"post_id": 1})
            db.session.flush()
            slow["id"], slow["seq"] = event.id, event.seq
            took_id.set()
            go_on.wait(30)
            db.session.commit()
            events.publish(event)
            db.session.remove()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert took_id.wait(30)
    fast = events.record(other_room, "tally.changed", {"n": 1})
    db.session.commit()
    events.publish(fast)
    # The old cursor: the highest id visible now is the fast one, above the slow one's id.
    old_cursor = db.session.scalar(select(func.max(Event.id)))
    assert old_cursor == fast.id > slow["id"]
    go_on.set()
    thread.join(30)
    db.session.expire_all()
    assert db.session.scalars(select(Event.id).where(Event.id > old_cursor)).all() == []  # skipped for good
    # The room number: delivered live, and from the database to a page that was away.
    assert [m["seq"] for m in listener.events()] == [slow["seq"]] == [2]
    away = live()
    away.subscribe(topic=topic.id, after=1)
    assert [(m["seq"], m["kind"]) for m in away.events()] == [(2, "post.edited")]
