"""Stored results: what pages show that is costly to compute, kept until its inputs change."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import utcnow


class ConceptSummary(db.Model):
    """A concept's demand summary as JSON (forum/services/demand/snapshot.py): its tallies, ranking,
    Kano and price results, readable by any process and version (another shape is recomputed).

    Valid while `seq` equals the concept room's current event number and `valid_until` (the earliest
    moment a suspension among its respondents ends) has not passed."""

    __tablename__ = "concept_summaries"

    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    data: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
