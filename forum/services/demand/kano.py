"""Kano answers as demand: each active feature's category and Better/Worse coefficients (Berger et
al.), over the counted answers."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from forum.analytics import kano as kano_analysis
from forum.extensions import db
from forum.models import Concept, Feature, KanoAnswer
from forum.services.demand.rule import counted
from forum.services.demand.votes import active_features


def _counted_answers(concept_id: int) -> Any:
    return (select().select_from(KanoAnswer).join(Feature, Feature.id == KanoAnswer.feature_id)
            .where(Feature.concept_id == concept_id, Feature.retired_at.is_(None),
                   counted(concept_id, user_id=KanoAnswer.user_id)))


def respondents(concept_id: int) -> int:
    """Distinct people whose Kano answers on the active features count."""
    return db.session.scalar(_counted_answers(concept_id).add_columns(
        func.count(func.distinct(KanoAnswer.user_id)))) or 0


def by_feature(concept: Concept) -> dict[int, kano_analysis.KanoSummary]:
    """{feature id: the Kano summary of its counted answer pairs}: one grouped query."""
    pairs: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = db.session.execute(_counted_answers(concept.id).add_columns(
        KanoAnswer.feature_id, KanoAnswer.functional, KanoAnswer.dysfunctional, func.count())
        .group_by(KanoAnswer.feature_id, KanoAnswer.functional, KanoAnswer.dysfunctional))
    for feature_id, functional, dysfunctional, count in rows:
        if functional in kano_analysis.ANSWER_LABELS and dysfunctional in kano_analysis.ANSWER_LABELS:
            pairs[feature_id].extend([(functional, dysfunctional)] * int(count))
    return {f.id: kano_analysis.summarize(pairs.get(f.id, [])) for f in active_features(concept)}


def compute(concept: Concept) -> dict[str, Any]:
    """The Kano part of the stored summary (JSON)."""
    if not concept.kano_enabled:
        return {"features": {}, "respondents": 0}
    return {"features": {str(k): as_json(v) for k, v in by_feature(concept).items()},
            "respondents": respondents(concept.id)}


def as_json(summary: kano_analysis.KanoSummary) -> dict[str, Any]:
    return {"category": summary.category, "counts": dict(summary.counts), "better": summary.better,
            "worse": summary.worse, "n": summary.n}


def summaries_of(part: dict[str, Any]) -> dict[int, kano_analysis.KanoSummary]:
    """The stored Kano part back as {feature id: KanoSummary}."""
    return {int(k): kano_analysis.KanoSummary(category=v["category"], counts=dict(v["counts"]),
                                              better=v["better"], worse=v["worse"], n=int(v["n"]))
            for k, v in part.get("features", {}).items()}


__all__ = ["as_json", "by_feature", "compute", "respondents", "summaries_of"]
