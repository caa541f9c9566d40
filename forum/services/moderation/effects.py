"""What moderation does to content: hide and restore a post, a concept or a profile, delete or edit a
post, lock a topic. Each effect writes its rows, the audit entry and the note to the person concerned
inside the caller's transaction and returns the live events to publish after the commit."""
from __future__ import annotations

from typing import Any

from sqlalchemy import update

from forum.errors import Conflict, ValidationError
from forum.extensions import db
from forum.i18n import _, _l
from forum.models import Post, PostRevision, ReviewItem, Topic, utcnow
from forum.models.board import recount_posts
from forum.services import events, notifications, search
from forum.services.bodies import BODY_MAX, render_body, too_complex
from forum.services.moderation.auditing import audit

# The kinds of thing moderation acts on: a post, a concept, a profile ("user"), a suspension's appeal.
KINDS = ("post", "concept", "user", "appeal")


def owner_id(kind: str, obj: Any) -> int | None:
    """The person a thing belongs to: a post's author, a concept's creator, a profile's owner."""
    if kind == "post":
        return obj.author_id
    if kind == "concept":
        return obj.created_by_id
    if kind == "appeal":
        return obj.user_id
    return obj.id


def item_target(item: ReviewItem) -> tuple[str, Any]:
    """(kind, the thing) a queue item is about."""
    return item.kind, {"post": item.post, "concept": item.concept, "user": item.user}.get(
        item.kind, item.suspension)


def hidden_reason(kind: str, obj: Any) -> str:
    """Why a thing is hidden ('flags', 'held', 'moderator' for a post, 'hidden' for the others), or ''."""
    if kind == "post":
        return obj.hidden_reason if obj.hidden_at is not None else ""
    if kind == "concept":
        return "hidden" if obj.hidden_at is not None else ""
    if kind == "user":
        return "hidden" if obj.profile_hidden_at is not None else ""
    return ""


def describe(kind: str, obj: Any) -> Any:
    """The thing, as its owner is told of it (lazy: read in the owner's language)."""
    if kind == "post":
        return _l("your post in %(title)s", title=notifications.quote(obj.topic.title))
    if kind == "concept":
        return _l("your concept %(title)s", title=notifications.quote(obj.title))
    return _l("your profile")


def url(kind: str, obj: Any) -> str:
    if kind == "post":
        return notifications.post_url(obj)
    if kind == "concept":
        return notifications.concept_url(obj)
    return f"/u/{obj.username}"


def _audit_name(kind: str) -> str:
    return "profile" if kind == "user" else kind


def _post_event(post: Post, kind: str, staff: dict[str, Any] | None = None, **payload: Any) -> events.Event:
    """A post's live event for its topic's room; `staff` (e.g. why it was hidden) goes to moderators only."""
    return events.record(events.topic_room(post.topic_id), kind,
                         {"post_id": post.id, "topic_id": post.topic_id, **payload}, staff=staff)


def _concept_event(concept: Any, kind: str) -> events.Event:
    return events.record(events.concept_room(concept.id), kind, {"concept_id": concept.id})


def hide(actor: Any, kind: str, obj: Any, why: str, reason: str, told: Any) -> list[events.Event]:
    """Hide a post, a concept or a profile (why: 'flags' or 'moderator'); audit it and tell its owner
    `told`. Does not commit."""
    now = utcnow()
    recorded: list[events.Event] = []
    if kind == "post":
        obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = now, why, getattr(actor, "id", None)
        db.session.flush()
        db.session.execute(recount_posts(obj.topic_id))
        search.index_post(obj)
        recorded.append(_post_event(obj, "post.hidden", staff={"reason": reason}))
    elif kind == "concept":
        obj.hidden_at = now
        search.index_concept(obj)
        recorded.append(_concept_event(obj, "concept.hidden"))
        # Pages open on it (and on its discussion) subscribe again: who may still see it stays.
        events.narrowed(events.concept_room(obj.id), *([events.topic_room(obj.topic.id)] if obj.topic else []))
    else:
        obj.profile_hidden_at = now
    owner = owner_id(kind, obj)
    audit(actor, f"{_audit_name(kind)}.hide", kind, obj.id, subject_id=owner, reason=reason)
    if owner is not None:
        notifications.notify(owner, "moderation", told, url(kind, obj), getattr(actor, "id", None))
    return recorded


