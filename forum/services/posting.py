"""Topics and posts: write, edit, delete, answer, pin, lock; and the reads the topic page needs.

Every write: check who may, validate, change the rows and record the Event in one
transaction, commit, then publish. Markdown is rendered here, at write time; pages show the
stored HTML.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from forum import policy
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import Board, Concept, ModerationAction, Post, PostRevision, Topic, utcnow
from forum.models.board import recount_posts
from forum.services import events, moderation, notifications, search, turns
from forum.services.bodies import BODY_MAX, render_body, too_complex
from forum.services.ids import parse_id
from forum.services.paging import Pager
from forum.services.tx import commit_and_publish

TITLE_MAX = 160
TITLE_MIN = 3
POSTS_PER_PAGE = 25
LOCKED_MESSAGE = policy.LOCKED_MESSAGE


# --- helpers ----------------------------------------------------------------------------------

def _fail(errors: dict[str, list[str]]) -> ValidationError:
    first = next(iter(errors.values()))[0] if len(errors) == 1 else _("Please correct the marked fields.")
    return ValidationError(first, errors)


def _check_body(body: Any, errors: dict[str, list[str]], field: str = "body") -> str:
    body = (body if isinstance(body, str) else "").strip()
    if not body:
        errors[field] = [_("Write something before posting.")]
    elif len(body) > BODY_MAX:
        errors[field] = [_("A post has at most %(BODY_MAX)s characters; this one has %(count)s.", BODY_MAX=format(BODY_MAX, ','), count=format(len(body), ','))]
    elif refused := too_complex(body):
        errors[field] = [refused]
    return body


def _check_title(title: Any, errors: dict[str, list[str]]) -> str:
    title = " ".join((title if isinstance(title, str) else "").split())
    if not title:
        errors["title"] = [_("Give the topic a title.")]
    elif len(title) < TITLE_MIN:
        errors["title"] = [_("A title has at least %(TITLE_MIN)s characters.", TITLE_MIN=TITLE_MIN)]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("A title has at most %(TITLE_MAX)s characters.", TITLE_MAX=TITLE_MAX)]
    return title


def _audit(actor: Any, action: str, target_type: str, target_id: int, reason: str = "") -> None:
    db.session.add(ModerationAction(actor_id=actor.id, action=action, target_type=target_type,
                                    target_id=target_id, reason=reason))


# --- reads ------------------------------------------------------------------------------------

def get_topic(topic_id: int, viewer: Any = None) -> Topic:
    """A topic with its board, concept and organization loaded. Hidden ones exist for moderators
    (and, for a concept's topic, the concept's organization) only."""
    topic = db.session.scalar(
        select(Topic).where(Topic.id == topic_id)
        .options(joinedload(Topic.board), joinedload(Topic.concept).joinedload(Concept.organization)))
    policy.require(viewer, "topic.view", topic)
    return topic


def get_post(post_id: int, viewer: Any = None) -> Post:
    post = db.session.scalar(select(Post).where(Post.id == post_id).options(
        joinedload(Post.topic).joinedload(Topic.concept), joinedload(Post.author)))
    if post is None or not policy.can(viewer, "topic.view", post.topic):
        raise NotFound(policy.POST_MISSING)
    return post


@dataclass
class PostPage(Pager):
    """One page of a topic's posts, with what a pager needs."""

    items: list[Post]
    page: int
    pages: int
    total: int
    per_page: int


def topic_posts(topic: Topic, page: int = 1, per_page: int = POSTS_PER_PAGE) -> PostPage:
    """A page of posts in order, in two queries whatever the page holds: the count, then the posts
    joined with their authors, reply targets (and their authors), official organization and
    marked answer (and its organization). A page past the end shows the last page."""
    total = db.session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id)) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    reply_to = joinedload(Post.reply_to)
    answered_by = joinedload(Post.answered_by)
    items = list(db.session.scalars(
        select(Post).where(Post.topic_id == topic.id)
        .options(joinedload(Post.author), reply_to.joinedload(Post.author),
                 joinedload(Post.official_organization),
                 answered_by.joinedload(Post.official_organization))
        .order_by(Post.id).limit(per_page).offset((page - 1) * per_page)))
    return PostPage(items, page, pages, total, per_page)


