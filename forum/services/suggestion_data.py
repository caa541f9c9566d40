"""Suggestions as data: the API's list and the suggestions.csv export (a published contract).

Only suggestions everyone may see are listed (a suggestion held for review, hidden or deleted as
a post is not), with their support counted under the one rule of whose answer counts. In the CSV the
author is a pseudonym (forum.services.pseudonyms), or their username when they chose to be credited.

* GET /api/v1/concepts/<slug>/suggestions: id, title, why, status, support, created_at, feature
  (the adopted or merged-into feature: {id, title}, else null), merged_into (a suggestion id or null),
  reason (a decline's reason, else "")
* suggestions.csv: suggestion,title,author,status,support,feature,created_at
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import or_, select

from forum.extensions import db
from forum.models import Concept, Post, Suggestion, User
from forum.services import exports
from forum.services.pseudonyms import Pseudonymizer
from forum.services.suggestions import support_counts

CSV_COLUMNS = ("suggestion", "title", "author", "status", "support", "feature", "created_at")


def _public(concept_id: int) -> Any:
    return (select(Suggestion).outerjoin(Post, Post.id == Suggestion.post_id)
            .where(Suggestion.concept_id == concept_id,
                   or_(Suggestion.post_id.is_(None), (Post.hidden_at.is_(None) & Post.deleted_at.is_(None))))
            .order_by(Suggestion.id))


def as_json(concept: Concept) -> list[dict[str, Any]]:
    counts = support_counts(concept.id)
    out = []
    for s in db.session.scalars(_public(concept.id)):
        out.append({"id": s.id, "title": s.title, "why": s.why, "status": s.status,
                    "support": counts.get(s.id, 0), "created_at": exports.iso_time(s.created_at),
                    "feature": {"id": s.feature.id, "title": s.feature.title} if s.feature is not None else None,
                    "merged_into": s.merged_into_id, "reason": s.decision_note if s.status == "declined" else ""})
    return out


def csv_rows(concept: Concept, key: bytes | None = None) -> Iterator[tuple[Any, ...]]:
    who = Pseudonymizer(concept.id, key)
    counts = support_counts(concept.id)
    for s in db.session.scalars(_public(concept.id)):
        author = db.session.get(User, s.author_id) if s.author_id is not None else None
        name = "" if author is None or author.deleted_at is not None else who(
            author.id, author.username, author.credit_by_name)
        yield (s.id, s.title, name, s.status, counts.get(s.id, 0),
               s.feature.title if s.feature is not None else "", exports.iso_time(s.created_at))


def csv_export(concept: Concept, key: bytes | None = None) -> Iterator[str]:
    return exports.csv_chunks(CSV_COLUMNS, list(csv_rows(concept, key)))
