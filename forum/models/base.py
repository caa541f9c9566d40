from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: the same on SQLite and PostgreSQL (timestamp without time zone)."""
    return datetime.now(UTC).replace(tzinfo=None)
