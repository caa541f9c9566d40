"""Decision updates: an organization tells the people who shaped a concept what it decided."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import utcnow

FEATURE_OUTCOMES = ("adopted", "dropped")


class Decision(db.Model):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(160))  # what was decided, in one line
    body_source: Mapped[str] = mapped_column(Text, default="")  # why (Markdown)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The stage the concept moved to with this decision, if it moved.
    stage: Mapped[str | None] = mapped_column(String(16), default=None)
    # The price set, and the community's acceptable range (PMC-PME) and answer count at that moment.
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    range_low: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    range_high: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    range_respondents: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    concept = relationship("Concept")
    author = relationship("User")
    features = relationship("DecisionFeature", back_populates="decision", cascade="all, delete-orphan",
                            order_by="DecisionFeature.id")


class DecisionFeature(db.Model):
    __tablename__ = "decision_features"
    __table_args__ = (UniqueConstraint("decision_id", "feature_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("features.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # adopted | dropped

    decision = relationship("Decision", back_populates="features")
    feature = relationship("Feature")
