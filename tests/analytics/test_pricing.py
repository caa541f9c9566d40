"""Tests for forum.analytics.pricing (Van Westendorp PSM + Newton-Miller-Smith).

Every expected value is worked out by hand in the comments, following the
classic pricesensitivitymeter algorithm:
  too_cheap(p) = #(too_cheap > p)/n      cheap(p) = #(cheap > p)/n
  expensive(p) = #(expensive <= p)/n     too_expensive(p) = #(too_expensive <= p)/n
  PMC: first p with not_cheap >= too_cheap     PME: too_expensive >= not_expensive
  IPP: first p with expensive >= cheap         OPP: too_expensive >= too_cheap
"""

from __future__ import annotations

import dataclasses
import random
from decimal import Decimal
from fractions import Fraction

import pytest

from forum.analytics.pricing import (
    NMS_CALIBRATION,
    PricePoint,
    PriceSensitivityResult,
    position,
    van_westendorp,
    van_westendorp_counts,
)

# Example A -- four respondents (too_cheap, cheap, expensive, too_expensive):
#   R1: 1 3 5 7    R2: 2 4 6 8    R3: 1 2 4 6    R4: 3 5 7 9
# grid = 1..9, n = 4; counts out of 4:
#   p           1  2  3  4  5  6  7  8  9
#   too_cheap   2  1  0  0  0  0  0  0  0   (#tc > p, tc = 1,2,1,3)
#   cheap       4  3  2  1  0  0  0  0  0   (#c > p, c = 3,4,2,5)
#   not_cheap   0  1  2  3  4  4  4  4  4
#   expensive   0  0  0  1  2  3  4  4  4   (#e <= p, e = 5,6,4,7)
#   not_exp     4  4  4  3  2  1  0  0  0
#   too_exp     0  0  0  0  0  1  2  3  4   (#te <= p, te = 7,8,6,9)
# PMC: not_cheap >= too_cheap: p=1 0>=2 no; p=2 1>=1 yes (tie)      -> 2
# PME: too_exp >= not_exp: p=1..5 no (0 vs 4,4,4,3,2); p=6 1>=1 yes -> 6
# IPP: expensive >= cheap: p=1..3 no (0 vs 4,3,2); p=4 1>=1 yes     -> 4
# OPP: too_exp >= too_cheap: p=1 0>=2, p=2 0>=1 no; p=3 0>=0 yes    -> 3
#      (both curves sit on the 0 plateau from 3 to 5: the first price wins)
A_TOO_CHEAP = [1, 2, 1, 3]
A_CHEAP = [3, 4, 2, 5]
A_EXPENSIVE = [5, 6, 4, 7]
A_TOO_EXPENSIVE = [7, 8, 6, 9]


def example_a(**extra: list[object]) -> PriceSensitivityResult:
    columns = [
        list(A_TOO_CHEAP),
        list(A_CHEAP),
        list(A_EXPENSIVE),
        list(A_TOO_EXPENSIVE),
    ]
    for respondent in extra.values():
        for column, value in zip(columns, respondent, strict=True):
            column.append(value)
    return van_westendorp(*columns)


def test_example_a_curves() -> None:
    result = example_a()
    assert result.n == 4
    assert result.invalid == 0
    assert [point.price for point in result.curves] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    counts = {
        "too_cheap": [2, 1, 0, 0, 0, 0, 0, 0, 0],
        "cheap": [4, 3, 2, 1, 0, 0, 0, 0, 0],
        "not_cheap": [0, 1, 2, 3, 4, 4, 4, 4, 4],
        "expensive": [0, 0, 0, 1, 2, 3, 4, 4, 4],
        "not_expensive": [4, 4, 4, 3, 2, 1, 0, 0, 0],
        "too_expensive": [0, 0, 0, 0, 0, 1, 2, 3, 4],
    }
    for name, values in counts.items():
        assert [getattr(point, name) for point in result.curves] == [
            v / 4 for v in values
        ]
    assert all(point.reach is None and point.revenue is None for point in result.curves)
    assert all(isinstance(point.price, float) for point in result.curves)


def test_example_a_points_ties_count_as_reached() -> None:
    result = example_a()
    assert (result.pmc, result.pme, result.ipp, result.opp) == (2, 6, 4, 3)
    assert result.range == (2, 6)
    assert result.small_sample is True
    assert result.reach_optimal_price is None
    assert result.revenue_optimal_price is None
    assert result.nms is False
    assert isinstance(result.pmc, float)


