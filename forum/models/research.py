"""Research answers on a concept: Gabor-Granger answers on its price ladder, best-worst (MaxDiff)
choices over sets of its features, and optional profile (segment) answers.

The ladder and the MaxDiff switch live on the concept (`Concept.price_ladder`,
`Concept.maxdiff_enabled`); the methods are in forum.analytics.gabor_granger and .maxdiff."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import utcnow


class GaborGrangerResponse(db.Model):
    """A person's current walk up or down a concept's ladder: one per person per concept, replaced
    when they answer again. `highest_price` is the highest price they said yes to (None: none)."""

    __tablename__ = "gabor_granger_responses"
    __table_args__ = (UniqueConstraint("concept_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    highest_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    answers = relationship("GaborGrangerAnswer", order_by="GaborGrangerAnswer.step",
                           cascade="all, delete-orphan", passive_deletes=True)


class GaborGrangerAnswer(db.Model):
    """One "would you buy it at this price?" of a walk, in the order asked (step 1, 2, ...)."""

    __tablename__ = "gabor_granger_answers"
    __table_args__ = (UniqueConstraint("response_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("gabor_granger_responses.id", ondelete="CASCADE"), index=True)
    step: Mapped[int]
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    accepted: Mapped[bool]
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class MaxDiffAnswer(db.Model):
    """One best-worst set a person answered: the features shown (their ids, comma-separated, in the
    order shown) and the most and least important of them."""

    __tablename__ = "maxdiff_answers"
    __table_args__ = (
        UniqueConstraint("concept_id", "user_id", "set_number"),
        CheckConstraint("best_feature_id <> worst_feature_id", name="best_is_not_worst"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    set_number: Mapped[int]
    shown: Mapped[str] = mapped_column(String(200))
    best_feature_id: Mapped[int] = mapped_column(ForeignKey("features.id", ondelete="CASCADE"))
    worst_feature_id: Mapped[int] = mapped_column(ForeignKey("features.id", ondelete="CASCADE"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def shown_ids(self) -> list[int]:
        return [int(part) for part in self.shown.split(",") if part]


class SegmentQuestion(db.Model):
    """A profile question of a concept ("How often do you buy bread?"); up to three per concept."""

    __tablename__ = "segment_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    choices = relationship("SegmentChoice", order_by="SegmentChoice.position",
                           cascade="all, delete-orphan", passive_deletes=True)


class SegmentChoice(db.Model):
    __tablename__ = "segment_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("segment_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(80))


class SegmentAnswer(db.Model):
    """A person's choice for one profile question (one per person per question, changeable)."""

    __tablename__ = "segment_answers"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("segment_questions.id", ondelete="CASCADE"), index=True)
    choice_id: Mapped[int] = mapped_column(ForeignKey("segment_choices.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
