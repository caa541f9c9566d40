"""Similar features and suggestions of one concept, for the "suggest a feature" form (as Fider shows
similar posts while one types): the search index of forum/services/search.py, any of the words
(the index ranks those with more of them first), restricted to the concept."""
from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from forum import policy
from forum.extensions import db
from forum.models import Concept, Suggestion
from forum.services import schema, search

LIMIT = 5
#: Words too common to say two titles are alike (PostgreSQL drops its own stop words).
STOP_WORDS = frozenset("a an and are as at be by for from has have i in is it its me my of on or so that the "
                       "this to was we with you your".split())

_SQL_TAIL = """
    LEFT JOIN suggestions s ON d.kind = 'post' AND s.post_id = d.object_id
    LEFT JOIN posts p ON d.kind = 'post' AND p.id = d.object_id
    WHERE {match} AND d.concept_id = :concept
      AND (d.kind = 'feature' OR (s.id IS NOT NULL AND s.status = 'open'
           AND p.hidden_at IS NULL AND p.deleted_at IS NULL))
"""


def _words(query: str) -> list[str]:
    words = [w for phrase in search.parse_query(query) for w in phrase if w not in STOP_WORDS and len(w) > 1]
    return list(dict.fromkeys(words))[:search.TERMS_MAX]


def _statement(dialect: str) -> tuple[str, str]:
    if dialect == "postgresql":
        vector = schema.pg_vector("d.")
        frm = (f"FROM search_documents d CROSS JOIN to_tsquery({schema.PG_TS_CONFIG}, :q) AS query(q)"
               + _SQL_TAIL.format(match=f"{vector} @@ query.q"))
        return frm, f"ts_rank({vector}, query.q) DESC"
    frm = "FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid" + _SQL_TAIL.format(
        match="search_fts MATCH :q")
    return frm, "bm25(search_fts, 10.0, 1.0)"


def _engine_query(dialect: str, words: list[str]) -> str:
    if dialect == "postgresql":  # each word as a plain lexeme, any of them
        return " | ".join(f"'{w}'" for w in words)
    return " OR ".join(f'"{w}"' for w in words)


def similar(actor: Any, concept: Concept, query: str) -> list[dict[str, Any]]:
    """[{kind: "feature" | "suggestion", id, title, url, status}] best first, at most LIMIT."""
    policy.require(actor, "concept.view", concept)
    words = _words((query or "")[:search.QUERY_MAX])
    if not words:
        return []
    dialect = db.session.get_bind().dialect.name
    frm, order = _statement(dialect)
    sql = text(f"SELECT d.kind, d.object_id, d.heading, d.url, s.id AS suggestion_id {frm} "
               f"ORDER BY {order}, d.id DESC LIMIT :limit")
    try:
        rows = db.session.execute(sql, {"q": _engine_query(dialect, words), "concept": concept.id,
                                        "limit": LIMIT * 2}).all()
    except DBAPIError:
        db.session.rollback()
        return []
    found = []
    for row in rows:
        if row.kind == "feature":
            found.append({"kind": "feature", "id": row.object_id, "title": row.heading, "url": row.url})
            continue
        suggestion = db.session.get(Suggestion, row.suggestion_id)
        if suggestion is not None and policy.can(actor, "suggestion.view", suggestion):
            found.append({"kind": "suggestion", "id": suggestion.id, "title": suggestion.title,
                          "url": f"/concepts/{concept.slug}/suggestions/{suggestion.id}"})
    return found[:LIMIT]
