from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, Update, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.i18n import _l
from forum.models.base import utcnow


class Board(db.Model):
    """A category of topics, set up by admins."""

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who may start topics here: "everyone" signed in and in good standing, or "staff" only
    # (moderators and admins; the Announcements board).
    topic_starters: Mapped[str] = mapped_column(String(16), default="everyone", server_default="everyone")


TOPIC_STARTERS = {"everyone": _l("Everyone"), "staff": _l("Staff only (moderators and admins)")}


class Topic(db.Model):
    """A thread. A concept has exactly one (concept_id set); others live on a board."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    concept_id: Mapped[int | None] = mapped_column(
        ForeignKey("concepts.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_announcement: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    hidden_at: Mapped[datetime | None] = mapped_column(default=None)
    # The posts people see (neither hidden nor deleted), kept by the services (recount_posts) so
    # topic lists and concept cards need no per-row query.
    post_count: Mapped[int] = mapped_column(default=0)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_post_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    board = relationship("Board")
    concept = relationship("Concept", back_populates="topic")
    author = relationship("User", foreign_keys=[author_id])
    last_post_user = relationship("User", foreign_keys=[last_post_user_id])


class Post(db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Plain-text start of the post, made at write time (reply quotes, notifications, search hits).
    excerpt: Mapped[str] = mapped_column(String(300), default="")
    # Set when a member of the concept's organization speaks for it.
    official_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"))
    # On a question: the official reply the organization marked as its answer.
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    hidden_at: Mapped[datetime | None] = mapped_column(default=None)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Why it is hidden: "flags" (pending review), "moderator", or "held" (awaits review before
    # it is published: a blocked word or domain).
    hidden_reason: Mapped[str] = mapped_column(String(32), default="")

    topic = relationship("Topic")
    author = relationship("User", foreign_keys=[author_id])
    reply_to = relationship("Post", remote_side=[id], foreign_keys=[reply_to_id])
    answered_by = relationship("Post", remote_side=[id], foreign_keys=[answered_by_id])
    official_organization = relationship("Organization")

    @property
    def is_official(self) -> bool:
        return self.official_organization_id is not None


class PostRevision(db.Model):
    """An earlier text of a post, kept when it is edited."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    editor = relationship("User")


def recount_posts(topic_id: int) -> Update:
    """The statement that sets a topic's post_count to the posts people see: run after a post is
    hidden, held, restored or deleted (a new visible post adds one in the same transaction)."""
    visible = (select(func.count(Post.id)).where(Post.topic_id == topic_id, Post.hidden_at.is_(None),
                                                 Post.deleted_at.is_(None)).scalar_subquery())
    return update(Topic).where(Topic.id == topic_id).values(post_count=visible).execution_options(
        synchronize_session=False)
