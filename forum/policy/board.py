"""The bulletin board's rules: boards, topics, posts and reactions (obj: a Board, Topic or Post as
named). A concept's topic belongs to the concept's organization: its members pin it and mark
official answers on it."""
from __future__ import annotations

from typing import Any

from forum.errors import Conflict, NotFound
from forum.i18n import _l
from forum.policy.memberships import is_member
from forum.policy.refusals import (
    LOCKED_MESSAGE,
    POST_MISSING,
    Refusal,
    Rule,
    active,
    admin,
    board_writer,
    deny,
    moderator,
    signed_in,
    staff,
    writer,
)
from forum.policy.visibility import post_view, topic_view

# The refusals a topic page asks about on every view, made once (translated when read).
MARK_ANSWERS_MESSAGE = _l("Only members of the concept's organization can mark answers.")
PIN_MESSAGE = _l("Only admins (and, on a concept's discussion, its organization) pin topics.")
_MARK_ANSWERS_REFUSED = Refusal(MARK_ANSWERS_MESSAGE)
_PIN_REFUSED = Refusal(PIN_MESSAGE)


def _post_create(a: Any, topic: Any) -> Refusal | None:
    """Reply in a topic (obj: the Topic)."""
    return (board_writer(a) or topic_view(a, topic)
            or deny(not topic.locked, LOCKED_MESSAGE, Conflict))


def _post_edit(a: Any, post: Any) -> Refusal | None:
    refused = board_writer(a) or (topic_view(a, post.topic) if post is not None else Refusal(POST_MISSING, NotFound))
    if refused:
        return refused
    if post.deleted_at is not None:
        return Refusal(_l("This post was deleted; it can no longer be edited."), Conflict)
    if not (a.id == post.author_id or a.is_moderator):
        return Refusal(_l("Only the author or a moderator can edit this post."))
    if post.hidden_at is not None and post.hidden_reason != "held" and not moderator(a):
        # A moderator's hide (or one by members' flags) stays until a moderator restores the post:
        # an edit by its author must not turn it into a post awaiting review.
        return Refusal(_l("This post is hidden until a moderator restores it; it cannot be edited meanwhile."),
                       Conflict)
    if post.topic.locked and not a.is_moderator:
        return Refusal(_l("This topic is locked: its posts can no longer be edited."), Conflict)
    return None


def _post_delete(a: Any, post: Any) -> Refusal | None:
    refused = board_writer(a) or (topic_view(a, post.topic) if post is not None else Refusal(POST_MISSING, NotFound))
    if refused:
        return refused
    if post.deleted_at is not None:
        return Refusal(_l("This post is already deleted."), Conflict)
    return deny(a.id == post.author_id or a.is_moderator, _l("Only the author or a moderator can delete this post."))


def _mark_answered(a: Any, obj: Any) -> Refusal | None:
    """obj: the topic, or a post of it."""
    refused = board_writer(a)
    if refused:
        return refused
    topic = getattr(obj, "topic", obj)
    if topic is not None and topic.concept_id is not None and is_member(a, topic.concept.organization_id):
        return None
    return _MARK_ANSWERS_REFUSED


def _topic_create(a: Any, board: Any) -> Refusal | None:
    """Start a topic on a board (obj: the Board, or None before one is chosen). A board says who
    may: everyone, or staff only (Announcements)."""
    refused = board_writer(a)
    if refused or board is None or getattr(board, "topic_starters", "everyone") != "staff":
        return refused
    return staff(moderator, _l("Only moderators and admins start topics on %(name)s.", name=board.name))(a, board)


def _topic_pin(a: Any, topic: Any) -> Refusal | None:
    if active(a) and topic is not None and (a.is_admin or (
            topic.concept_id is not None and is_member(a, topic.concept.organization_id))):
        return None
    return _PIN_REFUSED


def _post_react(a: Any, post: Any) -> Refusal | None:
    """React on a post one may see: signed in, in good standing, not on one's own post."""
    refused = writer(a, _l("react to posts"), _l("react to posts")) or post_view(a, post)
    if refused:
        return refused
    if post.hidden_at is not None or post.deleted_at is not None:
        return Refusal(_l("This post takes no reactions."), Conflict)
    return deny(post.author_id != a.id, _l("You cannot react to your own post."), Conflict)


RULES: dict[str, Rule] = {
    "board.manage": staff(admin, _l("Only admins set up boards.")),
    "topic.view": topic_view,
    "topic.create": _topic_create,
    # Pinned announcements (obj: the Board).
    "topic.announce": staff(admin, _l("Only admins post announcements.")),
    "topic.pin": _topic_pin,
    "topic.lock": staff(moderator, _l("Only moderators lock and unlock topics.")),
    "post.view": post_view,
    "post.create": _post_create,
    "post.edit": _post_edit,
    "post.delete": _post_delete,
    "post.history": lambda a, p: deny(signed_in(a) and p is not None and (a.id == p.author_id or moderator(a)),
                                      _l("Only the author and moderators can see a post's earlier versions.")),
    "post.mark_answered": _mark_answered,
    "post.react": _post_react,
}