def page_of(post: Post, per_page: int = POSTS_PER_PAGE) -> int:
    """The page of its topic a post is on."""
    before = db.session.scalar(select(func.count(Post.id)).where(
        Post.topic_id == post.topic_id, Post.id < post.id)) or 0
    return before // per_page + 1


def first_post_id(topic: Topic) -> int | None:
    return db.session.scalar(select(func.min(Post.id)).where(Post.topic_id == topic.id))


def revisions(actor: Any, post: Post) -> list[PostRevision]:
    """The earlier texts of a post, newest first: for its author and moderators."""
    policy.require(actor, "post.history", post)
    return list(db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)
                                   .options(joinedload(PostRevision.editor))
                                   .order_by(PostRevision.id.desc())))


def preview(actor: Any, body: Any) -> str:
    """The HTML a post with this Markdown would show: the same rendering as posting."""
    errors: dict[str, list[str]] = {}
    body = _check_body(body, errors)
    if errors:
        if not body:
            errors["body"] = [_("Write something to preview.")]
        raise _fail(errors)
    return render_body(body)[0]


# --- writes -----------------------------------------------------------------------------------

def concept_topic(concept: Concept) -> Topic:
    """The discussion topic of a concept, added to the session if it has none yet (flushed, so it
    has its id; no commit: the caller's transaction carries it)."""
    topic = concept.topic if concept.id is not None else None
    if topic is None:
        topic = Topic(concept=concept, title=concept.title[:TITLE_MAX], author_id=concept.created_by_id,
                      last_post_at=utcnow())
        db.session.add(topic)
        if concept.id is not None:
            db.session.flush()
    return topic


def _add_post(actor: Any, topic: Topic, body: str, reply_to: Post | None) -> tuple[Post, events.Event]:
    now = utcnow()
    html, excerpt = render_body(body)
    moderation.screen_before_write(actor, html, new_post=True)  # link cap, per-action limit
    official = None
    if topic.concept_id is not None and policy.is_member(actor, topic.concept.organization_id):
        official = topic.concept.organization_id
    post = Post(topic_id=topic.id, author_id=actor.id, reply_to_id=reply_to.id if reply_to else None,
                body_source=body, body_html=html, excerpt=excerpt, official_organization_id=official,
                created_at=now)
    db.session.add(post)
    turns.take(events.topic_room(topic.id))  # the topic's writers of this process, in turn (row locks next)
    # An SQL increment, so two people posting at once both count.
    topic.post_count = Topic.post_count + 1
    topic.last_post_at = now
    topic.last_post_user_id = actor.id
    if topic.concept_id is not None:
        db.session.execute(update(Concept).where(Concept.id == topic.concept_id)
                           .values(last_activity_at=now))
    db.session.flush()
    moderation.screen_post(actor, post, new_post=True)  # a blocked word or domain holds it for review
    moderation.promote(actor)
    notifications.follow(actor, topic=topic)
    notifications.notify_new_post(post)
    search.index_post(post)
    # Who wrote it is public once the post shows; a post held for review shows to staff only.
    author = {"author_id": actor.id, "author": actor.name}
    held = post.hidden_at is not None
    event = events.record(events.topic_room(topic.id), "post.added", {
        "post_id": post.id, "topic_id": topic.id, **({} if held else author),
        "reply_to_id": post.reply_to_id, "official": official is not None}, staff=author if held else None)
    return post, event


def add_post(actor: Any, topic: Topic, body: Any) -> tuple[Post, events.Event]:
    """A new post in `topic`, screened as every post is (limits, links, blocked words), inside the
    caller's transaction (no commit): for writes that carry a post with them (a suggestion)."""
    policy.require(actor, "post.create", topic)
    errors: dict[str, list[str]] = {}
    body = _check_body(body, errors)
    if errors:
        raise _fail(errors)
    return _add_post(actor, topic, body, None)


