"""Writers of one room take turns in this process.

Every writer of a room waits for the ones before it until their commit (the room number's row lock,
forum/services/events.py). PostgreSQL wakes all the waiters of a row at once, not in turn: under a
storm of 50 writers on one concept some waited over 30 s while later ones went through. A writer
that calls `take(room)` before it records the room's event waits here first, in turn (gevent's lock
under gunicorn), so at most one writer of the room per process queues at the database. Its turn
ends with its transaction (commit, rollback or close). On SQLite, writers of a process already go
one at a time (the write gate in forum/__init__.py): the turn is free.
"""
from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from forum.extensions import db

WAIT = 20  # seconds a writer waits for its turn before it goes on and queues at the database
_TURNS: dict[str, threading.Lock] = {}
_TURNS_LOCK = threading.Lock()
_HELD = "turns.held"


def take(room: str) -> None:
    """Wait for this process's earlier writers of `room`; the turn is held until the transaction ends."""
    held = db.session.info.setdefault(_HELD, {})
    if room in held:
        return
    with _TURNS_LOCK:
        turn = _TURNS.setdefault(room, threading.Lock())
    if turn.acquire(timeout=WAIT):
        held[room] = turn


@event.listens_for(Session, "after_transaction_end")
def _turn_over(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        for turn in session.info.pop(_HELD, {}).values():
            turn.release()


__all__ = ["WAIT", "take"]