def test_invalid_respondents_are_left_out_and_counted() -> None:
    # R5 has too_cheap == cheap, R6 answers backwards, R7 skipped a question,
    # R8 has expensive == too_expensive; none may touch the grid (10, 11, 12, ...)
    result = example_a(
        r5=[10, 10, 11, 12],
        r6=[13, 12, 11, 10],
        r7=[1, None, 14, 15],
        r8=[1, 2, 16, 16],
    )
    assert result.invalid == 4
    assert result.n == 4
    assert [point.price for point in result.curves] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert (result.pmc, result.pme, result.ipp, result.opp) == (2, 6, 4, 3)


def test_non_finite_price_is_invalid() -> None:
    result = van_westendorp([1, 1], [2, 2], [3, 3], [4, float("inf")])
    assert (result.n, result.invalid) == (1, 1)


def test_all_invalid_never_raises() -> None:
    result = van_westendorp([5, 3], [5, 2], [6, 4], [7, 5])
    assert result.n == 0
    assert result.invalid == 2
    assert (result.pmc, result.pme, result.ipp, result.opp, result.range) == (None,) * 5
    assert result.curves == ()
    assert result.reach_optimal_price is None
    assert result.revenue_optimal_price is None
    assert result.small_sample is True


def test_empty_input() -> None:
    result = van_westendorp([], [], [], [], [], [])
    assert (result.n, result.invalid, result.curves, result.range) == (0, 0, (), None)
    assert result.reach_optimal_price is None


def test_all_invalid_with_intents() -> None:
    result = van_westendorp([2], [1], [3], [4], [5], [3])
    assert (result.n, result.invalid, result.nms_n) == (0, 1, 0)
    assert result.revenue_optimal_price is None


def test_unequal_lengths_raise() -> None:
    with pytest.raises(ValueError):
        van_westendorp([1, 2], [2, 3], [3, 4], [4])
    with pytest.raises(ValueError):
        van_westendorp([1], [2], [3], [4], [5, 5], [3, 3])
    with pytest.raises(ValueError):
        van_westendorp([1], [2], [3], [4], [5], None)


@pytest.mark.parametrize("bad", [0, 6, "5", True, 2.0])
def test_bad_intent_raises(bad: object) -> None:
    with pytest.raises(ValueError):
        van_westendorp([1], [2], [3], [4], [bad], [3])  # type: ignore[list-item]


def test_non_numeric_price_raises_type_error() -> None:
    with pytest.raises(TypeError):
        van_westendorp(["1"], [2], [3], [4])  # type: ignore[list-item]


def test_too_cheap_curve_always_zero() -> None:
    # Everyone's too-cheap price is 0, the lowest grid price, so #(tc > p) = 0 always.
    #   R1: 0 2 4 6    R2: 0 3 5 7     grid 0 2 3 4 5 6 7, n = 2
    #   p           0  2  3  4  5  6  7
    #   too_cheap   0  0  0  0  0  0  0
    #   cheap       2  1  0  0  0  0  0   (c = 2, 3)
    #   not_cheap   0  1  2  2  2  2  2
    #   expensive   0  0  0  1  2  2  2   (e = 4, 5)
    #   not_exp     2  2  2  1  0  0  0
    #   too_exp     0  0  0  0  0  1  2   (te = 6, 7)
    # PMC: not_cheap >= 0 already at p=0 -> 0;  OPP: too_exp >= 0 at p=0 -> 0
    # PME: too_exp >= not_exp: 0>=2,0>=2,0>=2,0>=1 no; p=5 0>=0 yes -> 5
    # IPP: expensive >= cheap: 0>=2, 0>=1 no; p=3 0>=0 yes -> 3
    result = van_westendorp([0, 0], [2, 3], [4, 5], [6, 7])
    assert [point.too_cheap for point in result.curves] == [0.0] * 7
    assert (result.pmc, result.pme, result.ipp, result.opp) == (0, 5, 3, 0)
    assert result.range == (0, 5)


