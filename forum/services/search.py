"""Full-text search over concepts and posts.

One interface, two engines: SQLite FTS5 (`search_fts`, bm25 ranking, snippet()/highlight()) on the
default database, PostgreSQL full-text search (weighted tsvector under a GIN index,
websearch_to_tsquery, ts_rank, ts_headline) on PostgreSQL. The DDL lives in forum/services/schema.py.

Other services call index_concept()/index_post() inside their transaction, before commit, on every
create, edit, hide, restore and delete; these functions never commit. Whatever the index holds, the
query itself also filters out deleted and hidden posts, posts in hidden topics and hidden concepts,
so a moderator's hide takes effect at once even before anything is re-indexed.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import DateTime, String, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from forum.extensions import db
from forum.i18n import _
from forum.markup import excerpt
from forum.models import Concept, Feature, Post, SearchDocument, Topic, utcnow
from forum.services import schema
from forum.services.paging import Pager

KINDS = ("concept", "post")
QUERY_MAX = 200  # characters of a query that are looked at
TERMS_MAX = 12  # words (or phrases) in a query
TITLE_MAX = 200
BODY_MAX = 100_000

# Private-use characters mark the matches inside the engines' snippets; the text is escaped and
# only then are they turned into <mark>. Stored text never contains them (see _clean).
_START, _STOP = "\ue000", "\ue001"
_SENTINELS_RE = re.compile("[\ue000\ue001]")
_PHRASE_RE = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD_RE = re.compile(r"\w+", re.UNICODE)


# --------------------------------------------------------------------------------------------
# Indexing
# --------------------------------------------------------------------------------------------

def _clean(value: str, limit: int) -> str:
    return _SENTINELS_RE.sub("", value or "")[:limit]


def _plain(html: str) -> str:
    return excerpt(html or "", BODY_MAX)


def _upsert(kind: str, object_id: int, **values: Any) -> SearchDocument:
    doc = db.session.scalar(select(SearchDocument).where(
        SearchDocument.kind == kind, SearchDocument.object_id == object_id))
    if doc is None:
        doc = SearchDocument(kind=kind, object_id=object_id)
        db.session.add(doc)
    for key, value in values.items():
        setattr(doc, key, value)
    doc.updated_at = utcnow()
    return doc


def remove(kind: str, object_id: int) -> None:
    """Drop a document from the index (inside the caller's transaction)."""
    db.session.execute(delete(SearchDocument).where(
        SearchDocument.kind == kind, SearchDocument.object_id == object_id))


def index_concept(concept: Concept) -> None:
    """(Re)index a concept's title, summary, description and tags; drop it from results if hidden."""
    if concept.id is None or concept.created_at is None:
        db.session.flush()  # its id, and the date it was posted (never the date it was indexed)
    if concept.hidden_at is not None:
        remove("concept", concept.id)
        return
    tags = " ".join(tag.name for tag in concept.tags)
    body = "\n".join(part for part in (concept.summary or "", _plain(concept.description_html), tags) if part)
    _upsert("concept", concept.id, concept_id=concept.id, topic_id=None,
            title=_clean(concept.title, TITLE_MAX), heading=_clean(concept.title, TITLE_MAX),
            body=_clean(body, BODY_MAX), url=f"/concepts/{concept.slug}",
            created_at=concept.created_at or utcnow())
    # The posts of its discussion show the concept's (maybe new) title as their heading.
    heading = _clean(concept.title, TITLE_MAX)
    db.session.execute(update(SearchDocument).where(
        SearchDocument.kind == "post", SearchDocument.concept_id == concept.id,
        SearchDocument.heading != heading).values(heading=heading))


def index_post(post: Post) -> None:
    """(Re)index a post; a deleted or hidden post is dropped from results."""
    if post.id is None or post.topic_id is None:
        db.session.flush()
    if post.deleted_at is not None or post.hidden_at is not None:
        remove("post", post.id)
        return
    topic = post.topic if post.topic is not None else db.session.get(Topic, post.topic_id)
    title = ""
    if topic.concept_id is None:
        # A board topic's opening post carries the topic's title; replies don't repeat it.
        first_id = db.session.scalar(select(func.min(Post.id)).where(Post.topic_id == topic.id))
        if first_id is None or first_id == post.id:
            title = topic.title
    _upsert("post", post.id, concept_id=topic.concept_id, topic_id=topic.id,
            title=_clean(title, TITLE_MAX), heading=_clean(topic.title, TITLE_MAX),
            body=_clean(_plain(post.body_html), BODY_MAX), url=f"/t/{topic.id}#p{post.id}",
            created_at=post.created_at or utcnow())


def index_feature(feature: Feature) -> None:
    """(Re)index a feature of a concept (for "similar features" while a suggestion is typed); a
    retired one is dropped. Global search shows concepts and posts only."""
    if feature.id is None:
        db.session.flush()
    if feature.retired_at is not None:
        remove("feature", feature.id)
        return
    concept = feature.concept
    _upsert("feature", feature.id, concept_id=feature.concept_id, topic_id=None,
            title=_clean(feature.title, TITLE_MAX), heading=_clean(feature.title, TITLE_MAX),
            body=_clean(feature.description or "", BODY_MAX),
            url=f"/concepts/{concept.slug}#feature-{feature.id}", created_at=feature.created_at or utcnow())


def index_topic(topic: Topic) -> None:
    """Re-index every post of a topic (after its title changed)."""
    for post in db.session.scalars(select(Post).where(Post.topic_id == topic.id)):
        index_post(post)


def reindex_all() -> int:
    """Rebuild the whole index from the concepts and posts (e.g. after a migration). Commits."""
    db.session.execute(delete(SearchDocument))
    count = 0
    for concept in db.session.scalars(select(Concept)):
        index_concept(concept)
        count += 1
    for post in db.session.scalars(select(Post).order_by(Post.id)):
        index_post(post)
        count += 1
    for feature in db.session.scalars(select(Feature).where(Feature.retired_at.is_(None))):
        index_feature(feature)
        count += 1
    db.session.commit()
    return count


# --------------------------------------------------------------------------------------------
# Querying
# --------------------------------------------------------------------------------------------

@dataclass
class SearchItem:
    kind: str
    title: str
    url: str
    snippet_html: Markup
    created_at: datetime
    title_html: Markup = field(default_factory=Markup)


@dataclass
class SearchResults(Pager):
    query: str
    kind: str | None
    items: list[SearchItem]
    total: int
    page: int
    per_page: int
    notice: str = ""  # why nothing was searched, in words a person understands

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0


def parse_query(query: str) -> list[list[str]]:
    """A person's query -> phrases of plain words. Everything that is not a word (FTS5 operators,
    quotes, parentheses, stars, colons...) is dropped, so no input can be a syntax error: the
    engines only ever see quoted words. Double quotes keep words together as a phrase."""
    phrases: list[list[str]] = []
    for match in _PHRASE_RE.finditer((query or "")[:QUERY_MAX]):
        words = _WORD_RE.findall(match.group(1) if match.group(1) is not None else match.group(2))
        words = [w.lower() for w in words if w.strip("_")]
        if match.group(1) is not None:
            if words:
                phrases.append(words)
        else:
            phrases.extend([w] for w in words)
        if len(phrases) >= TERMS_MAX:
            break
    return phrases[:TERMS_MAX]


def _fts5_query(phrases: list[list[str]]) -> str:
    # Every word is in double quotes (a word holds no quote, \w excludes it): FTS5 reads them as
    # strings, never as operators (AND, OR, NOT, NEAR, column filters, prefixes).
    return " ".join('"' + " ".join(words) + '"' for words in phrases)


def _websearch_query(phrases: list[list[str]]) -> str:
    # websearch_to_tsquery never raises on syntax; feeding it only words and quoted phrases also
    # keeps "or" and "-" from meaning something on PostgreSQL that they don't mean on SQLite.
    return " ".join('"' + " ".join(words) + '"' for words in phrases)


def _mark(value: str | None) -> Markup:
    """Escape an engine's snippet, then turn the sentinels it put around matches into <mark>."""
    escaped = str(escape(value or ""))
    return Markup(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))


