"""A person's privacy settings and the unsubscribe links in their email."""
from __future__ import annotations

from typing import Any

from forum import policy
from forum.errors import ValidationError
from forum.extensions import db
from forum.i18n import _, _l
from forum.models import User
from forum.services import mail, signing

EMAIL_SETTINGS = ("email_notifications", "email_decisions", "email_digest")


def require_self(actor: Any) -> None:
    """Only the person themselves manages their data (the policy's "account.manage")."""
    policy.require(actor, "account.manage", actor)


def update_settings(actor: User, **settings: bool) -> None:
    """Privacy settings: profile_public, email_notifications, email_decisions, email_digest, and
    credit_by_name where the exports offer it. Personal, so a suspension does not stop it."""
    require_self(actor)
    allowed = {"profile_public", "credit_by_name", *EMAIL_SETTINGS}
    for name, value in settings.items():
        if name in allowed and value is not None:
            setattr(actor, name, bool(value))
    db.session.commit()


def read_unsubscribe(token: str) -> tuple[User, str]:
    """The person and kind an unsubscribe link is for. ValidationError for a forged or broken link."""
    data = signing.unsign(signing.UNSUBSCRIBE, token, what=_l("unsubscribe link"))
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    kind = data.get("k")
    if user is None or user.deleted_at is not None or kind not in mail.UNSUBSCRIBE_KINDS:
        raise ValidationError(_("This unsubscribe link is not valid."))
    return user, kind


def unsubscribe(token: str) -> tuple[User, str]:
    """Stop the emails an unsubscribe link names. No sign-in needed: the signature is the proof."""
    user, kind = read_unsubscribe(token)
    settings = EMAIL_SETTINGS if kind == "all" else (mail.PREFERENCES[kind],)
    for name in settings:
        setattr(user, name, False)
    db.session.commit()
    return user, kind