def test_plateau_then_crossing_takes_first_price() -> None:
    # R1: 1 2 5 6    R2: 3 4 7 8     grid 1..8, n = 2
    #   p           1  2  3  4  5  6  7  8
    #   too_cheap   1  1  0  0  0  0  0  0   (tc = 1, 3)
    #   cheap       2  1  1  0  0  0  0  0   (c = 2, 4): plateau at 1/2 over 2..3
    #   not_cheap   0  1  1  2  2  2  2  2
    #   expensive   0  0  0  0  1  1  2  2   (e = 5, 7): plateau at 1/2 over 5..6
    #   not_exp     2  2  2  2  1  1  0  0
    #   too_exp     0  0  0  0  0  1  1  2   (te = 6, 8)
    # PMC: p=1 0>=1 no; p=2 1>=1 yes -> 2
    # PME: p=1..4 0 vs 2 no; p=5 0>=1 no; p=6 1>=1 yes -> 6
    # IPP: p=1 0>=2, p=2 0>=1, p=3 0>=1 no; p=4 0>=0 yes -> 4
    # OPP: p=1 0>=1, p=2 0>=1 no; p=3 0>=0 yes -> 3
    result = van_westendorp([1, 3], [2, 4], [5, 7], [6, 8])
    assert [p.cheap for p in result.curves] == [1.0, 0.5, 0.5, 0, 0, 0, 0, 0]
    assert [p.expensive for p in result.curves] == [0, 0, 0, 0, 0.5, 0.5, 1.0, 1.0]
    assert (result.pmc, result.pme, result.ipp, result.opp) == (2, 6, 4, 3)


def test_tie_that_doubles_miss_follows_the_package() -> None:
    # n = 3: the package (R's ecdf, doubles) misses an exact tie that integer counts see.
    #   R1: 1 2 3 4    R2: 1 2 4 6    R3: 1 2 5 7     grid 1..7
    #   p           1  2  3    4    5  6    7
    #   expensive   0  0  1/3  2/3  1  1    1     F_e = count / 3 as a double
    #   not_exp     1  1  1-1/3 1-2/3 0 0   0     1 - F_e, in doubles
    #   too_exp     0  0  0    1/3  1/3 2/3 1
    # PME at p=4: too_exp = 1/3 = 0.3333333333333333, not_exp = 1 - 0.6666666666666666
    #   = 0.33333333333333337: in real numbers a tie (PME would be 4), in doubles
    #   0.333...33 < 0.333...37, so the package moves on: p=5: 1/3 >= 0 -> PME 5.
    # PMC: not_cheap(1) = 1 - (1 - 0) = 0 >= too_cheap(1) = 1 - 1 = 0 -> 1; OPP 0 >= 0 -> 1
    # IPP: p=1 0 >= 1 no; p=2 expensive 0 >= cheap 1 - 1 = 0 yes -> 2
    assert 1 - (1 - 1 / 3) != 1 / 3  # the double arithmetic the package does
    result = van_westendorp([1, 1, 1], [2, 2, 2], [3, 4, 5], [4, 6, 7])
    assert (result.pmc, result.pme, result.ipp, result.opp) == (1, 5, 2, 1)
    at4 = result.curves[3]
    assert at4.price == 4
    assert at4.too_expensive == 1 / 3
    assert at4.not_expensive == 1 - 2 / 3 == 0.33333333333333337


def test_three_questions_without_too_cheap() -> None:
    # Only cheap, expensive and too expensive asked (too_cheap None for everyone):
    # valid means cheap < expensive < too_expensive; PMC and OPP do not exist.
    #   R1: - 2 4 6    R2: - 3 5 7    R3: - 5 4 6 (cheap > expensive: invalid)
    #   grid 2..7 from R1 and R2, n = 2
    #   p           2    3  4    5  6    7
    #   cheap       1/2  0  0    0  0    0     1 - F_c, c = 2, 3
    #   expensive   0    0  1/2  1  1    1     F_e, e = 4, 5
    #   not_exp     1    1  1/2  0  0    0
    #   too_exp     0    0  0    0  1/2  1     F_te, te = 6, 7
    # PME: too_exp >= not_exp: p=2..4 no; p=5 0 >= 0 -> 5
    # IPP: expensive >= cheap: p=2 0 >= 1/2 no; p=3 0 >= 0 -> 3
    result = van_westendorp([None, None, None], [2, 3, 5], [4, 5, 4], [6, 7, 6])
    assert (result.n, result.invalid) == (2, 1)
    assert (result.pmc, result.pme, result.ipp, result.opp) == (None, 5, 3, None)
    assert result.range is None
    assert [p.price for p in result.curves] == [2, 3, 4, 5, 6, 7]
    assert all(p.too_cheap is None for p in result.curves)
    assert van_westendorp(None, [2, 3, 5], [4, 5, 4], [6, 7, 6]) == result
    assert position(result, (None, 3, 5, 7))["too_cheap"] is None