_VISIBLE_SQL = """
    LEFT JOIN posts p ON d.kind = 'post' AND p.id = d.object_id
    LEFT JOIN topics t ON t.id = d.topic_id
    LEFT JOIN concepts c ON c.id = d.concept_id
    WHERE {match}
      AND d.kind IN ('concept', 'post')
      AND (d.kind <> 'post' OR (p.id IS NOT NULL AND p.deleted_at IS NULL AND p.hidden_at IS NULL))
      AND (d.kind <> 'concept' OR c.id IS NOT NULL)
      AND t.hidden_at IS NULL
      AND c.hidden_at IS NULL
"""


def _sqlite_sql(kind: str | None) -> tuple[str, str]:
    where = _VISIBLE_SQL.format(match="search_fts MATCH :q") + (" AND d.kind = :kind" if kind else "")
    base = "FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid" + where
    rows = ("SELECT d.kind, d.heading, d.url, d.created_at, "
            "highlight(search_fts, 0, :start, :stop) AS title_hl, "
            "snippet(search_fts, 1, :start, :stop, '…', 24) AS snippet "
            + base + " ORDER BY bm25(search_fts, 10.0, 1.0), d.created_at DESC, d.id DESC LIMIT :limit OFFSET :offset")
    return "SELECT count(*) " + base, rows


