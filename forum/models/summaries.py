"""Stored results: what pages show that is costly to compute, kept until its inputs change."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import utcnow


class ConceptSummary(db.Model):
    """A concept's tallies, ranking, Kano and price results (forum/services/summaries.py).

    Valid while `seq` equals the concept room's current event number and `valid_until` (the earliest
    moment a suspension among its respondents ends) has not passed."""

    __tablename__ = "concept_summaries"

    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
