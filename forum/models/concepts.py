from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import utcnow

STAGES = ("idea", "concept", "prototype", "launched")

concept_tags = Table(
    "concept_tags",
    db.metadata,
    Column("concept_id", Integer, ForeignKey("concepts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)


class Concept(db.Model):
    """A product idea owned by an organization."""

    __tablename__ = "concepts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(200), default="")
    description_source: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(16), default="idea", index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    feedback_open: Mapped[bool] = mapped_column(default=True)
    kano_enabled: Mapped[bool] = mapped_column(default=False)
    price_question_enabled: Mapped[bool] = mapped_column(default=False)
    # Van Westendorp with four questions (too cheap included) or three (cheap, expensive, too
    # expensive; no PMC and OPP then).
    price_asks_too_cheap: Mapped[bool] = mapped_column(default=True, server_default="1")
    # Gabor-Granger: the price ladder, "9,12.5,15" (3 to 9 prices, ascending); "" when not asked.
    price_ladder: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Best-worst scaling (MaxDiff) of the active features (5 to 30 of them).
    maxdiff_enabled: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    hidden_at: Mapped[datetime | None] = mapped_column(default=None)

    organization = relationship("Organization")
    created_by = relationship("User")
    tags = relationship("Tag", secondary=concept_tags, order_by="Tag.name")
    features = relationship(
        "Feature", back_populates="concept", order_by="Feature.position",
        cascade="all, delete-orphan")
    stage_changes = relationship(
        "StageChange", back_populates="concept", order_by="StageChange.created_at",
        cascade="all, delete-orphan")
    topic = relationship("Topic", back_populates="concept", uselist=False)
    segment_questions = relationship(
        "SegmentQuestion", order_by="SegmentQuestion.position", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def ladder(self) -> list[Decimal]:
        """The Gabor-Granger price ladder, ascending ([] when not asked)."""
        return [Decimal(part) for part in self.price_ladder.split(",") if part]


class StageChange(db.Model):
    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    concept = relationship("Concept", back_populates="stage_changes")
    changed_by = relationship("User")


class Feature(db.Model):
    """One proposed feature of a concept; consumers vote on it."""

    __tablename__ = "features"

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(1000), default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)

    concept = relationship("Concept", back_populates="features")
