"""Reactions on posts: toggle one (a CSRF-protected POST that also works without JavaScript), and a
person's own reactions on a topic (JSON, for the page script to show which buttons are pressed)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum.models import REACTION_KINDS, Post
from forum.services import posting, reactions
from forum.web.suggestion_forms import ReactionForm
from forum.web.utils import wants_json

bp = Blueprint("reactions", __name__)


@bp.post("/p/<int:post_id>/react")
@login_required
def react(post_id: int) -> Response:
    post = posting.get_post(post_id, current_user)
    kind = ReactionForm().kind.data
    on, counts = reactions.toggle(current_user, post, kind if isinstance(kind, str) else "")
    if wants_json():
        return jsonify(post_id=post.id, kind=kind, on=on, counts=counts)
    return redirect(url_for("board.post", post_id=post.id), 303)


@bp.get("/t/<int:topic_id>/reactions/mine")
def mine(topic_id: int) -> Response:
    topic = posting.get_topic(topic_id, current_user)
    return jsonify(reactions=reactions.mine(current_user, topic.id))


@bp.app_template_global()
def reaction_counts(post: Post) -> dict[str, int]:
    """A post's counts, read once per topic per request (one query for the page)."""
    memo = g.setdefault("_reaction_counts", {})
    if post.topic_id not in memo:
        memo[post.topic_id] = reactions.counts_for_topic(post.topic_id)
    return memo[post.topic_id].get(post.id) or dict.fromkeys(REACTION_KINDS, 0)


@bp.app_template_global()
def reaction_kinds() -> list[tuple[str, Any]]:
    return list(reactions.LABELS.items())
