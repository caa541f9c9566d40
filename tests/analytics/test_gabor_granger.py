"""Gabor-Granger: hand-computed demand, revenue, Wilson intervals, elasticities and the walk."""
from __future__ import annotations

from decimal import Decimal

import pytest

from forum.analytics.gabor_granger import (
    arc_elasticity,
    check_ladder,
    check_walk,
    demand,
    highest_accepted,
    next_price,
)

# Ladder 5, 10, 15, 20 and ten respondents by highest accepted price:
# none 1, 5 -> 1, 10 -> 1, 15 -> 5, 20 -> 2.
LADDER = [Decimal(5), Decimal(10), Decimal(15), Decimal(20)]
HIGHEST = {None: 1, Decimal(5): 1, Decimal(10): 1, Decimal(15): 5, Decimal(20): 2}


def test_demand_and_revenue_by_hand() -> None:
    result = demand(LADDER, HIGHEST)
    # buyers(p) = highest accepted >= p: 9, 8, 7, 2 of n = 10
    assert [(r.price, r.n, r.buyers) for r in result.ladder] == [
        (5, 10, 9), (10, 10, 8), (15, 10, 7), (20, 10, 2)]
    assert [r.share for r in result.ladder] == [0.9, 0.8, 0.7, 0.2]
    # revenue index p * share: 4.5, 8, 10.5, 4 -> the optimum is 15
    assert [r.revenue_index for r in result.ladder] == pytest.approx([4.5, 8.0, 10.5, 4.0])
    assert result.revenue_optimal_price == 15


def test_wilson_interval_of_a_rung() -> None:
    # 9 of 10, z = 1.96: centre (0.9 + 3.8416/20) / 1.38416 = 0.78899,
    # margin 1.96 * sqrt(0.009 + 0.009604) / 1.38416 = 0.19314 -> (0.5958, 0.9821)
    rung = demand(LADDER, HIGHEST).ladder[0]
    assert (round(rung.share_low, 4), round(rung.share_high, 4)) == (0.5958, 0.9821)
    # 2 of 10: the mirror image of 8 of 10
    top = demand(LADDER, HIGHEST).ladder[3]
    eight = demand(LADDER, HIGHEST).ladder[1]
    assert top.share_low == pytest.approx(1 - eight.share_high)


def test_elasticity_changes_from_inelastic_to_elastic() -> None:
    """5 -> 10: (-1/8.5) / (5/7.5) = -3/17; 10 -> 15: (-1/7.5) / (5/12.5) = -1/3;
    15 -> 20: (-5/4.5) / (5/17.5) = -35/9.  1 + elasticity goes from + to -: revenue rises
    while demand is inelastic and falls once it is elastic, the optimum is where it turns."""
    result = demand(LADDER, HIGHEST)
    values = [e.elasticity for e in result.elasticities]
    assert values == pytest.approx([-3 / 17, -1 / 3, -35 / 9])
    assert [(e.from_price, e.to_price) for e in result.elasticities] == [(5, 10), (10, 15), (15, 20)]
    slopes = [b.revenue_index - a.revenue_index for a, b in zip(result.ladder, result.ladder[1:], strict=False)]
    assert [1 + v > 0 for v in values] == [s > 0 for s in slopes] == [True, True, False]


def test_elasticity_is_null_where_nobody_buys_at_either_price() -> None:
    result = demand([10, 20, 30], {None: 2, 10: 1})
    assert [r.buyers for r in result.ladder] == [1, 0, 0]
    # 10 -> 20: (-1 / 0.5) / (10 / 15) = -3; 20 -> 30: both zero
    assert [e.elasticity for e in result.elasticities] == [pytest.approx(-3.0), None]
    assert arc_elasticity(10, 0, 20, 0) is None


def test_lower_price_wins_a_tie() -> None:
    # buyers 4, 2, 1 at 10, 20, 40: revenue 40, 40, 40 (over n = 4)
    result = demand([40, 20, 10], {10: 2, 20: 1, 40: 1})
    assert [r.revenue_index for r in result.ladder] == [10.0, 10.0, 10.0]
    assert result.revenue_optimal_price == 10


def test_nobody_answered_or_nobody_buys() -> None:
    empty = demand(LADDER, {})
    assert empty.n == 0 and empty.revenue_optimal_price is None
    assert [r.share for r in empty.ladder] == [None] * 4
    nobody = demand(LADDER, {None: 3})
    assert [r.share for r in nobody.ladder] == [0.0] * 4
    assert nobody.revenue_optimal_price is None
    assert [e.elasticity for e in nobody.elasticities] == [None] * 3


def test_counts_off_the_ladder_are_refused() -> None:
    with pytest.raises(ValueError):
        demand(LADDER, {Decimal(7): 1})


def test_ladder_rules() -> None:
    assert check_ladder([30, 10, 20]) == [10, 20, 30]
    for bad in ([10, 20], list(range(1, 11)), [10, 10, 20], [0, 10, 20]):
        with pytest.raises(ValueError):
            check_ladder(bad)


def test_the_walk_goes_up_on_yes_and_down_on_no() -> None:
    ladder = [10, 20, 30, 40, 50]
    assert next_price(ladder, [(30, True)]) == 40
    assert next_price(ladder, [(30, True), (40, True)]) == 50
    assert next_price(ladder, [(30, True), (40, True), (50, True)]) is None  # top of the ladder
    assert next_price(ladder, [(30, True), (40, False)]) is None  # turned: 30 is the highest
    assert next_price(ladder, [(30, False)]) == 20
    assert next_price(ladder, [(30, False), (20, False), (10, False)]) is None  # accepts none
    assert next_price(ladder, [(30, False), (20, True)]) is None
    assert highest_accepted([(30, True), (40, False)]) == 30
    assert highest_accepted([(30, False), (20, True)]) == 20
    assert highest_accepted([(20, False), (10, False)]) is None


def test_a_walk_that_skips_or_stops_early_is_refused() -> None:
    ladder = [10, 20, 30, 40, 50]
    check_walk(ladder, [(30, True), (40, False)])
    with pytest.raises(ValueError):
        check_walk(ladder, [(30, True), (50, False)])  # skipped 40
    with pytest.raises(ValueError):
        check_walk(ladder, [(30, True)])  # not over: 40 comes next
    check_walk(ladder, [(30, True)], finished=False)
    with pytest.raises(ValueError):
        check_walk(ladder, [(35, True)])  # not on the ladder
    with pytest.raises(ValueError):
        check_walk(ladder, [(30, True), (40, False), (30, True)])  # went on after it turned
