"""A person's side of moderation and their record: the restriction in force and what they are told
of it, warnings to acknowledge, the appeal of a suspension, and the panel's person pages."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from forum import policy
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import Concept, Flag, ModerationAction, ModeratorWarning, Post, ReviewItem, Suspension, User, utcnow
from forum.services.moderation.flags import flag_weight, open_item
from forum.services.moderation.people import date
from forum.services.moderation.trust import earned_level, flag_record, visible_posts

APPEAL_MAX = 2000


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def restrictions(user: User) -> list[Suspension]:
    return list(db.session.scalars(select(Suspension).where(Suspension.user_id == user.id)
                                   .options(joinedload(Suspension.moderator))
                                   .order_by(Suspension.created_at.desc())))


def active_suspension(user: Any) -> Suspension | None:
    """The suspension (or ban) in force now, latest end first."""
    if not _signed_in(user) or not user.is_suspended:
        return None
    now = utcnow()
    return db.session.scalar(select(Suspension).where(
        Suspension.user_id == user.id, Suspension.kind.in_(("suspension", "ban")),
        Suspension.lifted_at.is_(None), Suspension.ends_at > now).order_by(Suspension.ends_at.desc()).limit(1))


def suspension_notice(user: Any) -> str | None:
    """What a suspended person is told when they sign in."""
    row = active_suspension(user)
    if row is None:
        if _signed_in(user) and user.is_silenced:
            return _("Your account is read-only until %(date)s.", date=date(user.silenced_until))
        return None
    if row.is_ban:
        return _("Your account is banned. Reason: %(reason)s", reason=row.reason)
    return _("Your account is suspended until %(date)s. Reason: %(reason)s", date=date(user.suspended_until),
             reason=row.reason)


# --- warnings and appeals -----------------------------------------------------------------------

def pending_warnings(user: Any) -> list[ModeratorWarning]:
    if not _signed_in(user):
        return []
    return list(db.session.scalars(select(ModeratorWarning).where(
        ModeratorWarning.user_id == user.id, ModeratorWarning.acknowledged_at.is_(None))
        .order_by(ModeratorWarning.created_at)))


def acknowledge_warning(actor: Any, warning_id: int) -> None:
    row = db.session.get(ModeratorWarning, warning_id)
    if row is None or not _signed_in(actor) or row.user_id != actor.id:
        raise NotFound(_("There is no such warning."))
    if row.acknowledged_at is None:
        row.acknowledged_at = utcnow()
    db.session.flush()
    actor.warning_pending = bool(db.session.scalar(select(func.count(ModeratorWarning.id)).where(
        ModeratorWarning.user_id == actor.id, ModeratorWarning.acknowledged_at.is_(None))))
    db.session.commit()


def appeal(actor: Any, text: Any) -> Suspension:
    """A suspended person's one appeal against the suspension in force: it lands in the queue."""
    row = active_suspension(actor)
    policy.require(actor, "moderation.appeal", row)
    if row.appealed_at is not None:
        raise Conflict(_("You have already appealed this suspension; a moderator will answer it."))
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise ValidationError(_("Say why the suspension should be lifted."), {"text": [_("Say why it should be lifted.")]})
    if len(text) > APPEAL_MAX:
        raise ValidationError(_("An appeal has at most %(n)d characters.", n=APPEAL_MAX),
                              {"text": [_("At most %(n)d characters.", n=APPEAL_MAX)]})
    row.appeal, row.appealed_at = text, utcnow()
    open_item("appeal", suspension_id=row.id, reason="appeal", detail=text[:200])
    db.session.commit()
    return row


# --- the panel's person pages ---------------------------------------------------------------------

def find_people(actor: Any, q: str = "", page: int = 1, per_page: int = 50):
    policy.require(actor, "moderation.access")
    stmt = select(User).order_by(User.username_key)
    q = (q or "").strip().lstrip("@").lower()[:32]
    if q:
        stmt = stmt.where(User.username_key.contains(q, autoescape=True))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def _items_about(user: User) -> list[ReviewItem]:
    return list(db.session.scalars(
        select(ReviewItem).outerjoin(Post, Post.id == ReviewItem.post_id)
        .outerjoin(Concept, Concept.id == ReviewItem.concept_id)
        .outerjoin(Suspension, Suspension.id == ReviewItem.suspension_id)
        .where(or_(Post.author_id == user.id, Concept.created_by_id == user.id, ReviewItem.user_id == user.id,
                   Suspension.user_id == user.id))
        .options(selectinload(ReviewItem.flags)).order_by(ReviewItem.created_at.desc()).limit(50)))


def person_record(actor: Any, user: User) -> dict[str, Any]:
    """Everything the panel shows about one person: flags they raised, items about their writing,
    actions concerning them, restrictions and warnings."""
    policy.require(actor, "moderation.access")
    raised = list(db.session.scalars(select(Flag).where(Flag.reporter_id == user.id)
                                      .order_by(Flag.created_at.desc()).limit(50)))
    actions = list(db.session.scalars(select(ModerationAction).where(ModerationAction.subject_id == user.id)
                                      .options(joinedload(ModerationAction.actor))
                                      .order_by(ModerationAction.created_at.desc()).limit(50)))
    warnings = list(db.session.scalars(select(ModeratorWarning).where(ModeratorWarning.user_id == user.id)
                                       .order_by(ModeratorWarning.created_at.desc())))
    upheld, dismissed = flag_record(user.id)
    return {"raised": raised, "about": _items_about(user), "actions": actions, "restrictions": restrictions(user),
            "warnings": warnings, "upheld": upheld, "dismissed": dismissed, "weight": flag_weight(user),
            "earned": earned_level(user), "posts": visible_posts(user.id)}


def user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username_key == (username or "").lower()[:32]))
    if user is None:
        raise NotFound(_("There is no user with that name."))
    return user
