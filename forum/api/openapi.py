"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""
from __future__ import annotations

from typing import Any

from forum.api import openapi_research
from forum.services.exports import KANO_COLUMNS, POST_COLUMNS, PRICE_COLUMNS, VOTE_COLUMNS
from forum.services.suggestion_data import CSV_COLUMNS as SUGGESTION_COLUMNS

NUM_OR_NULL = {"type": ["number", "null"]}
SLUG = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
ERRORS = {code: {"$ref": "#/components/responses/Error"} for code in ("401", "403", "404", "429")}
OPEN = [{}, {"bearer": []}, {"session": []}]

DESCRIPTION = ("Concepts, demand summaries and exports. Authenticate with "
               "`Authorization: Bearer <token>` (an organization's token) or a browser "
               "session of a member. Respondents are pseudonyms: a keyed hash of concept "
               "and person, stable within a concept, different across concepts; a "
               "username only for people who chose to be credited.")

CONCEPT = {
    "type": "object",
    "required": ["slug", "title", "organization", "stage"],
    "properties": {
        "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
        "organization": {"type": "string", "description": "the organization's slug"},
        "stage": {"type": "string", "enum": ["idea", "concept", "prototype", "launched"]},
        "currency": {"type": "string"}, "feedback_open": {"type": "boolean"},
        "kano": {"type": "boolean"}, "price_question": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"}, "url": {"type": "string"},
    },
}

FEATURE = {
    "type": "object",
    "required": ["title", "votes_for", "votes_against", "score", "kano"],
    "properties": {
        "id": {"type": "integer"}, "rank": {"type": "integer"}, "title": {"type": "string"},
        "votes_for": {"type": "integer"}, "votes_against": {"type": "integer"},
        "share_for": NUM_OR_NULL,
        "score": {"type": "number", "description": "Wilson lower bound, z = 1.96"},
        "score_interval": {"type": ["array", "null"], "items": {"type": "number"}},
        "kano": {"type": ["object", "null"], "description": "null where Kano was not asked",
                 "properties": {"category": {"type": ["string", "null"]},
                                "better": NUM_OR_NULL, "worse": NUM_OR_NULL,
                                "counts": {"type": "object"}, "n": {"type": "integer"}}},
    }}

SUMMARY = {
    "type": "object",
    "required": ["participants", "features", "price"],
    "properties": {
        "concept": {"type": "string"}, "organization": {"type": "string"},
        "participants": {"type": "integer",
                         "description": "distinct people who commented, voted or answered"},
        "participation": {"type": "object", "properties": {
            k: {"type": "integer"} for k in ("total", "commented", "voted", "kano", "price")}},
        "features": {"type": "array", "items": FEATURE},
        "price": {"type": ["object", "null"], "description": "null without a price question",
                  "properties": {
                      "n": {"type": "integer"}, "invalid": {"type": "integer"},
                      "currency": {"type": "string"}, "questions": {"type": "integer"},
                      **{k: NUM_OR_NULL for k in ("pmc", "pme", "ipp", "opp", "reach_optimal_price",
                                                  "revenue_optimal_price")}}},
        **openapi_research.SUMMARY_PROPERTIES,
    },
}

SUGGESTION = {
    "type": "object", "required": ["title", "why", "status", "support", "created_at", "feature"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "why": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "adopted", "declined", "merged"]},
        "support": {"type": "integer", "description": "supporters whose answers count"},
        "created_at": {"type": "string", "format": "date-time"},
        "feature": {"type": ["object", "null"], "description": "the feature it became "
                    "(adopted) or was merged into", "properties": {
                        "id": {"type": "integer"}, "title": {"type": "string"}}},
        "merged_into": {"type": ["integer", "null"]}, "reason": {"type": "string"}}}

COMPONENTS = {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                        "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
    "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}}}}},
    "schemas": {"Concept": CONCEPT, "Summary": SUMMARY},
}


def _csv(columns: tuple[str, ...], what: str) -> dict[str, Any]:
    return {"description": f"{what}. Columns: `{','.join(columns)}`. An empty cell means not answered.",
            "content": {"text/csv": {"schema": {"type": "string"}}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def op(summary: str, ok: dict[str, Any], secured: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": summary, "parameters": SLUG, "responses": {"200": ok, **ERRORS}}
    if not secured:
        out["security"] = OPEN
    return {"get": out}


def _paths() -> dict[str, Any]:
    summary = _json("The summary", {"$ref": "#/components/schemas/Summary"})
    listing = {"type": "object", "properties": {"concepts": {"type": "array", "items": {
        "$ref": "#/components/schemas/Concept"}}}}
    workbook = {"description": "The workbook", "content": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}}}}
    return {
        "/concepts": {"get": {"summary": "Concepts the caller may see (visitors: public concepts)",
                              "security": OPEN, "responses": {"200": _json("The concepts", listing), **ERRORS}}},
        "/concepts/{slug}": op("One concept with its features",
                               _json("The concept", {"$ref": "#/components/schemas/Concept"}), secured=False),
        "/concepts/{slug}/summary": op("The demand summary", summary),
        "/concepts/{slug}/export/prices.csv": op(
            "Price answers, one row per answer set (valid or not)", _csv(PRICE_COLUMNS, "Price answers")),
        "/concepts/{slug}/export/votes.csv": op("Feature votes", _csv(VOTE_COLUMNS, "Feature votes")),
        "/concepts/{slug}/export/kano.csv": op("Kano answers", _csv(KANO_COLUMNS, "Kano answers")),
        "/concepts/{slug}/export/posts.csv": op("Posts of the concept's discussion with reply counts",
                                                 _csv(POST_COLUMNS, "Posts")),
        **{f"/concepts/{{slug}}/export/{name}": op(what, ok) for name, (what, ok) in openapi_research.EXPORTS.items()},
        "/concepts/{slug}/export/summary.json": op("The summary as a JSON file", summary),
        "/concepts/{slug}/suggestions": op("Features suggested by consumers, with their support", _json(
            "The suggestions", {"type": "object", "properties": {"suggestions": {"type": "array",
                                                                                "items": SUGGESTION}}})),
        "/concepts/{slug}/export/suggestions.csv": op(
            "Suggestions with their pseudonymous author, status and support",
            _csv(SUGGESTION_COLUMNS, "Suggestions")),
        "/concepts/{slug}/export.xlsx": op("A workbook: a summary sheet and one sheet per raw table", workbook),
    }


def spec(server: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sounding Board API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": server}],
        "security": [{"bearer": []}, {"session": []}],
        "components": COMPONENTS,
        "paths": _paths(),
    }
