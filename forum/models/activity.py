"""Follows, notifications and the append-only event log the live threads replay."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import utcnow


class Follow(db.Model):
    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "concept_id"),
        UniqueConstraint("user_id", "topic_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    concept_id: Mapped[int | None] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count on every page.
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(300), default="")
    # The post it is about, if any: one notification per person per post, however many reasons.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(default=None)

    actor = relationship("User", foreign_keys=[actor_id])


class RoomSequence(db.Model):
    """The newest event number of one room. Bumped under its row lock in the writing transaction,
    so a room's events are numbered 1, 2, 3... without gaps, in commit order."""

    __tablename__ = "room_sequences"

    room: Mapped[str] = mapped_column(String(64), primary_key=True)  # e.g. "topic:12", "concept:3"
    last_seq: Mapped[int] = mapped_column(default=0)


class Event(db.Model):
    """What a live page shows changed. (room, seq) is the cursor a client resumes from; the id is
    only a row id (on PostgreSQL ids become visible out of commit order)."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("room", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room: Mapped[str] = mapped_column(String(64))  # e.g. "topic:12", "concept:3"
    seq: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "post.added", "tally.changed"
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What moderators get on top of the payload (a hidden post's text and the reason), or None.
    staff_payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
