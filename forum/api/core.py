"""What every endpoint of the API shares: its blueprint (under /api/v1, with its own rate limit and
no CSRF: a token or the session authenticates), who is calling, the concept the caller may see,
errors as JSON and downloads. forum/api/__init__.py and forum/api/suggestions.py put their
endpoints on `bp`."""
from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum import policy
from forum.errors import DomainError, NotFound
from forum.extensions import client_key, csrf, db, limiter
from forum.i18n import _
from forum.models import Concept
from forum.services import api_tokens

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def api_error(status: int, message: Any, title: str | None = None) -> Response:
    """The JSON error. `title`: a domain error's English title (forum/errors.py keeps them as codes),
    translated here as the web layer does; else the status's own."""
    titles = {400: _("Bad request"), 401: _("Authentication required"), 403: _("Not allowed"), 404: _("Not found"),
              429: _("Slow down")}
    response = jsonify(error=_(title) if title else titles.get(status, _("Error")), message=str(message))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="sounding-board"'
    return response


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


def rate_limit_key() -> str:
    """Per token (by a hash of it, no query needed), else per user or address."""
    raw = _bearer()
    if raw:
        return "api-token:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]
    return "api-" + client_key()


limiter.limit(lambda: current_app.config.get("RATELIMIT_API", "300 per minute"), key_func=rate_limit_key,
              scope="api")(bp)


@bp.before_request
def authenticate() -> Response | None:
    g.api_token = None
    header = request.headers.get("Authorization")
    if header is None:
        return None
    raw = _bearer()
    if not raw:
        return api_error(401, _("Send the token as “Authorization: Bearer <token>”."))
    token = api_tokens.authenticate(raw)
    if token is None:
        return api_error(401, _("This token is not valid, or it was revoked."))
    g.api_token = token
    return None


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError) -> Response:
    return api_error(exc.status, exc.message, exc.title)


def actor() -> Any:
    """Who is calling: the token, else the signed-in person, else None (a visitor)."""
    if g.get("api_token") is not None:
        return g.api_token
    return current_user if current_user.is_authenticated else None


def find_concept(slug: str, action: str | None = None) -> Concept | Response:
    """The concept, or the error response the policy gives (404 unknown or not visible, 403 not
    allowed), 401 for a visitor where credentials are needed. `action`: "feedback.results" (the
    summary) or "feedback.export" (the raw answers)."""
    concept = db.session.scalar(select(Concept).options(selectinload(Concept.organization))
                                .where(Concept.slug == slug)) if len(slug) <= 120 else None
    who = actor()
    refused = policy.refusal(who, "concept.view", concept)
    if refused is None and action is not None:
        refused = policy.refusal(who, action, concept)
    if refused is None:
        return concept
    if who is None and refused.error is not NotFound:
        return api_error(401, _("Sign in as a member of the organization, or send an API token."))
    return api_error(refused.exception().status, refused.reason)


def download(body: Any, mimetype: str, filename: str) -> Response:
    """`body` (text, bytes or an iterable of chunks) as an attachment named `filename`, never stored
    by a cache."""
    response = Response(body, content_type=mimetype)  # as given: `mimetype=` would add a second charset
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
