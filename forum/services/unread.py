"""How many notifications a person has not read: the header's count, and the count pushed to their
open pages. Both the notifications service and the live push (events) read it here."""
from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Notification


def count(user_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0
