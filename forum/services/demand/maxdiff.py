"""Best-worst (MaxDiff) answers as demand: per active feature how often it was shown, picked best and
picked worst, its count score and its share of preference from the maxdiff logit
(forum.analytics.maxdiff), over the counted respondents' answered sets.

The database counts: answered sets grouped by the features shown, and the best and the worst picks
grouped by feature; the logit runs on those groups (at most one per distinct set), never on one
object per answer. Sets that showed a feature since retired are left out (the choice they record
was among features the concept no longer has), in the figures and in maxdiff.csv alike."""
from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, func, literal, select, true

from forum.analytics import maxdiff
from forum.extensions import db
from forum.models import Concept, Feature, MaxDiffAnswer
from forum.services.demand.rule import counted

MD = MaxDiffAnswer


def active_features(concept: Concept) -> list[Feature]:
    return [f for f in concept.features if f.retired_at is None]


def retired_ids(concept: Concept) -> list[int]:
    return [f.id for f in concept.features if f.retired_at is not None]


def only_active(concept: Concept | None = None, retired: list[int] | None = None) -> Any:
    """SQL condition on MaxDiffAnswer: none of the features it showed is retired (`retired`: their
    ids, when read before, e.g. for an export streamed after the request)."""
    retired = retired_ids(concept) if retired is None and concept is not None else (retired or [])
    padded = literal(",", String) + MD.shown + literal(",", String)
    return and_(true(), *(~padded.contains(f",{feature_id},") for feature_id in retired))


def rows(concept: Concept) -> Any:
    """The counted, current answered sets of the concept (a SELECT to add columns to)."""
    return (select().select_from(MD)
            .where(MD.concept_id == concept.id, counted(concept.id, user_id=MD.user_id), only_active(concept)))


def compute(concept: Concept) -> dict[str, Any] | None:
    """The stored part: counts and shares by feature id, None when MaxDiff is off."""
    if not concept.maxdiff_enabled:
        return None
    features = active_features(concept)
    index = {f.id: i for i, f in enumerate(features)}
    sets: dict[tuple[int, ...], int] = {}
    for shown, n in db.session.execute(rows(concept).add_columns(MD.shown, func.count()).group_by(MD.shown)):
        key = tuple(sorted(index[int(i)] for i in shown.split(",")))
        sets[key] = sets.get(key, 0) + int(n)
    best, worst = [0] * len(features), [0] * len(features)
    picks = rows(concept).add_columns(MD.best_feature_id, MD.worst_feature_id, func.count())
    for best_id, worst_id, n in db.session.execute(picks.group_by(MD.best_feature_id, MD.worst_feature_id)):
        best[index[best_id]] += int(n)  # one scan for both: at most k(k-1) groups
        worst[index[worst_id]] += int(n)
    respondents = db.session.scalar(rows(concept).add_columns(func.count(func.distinct(MD.user_id)))) or 0
    scores = maxdiff.scores(len(features), best, worst, sets) if features else []
    return {"respondents": int(respondents),
            "items": {str(f.id): [s.shown, s.best, s.worst, s.share] for f, s in zip(features, scores, strict=True)}}


def section(concept: Concept, part: dict[str, Any] | None) -> dict[str, Any] | None:
    """The contract's `maxdiff` (null when off): the active features, highest share first."""
    if not concept.maxdiff_enabled or part is None:
        return None
    items = []
    for feature in active_features(concept):
        shown, best, worst, share = part["items"].get(str(feature.id), [0, 0, 0, None])
        items.append({"title": feature.title, "shown": shown, "best": best, "worst": worst,
                      "count_score": (best - worst) / shown if shown else None, "share": share})
    items.sort(key=lambda item: -(item["share"] if item["share"] is not None else -1))
    return {"respondents": part["respondents"], "items": items}


__all__ = ["active_features", "compute", "only_active", "retired_ids", "rows", "section"]
