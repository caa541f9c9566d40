"""SQLite under many writers: a write waits its turn, and when the database stays busy past the
timeout the answer is 503 with a retry hint, never a 500. (bench/sqlite_storm.py prints what a storm
of 50 writers gets.)"""
from __future__ import annotations

import sqlite3
import threading
from collections import Counter

import pytest
from sqlalchemy import event

import forum
from forum.extensions import db
from forum.models import FeatureVote
from forum.services import concepts
from tests.conftest import login, make_user


@pytest.fixture
def sqlite_path(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    return db.engine.url.database


@pytest.fixture
def feature(people):
    concept = concepts.create(people["owner"], people["org"], "Storm kettle", "A kettle", "It boils.")
    return concepts.add_feature(people["owner"], concept, "Timer", "")


def _vote_url(feature) -> str:
    return f"/concepts/{feature.concept.slug}/features/{feature.id}/vote"


def test_a_write_blocked_past_the_timeout_is_a_503_with_retry_after(app, people, feature, sqlite_path):
    """Another process holds SQLite's write lock for longer than the busy timeout: "database is
    locked" was a 500."""
    client = app.test_client()
    login(client, people["consumer"])
    url = _vote_url(feature)
    other = sqlite3.connect(sqlite_path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        response = client.post(url, data={"value": "up"})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "try again" in response.get_data(as_text=True)
    # The lock is free again: the same vote goes through.
    assert client.post(url, data={"value": "up"}).status_code == 303


def test_a_write_waits_for_another_writer_and_then_counts(app, people, feature, sqlite_path):
    client = app.test_client()
    login(client, people["consumer"])
    other = sqlite3.connect(sqlite_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    try:
        response = client.post(_vote_url(feature), data={"value": "up"})
    finally:
        release.join()
        other.close()
    assert response.status_code == 303
    assert db.session.query(FeatureVote).filter_by(feature_id=feature.id).one().value == 1


def test_fifty_writers_voting_on_one_feature(app, people, feature, sqlite_path):
    voters = [make_user(f"voter{i}") for i in range(50)]
    clients = []
    for voter in voters:
        client = app.test_client()
        login(client, voter)
        clients.append(client)
    url = _vote_url(feature)
    statuses: Counter[int] = Counter()
    last: dict[int, str] = {}
    lock = threading.Lock()
    start = threading.Barrier(len(clients))

    def run(i: int) -> None:
        start.wait()
        for n in range(3):
            value = ("up", "down", "clear")[(i + n) % 3]
            status = clients[i].post(url, data={"value": value}).status_code
            with lock:
                statuses[status] += 1
                if status == 303:
                    last[i] = value

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) <= {303, 503}, statuses
    db.session.expire_all()
    stored = {v.user_id: v.value for v in db.session.query(FeatureVote).filter_by(feature_id=feature.id)}
    expected = {voters[i].id: {"up": 1, "down": -1}[v] for i, v in last.items() if v != "clear"}
    assert stored == expected


def test_the_write_gate_hooks_only_sqlite_engines(app):
    """The gate's connection events are on SQLite's engine alone: a PostgreSQL engine carries none,
    so SQLAlchemy skips its event dispatch around each of its transactions and statements."""
    sqlite = db.engine.dialect.name == "sqlite"
    for name, hook in (("begin", forum._sqlite_begin), ("commit", forum._release_gate),
                       ("rollback", forum._release_gate), ("checkin", forum._release_record)):
        assert event.contains(db.engine, name, hook) is sqlite, name
