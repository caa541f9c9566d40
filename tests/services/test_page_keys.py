"""The cached pages' keys (forum/services/page_keys.py): on a signed-in request, Flask-Login's user
loader reads the person and the page's key row in one statement, and the page's key function takes
that row: the very row its own statement reads, for that page and that reader only."""
from __future__ import annotations

import pytest
from flask import g

from forum.extensions import db
from forum.models import SummaryVisit, utcnow
from forum.services import notifications, page_keys
from tests.conftest import make_user
from tests.statements import statements_run
from tests.web.test_concepts import make_concept


@pytest.fixture
def concept(people):
    return make_concept(people, title="Folded toaster", features=["Crumb tray"])


@pytest.fixture
def pages(concept, people):
    """Each kind of page: its key argument and how its key is read for a reader."""
    topic_id = concept.topic.id
    return {"topic": (topic_id, lambda actor, arg=topic_id: page_keys.topic(arg, actor)),
            "concept": (concept.slug, lambda actor, arg=concept.slug: page_keys.concept(arg, actor)),
            "listing": (None, page_keys.listing),
            "results": (concept.slug, lambda actor, arg=concept.slug: page_keys.results(arg, actor))}


def _same(one, other) -> None:
    """Two key rows (a listing's key is a tuple of its parts): the same values under the same names."""
    if isinstance(one, tuple) and not hasattr(one, "_fields"):
        assert one == other
        return
    assert tuple(one._fields) == tuple(other._fields)
    assert tuple(one) == tuple(other)


@pytest.mark.parametrize("kind", ["topic", "concept", "listing", "results"])
def test_the_person_and_the_pages_key_come_in_one_statement_and_the_key_is_the_pages_own(pages, people, concept,
                                                                                         kind):
    reader = people["member"]  # the organization's member, who follows both rooms and has news
    notifications.follow(reader, concept=concept)
    notifications.follow(reader, topic=concept.topic)
    notifications.notify(reader.id, "moderation", "Your flag was upheld.")
    db.session.add(SummaryVisit(user_id=reader.id, concept_id=concept.id, visited_at=utcnow()))
    db.session.commit()
    argument, read_key = pages[kind]
    alone = read_key(reader)
    with statements_run() as seen:
        loaded = page_keys.load_reader(reader.session_token, kind, argument)
        folded = read_key(loaded)
    assert loaded is reader and len(seen) == 1, seen
    _same(folded, alone)
    with statements_run() as seen:  # taken once: asked again, the key statement runs
        _same(read_key(loaded), alone)
    assert len(seen) == 1


@pytest.mark.parametrize("kind", ["topic", "concept", "listing", "results"])
def test_the_folded_key_serves_only_its_own_page_and_reader(pages, people, kind):
    reader, other = people["consumer"], people["owner"]
    assert other.id  # loaded before counting
    argument, read_key = pages[kind]
    page_keys.load_reader(reader.session_token, kind, argument)
    with statements_run() as seen:
        theirs = read_key(other)  # another person: their own facts, read for them
    assert len(seen) == 1
    _same(theirs, read_key(other))
    page_keys.load_reader(reader.session_token, kind, argument)
    with statements_run() as seen:
        read_key(None)  # a visitor
    assert len(seen) == 1


def test_another_argument_or_no_such_page_is_read_by_the_key_statement(pages, people):
    reader = people["consumer"]
    topic_id, _ = pages["topic"]
    page_keys.load_reader(reader.session_token, "topic", topic_id)
    with statements_run() as seen:
        assert page_keys.topic(topic_id + 1000, reader) is None
    assert len(seen) == 1
    assert page_keys.load_reader(reader.session_token, "topic", topic_id + 1000) is reader
    assert "_sb_page_key" not in g  # nothing found, nothing kept
    with statements_run() as seen:
        assert page_keys.concept("no-such-concept", reader) is None
    assert len(seen) == 1


def test_the_person_is_loaded_fresh_whatever_the_page(pages, people):
    reader = people["consumer"]
    argument, _ = pages["concept"]
    assert page_keys.load_reader(reader.session_token) is reader  # not a cached page
    assert page_keys.load_reader(reader.session_token, "concept", "Not a slug!") is reader
    assert "_sb_page_key" not in g
    assert page_keys.load_reader("no-such-token", "concept", argument) is None
    stranger = make_user("stranger")
    token = stranger.session_token
    stranger.session_token = "rotated-" + token[:20]  # logged out everywhere
    db.session.commit()
    assert page_keys.load_reader(token, "concept", argument) is None
