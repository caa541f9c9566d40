"""How a service ends its transaction: commit, then publish.

Every write ends with `commit_and_publish(*events)`: the rows and the events recorded with
`events.record()` are committed together; a unique constraint that a concurrent request got to first
(IntegrityError) rolls back and becomes a Conflict with a message a person can act on (or the domain
error the caller gives); only after the commit are the events pushed to the open pages.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.errors import Conflict, DomainError
from forum.extensions import db
from forum.i18n import _l
from forum.models import Event
from forum.services import events

CONFLICT_MESSAGE = _l("Someone else changed this at the same moment; please try again.")


def commit_and_publish(*recorded: Event, conflict: str | DomainError = CONFLICT_MESSAGE) -> None:
    """Commit the session; on IntegrityError roll back and raise `conflict` (a message for a Conflict,
    or a DomainError to raise as is). Then publish `recorded`, which are committed by now."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise (conflict if isinstance(conflict, DomainError) else Conflict(conflict)) from exc
    if recorded:
        events.publish(*recorded)


def lock_row(model: Any, row_id: int) -> None:
    """Serialize writers of one tally: SELECT ... FOR UPDATE on PostgreSQL (SQLite has one writer at
    a time anyway and renders no FOR UPDATE). Without it, two concurrent votes could each publish a
    tally that misses the other's vote, and the last event would be stale."""
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())