def unhide(actor: Any, kind: str, obj: Any, reason: str, *, tell: bool = True) -> list[events.Event]:
    """Make a hidden thing visible again (a post held for review: publish it). Does not commit."""
    recorded: list[events.Event] = []
    held = kind == "post" and obj.hidden_reason == "held"
    if kind == "post":
        obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = None, "", None
        db.session.flush()
        db.session.execute(recount_posts(obj.topic_id))
        search.index_post(obj)
        recorded.append(_post_event(obj, "post.restored"))
        if held:
            # Published now: the people it replies to or mentions hear about it at last.
            notifications.notify_new_post(obj)
    elif kind == "concept":
        obj.hidden_at = None
        search.index_concept(obj)
        recorded.append(_concept_event(obj, "concept.restored"))
    else:
        obj.profile_hidden_at = None
    owner = owner_id(kind, obj)
    audit(actor, "post.approve" if held else f"{_audit_name(kind)}.restore", kind, obj.id, subject_id=owner,
          reason=reason)
    if tell and owner is not None:
        text = (_l("A moderator reviewed %(what)s: it is published. %(reason)s", what=describe(kind, obj),
                   reason=reason) if held else
                _l("A moderator reviewed %(what)s: it is visible again. %(reason)s", what=describe(kind, obj),
                   reason=reason))
        notifications.notify(owner, "moderation", text, url(kind, obj), getattr(actor, "id", None))
    return recorded


def delete_post(actor: Any, post: Post, reason: str, told: Any) -> list[events.Event]:
    if post.deleted_at is not None:
        raise Conflict(_("This post is already deleted."))
    post.deleted_at = utcnow()
    db.session.execute(update(Post).where(Post.answered_by_id == post.id).values(answered_by_id=None))
    db.session.execute(recount_posts(post.topic_id))
    search.index_post(post)
    audit(actor, "post.delete", "post", post.id, subject_id=post.author_id, reason=reason)
    if post.author_id is not None:
        notifications.notify(post.author_id, "moderation", told, notifications.post_url(post), actor.id)
    return [_post_event(post, "post.deleted", staff={"by_id": actor.id})]  # the public log names no one


def _corrected(post: Post, body: Any) -> str:
    body = (body if isinstance(body, str) else "").strip()
    if not body:
        raise ValidationError(_("Write the corrected text."), {"body": [_("Write the corrected text.")]})
    if len(body) > BODY_MAX:
        raise ValidationError(_("A post has at most %(n)s characters.", n=f"{BODY_MAX:,}"))
    if refused := too_complex(body):
        raise ValidationError(refused, {"body": [refused]})
    if body == post.body_source:
        raise ValidationError(_("The text is unchanged."), {"body": [_("Change the text, or choose another action.")]})
    return body


def edit_post(actor: Any, post: Post, body: Any, reason: str, told: Any) -> list[events.Event]:
    """Replace a post's text (the original is kept as a revision)."""
    if post.deleted_at is not None:
        raise Conflict(_("This post was deleted; it can no longer be edited."))
    body = _corrected(post, body)
    now = utcnow()
    db.session.add(PostRevision(post_id=post.id, body_source=post.body_source, body_html=post.body_html,
                                editor_id=actor.id, created_at=now))
    before = post.body_source
    post.body_source = body
    post.body_html, post.excerpt = render_body(body)
    post.edited_at = now
    search.index_post(post)
    audit(actor, "post.edit", "post", post.id, subject_id=post.author_id, reason=reason, before=before, after=body)
    if post.author_id is not None:
        notifications.notify(post.author_id, "moderation", told, notifications.post_url(post), actor.id)
    return [_post_event(post, "post.edited", staff={"editor_id": actor.id})]


def lock_topic(actor: Any, topic: Topic, reason: str, subject_id: int | None, told: Any) -> list[events.Event]:
    if topic.locked:
        raise Conflict(_("This topic is already locked."))
    topic.locked = True
    audit(actor, "topic.lock", "topic", topic.id, subject_id=subject_id, reason=reason)
    if subject_id is not None:
        notifications.notify(subject_id, "moderation", told, f"/t/{topic.id}", actor.id)
    return [events.record(events.topic_room(topic.id), "topic.updated", {"topic_id": topic.id, "locked": True})]
