"""The posting and boards services: what they store, what they refuse, and the messages."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import Board, Concept, Event, ModerationAction, Post, PostRevision, Topic, utcnow
from forum.services import boards, posting
from tests.conftest import make_org, make_user


@pytest.fixture
def board(app):
    return Board(slug="general", name="General discussion", position=1)


@pytest.fixture
def world(people, board):
    db.session.add(board)
    db.session.commit()
    return {**people, "board": board}


def counts() -> tuple[int, int, int, int]:
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Topic, Post, PostRevision, Event))


def concept_for(org, owner, slug="smart-kettle") -> tuple[Concept, Topic]:
    concept = Concept(organization_id=org.id, slug=slug, title="Smart kettle", created_by_id=owner.id,
                      last_activity_at=utcnow() - timedelta(days=3))
    db.session.add(concept)
    topic = posting.concept_topic(concept)
    db.session.commit()
    return concept, topic


# --- topics -----------------------------------------------------------------------------------

def test_create_topic_stores_rendered_first_post_and_event(world):
    consumer = world["consumer"]
    topic = posting.create_topic(consumer, world["board"], "  Which  kettle? ", "I like **bold** tea\n<script>x</script>")
    assert topic.title == "Which kettle?" and topic.post_count == 1
    assert topic.last_post_user_id == consumer.id
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    assert "<strong>bold</strong>" in post.body_html and "<script>" not in post.body_html
    assert post.body_source.startswith("I like **bold**")
    assert post.excerpt.startswith("I like bold tea")
    event = db.session.scalar(select(Event).where(Event.room == f"topic:{topic.id}"))
    assert event.kind == "post.added" and event.payload["post_id"] == post.id


def test_create_topic_by_board_id_and_unknown_board(world):
    topic = posting.create_topic(world["consumer"], str(world["board"].id), "By id works", "Body")
    assert topic.board_id == world["board"].id
    before = counts()
    with pytest.raises(ValidationError) as exc:
        posting.create_topic(world["consumer"], "9999", "Title here", "Body")
    assert exc.value.errors == {"board": ["Choose one of the boards listed."]}
    with pytest.raises(ValidationError):
        posting.create_topic(world["consumer"], "not-a-number", "Title here", "Body")
    assert counts() == before


@pytest.mark.parametrize(("title", "body", "field", "message"), [
    ("", "Body", "title", "Give the topic a title."),
    ("ab", "Body", "title", "A title has at least 3 characters."),
    ("x" * 161, "Body", "title", "A title has at most 160 characters."),
    ("A fine title", "   \n ", "body", "Write something before posting."),
    ("A fine title", "y" * 20_001, "body", "A post has at most 20,000 characters; this one has 20,001."),
])
def test_create_topic_refuses_bad_input_and_writes_nothing(world, title, body, field, message):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        posting.create_topic(world["consumer"], world["board"], title, body)
    assert exc.value.errors[field] == [message]
    assert counts() == before


def test_a_post_of_exactly_the_maximum_length_is_accepted(world):
    topic = posting.create_topic(world["consumer"], world["board"], "Long one", "z" * 20_000)
    assert topic.post_count == 1


def test_announcements_are_for_admins_and_pinned(world):
    with pytest.raises(PermissionDenied):
        posting.create_topic(world["consumer"], world["board"], "Hear ye", "News", announcement=True)
    topic = posting.create_topic(world["admin"], world["board"], "Hear ye", "News", announcement=True)
    assert topic.is_announcement and topic.pinned


def test_visitors_and_suspended_users_cannot_post(world):
    consumer = world["consumer"]
    with pytest.raises(PermissionDenied):
        posting.create_topic(None, world["board"], "Title", "Body")
    consumer.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    with pytest.raises(PermissionDenied) as exc:
        posting.create_topic(consumer, world["board"], "Title", "Body")
    assert "suspended until" in exc.value.message


# --- replies ----------------------------------------------------------------------------------

def test_reply_counts_follows_and_points_to_its_target(world, monkeypatch):
    followed, notified, indexed = [], [], []
    monkeypatch.setattr(posting.notifications, "follow", lambda user, topic=None, concept=None: followed.append((user.id, topic.id)))
    monkeypatch.setattr(posting.notifications, "notify_new_post", lambda post: notified.append(post.id))
    monkeypatch.setattr(posting.search, "index_post", lambda post: indexed.append(post.id))
    topic = posting.create_topic(world["consumer"], world["board"], "Kettles", "Which one?")
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    reply = posting.reply(world["member"], topic, "This one.", reply_to_id=str(first.id))
    assert reply.reply_to_id == first.id and reply.official_organization_id is None  # not a concept topic
    db.session.refresh(topic)
    assert topic.post_count == 2 and topic.last_post_user_id == world["member"].id
    assert followed == [(world["consumer"].id, topic.id), (world["member"].id, topic.id)]
    assert notified == [first.id, reply.id] and indexed == [first.id, reply.id]


def test_reply_to_a_post_of_another_topic_is_refused(world):
    one = posting.create_topic(world["consumer"], world["board"], "One", "First")
    two = posting.create_topic(world["consumer"], world["board"], "Two", "Second")
    other_post = db.session.scalar(select(Post).where(Post.topic_id == two.id))
    before = counts()
    for bad in (other_post.id, 99999, "abc"):
        with pytest.raises(ValidationError) as exc:
            posting.reply(world["member"], one, "Hello", reply_to_id=bad)
        assert exc.value.errors == {"reply_to_id": ["You can only reply to a post in this topic."]}
    assert counts() == before


def test_locked_topic_refuses_posts_with_409(world):
    topic = posting.create_topic(world["consumer"], world["board"], "Locked soon", "Body")
    with pytest.raises(PermissionDenied):
        posting.set_locked(world["consumer"], topic, True)
    assert posting.set_locked(world["moderator"], topic, True) is True
    before = counts()
    with pytest.raises(Conflict) as exc:
        posting.reply(world["member"], topic, "Too late")
    assert exc.value.message.startswith("This topic is locked")
    assert counts() == before
    audit = db.session.scalar(select(ModerationAction).where(ModerationAction.target_id == topic.id))
    assert audit.action == "topic.lock" and audit.actor_id == world["moderator"].id
    assert posting.set_locked(world["admin"], topic, None) is False  # toggles back
    posting.reply(world["member"], topic, "Open again")


def test_hidden_topic_is_not_found_except_for_moderators(world):
    topic = posting.create_topic(world["consumer"], world["board"], "Hidden", "Body")
    topic.hidden_at = utcnow()
    db.session.commit()
    with pytest.raises(NotFound):
        posting.get_topic(topic.id, world["consumer"])
    assert posting.get_topic(topic.id, world["moderator"]).id == topic.id


# --- edits, deletion, history -----------------------------------------------------------------

def test_edit_keeps_the_previous_text_as_a_revision(world):
    topic = posting.create_topic(world["consumer"], world["board"], "Typos", "Teh first text")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    posting.edit_post(world["consumer"], post, "The *first* text", title="No typos")
    assert post.edited_at is not None and "<em>first</em>" in post.body_html
    assert topic.title == "No typos"
    revs = posting.revisions(world["consumer"], post)
    assert [r.body_source for r in revs] == ["Teh first text"]
    posting.edit_post(world["moderator"], post, "Moderated text")
    assert [r.body_source for r in posting.revisions(world["moderator"], post)] == [
        "The *first* text", "Teh first text"]
    kinds = db.session.scalars(select(Event.kind).where(Event.room == f"topic:{topic.id}")).all()
    assert kinds.count("post.edited") == 2
    with pytest.raises(PermissionDenied):
        posting.revisions(world["member"], post)
    with pytest.raises(PermissionDenied):
        posting.edit_post(world["member"], post, "Not mine")


def test_edit_with_the_same_text_keeps_no_revision_and_bad_edits_change_nothing(world):
    topic = posting.create_topic(world["consumer"], world["board"], "Same", "Same text")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    posting.edit_post(world["consumer"], post, "Same text")
    assert post.edited_at is None
    before = counts()
    with pytest.raises(ValidationError):
        posting.edit_post(world["consumer"], post, "")
    with pytest.raises(ValidationError):
        posting.edit_post(world["consumer"], post, "q" * 20_001)
    db.session.rollback()
    assert counts() == before and post.body_source == "Same text"


def test_delete_leaves_a_placeholder_and_only_author_or_moderator(world):
    topic = posting.create_topic(world["consumer"], world["board"], "Deleting", "Soon gone")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    with pytest.raises(PermissionDenied):
        posting.delete_post(world["member"], post)
    posting.delete_post(world["consumer"], post)
    assert post.deleted_at is not None
    assert db.session.get(Post, post.id) is not None  # still there, as a placeholder
    with pytest.raises(Conflict):
        posting.delete_post(world["moderator"], post)
    with pytest.raises(Conflict):
        posting.edit_post(world["consumer"], post, "Back from the dead")
    with pytest.raises(ValidationError) as exc:
        posting.reply(world["member"], topic, "Answering a ghost", reply_to_id=post.id)
    assert "deleted" in exc.value.errors["reply_to_id"][0]


def test_moderator_deletion_is_audited(world):
    topic = posting.create_topic(world["consumer"], world["board"], "Rude", "Rude words")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    posting.delete_post(world["moderator"], post)
    assert db.session.scalar(select(ModerationAction.action).where(ModerationAction.target_id == post.id)) == "post.delete"


# --- concept topics: official posts and answers --------------------------------------------------

def test_official_only_for_members_on_their_own_concept(world):
    concept, topic = concept_for(world["org"], world["owner"])
    other_owner = make_user("otto")
    other_org = make_org(other_owner, name="Other Co")
    _, other_topic = concept_for(other_org, other_owner, slug="other-thing")
    question = posting.reply(world["consumer"], topic, "Is it loud?")
    answer = posting.reply(world["member"], topic, "Whisper quiet.", reply_to_id=question.id)
    assert question.official_organization_id is None
    assert answer.official_organization_id == world["org"].id
    # A member speaking on another organization's concept is not official there.
    elsewhere = posting.reply(world["member"], other_topic, "Nice kettle")
    assert elsewhere.official_organization_id is None
    # Posting bumps the concept's last activity.
    db.session.refresh(concept)
    assert concept.last_activity_at > utcnow() - timedelta(minutes=1)


def test_mark_answered_by_the_organization(world):
    concept, topic = concept_for(world["org"], world["owner"])
    question = posting.reply(world["consumer"], topic, "Does it boil fast?")
    answer = posting.reply(world["member"], topic, "Two minutes.", reply_to_id=question.id)
    unofficial = posting.reply(world["moderator"], topic, "I timed it too.")
    with pytest.raises(PermissionDenied):
        posting.mark_answered(world["consumer"], question, answer.id)
    with pytest.raises(PermissionDenied):
        posting.mark_answered(world["admin"], question, answer.id)
    for bad in (unofficial.id, 424242, question.id):
        with pytest.raises(ValidationError) as exc:
            posting.mark_answered(world["member"], question, bad)
        assert "answer_id" in exc.value.errors
    with pytest.raises(ValidationError):
        posting.mark_answered(world["member"], answer, answer.id)  # an official post is no question
    posting.mark_answered(world["owner"], question, str(answer.id))
    assert question.answered_by_id == answer.id
    assert db.session.scalar(select(Event.kind).where(Event.kind == "post.answered")) == "post.answered"
    # Deleting the answer withdraws the mark.
    posting.delete_post(world["member"], answer)
    db.session.refresh(question)
    assert question.answered_by_id is None


def test_pinning_rules(world):
    topic = posting.create_topic(world["consumer"], world["board"], "Pin me", "Body")
    with pytest.raises(PermissionDenied):
        posting.set_pinned(world["member"], topic, True)
    with pytest.raises(PermissionDenied):
        posting.set_pinned(world["moderator"], topic, True)
    assert posting.set_pinned(world["admin"], topic, True) is True
    _, concept_topic = concept_for(world["org"], world["owner"])
    assert posting.set_pinned(world["member"], concept_topic, True) is True
    with pytest.raises(PermissionDenied):
        posting.set_pinned(world["consumer"], concept_topic, False)


def test_pinned_topics_list_first(world):
    old = posting.create_topic(world["consumer"], world["board"], "Old but pinned", "Body")
    posting.create_topic(world["consumer"], world["board"], "Newer", "Body")
    posting.create_topic(world["consumer"], world["board"], "Newest", "Body")
    posting.set_pinned(world["admin"], old, True)
    titles = [t.title for t in boards.topics(world["board"]).items]
    assert titles == ["Old but pinned", "Newest", "Newer"]


# --- pages of a topic -------------------------------------------------------------------------

def test_topic_posts_paginate_and_page_of(world):
    topic = posting.create_topic(world["consumer"], world["board"], "Long thread", "Post 1")
    posts = [posting.reply(world["consumer"], topic, f"Post {n}") for n in range(2, 28)]
    page = posting.topic_posts(topic, 2)
    assert page.pages == 2 and page.total == 27 and [p.body_source for p in page.items] == ["Post 26", "Post 27"]
    assert posting.topic_posts(topic, 99).page == 2  # past the end: the last page
    assert posting.page_of(posts[-1]) == 2 and posting.page_of(posts[0]) == 1


def test_preview_uses_the_same_rendering(world):
    assert posting.preview(world["consumer"], "**hi** <b>x</b>") == posting.render_body("**hi** <b>x</b>")[0]
    with pytest.raises(ValidationError) as exc:
        posting.preview(world["consumer"], "  ")
    assert exc.value.errors == {"body": ["Write something to preview."]}


# --- boards -----------------------------------------------------------------------------------

def test_boards_are_managed_by_admins(world):
    with pytest.raises(PermissionDenied):
        boards.create(world["moderator"], "Ideas")
    created = boards.create(world["admin"], "Ideas for new products", "", "Pitch away", "2")
    assert created.slug == "ideas-for-new-products" and created.position == 2
    with pytest.raises(ValidationError) as exc:
        boards.create(world["admin"], "Another", "general", "", 0)
    assert exc.value.errors == {"slug": ["Another board already uses that address."]}
    with pytest.raises(ValidationError) as exc:
        boards.create(world["admin"], "", "Bad Slug!", "d" * 501, "first")
    assert set(exc.value.errors) == {"name", "slug", "description", "position"}
    boards.update(world["admin"], created, "Ideas", "ideas", "New text", 5)
    assert boards.get_by_slug("ideas").description == "New text"
    summary = {s.board.slug: s for s in boards.listing()}
    assert summary["ideas"].topic_count == 0 and list(summary) == ["general", "ideas"]
