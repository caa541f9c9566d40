"""Follows and in-app notifications (contract; the notifications work fills it in).

Functions add rows to the current session; the calling service commits.
"""
from __future__ import annotations

from typing import Any


def follow(user: Any, *, concept: Any = None, topic: Any = None) -> None:
    """Make `user` follow a concept or a topic (idempotent)."""


def notify_new_post(post: Any) -> None:
    """After a post is added: its reply target's author, @mentioned users, and, for an official
    post, the followers of the concept hear about it (never the author themself)."""


def notify_stage_change(concept: Any, change: Any) -> None:
    """A concept moved to another stage: its followers hear about it."""
