"""Tests for forum.analytics.kano (Berger et al. 1993 evaluation table)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from forum.analytics.kano import (
    ANSWER_LABELS,
    ANSWERS,
    CATEGORIES,
    CATEGORY_LABELS,
    KanoSummary,
    classify,
    summarize,
)

# Berger et al. (1993), typed out independently of the implementation.
# rows: functional answer; columns: dysfunctional answer, both in ANSWERS order
EXPECTED_TABLE = {
    "like": ["Q", "A", "A", "A", "O"],
    "expect": ["R", "I", "I", "I", "M"],
    "neutral": ["R", "I", "I", "I", "M"],
    "live_with": ["R", "I", "I", "I", "M"],
    "dislike": ["R", "R", "R", "R", "Q"],
}
ALL_CELLS = [
    (functional, dysfunctional, EXPECTED_TABLE[functional][column])
    for functional in EXPECTED_TABLE
    for column, dysfunctional in enumerate(
        ["like", "expect", "neutral", "live_with", "dislike"]
    )
]

# one answer pair producing each category
PAIR = {
    "A": ("like", "neutral"),
    "O": ("like", "dislike"),
    "M": ("neutral", "dislike"),
    "I": ("neutral", "neutral"),
    "R": ("dislike", "like"),
    "Q": ("like", "like"),
}


def pairs(**counts: int) -> list[tuple[str, str]]:
    return [PAIR[code] for code, count in counts.items() for _ in range(count)]


def test_constants() -> None:
    assert ANSWERS == ("like", "expect", "neutral", "live_with", "dislike")
    assert list(ANSWER_LABELS) == list(ANSWERS)
    assert list(ANSWER_LABELS.values()) == [
        "I like it",
        "I expect it",
        "I am neutral",
        "I can live with it",
        "I dislike it",
    ]
    assert CATEGORY_LABELS == {
        "A": "Attractive",
        "O": "One-dimensional",
        "M": "Must-be",
        "I": "Indifferent",
        "R": "Reverse",
        "Q": "Questionable",
    }
    assert set(CATEGORIES) == set(CATEGORY_LABELS)


def test_table_has_25_cells() -> None:
    assert len(ALL_CELLS) == 25


@pytest.mark.parametrize(("functional", "dysfunctional", "expected"), ALL_CELLS)
def test_classify_every_cell(
    functional: str, dysfunctional: str, expected: str
) -> None:
    assert classify(functional, dysfunctional) == expected


@pytest.mark.parametrize(
    ("functional", "dysfunctional"),
    [("Like", "like"), ("like", "hate"), ("", "like"), ("like", "live with")],
)
def test_classify_unknown_answer(functional: str, dysfunctional: str) -> None:
    with pytest.raises(ValueError):
        classify(functional, dysfunctional)


def test_summarize_counts_and_coefficients_leave_out_r_and_q() -> None:
    summary = summarize(pairs(A=3, O=2, M=1, I=4, R=5, Q=2))
    assert summary.counts == {"A": 3, "O": 2, "M": 1, "I": 4, "R": 5, "Q": 2}
    assert summary.n == 17
    # R is the most frequent of all six, so it is the category
    assert summary.category == "R"
    # denominator A+O+M+I = 3+2+1+4 = 10 (R and Q excluded)
    # better = (A+O)/10 = 5/10; worse = -(O+M)/10 = -3/10
    assert summary.better == pytest.approx(0.5)
    assert summary.worse == pytest.approx(-0.3)


def test_summarize_unpacks() -> None:
    category, counts, better, worse = summarize(pairs(A=2, O=1, I=1))
    assert category == "A"
    assert counts == {"A": 2, "O": 1, "M": 0, "I": 1, "R": 0, "Q": 0}
    # better = (2+1)/4 = 0.75; worse = -(1+0)/4 = -0.25
    assert better == pytest.approx(0.75)
    assert worse == pytest.approx(-0.25)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"M": 2, "O": 2, "A": 2, "I": 2, "R": 2, "Q": 2}, "M"),
        ({"O": 2, "A": 2, "I": 2, "R": 2, "Q": 2}, "O"),
        ({"A": 2, "I": 2, "R": 2, "Q": 2}, "A"),
        ({"I": 2, "R": 2, "Q": 2}, "I"),
        ({"R": 2, "Q": 2}, "R"),
        ({"Q": 2, "A": 1}, "Q"),
        ({"A": 3, "M": 3, "I": 1}, "M"),
        ({"A": 3, "O": 3}, "O"),
        ({"I": 1, "A": 1}, "A"),
        ({"Q": 1, "I": 1}, "I"),
    ],
)
def test_tie_breaking_m_o_a_i_r_q(counts: dict[str, int], expected: str) -> None:
    assert summarize(pairs(**counts)).category == expected


def test_empty_input() -> None:
    summary = summarize([])
    assert summary == KanoSummary(
        category=None,
        counts={"A": 0, "O": 0, "M": 0, "I": 0, "R": 0, "Q": 0},
        better=None,
        worse=None,
        n=0,
    )
    assert tuple(summary) == (None, summary.counts, None, None)


def test_only_reverse_and_questionable_gives_no_coefficients() -> None:
    summary = summarize(pairs(R=1, Q=3))
    assert summary.category == "Q"
    assert summary.better is None
    assert summary.worse is None
    assert summary.n == 4


def test_worse_is_plain_zero_not_negative_zero() -> None:
    summary = summarize(pairs(A=1, I=1))
    assert summary.worse == 0.0
    assert summary.worse is not None
    assert math.copysign(1.0, summary.worse) == 1.0


def test_summarize_accepts_generator_and_rejects_unknown() -> None:
    summary = summarize(pair for pair in [("expect", "dislike")] * 3)
    assert (summary.category, summary.n, summary.better, summary.worse) == (
        "M",
        3,
        0.0,
        -1.0,
    )
    with pytest.raises(ValueError):
        summarize([("like", "expect"), ("maybe", "like")])


def test_summary_is_frozen() -> None:
    summary = summarize(pairs(A=1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.category = "M"  # type: ignore[misc]
