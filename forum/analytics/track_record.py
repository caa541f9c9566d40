"""An organization's track record, computed from plain numbers (no Flask, no database).

- share of consumer questions answered officially: answered / asked;
- median time to the first official answer, over the answered questions (hours);
- decisions posted per concept: decisions / concepts.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TrackRecord:
    questions: int
    answered: int
    answered_share: float | None  # None with no questions
    median_hours_to_answer: float | None  # None with no answered question
    decisions: int
    concepts: int
    decisions_per_concept: float | None  # None with no concepts


def track_record(questions: list[tuple[datetime, datetime | None]], decisions: int,
                 concepts: int) -> TrackRecord:
    """`questions`: (asked at, first official answer at or None) for each consumer question."""
    waits = [(answered - asked).total_seconds() / 3600 for asked, answered in questions if answered is not None]
    return TrackRecord(
        questions=len(questions), answered=len(waits),
        answered_share=len(waits) / len(questions) if questions else None,
        median_hours_to_answer=statistics.median(waits) if waits else None,
        decisions=decisions, concepts=concepts,
        decisions_per_concept=decisions / concepts if concepts else None)
