"""The weekly digest: a person's unread notifications, by email, for those who asked for it."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.i18n import lazy_ngettext
from forum.models import Notification, User, utcnow
from forum.services import mail


def send_digests(now: datetime | None = None) -> int:
    """Queue one digest per person who asked for it, with the unread notifications since their last
    digest (at most a week back). People with nothing new get nothing. Returns how many."""
    now = now or utcnow()
    week_ago = now - timedelta(days=7)
    count = 0
    people = list(db.session.scalars(select(User).where(
        User.email_digest.is_(True), User.deleted_at.is_(None), User.email_verified_at.is_not(None))))
    for user in people:
        since = max(user.digest_sent_at or week_ago, week_ago)
        items = list(db.session.scalars(select(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None),
            Notification.created_at > since).order_by(Notification.created_at).limit(50)))
        if not items:
            continue
        listed = [{"message": n.message, "link": mail.absolute(n.url)} for n in items]
        subject = lazy_ngettext("Your Sounding Board week: %(num)s new notification", "Your Sounding Board week: %(num)s new notifications", len(items))
        if mail.queue(user, "digest", subject,
                      "digest", items=listed) is not None:
            user.digest_sent_at = now
            count += 1
        db.session.commit()
    return count
