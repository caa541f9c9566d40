"""Acting on people: warn, silence, suspend or ban a person, lift a restriction early, set a trust
level by hand. A restriction is a timestamp on the user row compared with the clock on every check,
so it ends on its date with no job running. A suspension's start or early end changes whose
feedback counts, so the concept pages they touched get the new numbers."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from forum import policy
from forum.errors import Conflict, ValidationError
from forum.extensions import db
from forum.i18n import _, format_when, later, later_when
from forum.models import ModeratorWarning, Suspension, User, utcnow
from forum.services import demand, events, notifications
from forum.services.moderation.auditing import audit
from forum.services.moderation.trust import TRUST_LEVELS, promote

BAN_UNTIL = datetime(9999, 12, 31)
# What each restricting action records: the kind of Suspension row and the audit action.
RESTRICTION_KINDS = {"silence": ("silence", "user.silence"), "suspend": ("suspension", "user.suspend"),
                     "ban": ("ban", "user.ban")}


def _invalid_until(message: str) -> ValidationError:
    return ValidationError(message, {"until": [message]})


def parse_until(value: Any, now: datetime) -> datetime:
    """The end of a silence or a suspension, from the form's date (or date and time)."""
    if isinstance(value, datetime):
        until = value
    else:
        text = (value if isinstance(value, str) else "").strip()
        if not text:
            raise _invalid_until(_("Choose the date it ends."))
        try:
            until = datetime.strptime(text[:16], "%Y-%m-%dT%H:%M") if "T" in text else \
                datetime.strptime(text[:10], "%Y-%m-%d")
        except ValueError:
            raise _invalid_until(_("Enter the end as a date (YYYY-MM-DD).")) from None
    if until <= now:
        raise _invalid_until(_("The end must be in the future."))
    if until > now + timedelta(days=3650):
        raise _invalid_until(_("At most ten years; an admin can ban instead."))
    return until


def date(value: datetime) -> str:
    """The forum's one date style (forum/i18n.py), with the time: "Dec 7, 2026, 3:04 PM"."""
    return format_when(value, with_time=True)


def warn(actor: Any, user: User, reason: str, told: Any) -> list[events.Event]:
    """A warning the person must acknowledge before anything else (inside the caller's transaction)."""
    db.session.add(ModeratorWarning(user_id=user.id, moderator_id=actor.id, message=reason, created_at=utcnow()))
    user.warning_pending = True
    audit(actor, "user.warn", "user", user.id, subject_id=user.id, reason=reason)
    notifications.notify(user.id, "moderation", told, "/warnings", actor.id)
    return []


def restrict(actor: Any, user: User, action: str, reason: str, until: Any, told: Any) -> list[events.Event]:
    """Silence, suspend or ban (inside the caller's transaction); `told` is worded with the end's
    %(date)s and the %(reason)s."""
    now = utcnow()
    kind, audited = RESTRICTION_KINDS[action]
    end = BAN_UNTIL if kind == "ban" else parse_until(until, now)
    summaries_change = kind != "silence" and not user.is_suspended
    db.session.add(Suspension(user_id=user.id, moderator_id=actor.id, kind=kind, reason=reason, ends_at=end,
                              created_at=now))
    if kind == "silence":
        user.silenced_until = max(end, user.silenced_until or end) if user.is_silenced else end
    else:
        user.suspended_until = max(end, user.suspended_until or end) if user.is_suspended else end
    db.session.flush()
    audit(actor, audited, "user", user.id, subject_id=user.id, reason=reason, after=end.isoformat())
    notifications.notify(user.id, "moderation", later(told, date=later_when(end), reason=reason),
                         "/appeal" if kind != "silence" else "", actor.id)
    return feedback_changed(user) if summaries_change else []


def lift(actor: Any, row: Suspension, reason: str, told: Any) -> list[events.Event]:
    """End a restriction early; the person's effective end becomes the latest of their others."""
    if not row.active():
        raise Conflict(_("That restriction has already ended."))
    policy.require(actor, "moderation.lift", row)
    user = row.user
    now = utcnow()
    row.lifted_at, row.lifted_by_id = now, actor.id
    db.session.flush()
    kinds = ("silence",) if row.kind == "silence" else ("suspension", "ban")
    remaining = db.session.scalar(select(func.max(Suspension.ends_at)).where(
        Suspension.user_id == user.id, Suspension.kind.in_(kinds), Suspension.lifted_at.is_(None),
        Suspension.ends_at > now))
    was_suspended = user.is_suspended
    if row.kind == "silence":
        user.silenced_until = remaining
    else:
        user.suspended_until = remaining
    audit(actor, "user.lift", "user", user.id, subject_id=user.id, reason=reason, before=row.ends_at.isoformat(),
          after=remaining.isoformat() if remaining else None)
    notifications.notify(user.id, "moderation", told, "", actor.id)
    db.session.flush()
    return feedback_changed(user) if was_suspended and not user.is_suspended else []


def feedback_changed(user: User) -> list[events.Event]:
    """A suspension started or ended early: the person's votes and answers leave or rejoin the
    numbers. The open concept pages they touched get the new tallies and the stored summaries are
    recomputed (inside the caller's transaction; flushes so the new state counts)."""
    db.session.flush()
    return demand.recount.recount_events(*demand.recount.touched_by(user.id)) + demand.invalidate_for_user(user.id)


def set_trust_level(actor: Any, user: User, level: Any, reason: Any, *, commit: bool = True) -> None:
    """A moderator sets a person's trust level by hand; automatic promotion then leaves it alone
    ('auto' hands it back to the rules)."""
    policy.require(actor, "moderation.act_on_person", user)
    reason = check_reason(reason)
    before = user.trust_level
    if level == "auto":
        user.trust_level_locked = False
        promote(user)
    else:
        try:
            number = int(level)
        except (TypeError, ValueError):
            number = -1
        if number not in TRUST_LEVELS:
            message = _("Choose a trust level from 0 to 4.")
            raise ValidationError(message, {"level": [message]})
        user.trust_level, user.trust_level_locked = number, True
    audit(actor, "user.trust", "user", user.id, subject_id=user.id, reason=reason, before=str(before),
          after=str(user.trust_level) + ("" if user.trust_level_locked else " (automatic)"))
    if commit:
        db.session.commit()


REASON_MAX = 500


def check_reason(reason: Any) -> str:
    """A moderator's reason, which the person concerned is told: required, one line, bounded."""
    text = " ".join((reason if isinstance(reason, str) else "").split())
    if not text:
        message = _("Give a reason: the person concerned is told it.")
        raise ValidationError(message, {"reason": [message]})
    if len(text) > REASON_MAX:
        raise ValidationError(_("A reason has at most %(n)d characters.", n=REASON_MAX),
                              {"reason": [_("At most %(n)d characters.", n=REASON_MAX)]})
    return text
