"""What consumers add to a concept: suggested features and their support, and reactions on posts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import utcnow

SUGGESTION_STATES = ("open", "adopted", "declined", "merged")
REACTION_KINDS = ("helpful", "agree", "insightful")


class Suggestion(db.Model):
    """A feature proposed by a consumer. Its text is also the first post of its discussion (a reply in
    the concept's topic, `post_id`), so flags, blocked words and the moderation queue treat it as a
    post. Adopted: `feature_id` is the feature it became. Merged: into `merged_into_id` (another
    suggestion) or `feature_id` (a feature). Declined: `decision_note` says why, to everyone."""

    __tablename__ = "suggestions"
    __table_args__ = (CheckConstraint("status IN ('open', 'adopted', 'declined', 'merged')",
                                      name="status_is_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    why: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    feature_id: Mapped[int | None] = mapped_column(ForeignKey("features.id", ondelete="SET NULL"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id", ondelete="SET NULL"))
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    concept = relationship("Concept")
    author = relationship("User", foreign_keys=[author_id])
    post = relationship("Post")
    feature = relationship("Feature")
    merged_into = relationship("Suggestion", remote_side=[id])


class SuggestionSupport(db.Model):
    """One person's support of a suggestion: one per person, withdrawable."""

    __tablename__ = "suggestion_supports"
    __table_args__ = (UniqueConstraint("suggestion_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reaction(db.Model):
    """A reaction on a post (helpful, agree, insightful): one of each per person. Not a vote: no
    demand figure reads this table."""

    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id", "kind"),
                      CheckConstraint("kind IN ('helpful', 'agree', 'insightful')", name="kind_is_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
