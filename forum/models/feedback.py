"""What consumers say about a concept: feature votes, Kano answers, price answers."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import utcnow


class FeatureVote(db.Model):
    """One per user per feature, changeable: value is +1 (for) or -1 (against)."""

    __tablename__ = "feature_votes"
    __table_args__ = (
        UniqueConstraint("feature_id", "user_id"),
        CheckConstraint("value IN (-1, 1)", name="value_is_for_or_against"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("features.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class KanoAnswer(db.Model):
    """A consumer's functional / dysfunctional answer pair for one feature."""

    __tablename__ = "kano_answers"
    __table_args__ = (UniqueConstraint("feature_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("features.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    functional: Mapped[str] = mapped_column(String(16))
    dysfunctional: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PriceResponse(db.Model):
    """The four Van Westendorp prices of one consumer for one concept."""

    __tablename__ = "price_responses"
    __table_args__ = (
        UniqueConstraint("concept_id", "user_id"),
        # Covering the demand summary's one grouped read (forum/services/demand/prices.py): the answers
        # of a concept in group order, with the author for the rule, without touching the table.
        Index("ix_price_responses_answers", "concept_id", "too_cheap", "cheap", "expensive", "too_expensive",
              "intent_cheap", "intent_expensive", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    too_cheap: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # None: not asked
    cheap: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    expensive: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    too_expensive: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    intent_cheap: Mapped[int | None]
    intent_expensive: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