def test_once_anyone_answers_too_cheap_it_is_required() -> None:
    # R1 answered all four, R2 skipped too_cheap: R2 is invalid (as in the package)
    result = van_westendorp([1, None], [2, 3], [4, 5], [6, 7])
    assert (result.n, result.invalid) == (1, 1)
    assert result.pmc is not None and result.opp is not None


def test_three_questions_with_intents() -> None:
    # Without too_cheap a respondent's purchase curve starts at the cheap price:
    #   R1: - 2 4 6, intents 5 (0.7) and 3 (0.3); grid 2 4 6
    #   p2: 0.7, p4: 0.3, p6: 0 -> reach optimum 2; revenue 1.4, 1.2, 0 -> 2
    result = van_westendorp(None, [2], [4], [6], [5], [3])
    assert [p.reach for p in result.curves] == pytest.approx([0.7, 0.3, 0])
    assert (result.reach_optimal_price, result.revenue_optimal_price) == (2, 2)


def test_counts_give_the_same_result_as_answers() -> None:
    rng = random.Random(99)
    for _ in range(30):
        size = rng.randint(1, 40)
        answers = [sorted(rng.sample(range(1, 30), 4)) for _ in range(size)]
        intents = [(rng.randint(1, 5), rng.randint(1, 5)) for _ in range(size)]
        columns = [[a[q] for a in answers] for q in range(4)]
        direct = van_westendorp(*columns, [i[0] for i in intents], [i[1] for i in intents])
        hists = [{} for _ in range(4)]
        groups: dict[tuple[int, ...], int] = {}
        for a, (ic, ie) in zip(answers, intents, strict=True):
            for q in range(4):
                hists[q][a[q]] = hists[q].get(a[q], 0) + 1
            groups[(*a, ic, ie)] = groups.get((*a, ic, ie), 0) + 1
        counted = van_westendorp_counts(
            *hists, nms_groups=[(*key, count) for key, count in groups.items()])
        assert counted == direct


def test_crossings_always_exist_for_nonempty_data() -> None:
    # at the top grid price too_exp = expensive = not_cheap = 1 and the rest 0,
    # so every point exists once n > 0
    result = van_westendorp([10], [20], [30], [40])
    assert (result.pmc, result.pme, result.ipp, result.opp) == (10, 30, 20, 10)
    # p=10: tc 0 (10 > 10 false), not_cheap 0 -> PMC 10; te 0 >= tc 0 -> OPP 10
    # p=20: cheap 0, expensive 0 -> IPP 20; p=30: te 0 >= not_exp 0 -> PME 30


def test_decimal_and_float_prices() -> None:
    result = van_westendorp(
        [Decimal("0.99")], [Decimal("1.50")], [Fraction(5, 2)], [3.25]
    )
    assert [p.price for p in result.curves] == [0.99, 1.5, 2.5, 3.25]
    assert result.range == (0.99, 2.5)


def test_small_sample_flag() -> None:
    many = van_westendorp([1] * 30, [2] * 30, [3] * 30, [4] * 30)
    assert (many.n, many.small_sample) == (30, False)
    few = van_westendorp([1] * 29, [2] * 29, [3] * 29, [4] * 29)
    assert few.small_sample is True


