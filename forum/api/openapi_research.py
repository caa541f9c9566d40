"""The research parts of the OpenAPI description (forum/api/openapi.py): the summary's
`gabor_granger`, `maxdiff` and `segments`, the `segment` parameter and the two exports."""
from __future__ import annotations

from typing import Any

from forum.services.research_exports import GABOR_GRANGER_COLUMNS, MAXDIFF_COLUMNS

NUM = {"type": "number"}
NUM_OR_NULL = {"type": ["number", "null"]}
INT = {"type": "integer"}

SUMMARY_PROPERTIES: dict[str, Any] = {
    "gabor_granger": {
        "type": ["object", "null"], "description": "null when the concept asks no price ladder",
        "properties": {
            "currency": {"type": "string"},
            "ladder": {"type": "array", "items": {"type": "object", "properties": {
                "price": NUM, "n": INT, "buyers": INT, "share": NUM_OR_NULL, "share_low": NUM_OR_NULL,
                "share_high": NUM_OR_NULL, "revenue_index": NUM_OR_NULL}},
                "description": "buyers: respondents whose highest accepted price is at least the price; "
                               "share = buyers / n with its Wilson 95% interval (z = 1.96); "
                               "revenue_index = price * share"},
            "revenue_optimal_price": {**NUM_OR_NULL, "description": "the highest revenue index, the lower "
                                                                    "price on a tie"},
            "elasticities": {"type": "array", "items": {"type": "object", "properties": {
                "from_price": NUM, "to_price": NUM, "elasticity": NUM_OR_NULL}},
                "description": "arc elasticity of buyers between adjacent prices; null where both counts are 0"},
        }},
    "maxdiff": {
        "type": ["object", "null"], "description": "null when best-worst sets are off",
        "properties": {
            "respondents": INT,
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "title": {"type": "string"}, "shown": INT, "best": INT, "worst": INT,
                "count_score": NUM_OR_NULL, "share": NUM_OR_NULL}},
                "description": "share: percent of preference from the maxdiff multinomial logit (sums to 100)"},
        }},
    "segments": {
        "type": "array", "description": "the profile questions; n: counted people who gave the answer",
        "items": {"type": "object", "properties": {
            "id": INT, "question": {"type": "string"},
            "choices": {"type": "array", "items": {"type": "object", "properties": {
                "id": INT, "label": {"type": "string"}, "n": INT}}}}}},
}

SEGMENT_PARAMETER = {
    "name": "segment", "in": "query", "required": False, "schema": {"type": "string"},
    "description": "`<question id>:<choice id>`: the summary of the counted people who gave that answer. "
                   "422 when fewer than 5 counted people did (the privacy floor)."}


def csv(columns: tuple[str, ...], what: str) -> dict[str, Any]:
    return {"description": f"{what}. Columns: `{','.join(columns)}`, then one `segment:<question>` column per "
                           "profile question (empty: not answered, or an answer fewer than 5 counted people gave).",
            "content": {"text/csv": {"schema": {"type": "string"}}}}


EXPORTS = {
    "gabor_granger.csv": ("Would-you-buy answers, one row per question asked (answer yes or no)",
                          csv(GABOR_GRANGER_COLUMNS, "Gabor-Granger answers")),
    "maxdiff.csv": ("Best-worst sets, one row per answered set (shown: the titles joined by ` | `)",
                    csv(MAXDIFF_COLUMNS, "Best-worst answers")),
}

__all__ = ["EXPORTS", "SEGMENT_PARAMETER", "SUMMARY_PROPERTIES", "csv"]
