"""Feature votes as demand: tallies, the ranking (Wilson lower bound) and who voted, counted by the
one rule (forum.services.demand.rule)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from forum.analytics import ranking
from forum.extensions import db
from forum.models import Concept, Feature, FeatureVote
from forum.services.demand.rule import counted, waiting


def _up_down() -> tuple[Any, Any]:
    up = func.coalesce(func.sum(case((FeatureVote.value > 0, 1), else_=0)), 0)
    down = func.coalesce(func.sum(case((FeatureVote.value < 0, 1), else_=0)), 0)
    return up, down


def tallies(concept_id: int) -> dict[int, tuple[int, int]]:
    """{feature_id: (for, against)} of a concept's counted votes: one grouped query."""
    rows = db.session.execute(
        select(FeatureVote.feature_id, *_up_down())
        .join(Feature, Feature.id == FeatureVote.feature_id)
        .where(Feature.concept_id == concept_id, counted(concept_id, user_id=FeatureVote.user_id))
        .group_by(FeatureVote.feature_id))
    return {feature_id: (int(u), int(d)) for feature_id, u, d in rows}


def tally(feature: Feature) -> tuple[int, int]:
    """(for, against) of one feature's counted votes."""
    u, d = db.session.execute(
        select(*_up_down())
        .where(FeatureVote.feature_id == feature.id, counted(feature.concept_id, user_id=FeatureVote.user_id))).one()
    return int(u), int(d)


def active_features(concept: Concept) -> list[Feature]:
    return [f for f in concept.features if f.retired_at is None]


def order(features: list[Feature], counts: dict[int, tuple[int, int]]) -> list[int]:
    """Feature ids, best Wilson lower bound first (ties: the organization's order)."""
    ranked = ranking.rank([((f.position, f.id), *counts.get(f.id, (0, 0))) for f in features])
    return [feature_id for _, feature_id in ranked]


def rank_order(concept: Concept) -> list[int]:
    """The active features' ids in the vote list's order, from the counted votes now."""
    return order(active_features(concept), tallies(concept.id))


def voters(concept_id: int) -> int:
    """Distinct people whose votes on the concept's active features count."""
    return db.session.scalar(
        select(func.count(func.distinct(FeatureVote.user_id)))
        .join(Feature, Feature.id == FeatureVote.feature_id)
        .where(Feature.concept_id == concept_id, Feature.retired_at.is_(None),
               counted(concept_id, user_id=FeatureVote.user_id))) or 0


def waiting_votes(concept_id: int) -> int:
    """Votes saved by brand-new accounts that count once their wait ends."""
    return db.session.scalar(
        select(func.count(FeatureVote.id))
        .join(Feature, Feature.id == FeatureVote.feature_id)
        .where(Feature.concept_id == concept_id, Feature.retired_at.is_(None),
               waiting(concept_id, user_id=FeatureVote.user_id))) or 0


def compute(concept: Concept) -> dict[str, Any]:
    """The votes part of the stored summary (JSON: feature ids as strings). Who voted is the
    participation part's "voted" (the same count, read once)."""
    counts = tallies(concept.id)
    return {"tallies": {str(k): list(v) for k, v in counts.items()},
            "ranking": order(active_features(concept), counts), "waiting": waiting_votes(concept.id)}


def counts_of(part: dict[str, Any]) -> dict[int, tuple[int, int]]:
    """The stored tallies back as {feature_id: (for, against)}."""
    return {int(k): (int(v[0]), int(v[1])) for k, v in part["tallies"].items()}


__all__ = ["active_features", "compute", "counts_of", "order", "rank_order", "tallies", "tally", "voters",
           "waiting_votes"]