# NMS example -- two respondents, intents 5/4/3/2/1 -> 0.7/0.5/0.3/0.1/0:
#   R1: 1 2 4 7, intent cheap 5 (0.7), expensive 4 (0.5)
#   R2: 2 3 6 8, intent cheap 4 (0.5), expensive 4 (0.5)
# grid 1 2 3 4 6 7 8
# R1: p1 0 (too cheap); p2 0.7; p3 0.7 + (0.5-0.7)*(3-2)/(4-2) = 0.6; p4 0.5;
#     p6 0.5*(7-6)/(7-4) = 1/6; p7 0 (too expensive); p8 0 (outside)
# R2: p1 0 (outside); p2 0 (too cheap); p3 0.5; p4 0.5 (flat 0.5 -> 0.5); p6 0.5;
#     p7 0.5*(8-7)/(8-6) = 0.25; p8 0
# reach   = 0, 0.35, 0.55, 0.5, (1/6+1/2)/2 = 1/3, 0.125, 0
# revenue = 0, 0.7, 1.65, 2.0, 6*(1/3) = 2.0, 0.875, 0
# reach optimum 3; revenue maximum 2.0 at 4 and at 6 -> first one, 4
NMS_PRICES = ([1, 2], [2, 3], [4, 6], [7, 8])


def test_nms_reach_and_revenue_by_hand() -> None:
    result = van_westendorp(*NMS_PRICES, intent_cheap=[5, 4], intent_expensive=[4, 4])
    assert [p.price for p in result.curves] == [1, 2, 3, 4, 6, 7, 8]
    expected_reach = [0, 0.35, 0.55, 0.5, 1 / 3, 0.125, 0]
    expected_revenue = [0, 0.7, 1.65, 2.0, 2.0, 0.875, 0]
    assert [p.reach for p in result.curves] == pytest.approx(expected_reach)
    assert [p.revenue for p in result.curves] == pytest.approx(expected_revenue)
    assert result.reach_optimal_price == 3
    assert result.revenue_optimal_price == 4
    assert (result.nms, result.nms_n) == (True, 2)


def test_nms_grid_interpolation_matches_r_package() -> None:
    # pricesensitivitymeter interpolates over grid positions 0..6 instead of price:
    # R1 anchors at positions 0,1,3,5: p6 (pos 4) = 0.5*(5-4)/(5-3) = 0.25
    # R2 anchors at positions 1,2,4,6: p7 (pos 5) = 0.5*(6-5)/(6-4) = 0.25
    # reach p6 = (0.25+0.5)/2 = 0.375 -> revenue 6*0.375 = 2.25 > 2.0 at p4
    result = van_westendorp(
        *NMS_PRICES,
        intent_cheap=[5, 4],
        intent_expensive=[4, 4],
        nms_interpolation="grid",
    )
    assert [p.reach for p in result.curves] == pytest.approx(
        [0, 0.35, 0.55, 0.5, 0.375, 0.125, 0]
    )
    assert result.reach_optimal_price == 3
    assert result.revenue_optimal_price == 6
    with pytest.raises(ValueError):
        van_westendorp(*NMS_PRICES, [5, 4], [4, 4], nms_interpolation="spline")  # type: ignore[arg-type]


def test_nms_skips_respondents_without_both_intents() -> None:
    # R3 (3 4 5 9) has no cheap intent: it shapes the PSM curves but not the reach,
    # so the reach at the shared prices is still the two-respondent mean from above
    prices = [
        [*column, extra] for column, extra in zip(NMS_PRICES, [3, 4, 5, 9], strict=True)
    ]
    result = van_westendorp(
        *prices, intent_cheap=[5, 4, None], intent_expensive=[4, 4, 2]
    )
    assert (result.n, result.nms_n) == (3, 2)
    reach = {p.price: p.reach for p in result.curves}
    assert reach[3] == pytest.approx(0.55)
    assert reach[4] == pytest.approx(0.5)
    assert reach[5] == pytest.approx((0.5 * 2 / 3 + 0.5) / 2)  # R1 0.5*(7-5)/3, R2 0.5
    assert reach[9] == 0


def test_nms_float_prices_keep_decimal_ties() -> None:
    # The hand example scaled by 1/10 with float prices: revenue at 0.4 is
    # 0.4 * 0.5 = 0.2 and at 0.6 is 0.6 * 1/3 = 0.2 -- an exact tie only when
    # 0.4 and 0.6 mean 4/10 and 6/10 (as typed), so the first price, 0.4, wins.
    result = van_westendorp(
        [0.1, 0.2], [0.2, 0.3], [0.4, 0.6], [0.7, 0.8], [5, 4], [4, 4]
    )
    assert [p.price for p in result.curves] == [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8]
    assert [p.revenue for p in result.curves] == pytest.approx(
        [0, 0.07, 0.165, 0.2, 0.2, 0.0875, 0]
    )
    assert result.reach_optimal_price == 0.3
    assert result.revenue_optimal_price == 0.4


