"""The page cache: topic and concept pages come from the cache, and change on the very next request
after a post, a vote, an edit, a hide and a stage change; personal parts stay personal."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, Topic, utcnow
from forum.services import concepts, events, feedback, posting
from tests.conftest import login, make_user
from tests.statements import statements_run
from tests.web.test_concepts import make_concept


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def concept(people):
    return make_concept(people, title="Cached espresso maker", features=["Grinder", "Milk frother"],
                        price_question_enabled=True)


@pytest.fixture
def topic(concept):
    return db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))


def _cached(client, url: str) -> str:
    """The page, after making sure the cache holds it (the second request is a hit)."""
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["X-Page-Cache"] == "hit", url
    return text(response)


def _fresh(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return text(response)


@pytest.fixture(params=["visitor", "consumer"])
def reader(request, app, people):
    client = app.test_client()
    if request.param != "visitor":
        login(client, make_user("reader"))
    return client


def test_a_topic_page_changes_on_the_next_request_after_a_post(reader, people, topic):
    posting.reply(people["consumer"], topic, "First words", None)
    url = f"/t/{topic.id}"
    assert "Fresh words" not in _cached(reader, url)
    posting.reply(people["member"], topic, "Fresh words", None)
    assert "Fresh words" in _fresh(reader, url)


def test_a_topic_page_changes_on_the_next_request_after_an_edit(reader, people, topic):
    post = posting.reply(people["consumer"], topic, "Words before", None)
    url = f"/t/{topic.id}"
    assert "Words before" in _cached(reader, url)
    posting.edit_post(people["consumer"], post, "Words after")
    page = _fresh(reader, url)
    assert "Words after" in page and "Words before" not in page


def test_a_topic_page_changes_on_the_next_request_after_a_hide(reader, people, topic):
    post = posting.reply(people["consumer"], topic, "Rude words", None)
    url = f"/t/{topic.id}"
    assert "Rude words" in _cached(reader, url)
    _hide(people["moderator"], post)
    page = _fresh(reader, url)
    assert "Rude words" not in page and "hidden by a moderator" in page


def _hide(moderator, post: Post) -> None:
    """A moderator hides a post: the moderation service when it exists, else what it must do (mark
    the post and record the event in the topic's room, in one transaction)."""
    from forum import services

    moderation = getattr(services, "moderation", None)
    hide = getattr(moderation, "hide_post", None) if moderation else None
    if hide is not None:
        hide(moderator, post, "Rude")
        return
    post.hidden_at = utcnow()
    event = events.record(events.topic_room(post.topic_id), "post.hidden", {"post_id": post.id})
    db.session.commit()
    events.publish(event)


def test_a_concept_page_changes_on_the_next_request_after_a_vote(reader, people, concept):
    url = f"/concepts/{concept.slug}"
    page = _cached(reader, url)
    assert re.search(r'data-count="up">0 for', page)
    feature = concept.features[0]
    feedback.cast_vote(people["consumer"], feature, "up")
    assert re.search(r'data-count="up">1 for', _fresh(reader, url))


def test_a_concept_page_changes_on_the_next_request_after_a_stage_change(reader, people, concept):
    url = f"/concepts/{concept.slug}"
    assert "Moved to prototype" not in _cached(reader, url)
    concepts.change_stage(people["owner"], concept, "prototype", "Built one")
    page = _fresh(reader, url)
    assert "Moved to prototype" in page and "Built one" in page


def test_a_concept_page_changes_on_the_next_request_after_an_edit(reader, people, concept):
    url = f"/concepts/{concept.slug}"
    assert "Even better text" not in _cached(reader, url)
    concepts.update(people["owner"], concept, concept.title, "Even better text", "New **words**.", "",
                    "EUR", True, False, True)
    assert "Even better text" in _fresh(reader, url)
    concepts.add_feature(people["owner"], concept, "Travel case", "")
    assert "Travel case" in _fresh(reader, url)


def test_personal_parts_stay_personal_in_a_shared_page(app, people, concept, topic):
    sofia, tom = make_user("sofia_reads", display_name="Sofia Reader"), make_user("tom_reads",
                                                                               display_name="Tom Reader")
    feedback.cast_vote(sofia, concept.features[0], "up")
    first, second = app.test_client(), app.test_client()
    login(first, sofia)
    login(second, tom)
    url = f"/concepts/{concept.slug}"
    page_one = _fresh(first, url)
    response = second.get(url)
    page_two = text(response)
    assert response.headers["X-Page-Cache"] == "hit"  # Tom's page reuses the shell Sofia's filled
    assert "Sofia Reader" in page_one and "Sofia Reader" not in page_two and "Tom Reader" in page_two
    assert 'visually-hidden"> (your vote; press to withdraw it)' in page_one  # the button's hint, not
    assert 'visually-hidden"> (your vote; press to withdraw it)' not in page_two  # the scripts' words
    assert "<!--sb:" not in page_one + page_two and "sb-csrf" not in page_one + page_two


def test_a_cached_page_carries_the_readers_own_csrf_token(app, people, concept):
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/concepts/{concept.slug}"
    tokens = []
    for name in ("csrf_one", "csrf_two"):
        client = app.test_client()
        make_user(name)
        login_page = text(client.get("/login"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)[1]
        response = client.post("/login", data={"login": name, "password": "correct horse battery staple",
                                               "csrf_token": token})
        assert response.status_code == 302
        page = _fresh(client, url)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        tokens.append(token)
        feature = concept.features[1]
        vote = client.post(f"/concepts/{concept.slug}/features/{feature.id}/vote",
                           data={"value": "up", "csrf_token": token})
        assert vote.status_code == 303, text(vote)[:300]
    assert tokens[0] != tokens[1]


def test_an_author_sees_their_own_buttons_and_others_do_not(app, people, topic):
    author = make_user("author_here")
    other = make_user("other_here")
    post = posting.reply(author, topic, "My own words", None)
    mine, theirs = app.test_client(), app.test_client()
    login(mine, author)
    login(theirs, other)
    url = f"/t/{topic.id}"
    edit_link = f"/p/{post.id}/edit"
    for _ in range(2):
        assert edit_link not in _fresh(theirs, url)
        assert edit_link in _fresh(mine, url)


def test_visitors_get_no_cookie_from_a_cached_page(app, concept, topic):
    for url in (f"/concepts/{concept.slug}", f"/t/{topic.id}"):
        for _ in range(2):
            response = app.test_client().get(url)
            assert response.status_code == 200
            assert "Set-Cookie" not in response.headers
        assert response.headers["X-Page-Cache"] == "hit"


# --- a signed-in reader's own facts on a shared page ---------------------------------------------
# A signed-in hit reads the page's key, the reader's membership, follow and unread count in one
# statement: each must still show on the very next request after it changes.

@pytest.fixture
def board_topic(people, board):
    """A topic on a board (a concept's discussion is followed through its concept)."""
    return posting.create_topic(people["consumer"], board, "Best kettle descaler?", "Any tips?")


@pytest.fixture(params=["concept", "topic"])
def page_url(request, concept, board_topic):
    return f"/concepts/{concept.slug}" if request.param == "concept" else f"/t/{board_topic.id}"


def test_the_unread_count_in_the_header_is_current_on_a_cached_page(app, page_url):
    reader = make_user("unread_reader")
    client = app.test_client()
    login(client, reader)
    assert "data-unread-count" not in _cached(client, page_url)
    from forum.services import notifications

    notifications.notify(reader.id, "moderation", "Your flag was upheld.")
    db.session.commit()
    page = _cached(client, page_url)
    assert re.search(r'data-unread-count>1<', page), "the new notification is counted at once"
    notifications.mark_all_read(reader)
    db.session.commit()
    assert "data-unread-count" not in _fresh(client, page_url)


def test_following_shows_on_the_next_request_and_only_to_the_follower(app, page_url, concept, board_topic):
    follower, other = make_user("follows_it"), make_user("does_not")
    mine, theirs = app.test_client(), app.test_client()
    login(mine, follower)
    login(theirs, other)
    assert "Following" not in _cached(mine, page_url)
    from forum.services import notifications

    target = {"concept": concept} if page_url.startswith("/concepts/") else {"topic": board_topic}
    notifications.follow(follower, **target)
    db.session.commit()
    assert "✓ Following" in _fresh(mine, page_url)
    assert "✓ Following" not in _fresh(theirs, page_url)
    notifications.unfollow(follower, **target)
    db.session.commit()
    assert "✓ Following" not in _fresh(mine, page_url)


def test_a_new_member_gets_the_members_page_on_the_next_request(app, people, concept):
    """Membership decides the edit controls (a shell of its own): accepting an invitation shows them
    at once, and an outsider never gets the members' copy."""
    from forum.services import organizations

    newcomer, outsider = make_user("newcomer"), make_user("outsider")
    joining, watching = app.test_client(), app.test_client()
    login(joining, newcomer)
    login(watching, outsider)
    url = f"/concepts/{concept.slug}"
    edit_link = f"/concepts/{concept.slug}/edit"
    assert edit_link not in _cached(joining, url)
    membership = organizations.add_member(people["owner"], people["org"], newcomer.username)
    organizations.accept_invitation(newcomer, membership.id)
    assert edit_link in _fresh(joining, url)
    assert edit_link not in _fresh(watching, url)


def test_a_hidden_concept_stays_hidden_from_signed_in_outsiders(app, people, concept, topic):
    concept.hidden_at = utcnow()
    topic.hidden_at = None
    db.session.commit()
    outsider, member = app.test_client(), app.test_client()
    login(outsider, make_user("outsider_two"))
    login(member, people["member"])
    for url in (f"/concepts/{concept.slug}", f"/t/{topic.id}"):
        assert member.get(url).status_code == 200
        assert outsider.get(url).status_code == 404
        assert outsider.get(url).status_code == 404  # and not from a cache either


def test_a_visitor_never_gets_a_signed_in_readers_part(app, page_url):
    """The follow button of a signed-in reader (a form with their token) is cached; a visitor's page
    asks "Log in to follow" instead, sets no cookie and stays public."""
    reader = make_user("part_reader")
    client = app.test_client()
    login(client, reader)
    _cached(client, page_url)
    response = app.test_client().get(page_url)
    page = text(response)
    assert "Log in to follow" in page and 'name="csrf_token"' not in page
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"].startswith("public")


def test_a_new_display_name_shows_in_the_header_at_once(app, page_url):
    reader = make_user("renamed_reader", display_name="Before Name")
    client = app.test_client()
    login(client, reader)
    assert "Before Name" in _cached(client, page_url)
    reader.display_name = "After Name"
    db.session.commit()
    page = _fresh(client, page_url)
    assert "After Name" in page and "Before Name" not in page


# --- a signed-in hit ----------------------------------------------------------------------------
# Served inside Flask, after Flask-Login loaded the person: their page is the shared shell with their
# own parts, and costs one statement: the person's row with the page's key.

def _statements(app, client, url, **kwargs):
    """The request, and the SQL statements it ran."""
    with statements_run(app) as seen:
        response = client.get(url, **kwargs)
    return response, seen


def _without_tokens(html: str) -> str:
    """The page as a reader sees it: CSRF tokens (signed per request) blanked, white space folded."""
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)
    return re.sub(r"\s+", " ", html)


def test_a_signed_in_hit_is_one_statement_and_the_same_page_as_a_fresh_render(app, page_url):
    reader = make_user("fast_reader", display_name="Fast Reader")
    client = app.test_client()
    login(client, reader)
    cached = _cached(client, page_url)
    response, statements = _statements(app, client, page_url)
    assert response.headers["X-Page-Cache"] == "hit"
    assert len(statements) == 1, statements  # Flask-Login's person with the page's key and their facts
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Fast Reader" in text(response) and "Log out" in text(response)
    app.config["PAGE_CACHE"] = False
    try:
        fresh = _fresh(client, page_url)
    finally:
        app.config["PAGE_CACHE"] = True
    assert _without_tokens(text(response)) == _without_tokens(fresh) == _without_tokens(cached)


def test_a_cached_pages_csrf_token_is_accepted(app, people, concept):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    make_user("token_reader")
    login_page = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)[1]
    assert client.post("/login", data={"login": "token_reader", "password": "correct horse battery staple",
                                       "csrf_token": token}).status_code == 302
    url = f"/concepts/{concept.slug}"
    _cached(client, url)
    response = client.get(url)
    assert response.headers["X-Page-Cache"] == "hit"
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(response))[1]
    vote = client.post(f"/concepts/{concept.slug}/features/{concept.features[0].id}/vote",
                       data={"value": "up", "csrf_token": token})
    assert vote.status_code == 303, text(vote)[:300]
    assert "(your vote; press to withdraw it)" in _fresh(client, url)


