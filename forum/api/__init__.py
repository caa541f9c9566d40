"""The JSON API and the exports, under /api/v1 (a published contract: see openapi.py and the README).

Who is calling: `Authorization: Bearer <token>` (an organization's API token), else the browser
session, else a visitor. A token sees its own organization's concepts only (another organization's
concept: 403); a session user sees what `policy.can(user, "feedback.results", concept)` allows;
a visitor sees public concepts and published summaries. No credentials where some are needed: 401.
Every error is JSON: {"error": ..., "message": ...}. The API has its own rate limit (RATELIMIT_API).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum import policy
from forum.api.openapi import spec
from forum.errors import DomainError
from forum.extensions import client_key, csrf, db, limiter
from forum.i18n import _
from forum.models import Concept
from forum.services import api_tokens, exports, pseudonyms, summary

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def api_error(status: int, message: str, title: str | None = None) -> Response:
    titles = {400: _("Bad request"), 401: _("Authentication required"), 403: _("Not allowed"), 404: _("Not found"),
              429: _("Slow down")}
    response = jsonify(error=title or titles.get(status, "Error"), message=message)
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


def _user() -> Any:
    """The signed-in person, unless the request authenticates with a token."""
    if g.get("api_token") is not None:
        return None
    return current_user if current_user.is_authenticated else None


def _concept(slug: str, results: bool) -> Concept | Response:
    """The concept, or the error response: 404 unknown or not visible, 403 another organization's
    (token) or not allowed (session), 401 a visitor where credentials are needed."""
    concept = db.session.scalar(select(Concept).options(selectinload(Concept.organization))
                                .where(Concept.slug == slug)) if len(slug) <= 120 else None
    token = g.get("api_token")
    if token is not None:
        if concept is None or (concept.hidden_at is not None and concept.organization_id != token.organization_id):
            return api_error(404, _("There is no concept at this address."))
        if concept.organization_id != token.organization_id:
            return api_error(403, _("This token belongs to another organization."))
        return concept
    user = _user()
    if concept is None or not policy.can(user, "concept.view", concept):
        return api_error(404, _("There is no concept at this address."))
    if results and not policy.can(user, "feedback.results", concept):
        if user is None:
            return api_error(401, _("Sign in as a member of the organization, or send an API token."))
        return api_error(403, _("Only members of %(name)s can see the demand summary of this concept.", name=concept.organization.name))
    return concept


def _concept_json(concept: Concept) -> dict[str, Any]:
    return {"slug": concept.slug, "title": concept.title, "summary": concept.summary,
            "organization": concept.organization.slug, "stage": concept.stage, "currency": concept.currency,
            "feedback_open": concept.feedback_open, "kano": concept.kano_enabled,
            "price_question": concept.price_question_enabled,
            "created_at": exports.iso_time(concept.created_at),
            "url": url_for("api.concept", slug=concept.slug, _external=True)}


@bp.get("/concepts")
def concepts() -> Response:
    token = g.get("api_token")
    stmt = select(Concept).options(selectinload(Concept.organization)).order_by(Concept.id)
    if token is not None:
        stmt = stmt.where(Concept.organization_id == token.organization_id)
        rows = list(db.session.scalars(stmt))
    else:
        user = _user()
        rows = [c for c in db.session.scalars(stmt) if policy.can(user, "concept.view", c)]
    return jsonify(concepts=[_concept_json(c) for c in rows])


@bp.get("/concepts/<slug>")
def concept(slug: str) -> Response:
    found = _concept(slug, results=False)
    if isinstance(found, Response):
        return found
    body = _concept_json(found)
    body["features"] = [{"id": f.id, "title": f.title, "description": f.description, "position": f.position,
                         "retired": f.retired_at is not None} for f in found.features]
    return jsonify(body)


@bp.get("/concepts/<slug>/summary")
def concept_summary(slug: str) -> Response:
    found = _concept(slug, results=True)
    if isinstance(found, Response):
        return found
    return jsonify(summary.summary(found))


def _streamed(concept_id: int, table: str) -> Any:
    """The CSV chunks, read over a connection of their own: the rows go out after the view has
    returned (and its session is gone), so the generator needs no app context."""
    engine = db.engine
    key = pseudonyms.key()

    def generate() -> Any:
        with engine.connect() as connection:
            yield from exports.csv_export(concept_id, table, connection.execute, key)

    return generate()


def _download(body: Any, mimetype: str, filename: str) -> Response:
    response = Response(body, content_type=mimetype)  # as given: `mimetype=` would add a second charset
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/concepts/<slug>/export/<any(prices, votes, kano, posts):table>.csv")
def export_csv(slug: str, table: str) -> Response:
    found = _concept(slug, results=True)
    if isinstance(found, Response):
        return found
    chunks = _streamed(found.id, table)
    return _download(chunks, "text/csv; charset=utf-8", f"{found.slug}-{table}.csv")


@bp.get("/concepts/<slug>/export/summary.json")
def export_summary(slug: str) -> Response:
    found = _concept(slug, results=True)
    if isinstance(found, Response):
        return found
    text = json.dumps(summary.summary(found), ensure_ascii=False, indent=2)
    return _download(text, "application/json", f"{found.slug}-summary.json")


@bp.get("/concepts/<slug>/export.xlsx")
def export_xlsx(slug: str) -> Response:
    found = _concept(slug, results=True)
    if isinstance(found, Response):
        return found
    chunks = exports.xlsx_export(found, summary.summary(found))
    return _download(chunks, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"{found.slug}.xlsx")


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec(request.host_url.rstrip("/") + "/api/v1"))


from forum.api import suggestions as _suggestions  # noqa: E402,F401 - registers its routes on bp