def _direct_probability(
    x: Fraction, answers: list[int], pc: Fraction, pe: Fraction
) -> Fraction:
    """One respondent's NMS curve evaluated piece by piece (reference)."""
    tc, c, e, te = answers
    if x <= tc or x >= te:
        return Fraction(0)
    if x <= c:
        return pc * (x - tc) / (c - tc)
    if x <= e:
        return pc + (pe - pc) * (x - c) / (e - c)
    return pe * (te - x) / (te - e)


def test_nms_matches_direct_evaluation_on_random_data() -> None:
    rng = random.Random(20240611)
    for _ in range(40):
        size = rng.randint(1, 8)
        answers = [sorted(rng.sample(range(1, 25), 4)) for _ in range(size)]
        intents = [(rng.randint(1, 5), rng.randint(1, 5)) for _ in range(size)]
        columns = [[a[q] for a in answers] for q in range(4)]
        result = van_westendorp(
            *columns, [i[0] for i in intents], [i[1] for i in intents]
        )
        grid = sorted({price for a in answers for price in a})
        assert [p.price for p in result.curves] == grid
        reach = [
            sum(
                (
                    _direct_probability(
                        Fraction(x), a, NMS_CALIBRATION[ic], NMS_CALIBRATION[ie]
                    )
                    for a, (ic, ie) in zip(answers, intents, strict=True)
                ),
                Fraction(0),
            )
            / size
            for x in grid
        ]
        revenue = [x * r for x, r in zip(grid, reach, strict=True)]
        assert [p.reach for p in result.curves] == [float(r) for r in reach]
        assert result.reach_optimal_price == grid[reach.index(max(reach))]
        assert result.revenue_optimal_price == grid[revenue.index(max(revenue))]


def test_nms_with_no_usable_intents() -> None:
    result = van_westendorp(
        *NMS_PRICES, intent_cheap=[None, None], intent_expensive=[3, 3]
    )
    assert (result.nms, result.nms_n) == (True, 0)
    assert result.reach_optimal_price is None
    assert result.revenue_optimal_price is None
    assert all(p.reach is None for p in result.curves)


def test_nms_all_zero_intent_picks_first_price() -> None:
    result = van_westendorp(*NMS_PRICES, intent_cheap=[1, 1], intent_expensive=[1, 1])
    assert all(p.reach == 0 for p in result.curves)
    assert result.reach_optimal_price == 1
    assert result.revenue_optimal_price == 1


def test_calibration_constant() -> None:
    assert {k: float(v) for k, v in NMS_CALIBRATION.items()} == {
        5: 0.7,
        4: 0.5,
        3: 0.3,
        2: 0.1,
        1: 0.0,
    }


def test_position_of_one_respondent() -> None:
    result = example_a()
    # R1 answered 1 3 5 7: share of the 4 at or below, per question:
    #   tc <= 1: {1, 1} -> 2/4; c <= 3: {3, 2} -> 2/4; e <= 5: {5, 4} -> 2/4;
    #   te <= 7: {7, 6} -> 2/4
    assert position(result, (1, 3, 5, 7)) == {
        "too_cheap": 0.5,
        "cheap": 0.5,
        "expensive": 0.5,
        "too_expensive": 0.5,
    }
    # off-grid prices: tc <= 0.5: none -> 0; c <= 4.5: {3, 4, 2} -> 3/4;
    # e <= 10: all -> 1; te missing -> None
    assert position(result, (0.5, 4.5, 10, None)) == {
        "too_cheap": 0.0,
        "cheap": 0.75,
        "expensive": 1.0,
        "too_expensive": None,
    }


def test_position_edge_cases() -> None:
    empty = van_westendorp([], [], [], [])
    assert position(empty, (1, 2, 3, 4)) == dict.fromkeys(
        ("too_cheap", "cheap", "expensive", "too_expensive")
    )
    with pytest.raises(ValueError):
        position(example_a(), (1, 2, 3))


def test_result_is_frozen_dataclass() -> None:
    result = example_a()
    assert isinstance(result.curves[0], PricePoint)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n = 5  # type: ignore[misc]
