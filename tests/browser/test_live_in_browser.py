"""Live pages in headless Chromium against a real server process (gunicorn + gevent): posts appear in
place once, a hidden post vanishes, a vote updates in place with its row in view, and a page open
across a server restart shows what was posted meanwhile, once."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import _TMP, PASSWORD
from tests.realtime.servers import ServerProcess, prepare_database

pytestmark = pytest.mark.browser


class Site:
    """The server process and a way to write to its database directly (as another process would)."""

    def __init__(self, url: str, server: ServerProcess, ids: dict[str, Any]) -> None:
        self.database_url = url
        self.server = server
        self.ids = ids
        self._app = None

    def app(self) -> Any:
        if self._app is None:
            from forum import create_app

            self._app = create_app({"SQLALCHEMY_DATABASE_URI": self.database_url, "TESTING": True,
                                    "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1})
        return self._app


def seed(url: str) -> dict[str, Any]:
    from forum.extensions import db
    from forum.models import Board, Concept, Feature, utcnow
    from forum.services import feedback, posting
    from tests.conftest import make_org, make_user

    site = Site(url, None, {})  # type: ignore[arg-type]
    with site.app().app_context():
        sofia = make_user("sofia", display_name="Sofia")
        noah = make_user("noah", display_name="Noah")
        make_user("maya_mod", role="moderator", display_name="Maya")
        owner = make_user("clara", display_name="Clara")
        org = make_org(owner, name="Kettle Works")
        board = Board(slug="general", name="General", position=1)
        db.session.add(board)
        db.session.commit()
        topic = posting.create_topic(noah, board, "Which kettle do you use?", "Mine whistles. Yours?")
        spam = posting.reply(noah, topic, "Buy cheap watches at example dot com")
        concept = Concept(organization_id=org.id, slug="quiet-kettle", title="Quiet kettle", currency="EUR",
                          feedback_open=True, created_by_id=owner.id, last_activity_at=utcnow(),
                          summary="A kettle you can use at 6 a.m.")
        db.session.add(concept)
        titles = ["Whisper mode", "Temperature presets", "Glass body", "Keep warm", "Auto shut-off",
                  "Tea basket", "Cordless base", "Descaling alert"]
        features = [Feature(concept=concept, title=t, position=i, description="A feature people asked for.")
                    for i, t in enumerate(titles)]
        db.session.add_all(features)
        posting.concept_topic(concept)
        db.session.commit()
        voters = [make_user(f"voter{i}") for i in range(6)]
        # A ranking with room to move: the top ones have several votes, the last none.
        for i, feature in enumerate(features[:6]):
            for voter in voters[: 6 - i]:
                feedback.cast_vote(voter, feature, "up")
            if i >= 3:
                feedback.cast_vote(voters[-1], feature, "down")
        ids = {"topic": topic.id, "spam": spam.id, "concept": "quiet-kettle", "last_feature": features[-1].id,
               "sofia": sofia.id}
        db.session.remove()
        db.engine.dispose()
    return ids


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    base = _TMP / f"browser-live-{uuid.uuid4().hex[:8]}"
    base.mkdir(parents=True)
    url = f"sqlite:///{base / 'forum.db'}"
    prepare_database(url)
    ids = seed(url)
    server = ServerProcess(url, base, os.environ["SECRET_KEY"])
    with server:
        yield Site(url, server, ids)


@pytest.fixture
def pages(browser, site) -> Iterator[Any]:
    contexts = []
    problems: list[str] = []

    def new_page(username: str | None = None) -> Any:
        context = browser.new_context(base_url=site.server.url, viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and "Failed to load resource" not in msg.text
                and "WebSocket" not in msg.text and problems.append(msg.text))
        if username:
            page.goto("/login")
            page.fill("#login", username)
            page.fill("#password", PASSWORD)
            page.click("button:has-text('Log in')")
            expect(page.locator(".flashes")).to_contain_text("Welcome")
        return page

    new_page.problems = problems  # type: ignore[attr-defined]
    yield new_page
    for context in contexts:
        context.close()


def live_ready(page: Any) -> None:
    """The page's socket is connected and subscribed (the presence count shows)."""
    expect(page.locator("[data-presence]")).to_contain_text("here now", timeout=30_000)


