"""The research answers as export rows (forum.services.exports streams them as CSV and workbook sheets):

* gabor_granger.csv  respondent,price,answer,answered_at   one row per question asked, answer yes or no
* maxdiff.csv        respondent,set,shown,best,worst,answered_at   shown: the set's titles joined by " | "

The rows are the counted respondents' current answers, the same the summary counts (the demand
rule; MaxDiff sets that showed a feature since retired are left out, as in the summary), so the
summary recomputed from the files gives the API's figures. What they need of the concept (its
features' titles, the retired ones) is read before streaming (`Facts`), so the generators need no
app context. Each yields the person's id, username and credit choice first (the caller turns them
into the respondent column and the segment cells)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from forum.models import Concept, GaborGrangerAnswer, GaborGrangerResponse, MaxDiffAnswer, User
from forum.services.demand import maxdiff, segments
from forum.services.demand.rule import counted

GABOR_GRANGER_COLUMNS = ("respondent", "price", "answer", "answered_at")
MAXDIFF_COLUMNS = ("respondent", "set", "shown", "best", "worst", "answered_at")

Execute = Callable[..., Any]
Raw = Callable[[Any], Any]


@dataclass(frozen=True)
class Facts:
    concept_id: int
    titles: dict[int, str]  # every feature's title, by id
    retired: list[int]  # retired features' ids


def facts(concept: Concept) -> Facts:
    return Facts(concept.id, {f.id: f.title for f in concept.features}, maxdiff.retired_ids(concept))


@dataclass(frozen=True)
class Extras:
    """What every export of a concept adds, read before streaming: the research facts, and one
    `segment:<question>` column per profile question with each person's cells (an answer fewer than
    FLOOR counted people gave stays empty, as does no answer)."""

    facts: Facts
    columns: tuple[str, ...]
    cells: dict[int, tuple[str, ...]]

    def of(self, user_id: int | None) -> tuple[str, ...]:
        if user_id is None or user_id not in self.cells:
            return ("",) * len(self.columns)
        return self.cells[user_id]


def extras(concept: Concept) -> Extras:
    counts = {str(choice_id): n for choice_id, n in segments.counts(concept).items()}
    labels = segments.labels_by_person(concept, counts)
    questions = list(concept.segment_questions)
    cells = {user_id: tuple(mine.get(q.id, "") for q in questions) for user_id, mine in labels.items()}
    return Extras(facts(concept), tuple(segments.columns(concept)), cells)


def gabor_granger_rows(facts: Facts, execute: Execute, raw: Raw) -> Iterator[tuple[Any, ...]]:
    """(user id, username, credited, price, "yes"/"no", answered_at) per question asked."""
    GG, A = GaborGrangerResponse, GaborGrangerAnswer
    stmt = (select(GG.user_id, User.username, User.credit_by_name, raw(A.price), A.accepted, raw(A.answered_at))
            .join(A, A.response_id == GG.id).join(User, User.id == GG.user_id)
            .where(GG.concept_id == facts.concept_id, counted(facts.concept_id)).order_by(GG.id, A.step))
    for user_id, username, credited, price, accepted, when in execute(stmt):
        yield user_id, username, credited, price, "yes" if accepted else "no", when


def maxdiff_rows(facts: Facts, execute: Execute, raw: Raw) -> Iterator[tuple[Any, ...]]:
    """(user id, username, credited, set number, shown titles, best title, worst title, answered_at)
    per answered set."""
    MD, titles = MaxDiffAnswer, facts.titles
    stmt = (select(MD.user_id, User.username, User.credit_by_name, MD.set_number, MD.shown, MD.best_feature_id,
                   MD.worst_feature_id, raw(MD.answered_at))
            .join(User, User.id == MD.user_id)
            .where(MD.concept_id == facts.concept_id, counted(facts.concept_id),
                   maxdiff.only_active(retired=facts.retired))
            .order_by(MD.id))
    for user_id, username, credited, number, shown, best, worst, when in execute(stmt):
        names = " | ".join(titles.get(int(i), "") for i in shown.split(","))
        yield user_id, username, credited, number, names, titles.get(best, ""), titles.get(worst, ""), when


__all__ = ["GABOR_GRANGER_COLUMNS", "MAXDIFF_COLUMNS", "Extras", "Facts", "extras", "facts", "gabor_granger_rows", "maxdiff_rows"]
