"""The audit log: every moderation and admin action, who took it, whom it concerned and why; the
moderators' filtered view of it and the public log's counts."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from forum import policy
from forum.errors import ValidationError
from forum.extensions import db
from forum.i18n import _, _l
from forum.models import Flag, ModerationAction, ReviewItem, User, utcnow

REASON_MAX = 500

#: Public wording of each kind of action (the public log shows these, never who or what).
ACTION_LABELS = {
    "post.hide": _l("Post hidden"), "post.restore": _l("Post restored"), "post.delete": _l("Post deleted"),
    "post.edit": _l("Post edited"), "post.approve": _l("Held post approved"),
    "topic.lock": _l("Topic locked"), "topic.unlock": _l("Topic unlocked"), "topic.pin": _l("Topic pinned"),
    "topic.unpin": _l("Topic unpinned"),
    "concept.hide": _l("Concept hidden"), "concept.restore": _l("Concept restored"),
    "profile.hide": _l("Profile hidden"), "profile.restore": _l("Profile restored"),
    "flags.dismiss": _l("Flags dismissed"),
    "user.warn": _l("Warning given"), "user.silence": _l("Member silenced"),
    "user.suspend": _l("Member suspended"), "user.ban": _l("Member banned"),
    "user.lift": _l("Restriction lifted early"), "user.trust": _l("Trust level set"),
    "appeal.uphold": _l("Appeal turned down"), "appeal.grant": _l("Appeal granted"),
    "org.verify": _l("Organization verified"), "org.unverify": _l("Organization unverified"),
    "settings.change": _l("Site setting changed"), "blocked.add": _l("Blocked word or domain added"),
    "blocked.remove": _l("Blocked word or domain removed"),
    "role.consumer": _l("Role set to consumer"), "role.moderator": _l("Moderator appointed"),
    "role.admin": _l("Admin appointed"),
    "board.create": _l("Board created"), "board.edit": _l("Board edited"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action.replace(".", " ").capitalize()


def audit(actor: Any, action: str, target_type: str, target_id: int, *, subject_id: int | None = None,
          reason: str = "", before: str | None = None, after: str | None = None) -> ModerationAction:
    """Append an entry to the audit log in the current transaction (actor None: the system)."""
    entry = ModerationAction(actor_id=getattr(actor, "id", None), action=action, target_type=target_type,
                             target_id=target_id, subject_id=subject_id, reason=(reason or "")[:REASON_MAX],
                             before=before, after=after)
    db.session.add(entry)
    return entry


AUDIT_YEARS = (2000, 2999)  # the date filter's range (9999-12-31 plus a day is past what datetime holds)


def _parse_day(value: Any) -> datetime | None:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        return None
    try:
        day = datetime.strptime(text[:10], "%Y-%m-%d")
    except ValueError:
        raise ValidationError(_("Enter dates as YYYY-MM-DD.")) from None
    if not AUDIT_YEARS[0] <= day.year <= AUDIT_YEARS[1]:
        raise ValidationError(_("Enter a date from %(first)s to %(last)s.", first=AUDIT_YEARS[0], last=AUDIT_YEARS[1]))
    return day


def audit_log(actor: Any, *, person: str = "", action: str = "", since: str = "", until: str = "",
              q: str = "", page: int = 1, per_page: int = 50):
    """The audit log for moderators and admins, newest first, filtered by person (who acted or whom
    it concerned), action, date range and words in the reason."""
    policy.require(actor, "moderation.access")
    stmt = (select(ModerationAction)
            .options(joinedload(ModerationAction.actor), joinedload(ModerationAction.subject))
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()))
    person = (person or "").strip().lstrip("@").lower()[:32]
    if person:
        ids = list(db.session.scalars(select(User.id).where(User.username_key == person))) or [-1]
        stmt = stmt.where(or_(ModerationAction.actor_id.in_(ids), ModerationAction.subject_id.in_(ids)))
    if action:
        stmt = stmt.where(ModerationAction.action == action[:40])
    start, end = _parse_day(since), _parse_day(until)
    if start is not None:
        stmt = stmt.where(ModerationAction.created_at >= start)
    if end is not None:
        stmt = stmt.where(ModerationAction.created_at < end + timedelta(days=1))
    q = (q or "").strip()[:100]
    if q:
        stmt = stmt.where(func.lower(ModerationAction.reason).contains(q.lower(), autoescape=True))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def audit_actions() -> list[str]:
    """The kinds of action present in the log (for the filter)."""
    return sorted(db.session.scalars(select(ModerationAction.action).distinct()))


def public_log(days: int = 30) -> dict[str, Any]:
    """What kinds of action were taken and how often: counts only, nothing personal."""
    since = utcnow() - timedelta(days=days)
    recent = func.sum(case((ModerationAction.created_at >= since, 1), else_=0))
    rows = db.session.execute(select(ModerationAction.action, func.count(), recent)
                              .group_by(ModerationAction.action)).all()
    counts = sorted(({"action": a, "label": action_label(a), "total": int(total), "recent": int(r or 0)}
                     for a, total, r in rows), key=lambda row: (-row["total"], row["label"]))
    open_items = db.session.scalar(select(func.count(ReviewItem.id)).where(ReviewItem.resolved_at.is_(None))) or 0
    resolved = db.session.scalar(select(func.count(ReviewItem.id)).where(ReviewItem.resolved_at.is_not(None))) or 0
    flags = db.session.execute(select(Flag.resolution, func.count()).group_by(Flag.resolution)).all()
    by_resolution = {res or "open": int(n) for res, n in flags}
    return {"counts": counts, "days": days, "open_items": open_items, "resolved_items": resolved,
            "flags_upheld": by_resolution.get("upheld", 0), "flags_dismissed": by_resolution.get("dismissed", 0),
            "flags_open": by_resolution.get("open", 0)}
