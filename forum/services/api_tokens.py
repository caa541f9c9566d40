"""API tokens: an organization's keys for the JSON API and the exports (/api/v1).

A token is `sb_` + 40 random URL-safe characters. It is shown once, when created; the database keeps
only its SHA-256 (a fast hash is right here: the secret has 240 random bits, there is nothing to
guess) and its first characters, so people can tell their tokens apart. Owners of the organization
create and revoke them (the web page of the organization, or `flask api-token create`).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from forum import policy
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import ApiToken, Organization, utcnow

PREFIX = "sb_"
NAME_MAX = 80
#: last_used_at is written at most this often per token, so a busy script does not write per request.
LAST_USE_RESOLUTION = timedelta(seconds=60)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _check_name(name: str | None) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError(_("Give the token a label, e.g. “R export”."), {"name": [_("Give the token a label.")]})
    if len(name) > NAME_MAX:
        raise ValidationError(_("A label has at most %(NAME_MAX)s characters.", NAME_MAX=NAME_MAX),
                              {"name": [_("A label has at most %(NAME_MAX)s characters.", NAME_MAX=NAME_MAX)]})
    return name


def _issue(organization: Organization, name: str, created_by_id: int | None) -> tuple[ApiToken, str]:
    raw = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(organization_id=organization.id, name=_check_name(name), token_hash=hash_token(raw),
                     prefix=raw[:10], created_by_id=created_by_id)
    db.session.add(token)
    db.session.commit()
    return token, raw


def create(actor: Any, organization: Organization, name: str) -> tuple[ApiToken, str]:
    """A new token for the organization: (the stored row, the secret to show once). Owners only."""
    policy.require(actor, "org.api_tokens", organization)
    return _issue(organization, name, actor.id)


def create_for_cli(organization_slug: str, name: str) -> tuple[ApiToken, str]:
    """`flask api-token create`: whoever runs the command on the server is trusted."""
    organization = db.session.scalar(select(Organization).where(Organization.slug == organization_slug))
    if organization is None:
        raise NotFound(_("There is no organization with the slug “%(organization_slug)s”.", organization_slug=organization_slug))
    return _issue(organization, name, None)


def listing(actor: Any, organization: Organization) -> list[ApiToken]:
    policy.require(actor, "org.api_tokens", organization)
    return list(db.session.scalars(select(ApiToken).where(ApiToken.organization_id == organization.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())))


def revoke(actor: Any, organization: Organization, token_id: int) -> ApiToken:
    policy.require(actor, "org.api_tokens", organization)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.organization_id != organization.id:
        raise NotFound(_("This organization has no such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def authenticate(raw: str) -> ApiToken | None:
    """The active token with this secret, its last use recorded; None for anything else."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    digest = hash_token(raw)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or token.revoked_at is not None or not hmac.compare_digest(token.token_hash, digest):
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_RESOLUTION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
        token = db.session.get(ApiToken, token.id)
    return token