def create_topic(actor: Any, board: Board | int | str | None, title: Any, body: Any, *,
                 announcement: bool = False) -> Topic:
    """Start a topic on a board with its first post. An admin may make it a pinned announcement."""
    policy.require(actor, "topic.create", None)  # signed in and in good standing: then the board
    errors: dict[str, list[str]] = {}
    if not isinstance(board, Board):
        try:
            board_id = parse_id(board)
        except (TypeError, ValueError):
            board_id = None
        board = db.session.get(Board, board_id) if board_id is not None else None
        if board is None:
            errors["board"] = [_("Choose one of the boards listed.")]
    title = _check_title(title, errors)
    body = _check_body(body, errors)
    if errors:
        raise _fail(errors)
    assert isinstance(board, Board)
    policy.require(actor, "topic.create", board)
    if announcement:
        policy.require(actor, "topic.announce", board)
    topic = Topic(board_id=board.id, title=title, author_id=actor.id, is_announcement=bool(announcement),
                  pinned=bool(announcement), post_count=0, last_post_at=utcnow(),
                  last_post_user_id=actor.id)
    db.session.add(topic)
    db.session.flush()
    _post, event = _add_post(actor, topic, body, None)
    commit_and_publish(event)
    return topic


def reply(actor: Any, topic: Topic, body: Any, reply_to_id: Any = None) -> Post:
    """Add a post to a topic, optionally answering one of its posts."""
    policy.require(actor, "post.create", topic)
    errors: dict[str, list[str]] = {}
    body = _check_body(body, errors)
    target = None
    try:
        target_id = parse_id(reply_to_id)
    except (TypeError, ValueError):
        errors["reply_to_id"] = [_("You can only reply to a post in this topic.")]
    else:
        if target_id is not None:
            target = db.session.get(Post, target_id)
            if target is None or target.topic_id != topic.id:
                errors["reply_to_id"] = [_("You can only reply to a post in this topic.")]
            elif target.deleted_at is not None:
                errors["reply_to_id"] = [_("That post was deleted; reply to the topic instead.")]
    if errors:
        raise _fail(errors)
    post, event = _add_post(actor, topic, body, target)
    commit_and_publish(event)
    return post


def edit_post(actor: Any, post: Post, body: Any, title: Any = None) -> Post:
    """Change a post's text, keeping the previous text as a revision. `title` renames the topic
    when the post is the first of a board topic."""
    policy.require(actor, "post.edit", post)
    topic = post.topic
    errors: dict[str, list[str]] = {}
    body = _check_body(body, errors)
    rename = title is not None and topic.board_id is not None and first_post_id(topic) == post.id
    if rename:
        title = _check_title(title, errors)
    if errors:
        raise _fail(errors)
    renamed = rename and title != topic.title
    if body == post.body_source and not renamed:
        return post
    recorded = _change_body(actor, post, body) if body != post.body_source else []
    if renamed:
        topic.title = title
        search.index_topic(topic)
        recorded.append(events.record(events.topic_room(topic.id), "topic.updated",
                                      {"topic_id": topic.id, "title": title}))
    if actor.id != post.author_id:
        _audit(actor, "post.edit", "post", post.id)
    commit_and_publish(*recorded)
    return post


def _change_body(actor: Any, post: Post, body: str) -> list[Any]:
    """A post's new text, the old one kept as a revision, screened and indexed again; the events
    that tell the topic's readers (edited, and hidden when the new text is held)."""
    html, excerpt = render_body(body)
    moderation.check_links(actor, html, new_post=False)
    now = utcnow()
    db.session.add(PostRevision(post_id=post.id, body_source=post.body_source, body_html=post.body_html,
                                editor_id=actor.id, created_at=now))
    post.body_source = body
    post.body_html, post.excerpt = html, excerpt
    post.edited_at = now
    was_hidden = post.hidden_at is not None
    moderation.screen_post(actor, post, new_post=False)  # an edit that adds a blocked word is held
    search.index_post(post)
    room = events.topic_room(post.topic_id)
    recorded = [events.record(room, "post.edited", {"post_id": post.id, "topic_id": post.topic_id},
                              staff={"editor_id": actor.id})]
    if post.hidden_at is not None and not was_hidden:
        recorded.append(events.record(room, "post.hidden", {"post_id": post.id, "topic_id": post.topic_id}))
    return recorded