def test_a_warning_is_shown_before_any_cached_page(app, people, page_url):
    reader = make_user("warned_reader")
    client = app.test_client()
    login(client, reader)
    _cached(client, page_url)
    reader.warning_pending = True
    db.session.commit()
    response = client.get(page_url)
    assert response.status_code == 302 and "/warnings" in response.headers["Location"]


def test_a_suspension_shows_on_the_next_request(app, people, concept):
    from datetime import timedelta

    reader = make_user("soon_suspended")
    client = app.test_client()
    login(client, reader)
    url = f"/concepts/{concept.slug}"
    assert "vote-button" in _cached(client, url) or 'name="value"' in _cached(client, url)
    reader.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    page = _fresh(client, url)
    assert "suspended" in page.lower()
    assert 'name="value" value="up"' not in page


def test_a_flash_message_is_shown_on_a_cached_page(app, people, concept):
    reader = make_user("flashed_reader")
    client = app.test_client()
    login(client, reader)
    url = f"/concepts/{concept.slug}"
    _cached(client, url)
    response = client.post("/follow", data={"concept_id": concept.id, "next": url})
    assert response.status_code in (302, 303)
    page = _fresh(client, url)
    assert 'class="flash' in page
    assert 'class="flash' not in _fresh(client, url)  # shown once


def test_after_logging_out_the_old_cookie_reads_as_a_visitor(app, people, page_url):
    reader = make_user("leaving_reader", display_name="Leaving Reader")
    client = app.test_client()
    login(client, reader)
    _cached(client, page_url)
    old_cookie = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", old_cookie)
    page = _fresh(thief, page_url)
    assert "Leaving Reader" not in page and "Log out" not in page


def test_a_tampered_session_cookie_reads_as_a_visitor(app, people, page_url):
    reader = make_user("tampered_reader", display_name="Tampered Reader")
    client = app.test_client()
    login(client, reader)
    _cached(client, page_url)
    cookie = client.get_cookie("session").value
    forged = app.test_client()
    forged.set_cookie("session", cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB"))
    page = _fresh(forged, page_url)
    assert "Tampered Reader" not in page and "Log out" not in page


def test_a_new_moderator_gets_the_moderation_link_at_once(app, people, page_url):
    reader = make_user("promoted_reader")
    client = app.test_client()
    login(client, reader)
    assert 'class="moderation-link"' not in _cached(client, page_url)
    reader.role = "moderator"
    db.session.commit()
    assert 'class="moderation-link"' in _fresh(client, page_url)
