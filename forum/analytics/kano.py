"""Kano model: classify feature requirements from paired questionnaire answers.

Each respondent answers a *functional* question ("How do you feel if the
product has this feature?") and a *dysfunctional* one ("... if it does not?")
on the same five-point scale.  The pair is looked up in the Kano evaluation
table.

Sources:

* N. Kano, N. Seraku, F. Takahashi, S. Tsuji (1984), "Attractive quality and
  must-be quality", *Journal of the Japanese Society for Quality Control*
  14(2), 39-48 -- the model and its categories.
* C. Berger, R. Blauth, D. Boger et al. (1993), "Kano's methods for
  understanding customer-defined quality", *Center for Quality of Management
  Journal* 2(4), 3-35 -- the evaluation table used here, the answer wording,
  and the customer-satisfaction coefficients ("better" / "worse").

Evaluation table (rows: functional answer, columns: dysfunctional answer)::

                 like  expect  neutral  live_with  dislike
    like          Q      A       A         A         O
    expect        R      I       I         I         M
    neutral       R      I       I         I         M
    live_with     R      I       I         I         M
    dislike       R      R       R         R         Q

Satisfaction coefficients (Berger et al. 1993), Reverse and Questionable
answers left out::

    better = (A + O) / (A + O + M + I)
    worse  = -(O + M) / (A + O + M + I)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ANSWERS",
    "ANSWER_LABELS",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "EVALUATION_TABLE",
    "TIE_BREAK_ORDER",
    "KanoSummary",
    "classify",
    "summarize",
]

ANSWERS: tuple[str, ...] = ("like", "expect", "neutral", "live_with", "dislike")
"""The five answers, in the order of the evaluation table."""

ANSWER_LABELS: dict[str, str] = {
    "like": "I like it",
    "expect": "I expect it",
    "neutral": "I am neutral",
    "live_with": "I can live with it",
    "dislike": "I dislike it",
}
"""Human wording of each answer (Berger et al. 1993)."""

CATEGORY_LABELS: dict[str, str] = {
    "A": "Attractive",
    "O": "One-dimensional",
    "M": "Must-be",
    "I": "Indifferent",
    "R": "Reverse",
    "Q": "Questionable",
}
"""Category code -> name."""

CATEGORIES: tuple[str, ...] = tuple(CATEGORY_LABELS)
"""All six category codes: A, O, M, I, R, Q."""

TIE_BREAK_ORDER: tuple[str, ...] = ("M", "O", "A", "I", "R", "Q")
"""When categories are equally frequent, the earlier one here wins."""

_ROWS: dict[str, str] = {
    # columns: like, expect, neutral, live_with, dislike
    "like": "QAAAO",
    "expect": "RIIIM",
    "neutral": "RIIIM",
    "live_with": "RIIIM",
    "dislike": "RRRRQ",
}

EVALUATION_TABLE: dict[tuple[str, str], str] = {
    (functional, dysfunctional): _ROWS[functional][column]
    for functional in ANSWERS
    for column, dysfunctional in enumerate(ANSWERS)
}
"""(functional, dysfunctional) -> category code, per Berger et al. (1993)."""


def classify(functional: str, dysfunctional: str) -> str:
    """Category code for one respondent's answer pair.

    Raises :class:`ValueError` when either answer is not one of :data:`ANSWERS`.
    """
    for name, answer in (("functional", functional), ("dysfunctional", dysfunctional)):
        if answer not in ANSWER_LABELS:
            raise ValueError(
                f"unknown {name} answer {answer!r}; "
                f"expected one of {', '.join(ANSWERS)}"
            )
    return EVALUATION_TABLE[(functional, dysfunctional)]


@dataclass(frozen=True)
class KanoSummary:
    """Classification of one feature across respondents.

    Unpacks as ``category, counts, better, worse``.

    * ``category`` -- most frequent category code (ties: M, O, A, I, R, Q),
      or ``None`` when there were no answers.
    * ``counts`` -- answers per category, all six codes present.
    * ``better`` / ``worse`` -- Berger et al. (1993) coefficients, ``None``
      when no A, O, M or I answers exist.
    * ``n`` -- number of answer pairs.
    """

    category: str | None
    counts: dict[str, int]
    better: float | None
    worse: float | None
    n: int

    def __iter__(self) -> Iterator[Any]:
        return iter((self.category, self.counts, self.better, self.worse))


def summarize(pairs: Iterable[tuple[str, str]]) -> KanoSummary:
    """Classify every ``(functional, dysfunctional)`` pair and aggregate.

    The category is the most frequent one across all six codes; ties go to
    the earliest in :data:`TIE_BREAK_ORDER` (M before O before A before I,
    then R, then Q).  Unknown answers raise :class:`ValueError`.
    """
    counts = dict.fromkeys(CATEGORIES, 0)
    n = 0
    for functional, dysfunctional in pairs:
        counts[classify(functional, dysfunctional)] += 1
        n += 1

    category: str | None = None
    if n:
        top = max(counts.values())
        category = next(code for code in TIE_BREAK_ORDER if counts[code] == top)

    a, o, m, i = counts["A"], counts["O"], counts["M"], counts["I"]
    denominator = a + o + m + i
    better: float | None = None
    worse: float | None = None
    if denominator:
        better = (a + o) / denominator
        worse = 0.0 - (o + m) / denominator  # 0.0 - x avoids a printed "-0.0"
    return KanoSummary(
        category=category, counts=counts, better=better, worse=worse, n=n
    )
