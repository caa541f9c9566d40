"""A cached page's template reads what it may show of its reader from its `perms` mapping only (the
permissions its view declared, computed through the policy, from which its cache key is built). If
a cached template called `can()` or read `current_user` outside its personal parts, two readers
with the same key could be served each other's page: these tests render every cached page for
every kind of reader with both replaced by tripwires while the shared part renders."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import g, render_template_string
from sqlalchemy import select

from forum import pagecache, pagecache_shell
from forum.extensions import db
from forum.models import Topic, utcnow
from forum.services import posting
from tests.conftest import login, make_user
from tests.web.test_concepts import make_concept


class _Tripwire:
    """Stands for `current_user` in a shared part: records what was read of it."""

    def __init__(self, seen: list[str]) -> None:
        self._seen = seen

    def __getattr__(self, name: str) -> Any:
        self._seen.append(f"current_user.{name}")
        return None


@pytest.fixture
def tripwire(app):
    seen: list[str] = []

    def forbidden_can(action: str, obj: Any = None) -> bool:
        seen.append(f"can({action!r})")
        return False

    def processor() -> dict[str, Any]:
        if g.get("_sb_shell"):  # the shared part of a cached page is rendering (forum/pagecache.py)
            return {"can": forbidden_can, "current_user": _Tripwire(seen)}
        return {}

    processors = app.template_context_processors[None]
    processors.append(processor)  # the last one wins over Flask-Login's and the web layer's
    try:
        yield seen
    finally:
        processors.remove(processor)


def test_the_tripwire_catches_a_template_that_asks_the_policy(app, tripwire):
    """The check itself can fail: a shared part that calls can() is caught."""
    with app.test_request_context("/"):
        pagecache_shell.render_shell(lambda: render_template_string(
            "{% if can('flag.create') %}x{% endif %}{{ current_user.name }}"))
        assert tripwire == ["can('flag.create')", "current_user.name"]
        tripwire.clear()
        render_template_string("{{ can('flag.create') }}")  # outside a shared part: the real ones
        assert tripwire == []


@pytest.fixture
def pages(people, board):
    concept = make_concept(people, title="Tripwire kettle", features=["Spout"], price_question_enabled=True)
    people["org"].publish_price_summary = True
    db.session.commit()
    topic = db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))
    author = make_user("tripwire_author")
    question = posting.reply(author, topic, "Does it pour well?")
    posting.reply(people["member"], topic, "It does.", question.id)
    posting.edit_post(author, question, "Does it pour well, without dripping?")  # its history link
    board_topic = posting.create_topic(author, board, "Tripwire board topic", "Hello")
    return {"author": author, "urls": [f"/t/{topic.id}", f"/t/{board_topic.id}", f"/concepts/{concept.slug}",
                                       "/concepts/", f"/concepts/{concept.slug}/results"]}


@pytest.mark.parametrize("who", ["visitor", "consumer", "author", "member", "owner", "moderator", "admin",
                                 "suspended"])
def test_cached_templates_read_only_their_perms(app, people, pages, tripwire, who):
    client = app.test_client()
    if who == "author":
        login(client, pages["author"])
    elif who == "suspended":
        login(client, make_user("tripwire_suspended", suspended_until=utcnow() + timedelta(days=2)))
    elif who != "visitor":
        login(client, people[who] if who in people else make_user(f"tripwire_{who}"))
    for url in pages["urls"]:
        pagecache.store().clear()  # a miss: the shared part renders now
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.headers["X-Page-Cache"] in ("miss", "off"), url
        assert tripwire == [], f"{url} as {who}: the shared part read {sorted(set(tripwire))}"
