"""Reactions on posts: helpful, agree, insightful; one of each per person, counted live.

A reaction is not a vote: no tally, summary, export or ranking reads this table. Each toggle records a
`post.reactions` event in the post's topic room (the new counts) in the same transaction, so open
pages update and cached topic pages move on.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from forum import policy
from forum.errors import ValidationError
from forum.extensions import db
from forum.i18n import _l
from forum.models import REACTION_KINDS, Post, Reaction
from forum.services import events
from forum.services.tx import commit_and_publish

LABELS = {"helpful": _l("Helpful"), "agree": _l("Agree"), "insightful": _l("Insightful")}


def counts_for_topic(topic_id: int) -> dict[int, dict[str, int]]:
    """{post id: {kind: n}} for every post of a topic: one grouped query."""
    rows = db.session.execute(
        select(Reaction.post_id, Reaction.kind, func.count(Reaction.id))
        .join(Post, Post.id == Reaction.post_id).where(Post.topic_id == topic_id)
        .group_by(Reaction.post_id, Reaction.kind))
    found: dict[int, dict[str, int]] = {}
    for post_id, kind, n in rows:
        found.setdefault(post_id, dict.fromkeys(REACTION_KINDS, 0))[kind] = int(n)
    return found


def counts_of(post_id: int) -> dict[str, int]:
    result = dict.fromkeys(REACTION_KINDS, 0)
    for kind, n in db.session.execute(select(Reaction.kind, func.count(Reaction.id))
                                      .where(Reaction.post_id == post_id).group_by(Reaction.kind)):
        result[kind] = int(n)
    return result


def mine(actor: Any, topic_id: int) -> list[dict[str, Any]]:
    """The person's own reactions on a topic's posts: [{post_id, kind}]."""
    if not getattr(actor, "is_authenticated", False):
        return []
    rows = db.session.execute(select(Reaction.post_id, Reaction.kind).join(Post, Post.id == Reaction.post_id)
                              .where(Post.topic_id == topic_id, Reaction.user_id == actor.id))
    return [{"post_id": post_id, "kind": kind} for post_id, kind in rows]


def toggle(actor: Any, post: Post, kind: Any) -> tuple[bool, dict[str, int]]:
    """Add the reaction, or take it back if the person already gave it. Returns (on, counts)."""
    if kind not in REACTION_KINDS:
        raise ValidationError(_l("Choose helpful, agree or insightful."))
    policy.require(actor, "post.react", post)
    removed = db.session.execute(delete(Reaction).where(
        Reaction.post_id == post.id, Reaction.user_id == actor.id, Reaction.kind == kind)).rowcount
    if not removed:
        db.session.add(Reaction(post_id=post.id, user_id=actor.id, kind=kind))
    db.session.flush()
    counts = counts_of(post.id)
    event = events.record(events.topic_room(post.topic_id), "post.reactions",
                          {"post_id": post.id, "counts": counts})
    commit_and_publish(event, conflict=str(_l("You already reacted so.")))
    return not removed, counts
