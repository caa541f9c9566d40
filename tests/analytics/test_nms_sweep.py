"""nms_reach was split into named steps (issue 18: no function over 40 lines); the reach it gives is
the same, exactly, as the one-piece sweep it replaced, on random answers and on both x-axes."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest

from forum.analytics.nms import nms_reach


def one_piece_sweep(grid, points, segments, total, by_position):
    """nms_reach as it was before the split (commit ef946e6), kept verbatim as the reference."""
    position_of = {price: index for index, price in enumerate(grid)}
    size = len(grid)
    intercepts = [Fraction(0)] * (size + 1)
    slopes = [Fraction(0)] * (size + 1)
    for price, value, count in points:
        first = position_of[price]
        intercepts[first] += value * count
        intercepts[first + 1] -= value * count
    for price0, y0, price1, y1, count in segments:
        p0, p1 = position_of[price0], position_of[price1]
        x0, x1 = (Fraction(p0), Fraction(p1)) if by_position else (price0, price1)
        slope = (y1 - y0) / (x1 - x0)
        intercept = y0 - slope * x0
        intercepts[p0 + 1] += intercept * count
        intercepts[p1 + 1] -= intercept * count
        slopes[p0 + 1] += slope * count
        slopes[p1 + 1] -= slope * count
    reach = []
    intercept_sum = slope_sum = Fraction(0)
    for index, price in enumerate(grid):
        intercept_sum += intercepts[index]
        slope_sum += slopes[index]
        x = Fraction(index) if by_position else price
        reach.append((intercept_sum + slope_sum * x) / total)
    return reach


def random_answers(rng: random.Random):
    grid = sorted({Fraction(rng.randint(1, 4000), rng.choice([1, 2, 4, 100])) for _ in range(rng.randint(2, 25))})
    if len(grid) < 2:
        grid.append(grid[0] + 1)
    probabilities = [Fraction(0), Fraction(1, 10), Fraction(3, 10), Fraction(1, 2), Fraction(7, 10)]
    points = [(rng.choice(grid), rng.choice(probabilities), rng.randint(1, 9)) for _ in range(rng.randint(0, 5))]
    segments = []
    for _ in range(rng.randint(1, 30)):
        start, end = sorted(rng.sample(range(len(grid)), 2))
        segments.append((grid[start], rng.choice(probabilities), grid[end], rng.choice(probabilities),
                         rng.randint(1, 9)))
    return grid, points, segments, rng.randint(1, 50)


@pytest.mark.parametrize("by_position", [False, True])
def test_the_split_sweep_gives_the_same_reach_exactly(by_position):
    rng = random.Random(18)
    for _ in range(300):
        grid, points, segments, total = random_answers(rng)
        expected = one_piece_sweep(grid, points, segments, total, by_position)
        assert nms_reach(grid, points, segments, total, by_position) == expected


def test_a_curve_reaches_its_anchor_prices():
    """One respondent: 0 at too cheap, 7/10 at cheap, 1/2 at expensive, 0 at too expensive."""
    grid = [Fraction(p) for p in (1, 2, 4, 8)]
    segments = [(grid[0], Fraction(0), grid[1], Fraction(7, 10), 1),
                (grid[1], Fraction(7, 10), grid[2], Fraction(1, 2), 1),
                (grid[2], Fraction(1, 2), grid[3], Fraction(0), 1)]
    assert nms_reach(grid, [], segments, 1, by_position=False) == [0, Fraction(7, 10), Fraction(1, 2), 0]
