"""Ids that arrive as text (form fields, query strings)."""
from __future__ import annotations

from typing import Any

MAX_ID = 2**31 - 1  # the INTEGER columns of both engines


def parse_id(value: Any) -> int | None:
    """None for an empty value; a positive int that fits the id columns; else ValueError.

    A number too large for the database must never reach a query (SQLite and PostgreSQL both
    refuse it with an error that would otherwise surface as a 500)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    number = int(str(value).strip()) if not isinstance(value, int) else value
    if not 0 < number <= MAX_ID:
        raise ValueError(value)
    return number
