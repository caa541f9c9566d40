"""Tests for forum.analytics.ranking (Wilson score lower bound).

Expected values are worked out from the closed form (Wilson 1927; Miller 2009)

    lb = (p + z²/(2n) - z*sqrt(p(1-p)/n + z²/(4n²))) / (1 + z²/n)

with z = 1.96, z² = 3.8416.
"""

from __future__ import annotations

import ast
import math
import sys
from pathlib import Path

import pytest

from forum.analytics.ranking import rank, wilson_lower_bound


def test_90_of_100() -> None:
    # n=100, p=0.9: z²/2n = 0.019208; p(1-p)/n = 0.0009; z²/4n² = 0.00009604
    # sqrt(0.00099604) = 0.0315601; * 1.96 = 0.0618578
    # (0.9 + 0.019208 - 0.0618578) / (1 + 0.038416) = 0.8573502 / 1.038416 = 0.825632
    assert wilson_lower_bound(90, 100) == pytest.approx(0.825632, abs=1e-6)
    assert round(wilson_lower_bound(90, 100), 4) == 0.8256


def test_2_of_2() -> None:
    # n=2, p=1: z²/2n = 0.9604; sqrt(0 + 3.8416/16) = sqrt(0.2401) = 0.49
    # z * 0.49 = 0.9604
    # (1 + 0.9604 - 0.9604) / (1 + 1.9208) = 1 / 2.9208 = 0.342372
    assert wilson_lower_bound(2, 2) == pytest.approx(1 / 2.9208, abs=1e-12)
    assert round(wilson_lower_bound(2, 2), 4) == 0.3424


def test_1_of_1() -> None:
    # n=1, p=1: z²/2 = 1.9208; sqrt(3.8416/4) = sqrt(0.9604) = 0.98; * 1.96 = 1.9208
    # (1 + 1.9208 - 1.9208) / (1 + 3.8416) = 1 / 4.8416 = 0.206543
    assert wilson_lower_bound(1, 1) == pytest.approx(1 / 4.8416, abs=1e-12)
    assert round(wilson_lower_bound(1, 1), 4) == 0.2065


def test_zero_votes_and_zero_positive() -> None:
    assert wilson_lower_bound(0, 0) == 0.0
    # p=0: z²/2n - z*sqrt(z²/4n²) = z²/2n - z²/2n = 0 exactly, never negative
    assert wilson_lower_bound(0, 10) == 0.0
    assert wilson_lower_bound(0, 1) == 0.0


def test_half_of_ten() -> None:
    # n=10, p=0.5: z²/2n = 0.19208; p(1-p)/n = 0.025; z²/4n² = 0.009604
    # sqrt(0.034604) = 0.1860215; * 1.96 = 0.3646021
    # (0.5 + 0.19208 - 0.3646021) / 1.38416 = 0.3274779 / 1.38416 = 0.236590
    assert wilson_lower_bound(5, 10) == pytest.approx(0.236590, abs=1e-6)


def test_z_zero_is_plain_share_and_custom_z() -> None:
    assert wilson_lower_bound(3, 4, z=0.0) == pytest.approx(0.75)
    # wider interval (larger z) -> lower bound
    assert wilson_lower_bound(90, 100, z=2.576) < wilson_lower_bound(90, 100)


def test_more_evidence_same_share_ranks_higher() -> None:
    assert wilson_lower_bound(9, 10) < wilson_lower_bound(90, 100)
    assert wilson_lower_bound(2, 2) < wilson_lower_bound(90, 100)
    assert wilson_lower_bound(1, 1) < wilson_lower_bound(2, 2)


@pytest.mark.parametrize(("positive", "total"), [(-1, 5), (0, -1), (6, 5), (1, 0)])
def test_invalid_counts(positive: int, total: int) -> None:
    with pytest.raises(ValueError):
        wilson_lower_bound(positive, total)


def test_invalid_z_and_types() -> None:
    with pytest.raises(ValueError):
        wilson_lower_bound(1, 2, z=-1.0)
    with pytest.raises(ValueError):
        wilson_lower_bound(1, 2, z=math.nan)
    with pytest.raises(TypeError):
        wilson_lower_bound(1.5, 2)  # type: ignore[arg-type]


def test_rank_two_of_two_never_beats_ninety_of_hundred() -> None:
    # keys: (key, up, down)
    order = rank([("tiny", 2, 0), ("big", 90, 10), ("single", 1, 0), ("none", 0, 0)])
    assert order == ["big", "tiny", "single", "none"]


def test_rank_ties_more_votes_then_key() -> None:
    # zero up-votes all score 0: more total votes first, then key ascending
    order = rank([("c", 0, 1), ("b", 0, 5), ("a", 0, 1), ("d", 0, 0)])
    assert order == ["b", "a", "c", "d"]
    # identical tallies -> key order
    assert rank([(2, 3, 1), (1, 3, 1)]) == [1, 2]


def test_rank_rejects_negative_votes_and_accepts_empty() -> None:
    assert rank([]) == []
    with pytest.raises(ValueError):
        rank([("x", -1, 2)])


def test_analytics_package_is_pure() -> None:
    """forum/analytics imports only the standard library, itself and the numerical libraries
    (numpy, scipy: the MaxDiff logit) -- no Flask, no database."""
    package = Path(__file__).resolve().parents[2] / "forum" / "analytics"
    files = sorted(package.glob("*.py"))
    assert {f.name for f in files} >= {
        "__init__.py",
        "ranking.py",
        "kano.py",
        "pricing.py",
    }
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in {"numpy", "scipy"} or name.startswith(
                    "forum.analytics"
                ), f"{file.name} imports {name}"


def test_wilson_interval_by_hand() -> None:
    from forum.analytics.ranking import wilson_interval

    # 9 of 10 in favour, z = 1.96, z^2 = 3.8416: centre (0.9 + 0.19208) / 1.38416 = 0.78899,
    # margin 1.96 * sqrt(0.009 + 0.009604) / 1.38416 = 0.19314 -> (0.59585, 0.98213)
    low, high = wilson_interval(9, 10)
    assert (round(low, 5), round(high, 5)) == (0.59584, 0.98212)
    assert wilson_interval(0, 0) is None
