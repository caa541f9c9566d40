"""The research answers as export rows (forum.services.exports streams them as CSV and workbook sheets):

* gabor_granger.csv  respondent,price,answer,answered_at   one row per question asked, answer yes or no
* maxdiff.csv        respondent,set,shown,best,worst,answered_at   shown: the set's titles joined by " | "

The rows are the counted respondents' current answers, the same the summary counts (the demand
rule; MaxDiff sets that showed a feature since retired are left out, as in the summary), so the
summary recomputed from the files gives the API's figures. Each generator yields the person's id
first (the caller turns it into the pseudonym and the segment cells)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import select

from forum.models import Concept, Feature, GaborGrangerAnswer, GaborGrangerResponse, MaxDiffAnswer, User
from forum.services.demand import maxdiff
from forum.services.demand.rule import counted

GABOR_GRANGER_COLUMNS = ("respondent", "price", "answer", "answered_at")
MAXDIFF_COLUMNS = ("respondent", "set", "shown", "best", "worst", "answered_at")

Execute = Callable[..., Any]
Raw = Callable[[Any], Any]


def gabor_granger_rows(concept: Concept, execute: Execute, raw: Raw) -> Iterator[tuple[Any, ...]]:
    """(user id, username, credited, price, "yes"/"no", answered_at) per question asked."""
    GG, A = GaborGrangerResponse, GaborGrangerAnswer
    stmt = (select(GG.user_id, User.username, User.credit_by_name, raw(A.price), A.accepted, raw(A.answered_at))
            .join(A, A.response_id == GG.id).join(User, User.id == GG.user_id)
            .where(GG.concept_id == concept.id, counted(concept.id)).order_by(GG.id, A.step))
    for user_id, username, credited, price, accepted, when in execute(stmt):
        yield user_id, username, credited, price, "yes" if accepted else "no", when


def maxdiff_rows(concept: Concept, execute: Execute, raw: Raw,
                 titles: dict[int, str]) -> Iterator[tuple[Any, ...]]:
    """(user id, username, credited, set number, shown titles, best title, worst title, answered_at)
    per answered set. `titles`: {feature id: title} (read before streaming)."""
    MD = MaxDiffAnswer
    stmt = (select(MD.user_id, User.username, User.credit_by_name, MD.set_number, MD.shown, MD.best_feature_id,
                   MD.worst_feature_id, raw(MD.answered_at))
            .join(User, User.id == MD.user_id)
            .where(MD.concept_id == concept.id, counted(concept.id), maxdiff.only_active(concept))
            .order_by(MD.id))
    for user_id, username, credited, number, shown, best, worst, when in execute(stmt):
        names = " | ".join(titles.get(int(i), "") for i in shown.split(","))
        yield user_id, username, credited, number, names, titles.get(best, ""), titles.get(worst, ""), when


def feature_titles(concept: Concept, execute: Execute) -> dict[int, str]:
    return dict(execute(select(Feature.id, Feature.title).where(Feature.concept_id == concept.id)).tuples().all())


__all__ = ["GABOR_GRANGER_COLUMNS", "MAXDIFF_COLUMNS", "feature_titles", "gabor_granger_rows", "maxdiff_rows"]