def delete_post(actor: Any, post: Post) -> None:
    """Soft-delete: the post stays as a placeholder so replies still make sense."""
    policy.require(actor, "post.delete", post)
    post.deleted_at = utcnow()
    # A deleted post answers nothing any more.
    db.session.execute(update(Post).where(Post.answered_by_id == post.id).values(answered_by_id=None))
    db.session.execute(recount_posts(post.topic_id))
    search.index_post(post)
    event = events.record(events.topic_room(post.topic_id), "post.deleted",
                          {"post_id": post.id, "topic_id": post.topic_id}, staff={"by_id": actor.id})
    if actor.id != post.author_id:
        _audit(actor, "post.delete", "post", post.id)
    commit_and_publish(event)


def mark_answered(actor: Any, question: Post, answer: Post | int | str | None) -> None:
    """The concept's organization marks one of its official replies as the answer to a question
    (or, with answer None, withdraws the mark)."""
    topic = question.topic
    policy.require(actor, "post.mark_answered", topic)
    errors: dict[str, list[str]] = {}
    if question.deleted_at is not None:
        errors["question"] = [_("That question was deleted.")]
    elif question.official_organization_id is not None:
        errors["question"] = [_("An official post is not a question to be answered.")]
    answer_post: Post | None = None
    if not isinstance(answer, Post):
        try:
            answer_id = parse_id(answer)
        except (TypeError, ValueError):
            answer_id = -1
        if answer_id is not None:
            answer_post = db.session.get(Post, answer_id)
            if answer_post is None:
                errors["answer_id"] = [_("Choose an official reply in this topic as the answer.")]
    else:
        answer_post = answer
    if answer_post is not None and "answer_id" not in errors:
        org_id = topic.concept.organization_id if topic.concept is not None else None
        if (answer_post.topic_id != topic.id or answer_post.id == question.id
                or answer_post.official_organization_id != org_id):
            errors["answer_id"] = [_("Choose an official reply in this topic as the answer.")]
        elif answer_post.deleted_at is not None:
            errors["answer_id"] = [_("That reply was deleted.")]
    if errors:
        raise _fail(errors)
    new_id = answer_post.id if answer_post is not None else None
    if question.answered_by_id == new_id:
        return
    question.answered_by_id = new_id
    event = events.record(events.topic_room(topic.id), "post.answered",
                          {"post_id": question.id, "topic_id": topic.id, "answer_id": new_id})
    commit_and_publish(event)


def set_pinned(actor: Any, topic: Topic, pinned: bool | None = None) -> bool:
    """Pin or unpin (None: toggle). Returns the new state."""
    policy.require(actor, "topic.pin", topic)
    pinned = (not topic.pinned) if pinned is None else bool(pinned)
    if pinned != topic.pinned:
        topic.pinned = pinned
        if actor.is_admin and topic.concept_id is None:
            _audit(actor, "topic.pin" if pinned else "topic.unpin", "topic", topic.id)
        event = events.record(events.topic_room(topic.id), "topic.updated", {"topic_id": topic.id, "pinned": pinned})
        commit_and_publish(event)
    return pinned


def set_locked(actor: Any, topic: Topic, locked: bool | None = None, reason: str = "") -> bool:
    """Lock or unlock (None: toggle). Returns the new state."""
    policy.require(actor, "topic.lock", topic)
    locked = (not topic.locked) if locked is None else bool(locked)
    if locked != topic.locked:
        topic.locked = locked
        _audit(actor, "topic.lock" if locked else "topic.unlock", "topic", topic.id, reason[:500])
        event = events.record(events.topic_room(topic.id), "topic.updated", {"topic_id": topic.id, "locked": locked})
        commit_and_publish(event)
    return locked
