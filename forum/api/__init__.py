"""The JSON API and the exports, under /api/v1 (a published contract: see openapi.py and the README).

Who is calling: `Authorization: Bearer <token>` (an organization's API token), else the browser
session, else a visitor; the policy decides for each (forum/policy/: "concept.view" and
`concept_filter` for concepts, "feedback.results" for the summary, "feedback.export" for the raw
answers and summary.json, "feedback.names" for credited names). A token sees its own organization's
concepts only (another organization's: 403, hidden: 404). Publishing makes the summary public, never
the rows: the exports always need the token or a member's (or admin's) session. No credentials where
some are needed: 401.
Every error is JSON: {"error": ..., "message": ...}, both words for people in the request's language
(Accept-Language, or the language cookie and Settings as on pages); the status code is what a program
reads. The API has its own rate limit (RATELIMIT_API).
"""
from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum import policy
from forum.api import suggestions  # noqa: F401 - its endpoints are on bp too
from forum.api.core import actor, bp, download, find_concept
from forum.api.openapi import spec
from forum.extensions import db
from forum.models import Concept
from forum.services import demand, exports, pseudonyms, research_exports


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
                              .where(policy.concept_filter(actor())).order_by(Concept.id))
    return jsonify(concepts=[_concept_json(c) for c in rows])


@bp.get("/concepts/<slug>")
def concept(slug: str) -> Response:
    found = find_concept(slug)
    if isinstance(found, Response):
        return found
    body = _concept_json(found)
    body["features"] = [{"id": f.id, "title": f.title, "description": f.description, "position": f.position,
                         "retired": f.retired_at is not None} for f in found.features]
    return jsonify(body)


@bp.get("/concepts/<slug>/summary")
def concept_summary(slug: str) -> Response:
    found = find_concept(slug, "feedback.results")
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
    return policy.can(actor(), "feedback.names", concept)


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


@bp.get("/concepts/<slug>/export/<any(prices, votes, kano, posts, gabor_granger, maxdiff):table>.csv")
def export_csv(slug: str, table: str) -> Response:
    found = find_concept(slug, "feedback.export")
    if isinstance(found, Response):
        return found
    filename = f"{found.slug}-{table}.csv"
    return download(_streamed(found, table), "text/csv; charset=utf-8", filename)


@bp.get("/concepts/<slug>/export/summary.json")
def export_summary(slug: str) -> Response:
    found = find_concept(slug, "feedback.export")
    if isinstance(found, Response):
        return found
    text = json.dumps(demand.summary(found), ensure_ascii=False, indent=2)
    return download(text, "application/json", f"{found.slug}-summary.json")


@bp.get("/concepts/<slug>/export.xlsx")
def export_xlsx(slug: str) -> Response:
    found = find_concept(slug, "feedback.export")
    if isinstance(found, Response):
        return found
    chunks = exports.xlsx_export(found, demand.summary(found), names=_names(found))
    return download(chunks, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"{found.slug}.xlsx")


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec(request.host_url.rstrip("/") + "/api/v1"))