def test_a_post_from_one_page_appears_once_on_the_other_without_a_reload(site, pages):
    topic = f"/t/{site.ids['topic']}"
    reader = pages("noah")
    reader.goto(topic)
    reader.evaluate("window.__stillTheSamePage = true")
    live_ready(reader)
    writer = pages("sofia")
    writer.goto(topic)
    live_ready(writer)
    expect(reader.locator("[data-presence]")).to_have_text("2 here now")
    writer.fill("textarea[name=body]", "Mine is **quiet**, @noah. It has a whisper mode.")
    writer.click("button:has-text('Post reply')")
    # On the writer's page: once, from the POST's answer (the socket's copy is dropped).
    expect(writer.locator("article.post", has_text="It has a whisper mode")).to_have_count(1)
    expect(writer.locator("textarea[name=body]")).to_have_value("")
    # On the reader's page: in place, once, announced politely, and the mention lights the bell.
    new_post = reader.locator("article.post", has_text="It has a whisper mode")
    expect(new_post).to_have_count(1, timeout=15_000)
    assert new_post.locator("strong").inner_text() == "quiet"
    expect(reader.locator("[data-live-announce]")).to_have_text("New post by Sofia")
    expect(reader.locator("[data-unread-count]")).to_have_text("1")
    assert reader.evaluate("window.__stillTheSamePage") is True
    assert reader.evaluate("document.activeElement === document.body")  # focus did not jump
    screenshot(reader, "live-new-post")
    assert not pages.problems, pages.problems


def test_a_hidden_post_vanishes_for_consumers_and_greys_for_moderators(site, pages):
    from forum.extensions import db
    from forum.models import Post, utcnow
    from forum.services import events

    topic = f"/t/{site.ids['topic']}"
    consumer, moderator = pages("sofia"), pages("maya_mod")
    for page in (consumer, moderator):
        page.goto(topic)
        live_ready(page)
    spam = f"#p{site.ids['spam']}"
    expect(consumer.locator(spam)).to_be_visible()
    # The moderation service's write: the post hidden and its event, in one transaction. It runs in
    # this process, so the server hears of it from the database: the next event (a reply made
    # through the server) shows the pages a gap, and they catch up in order.
    with site.app().app_context():
        post = db.session.get(Post, site.ids["spam"])
        post.hidden_at = utcnow()
        events.record(events.topic_room(post.topic_id), "post.hidden", {"post_id": post.id},
                      staff={"reason": "Spam: advertising", "html": post.body_html})
        db.session.commit()
        db.session.remove()
    writer = pages("noah")
    writer.goto(topic)
    writer.fill("textarea[name=body]", "Back to kettles, please.")
    writer.click("button:has-text('Post reply')")
    expect(consumer.locator("article.post", has_text="Back to kettles")).to_have_count(1, timeout=15_000)
    expect(consumer.locator(spam)).to_have_count(0)
    expect(moderator.locator(spam)).to_contain_text("Reason: Spam: advertising", timeout=15_000)
    expect(moderator.locator(f"{spam}.is-hidden")).to_have_count(1)
    screenshot(moderator, "live-hidden-for-moderator")
    assert not pages.problems, pages.problems


def test_a_vote_updates_in_place_and_its_row_stays_in_view(site, pages):
    page = pages("sofia")
    page.goto(f"/concepts/{site.ids['concept']}")
    live_ready(page)
    page.evaluate("window.__stillTheSamePage = true")
    row = page.locator(f"#fb-feature-{site.ids['last_feature']}")
    row.scroll_into_view_if_needed()
    before = row.bounding_box()
    assert row.locator(".vote-place").inner_text() == "8"
    row.locator("button:has-text('For')").click()
    expect(row.locator(".vote-confirm")).to_have_text("Your vote for this feature is counted.")
    expect(row.locator("[data-count=up]")).to_have_text("1 for")
    expect(row.locator("button.vote-up")).to_have_attribute("aria-pressed", "true")
    # It climbed the ranking (one vote for, none against, beats the rows with a vote against)...
    expect(row.locator(".vote-place")).not_to_have_text("8")
    # ...and it and its confirmation are where the eye was, under the sticky header.
    after = row.bounding_box()
    viewport = page.viewport_size
    assert abs(after["y"] - before["y"]) < 2, (before, after)
    confirm = row.locator(".vote-confirm").bounding_box()
    assert 0 <= after["y"] and confirm["y"] + confirm["height"] <= viewport["height"]
    assert page.evaluate("window.__stillTheSamePage") is True
    screenshot(page, "live-vote-in-place")
    assert not pages.problems, pages.problems


def test_posts_made_while_the_server_restarts_appear_once_after_reconnecting(site, pages):
    from forum.extensions import db
    from forum.models import Topic, User
    from forum.services import posting

    reader = pages()
    reader.goto(f"/t/{site.ids['topic']}")
    live_ready(reader)
    site.server.stop()
    with site.app().app_context():
        sofia = db.session.get(User, site.ids["sofia"])
        topic = db.session.get(Topic, site.ids["topic"])
        for i in range(3):
            posting.reply(sofia, topic, f"Written while the server was down, number {i}")
        db.session.remove()
    site.server.start()
    for i in range(3):
        expect(reader.locator("article.post", has_text=f"while the server was down, number {i}")).to_have_count(
            1, timeout=30_000)
    posts = reader.locator("article.post").evaluate_all("els => els.map(e => e.id)")
    assert len(posts) == len(set(posts))  # nothing twice
    assert posts == sorted(posts, key=lambda p: int(p[1:]))
    assert not pages.problems, pages.problems