def _postgresql_sql(kind: str | None) -> tuple[str, str]:
    vector = schema.pg_vector("d.")
    where = _VISIBLE_SQL.format(match=f"{vector} @@ query.q") + (" AND d.kind = :kind" if kind else "")
    base = (f"FROM search_documents d CROSS JOIN websearch_to_tsquery({schema.PG_TS_CONFIG}, :q) "
            "AS query(q)" + where)
    options = f'StartSel="{_START}", StopSel="{_STOP}"'
    rows = ("SELECT d.kind, d.heading, d.url, d.created_at, "
            f"ts_headline({schema.PG_TS_CONFIG}, d.title, query.q, "
            f"'{options}, HighlightAll=true') AS title_hl, "
            f"ts_headline({schema.PG_TS_CONFIG}, d.body, query.q, "
            f"'{options}, MaxWords=35, MinWords=15') AS snippet "
            + base + f" ORDER BY ts_rank({vector}, query.q) DESC, d.created_at DESC, d.id DESC LIMIT :limit OFFSET :offset")
    return "SELECT count(*) " + base, rows


def search(actor: Any, query: str, kind: str | None = None, page: int = 1,
           per_page: int = 20) -> SearchResults:
    """Ranked results for `query`, newest-first among equals, never a hidden or deleted thing.

    `actor` is the person searching (None for a visitor); today everyone sees the same results,
    since hidden content is never returned to anyone, moderators included (they have their queue).
    Input that holds no word gives an empty result with a `notice`, never an error.
    """
    kind = kind if kind in KINDS else None
    page = max(1, int(page or 1))
    per_page = max(1, min(int(per_page or 20), 100))
    text_query = " ".join((query or "").split())[:QUERY_MAX]
    results = SearchResults(query=text_query, kind=kind, items=[], total=0, page=page, per_page=per_page)
    if not text_query:
        return results
    phrases = parse_query(text_query)
    if not phrases:
        results.notice = _("Type at least one word (letters or digits) to search for.")
        return results

    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        count_sql, rows_sql = _postgresql_sql(kind)
        q = _websearch_query(phrases)
    else:
        count_sql, rows_sql = _sqlite_sql(kind)
        q = _fts5_query(phrases)
    try:
        _run(results, count_sql, rows_sql, q, kind)
    except DBAPIError:
        # The full-text index is missing or the engine refused the query: say so, never a 500.
        db.session.rollback()
        current_app.logger.exception("Search failed for %r", text_query)
        results.total, results.items = 0, []
        results.notice = _("Search is not available right now. Please try again later.")
    return results


def _run(results: SearchResults, count_sql: str, rows_sql: str, q: str, kind: str | None) -> None:
    page, per_page = results.page, results.per_page
    params: dict[str, Any] = {"q": q}
    if kind:
        params["kind"] = kind
    results.total = db.session.execute(text(count_sql), params).scalar_one()
    if not results.total or (page - 1) * per_page >= results.total:
        return
    typed = text(rows_sql).columns(kind=String, heading=String, url=String, created_at=DateTime,
                                   title_hl=String, snippet=String)
    rows = db.session.execute(typed, {**params, "start": _START, "stop": _STOP,
                                               "limit": per_page, "offset": (page - 1) * per_page})
    for row in rows:
        title_html = _mark(row.title_hl) if row.title_hl and row.title_hl.replace(_START, "").replace(
            _STOP, "") == row.heading else Markup(escape(row.heading))
        results.items.append(SearchItem(kind=row.kind, title=row.heading, url=row.url,
                                        snippet_html=_mark(row.snippet), created_at=row.created_at,
                                        title_html=title_html))
