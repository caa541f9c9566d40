"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""
from __future__ import annotations

from typing import Any

from forum.services.exports import KANO_COLUMNS, POST_COLUMNS, PRICE_COLUMNS, VOTE_COLUMNS
from forum.services.suggestion_data import CSV_COLUMNS as SUGGESTION_COLUMNS

NUM_OR_NULL = {"type": ["number", "null"]}


def _csv(columns: tuple[str, ...], what: str) -> dict[str, Any]:
    return {"description": f"{what}. Columns: `{','.join(columns)}`. An empty cell means not answered.",
            "content": {"text/csv": {"schema": {"type": "string"}}}}


def spec(server: str) -> dict[str, Any]:
    slug = [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}]
    errors = {
        "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
        "429": {"$ref": "#/components/responses/Error"},
    }

    def op(summary: str, ok: dict[str, Any], secured: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"summary": summary, "parameters": slug, "responses": {"200": ok, **errors}}
        if not secured:
            out["security"] = [{}, {"bearer": []}, {"session": []}]
        return {"get": out}

    concept = {
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
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sounding Board API", "version": "1",
                 "description": "Concepts, demand summaries and exports. Authenticate with "
                                "`Authorization: Bearer <token>` (an organization's token) or a browser "
                                "session of a member. Respondents are pseudonyms: a keyed hash of concept "
                                "and person, stable within a concept, different across concepts; a "
                                "username only for people who chose to be credited."},
        "servers": [{"url": server}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
            "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}}}}},
            "schemas": {
                "Concept": concept,
                "Summary": {
                    "type": "object",
                    "required": ["participants", "features", "price"],
                    "properties": {
                        "concept": {"type": "string"}, "organization": {"type": "string"},
                        "participants": {"type": "integer",
                                         "description": "distinct people who commented, voted or answered"},
                        "participation": {"type": "object", "properties": {
                            k: {"type": "integer"} for k in ("total", "commented", "voted", "kano", "price")}},
                        "features": {"type": "array", "items": {
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
                            }}},
                        "price": {"type": ["object", "null"], "description": "null without a price question",
                                  "properties": {
                                      "n": {"type": "integer"}, "invalid": {"type": "integer"},
                                      "currency": {"type": "string"}, "questions": {"type": "integer"},
                                      **{k: NUM_OR_NULL for k in ("pmc", "pme", "ipp", "opp", "reach_optimal_price",
                                                                  "revenue_optimal_price")}}},
                    },
                },
            },
        },
        "paths": {
            "/concepts": {"get": {
                "summary": "Concepts the caller may see (visitors: public concepts)",
                "security": [{}, {"bearer": []}, {"session": []}],
                "responses": {"200": {"description": "The concepts", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"concepts": {"type": "array", "items": {
                        "$ref": "#/components/schemas/Concept"}}}}}}}, **errors}}},
            "/concepts/{slug}": op("One concept with its features", {
                "description": "The concept", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Concept"}}}}, secured=False),
            "/concepts/{slug}/summary": op("The demand summary", {
                "description": "The summary", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Summary"}}}}),
            "/concepts/{slug}/export/prices.csv": op(
                "Price answers, one row per answer set (valid or not)", _csv(PRICE_COLUMNS, "Price answers")),
            "/concepts/{slug}/export/votes.csv": op("Feature votes", _csv(VOTE_COLUMNS, "Feature votes")),
            "/concepts/{slug}/export/kano.csv": op("Kano answers", _csv(KANO_COLUMNS, "Kano answers")),
            "/concepts/{slug}/export/posts.csv": op("Posts of the concept's discussion with reply counts",
                                                     _csv(POST_COLUMNS, "Posts")),
            "/concepts/{slug}/export/summary.json": op("The summary as a JSON file", {
                "description": "The summary", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Summary"}}}}),
            "/concepts/{slug}/suggestions": op("Features suggested by consumers, with their support", {
                "description": "The suggestions", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"suggestions": {"type": "array", "items": {
                        "type": "object", "required": ["title", "why", "status", "support", "created_at", "feature"],
                        "properties": {
                            "id": {"type": "integer"}, "title": {"type": "string"}, "why": {"type": "string"},
                            "status": {"type": "string", "enum": ["open", "adopted", "declined", "merged"]},
                            "support": {"type": "integer", "description": "supporters whose answers count"},
                            "created_at": {"type": "string", "format": "date-time"},
                            "feature": {"type": ["object", "null"], "description": "the feature it became "
                                        "(adopted) or was merged into", "properties": {
                                            "id": {"type": "integer"}, "title": {"type": "string"}}},
                            "merged_into": {"type": ["integer", "null"]}, "reason": {"type": "string"}}}}}}}}}),
            "/concepts/{slug}/export/suggestions.csv": op(
                "Suggestions with their pseudonymous author, status and support",
                _csv(SUGGESTION_COLUMNS, "Suggestions")),
            "/concepts/{slug}/export.xlsx": op("A workbook: a summary sheet and one sheet per raw table", {
                "description": "The workbook", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}}),
        },
    }
