"""Signed tokens for links sent by email (itsdangerous, keyed by SECRET_KEY, one salt per purpose).

A token carries only ids, the address it is about and the account's fingerprint (its password hash
and address, digested: any change of either kills every earlier link); the signature makes it
unforgeable and the salt keeps a token for one purpose from working for another.
"""
from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from forum.errors import ValidationError
from forum.i18n import _

VERIFY = "email-verify"
EMAIL_CHANGE = "email-change"
RESET = "password-reset"
UNSUBSCRIBE = "unsubscribe"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def sign(salt: str, data: dict[str, Any]) -> str:
    return _serializer(salt).dumps(data)


def unsign(salt: str, token: str, max_age: int | None = None, *, what: Any = None) -> dict[str, Any]:
    """The token's data; a ValidationError that says what went wrong otherwise."""
    what = what or _("link")
    if not isinstance(token, str) or not token or len(token) > 1000:
        raise ValidationError(_("This %(what)s is not valid.", what=what))
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ValidationError(_("This %(what)s has expired. Ask for a new one.", what=what)) from exc
    except BadSignature as exc:
        raise ValidationError(_("This %(what)s is not valid.", what=what)) from exc
    if not isinstance(data, dict):
        raise ValidationError(_("This %(what)s is not valid.", what=what))
    return data


def fingerprint(value: str) -> str:
    """A short digest of a secret (a password hash): changes when it changes, reveals nothing."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def account_fingerprint(user: Any) -> str:
    """What every emailed link of an account is bound to: its password hash and its address. A
    change of either (a new password, a reset, a confirmed new address) kills every link issued
    before it."""
    return fingerprint(f"{user.password_hash}\n{user.email}")


def sign_for(user: Any, salt: str, data: dict[str, Any]) -> str:
    """A link's token for `user`: its data, the account's id and its fingerprint."""
    return sign(salt, {**data, "u": user.id, "f": account_fingerprint(user)})


def is_current(user: Any, data: dict[str, Any]) -> bool:
    """Whether a token made by sign_for() still matches the account as it is now."""
    return data.get("f") == account_fingerprint(user)
