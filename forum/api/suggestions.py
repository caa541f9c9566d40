"""The suggestions of a concept in the API and as suggestions.csv, under the exports' access rules."""
from __future__ import annotations

from flask import Response, jsonify

from forum.api.core import bp, download, find_concept
from forum.services import pseudonyms, suggestion_data


@bp.get("/concepts/<slug>/suggestions")
def concept_suggestions(slug: str) -> Response:
    found = find_concept(slug, "feedback.export")
    if isinstance(found, Response):
        return found
    return jsonify(suggestions=suggestion_data.as_json(found))


@bp.get("/concepts/<slug>/export/suggestions.csv")
def export_suggestions(slug: str) -> Response:
    found = find_concept(slug, "feedback.export")
    if isinstance(found, Response):
        return found
    body = "".join(suggestion_data.csv_export(found, pseudonyms.key()))
    return download(body, "text/csv; charset=utf-8", f"{found.slug}-suggestions.csv")
