"""The JSON API and the exports, under /api/v1 (a published contract: see openapi.py and the README).

Who is calling: `Authorization: Bearer <token>` (an organization's API token), else the browser
session, else a visitor; the policy decides for each (forum/policy/: "concept.view" and
`concept_filter` for concepts, "feedback.results" for the summary, "feedback.export" for the raw
answers and summary.json, "feedback.names" for credited names). A token sees its own organization's
concepts only (another organization's: 403, hidden: 404). Publishing makes the summary public, never
the rows: the exports always need the token or a member's (or admin's) session. No credentials where
some are needed: 401.
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
from forum.errors import DomainError, NotFound
from forum.extensions import client_key, csrf, db, limiter
from forum.i18n import _
from forum.models import Concept
from forum.services import api_tokens, demand, exports, pseudonyms, research_exports

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


def _actor() -> Any:
    """Who is calling: the token, else the signed-in person, else None (a visitor)."""
    if g.get("api_token") is not None:
        return g.api_token
    return current_user if current_user.is_authenticated else None


def _concept(slug: str, action: str | None = None) -> Concept | Response:
    """The concept, or the error response the policy gives (404 unknown or not visible, 403 not
    allowed), 401 for a visitor where credentials are needed. `action`: "feedback.results" (the
    summary) or "feedback.export" (the raw answers)."""
    concept = db.session.scalar(select(Concept).options(selectinload(Concept.organization))
                                .where(Concept.slug == slug)) if len(slug) <= 120 else None
    actor = _actor()
    refused = policy.refusal(actor, "concept.view", concept)
    if refused is None and action is not None:
        refused = policy.refusal(actor, action, concept)
    if refused is None:
        return concept
    if actor is None and refused.error is not NotFound:
        return api_error(401, _("Sign in as a member of the organization, or send an API token."))
    return api_error(refused.exception().status, refused.reason)


def _concept_json(concept: Concept) -> dict[str, Any]:
    return {"slug": concept.slug, "title": concept.title, "summary": concept.summary,
            "organization": concept.organization.slug, "stage": concept.stage, "currency": concept.currency,
            "feedback_open": concept.feedback_open, "kano": concept.kano_enabled,
            "price_question": concept.price_question_enabled,
            "created_at": exports.iso_time(concept.created_at),
            "url": url_for("api.concept", slug=concept.slug, _external=True)}


@bp.get("/concepts")
def concepts() -> Response:
    rows = db.session.scalars(select(Concept).options(selectinload(Concept.organization))
                              .where(policy.concept_filter(_actor())).order_by(Concept.id))
    return jsonify(concepts=[_concept_json(c) for c in rows])


@bp.get("/concepts/<slug>")
def concept(slug: str) -> Response:
    found = _concept(slug)
    if isinstance(found, Response):
        return found
    body = _concept_json(found)
    body["features"] = [{"id": f.id, "title": f.title, "description": f.description, "position": f.position,
                         "retired": f.retired_at is not None} for f in found.features]
    return jsonify(body)


@bp.get("/concepts/<slug>/summary")
def concept_summary(slug: str) -> Response:
    found = _concept(slug, "feedback.results")
    if isinstance(found, Response):
        return found
    chosen = demand.segments.parse(found, request.args.get("segment"))  # 400 when it names nothing
    if chosen is None:
        return jsonify(demand.summary(found))
    question, choice = chosen
    demand.segments.check(found, choice)  # 422 under the floor
    return jsonify(demand.summary(found, segment=(question.id, choice.id)))


def _names(concept: Concept) -> bool:
    """Whether the caller sees the names of people who chose to be credited (the organization)."""
    return policy.can(_actor(), "feedback.names", concept)


def _streamed(concept: Concept, table: str) -> Any:
    """The CSV chunks, read over a connection of their own once the view has returned and its
    session has ended (Flask tears the app context down before the body is sent), so the request
    never holds two connections at once: the generator needs no app context."""
    engine = db.engine
    key = pseudonyms.key()
    concept_id, names = concept.id, _names(concept)
    extras = research_exports.extras(concept)  # read now: the generator runs after the request
    demand.rule.wait()  # a site setting: read now (the rows are read after the request, without it)

    def generate() -> Any:
        with engine.connect() as connection:
            yield from exports.csv_export(concept_id, table, connection.execute, key, names=names, extras=extras)

    return generate()


def _download(body: Any, mimetype: str, filename: str) -> Response:
    response = Response(body, content_type=mimetype)  # as given: `mimetype=` would add a second charset
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/concepts/<slug>/export/<any(prices, votes, kano, posts, gabor_granger, maxdiff):table>.csv")
def export_csv(slug: str, table: str) -> Response:
    found = _concept(slug, "feedback.export")
    if isinstance(found, Response):
        return found
    filename = f"{found.slug}-{table}.csv"
    return _download(_streamed(found, table), "text/csv; charset=utf-8", filename)


@bp.get("/concepts/<slug>/export/summary.json")
def export_summary(slug: str) -> Response:
    found = _concept(slug, "feedback.export")
    if isinstance(found, Response):
        return found
    text = json.dumps(demand.summary(found), ensure_ascii=False, indent=2)
    return _download(text, "application/json", f"{found.slug}-summary.json")


@bp.get("/concepts/<slug>/export.xlsx")
def export_xlsx(slug: str) -> Response:
    found = _concept(slug, "feedback.export")
    if isinstance(found, Response):
        return found
    chunks = exports.xlsx_export(found, demand.summary(found), names=_names(found))
    return _download(chunks, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"{found.slug}.xlsx")


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec(request.host_url.rstrip("/") + "/api/v1"))


from forum.api import suggestions as _suggestions  # noqa: E402,F401 - registers its routes on bp
