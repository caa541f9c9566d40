"""The bulletin board as people use it: pages, forms, messages, and how many queries a page costs."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from forum.extensions import db
from forum.models import Board, Concept, Post, PostRevision, Topic, User, utcnow
from forum.services import posting
from tests.conftest import first_post, login
from tests.statements import statements_run


def concept_topic(people) -> Topic:
    concept = Concept(organization_id=people["org"].id, slug="quiet-kettle", title="Quiet kettle",
                      created_by_id=people["owner"].id)
    db.session.add(concept)
    topic = posting.concept_topic(concept)
    db.session.commit()
    return topic


def post_count() -> int:
    return db.session.scalar(select(func.count(Post.id)))


# --- reading ----------------------------------------------------------------------------------

def test_boards_index_and_board_page_list_topics_with_counts(client, people, board, topic):
    posting.reply(people["member"], topic, "A serrated one.")
    page = client.get("/boards").get_data(as_text=True)
    assert "General discussion" in page and "Anything goes" in page
    assert re.search(r"<strong>1</strong> topic\b", page) and re.search(r"<strong>2</strong> posts", page)
    page = client.get("/boards/general").get_data(as_text=True)
    assert "Best bread knife?" in page and "<strong>1</strong> reply" in page
    assert f"by {people['member'].name}" in page  # who posted last
    assert client.get("/boards/nope").status_code == 404


def test_pinned_topics_come_first_on_the_board_page(client, people, board):
    pinned = posting.create_topic(people["admin"], board, "House rules", "Be kind", announcement=True)
    posting.create_topic(people["consumer"], board, "Fresh topic", "Newest of all")
    page = client.get("/boards/general").get_data(as_text=True)
    assert page.index("House rules") < page.index("Fresh topic")
    assert "Announcement" in page and "Pinned" in page
    assert pinned.pinned


def test_topic_page_shows_posts_reply_quotes_and_dates(client, people, topic):
    question = first_post(topic)
    posting.reply(people["member"], topic, "Try a *bread* knife.", reply_to_id=question.id)
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert "<strong>tips</strong>" in page and "<em>bread</em>" in page
    assert f"in reply to @{people['consumer'].username}" in page
    assert "<blockquote>Looking for tips.</blockquote>" in page
    now = utcnow()
    assert f'<time datetime="{now:%Y-%m-%d}' in page and f"{now:%b} {now.day}, {now.year}" in page
    assert 'name="body"' not in page  # visitors get a log-in link, not a form
    assert "to reply" in page


# --- topics and replies through the forms -------------------------------------------------------

def test_start_a_topic(client, people, board):
    login(client, people["consumer"])
    assert client.get("/boards/general/new").status_code == 200
    response = client.post("/boards/general/new", data={"board": str(board.id), "title": "Sourdough help",
                                                         "body": "My starter *sulks*."})
    assert response.status_code == 302
    topic = db.session.scalar(select(Topic).where(Topic.title == "Sourdough help"))
    assert response.headers["Location"].endswith(f"/t/{topic.id}")
    assert "<em>sulks</em>" in client.get(f"/t/{topic.id}").get_data(as_text=True)


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "", "body": "Body"}, "Give the topic a title."),
    ({"title": "Fine title", "body": ""}, "Write something before posting."),
    ({"title": "Fine title", "body": "b" * 20_001}, "A post has at most 20,000 characters"),
    ({"title": "t" * 200, "body": "Body"}, "A title has at most 160 characters."),
    ({"title": "Fine title", "body": "Body", "board": "424242"}, "Choose one of the boards listed."),
])
def test_bad_topic_input_is_refused_with_its_message(client, people, board, data, message):
    login(client, people["consumer"])
    response = client.post("/boards/general/new", data={"board": str(board.id), **data})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if data["title"] and len(data["title"]) < 100:
        assert f'value="{data["title"]}"' in page  # what they typed is kept
    assert db.session.scalar(select(func.count(Topic.id))) == 0


def test_new_topic_on_unknown_board_is_404(client, people):
    login(client, people["consumer"])
    assert client.get("/boards/nowhere/new").status_code == 404
    assert client.post("/boards/nowhere/new", data={"title": "x", "body": "y"}).status_code == 404


def test_only_admins_see_and_use_the_announcement_option(client, people, board):
    login(client, people["consumer"])
    assert "Pin it as an announcement" not in client.get("/boards/general/new").get_data(as_text=True)
    response = client.post("/boards/general/new", data={"board": str(board.id), "title": "Sneaky",
                                                         "body": "x", "announcement": "y"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Topic.id))) == 0


def test_reply_redirects_to_the_page_and_anchor_of_the_new_post(client, people, topic):
    for n in range(25):
        posting.reply(people["member"], topic, f"Filler {n}")
    login(client, people["consumer"])
    response = client.post(f"/t/{topic.id}/reply", data={"body": "Number twenty-seven"})
    post = db.session.scalar(select(Post).where(Post.body_source == "Number twenty-seven"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/{topic.id}?page=2#p{post.id}")
    page = client.get(f"/t/{topic.id}?page=2").get_data(as_text=True)
    assert f'id="p{post.id}"' in page and "Page 2 of 2" in page
    assert client.get(f"/t/{topic.id}?page=last").get_data(as_text=True).count("Number twenty-seven") == 1
    assert client.get(f"/p/{post.id}").headers["Location"].endswith(f"?page=2#p{post.id}")


def test_reply_form_with_a_target_and_bad_replies(client, people, board, topic):
    other = posting.create_topic(people["member"], board, "Another topic", "Elsewhere")
    login(client, people["member"])
    target = first_post(topic)
    page = client.get(f"/t/{topic.id}/reply?to={target.id}").get_data(as_text=True)
    assert "Looking for tips." in page and f'value="{target.id}"' in page
    before = post_count()
    response = client.post(f"/t/{topic.id}/reply", data={"body": "  "})
    assert response.status_code == 400 and "Write something before posting." in response.get_data(as_text=True)
    response = client.post(f"/t/{topic.id}/reply", data={"body": "Hi", "reply_to_id": str(first_post(other).id)})
    assert response.status_code == 400
    assert "You can only reply to a post in this topic." in response.get_data(as_text=True)
    assert post_count() == before


def test_suspended_user_cannot_post(client, people, topic):
    user = people["consumer"]
    login(client, user)
    user.suspended_until = utcnow() + timedelta(days=2)
    db.session.commit()
    response = client.post(f"/t/{topic.id}/reply", data={"body": "Let me in"})
    assert response.status_code == 403
    assert "suspended until" in response.get_data(as_text=True)
    assert "suspended until" in client.get(f"/t/{topic.id}").get_data(as_text=True)


def test_locked_topic_refuses_with_409_and_says_so(client, people, topic):
    login(client, people["moderator"])
    assert client.post(f"/t/{topic.id}/lock", data={"locked": "1"}).status_code == 302
    before = post_count()
    response = client.post(f"/t/{topic.id}/reply", data={"body": "Still here?"})
    assert response.status_code == 409
    assert "This topic is locked" in response.get_data(as_text=True)
    json_response = client.post(f"/t/{topic.id}/reply", data={"body": "x"}, headers={"Accept": "application/json"})
    assert json_response.status_code == 409 and json_response.get_json()["message"].startswith("This topic is locked")
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert "This topic is locked" in page and "Unlock" in page
    assert post_count() == before


# --- edits, history, deletion, hiding -----------------------------------------------------------

def test_edit_history_is_for_author_and_moderators(client, people, topic):
    post = first_post(topic)
    login(client, people["consumer"])
    page = client.get(f"/p/{post.id}/edit").get_data(as_text=True)
    assert "Looking for **tips**." in page and "Topic title" in page
    response = client.post(f"/p/{post.id}/edit", data={"body": "Looking for advice.", "title": "Bread knives"})
    assert response.status_code == 302
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert "Looking for advice." in page and ">edited</a>" in page and "Bread knives" in page
    history = client.get(f"/p/{post.id}/history").get_data(as_text=True)
    assert "<strong>tips</strong>" in history and "Looking for advice." in history
    client.post("/logout")
    login(client, people["member"])
    assert client.get(f"/p/{post.id}/history").status_code == 403
    assert client.get(f"/p/{post.id}/edit").status_code == 403
    assert client.post(f"/p/{post.id}/edit", data={"body": "Hijack"}).status_code == 403
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert ">edited</span>" in page  # others see that it was edited, without the link
    client.post("/logout")
    login(client, people["moderator"])
    assert client.get(f"/p/{post.id}/history").status_code == 200
    assert db.session.scalar(select(func.count(PostRevision.id))) == 1


def test_bad_edit_keeps_the_text_and_changes_nothing(client, people, topic):
    post = first_post(topic)
    login(client, people["consumer"])
    response = client.post(f"/p/{post.id}/edit", data={"body": "", "title": "Best bread knife?"})
    assert response.status_code == 400 and "Write something before posting." in response.get_data(as_text=True)
    db.session.expire_all()
    assert first_post(topic).body_source == "Looking for **tips**."
    assert db.session.scalar(select(func.count(PostRevision.id))) == 0


def test_deleted_post_leaves_a_placeholder(client, people, topic):
    post = first_post(topic)
    posting.reply(people["member"], topic, "Quoting you", reply_to_id=post.id)
    login(client, people["consumer"])
    assert client.post(f"/p/{post.id}/delete").status_code == 302
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert "This post was deleted." in page and "Looking for" not in page
    assert "in reply to a deleted post" in page
    assert client.post(f"/p/{post.id}/delete").status_code == 409


def test_hidden_post_shows_placeholder_to_others_and_text_to_moderators(client, people, topic):
    post = first_post(topic)
    post.hidden_at = utcnow()
    db.session.commit()
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert "hidden by a moderator" in page and "Looking for" not in page
    login(client, people["moderator"])
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert "<strong>tips</strong>" in page and "only moderators see this text" in page


# --- concept topics ---------------------------------------------------------------------------

def test_official_badge_answer_mark_and_concept_header(client, app, people):
    topic = concept_topic(people)
    question = posting.reply(people["consumer"], topic, "How loud is it?")
    answer = posting.reply(people["member"], topic, "About 40 dB.", reply_to_id=question.id)
    posting.reply(people["moderator"], topic, "Moderator chiming in.")
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert page.count('class="tag tag-official"') == 2  # the header explains it, and the member's post
    assert "Official · Acme Gadgets" in page
    assert "Quiet kettle" in page and "Acme Gadgets" in page
    if "concepts.show" in app.view_functions:
        assert 'href="/concepts/quiet-kettle"' in page
    login(client, people["owner"])
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert "Mark as the answer to @carol" in page
    response = client.post(f"/p/{question.id}/answer", data={"answer_id": str(answer.id)})
    assert response.status_code == 302
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert f'Answered by <a href="/p/{answer.id}">Acme Gadgets</a>' in page
    assert client.post(f"/p/{question.id}/answer", data={"answer_id": str(question.id)}).status_code == 400
    client.post("/logout")
    login(client, people["consumer"])
    assert client.post(f"/p/{question.id}/answer", data={"answer_id": ""}).status_code == 403
    assert "Mark as the answer" not in client.get(f"/t/{topic.id}").get_data(as_text=True)


def test_members_pin_their_concept_topic_but_not_board_topics(client, people, topic):
    ctopic = concept_topic(people)
    login(client, people["member"])
    assert client.post(f"/t/{ctopic.id}/pin", data={"pinned": "1"}).status_code == 302
    assert client.post(f"/t/{topic.id}/pin", data={"pinned": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Topic, ctopic.id).pinned and not db.session.get(Topic, topic.id).pinned


# --- preview ----------------------------------------------------------------------------------

def test_preview_json_and_page(client, people, topic):
    login(client, people["consumer"])
    response = client.post("/preview", data={"body": "**bold** <script>x</script>"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<strong>bold</strong>" in html and "<script>" not in html
    response = client.post("/preview", json={"body": ""})
    assert response.status_code == 400 and response.get_json()["message"] == "Write something to preview."
    page = client.post("/preview", data={"body": "*slanted*"}).get_data(as_text=True)
    assert "<em>slanted</em>" in page


def test_preview_button_without_javascript_rerenders_the_form(client, people, topic):
    login(client, people["consumer"])
    before = post_count()
    response = client.post(f"/t/{topic.id}/reply", data={"body": "Draft with **weight**", "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>weight</strong>" in page and "Draft with **weight**</textarea>" in page
    assert post_count() == before
    board = topic.board
    response = client.post(f"/boards/{board.slug}/new", data={"board": str(board.id), "title": "Draft",
                                                              "body": "# Heading", "preview": "1"})
    assert response.status_code == 200 and "<h3>Heading</h3>" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Topic.id))) == 1


def test_topic_page_has_the_js_preview_hooks_and_csrf_field(client, people, topic):
    login(client, people["consumer"])
    page = client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert 'data-preview="/preview"' in page and "data-preview-box" in page
    assert 'name="csrf_token"' in page


# --- board management -------------------------------------------------------------------------

def test_admin_creates_and_edits_boards(client, people, board):
    login(client, people["admin"])
    response = client.post("/boards/manage", data={"name": "Help & feedback", "slug": "", "description": "Ask us",
                                                   "position": "4"})
    assert response.status_code == 302
    created = db.session.scalar(select(Board).where(Board.slug == "help-feedback"))
    assert created.position == 4
    response = client.post("/boards/manage", data={"name": "", "slug": "general", "position": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Give the board a name." in page and "Another board already uses that address." in page
    response = client.post(f"/boards/manage/{created.id}", data={"name": "Help", "slug": "help",
                                                                 "description": "", "position": "0"})
    assert response.status_code == 302
    assert client.get("/boards/help").status_code == 200
    page = client.get("/boards").get_data(as_text=True)
    assert page.index("Help") < page.index("General discussion")


# --- speed ------------------------------------------------------------------------------------

def fill_topic(topic: Topic, n: int, people: dict) -> None:
    """n posts by n different people (bulk inserted): every 3rd replies to the one before it,
    every 5th is official, and the first question is marked answered."""
    now = utcnow()
    hashed = people["consumer"].password_hash
    users = [{"username": f"u{topic.id}x{i}", "username_key": f"u{topic.id}x{i}",
              "email": f"u{topic.id}x{i}@example.test", "password_hash": hashed, "display_name": f"User {i}",
              "role": "consumer", "session_token": f"tok-{topic.id}-{i}"} for i in range(n)]
    db.session.execute(insert(User), users)
    ids = db.session.scalars(select(User.id).where(User.username_key.like(f"u{topic.id}x%"))
                             .order_by(User.id)).all()
    start = (db.session.scalar(select(func.max(Post.id))) or 0) + 1
    rows = []
    for i, user_id in enumerate(ids):
        official = i % 5 == 4
        rows.append({"id": start + i, "topic_id": topic.id, "author_id": people["member"].id if official else user_id,
                     "reply_to_id": start + i - 1 if i % 3 == 2 else None,
                     "body_source": f"Post {i}", "body_html": f"<p>Post {i}</p>", "excerpt": f"Post {i}",
                     "official_organization_id": people["org"].id if official else None,
                     "created_at": now + timedelta(seconds=i)})
    db.session.execute(insert(Post), rows)
    db.session.execute(Post.__table__.update().where(Post.id == start + 3).values(answered_by_id=start + 4))
    topic.post_count = n
    db.session.commit()


@pytest.mark.parametrize("role", ["visitor", "member"])
def test_topic_page_query_count_does_not_grow_with_posts(client, people, role):
    small = concept_topic(people)
    concept = Concept(organization_id=people["org"].id, slug="loud-kettle", title="Loud kettle")
    db.session.add(concept)
    big = posting.concept_topic(concept)
    db.session.commit()
    fill_topic(small, 5, people)
    fill_topic(big, 500, people)
    if role != "visitor":
        login(client, people[role])
        client.get("/")  # the welcome message shown: every page below is read alike
        client.get("/concepts/")  # and the header's account menu cached, as after any first page
    counts = {}
    for label, url in (("5 posts", f"/t/{small.id}"), ("500 posts", f"/t/{big.id}"),
                       ("500 posts, last page", f"/t/{big.id}?page=last")):
        db.session.expire_all()
        with statements_run(client.application) as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts[label] = len(statements)
    page = response.get_data(as_text=True)
    assert "Page 20 of 20" in page and "Answered by" not in page and "Official · Acme Gadgets" in page
    assert len(set(counts.values())) == 1, counts
    assert counts["5 posts"] <= 8, counts
