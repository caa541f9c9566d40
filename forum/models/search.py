"""The search index: one plain row per searchable thing (a concept, a post).

The full-text machinery sits beside this table and is engine-specific (see forum/services/schema.py):
an FTS5 external-content table `search_fts` kept in sync by triggers on SQLite, a GIN expression
index over a weighted tsvector on PostgreSQL. The search service keeps these rows current.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import utcnow

SEARCH_KINDS = ("concept", "post")


class SearchDocument(db.Model):
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "concept" | "post"
    object_id: Mapped[int] = mapped_column()
    # For linking and for the visibility filter (hidden concepts and topics are never returned).
    concept_id: Mapped[int | None] = mapped_column(
        ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    # Indexed text. For a post, `title` is the topic's title on a board topic's opening post and
    # empty otherwise, so that a thread's title does not rank every reply in it.
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Shown, not indexed: the result's link text and address.
    heading: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
