"""Gabor-Granger direct pricing: "would you buy it at this price?" on a ladder of prices.

Sources:

* A. Gabor, C. W. J. Granger (1966), "Price as an indicator of quality: report on an
  enquiry", *Economica* 33(129), 43-70 -- the buy-response question asked at several prices.
* E. B. Wilson (1927) -- the score interval of each share (forum.analytics.ranking).

The model, as this module computes it:

* The organization sets a *ladder* of 3 to 9 distinct prices.  A respondent is asked at one
  rung (a random one, chosen by the caller); "yes" moves one rung up, "no" one rung down,
  until the walk turns (a "yes" right below a "no") or leaves the ladder.  The respondent's
  *highest accepted price* is the highest rung they said yes to (``None``: no rung).
  :func:`next_price` says which rung comes next, :func:`check_walk` that a whole sequence is
  such a walk, :func:`highest_accepted` reads the answer.
* For each rung ``p``: ``n`` respondents (the same at every rung), ``buyers(p)`` = those whose
  highest accepted price is at least ``p``, ``share = buyers / n`` with its Wilson 95 %
  interval (z = 1.96), and ``revenue_index = p * share``.
* ``revenue_optimal_price`` is the rung with the highest revenue index; on a tie the lower
  price; ``None`` when nobody answered or nobody would buy at any rung.  Ties are found exactly (``p * buyers`` compared as exact numbers, ``n`` is common).
* Arc elasticity between adjacent rungs (midpoint formula)::

      ((b2 - b1) / ((b2 + b1) / 2)) / ((p2 - p1) / ((p2 + p1) / 2))

  ``None`` where both counts are zero.  With the midpoint formula revenue rises from one rung
  to the next exactly when the elasticity is above -1 (``p2*b2 - p1*b1 = p̄·Δb + b̄·Δp``), so
  the sign of ``1 + elasticity`` is the sign of the revenue curve's slope.  Buyers never grow
  with price (a buyer at ``p2`` is a buyer at every lower rung), so the elasticity itself is
  never above zero.

Shares and indices are floats (JSON numbers); counts and prices are exact.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from forum.analytics.ranking import wilson_interval

__all__ = [
    "LADDER_MAX",
    "LADDER_MIN",
    "Elasticity",
    "GaborGrangerResult",
    "Rung",
    "arc_elasticity",
    "check_ladder",
    "check_walk",
    "demand",
    "highest_accepted",
    "next_price",
]

Price = int | Decimal | Fraction
Answer = tuple[Price, bool]  # (price asked, yes?)

LADDER_MIN = 3
LADDER_MAX = 9


@dataclass(frozen=True)
class Rung:
    price: Price
    n: int
    buyers: int
    share: float | None  # None when nobody answered
    share_low: float | None
    share_high: float | None
    revenue_index: float | None


@dataclass(frozen=True)
class Elasticity:
    from_price: Price
    to_price: Price
    elasticity: float | None  # None where both counts are zero


@dataclass(frozen=True)
class GaborGrangerResult:
    ladder: tuple[Rung, ...]
    revenue_optimal_price: Price | None  # None when nobody answered or nobody buys
    elasticities: tuple[Elasticity, ...]
    n: int


def check_ladder(prices: Sequence[Price]) -> list[Price]:
    """The ladder sorted; ValueError unless 3 to 9 distinct positive prices."""
    ladder = sorted(prices)
    if not LADDER_MIN <= len(ladder) <= LADDER_MAX:
        raise ValueError(f"a ladder has {LADDER_MIN} to {LADDER_MAX} prices, got {len(ladder)}")
    if len(set(ladder)) != len(ladder):
        raise ValueError("the prices of a ladder must differ")
    if ladder[0] <= 0:
        raise ValueError("prices must be positive")
    return ladder


def next_price(ladder: Sequence[Price], answers: Sequence[Answer]) -> Price | None:
    """The rung to ask next after ``answers`` (the walk so far), or None when the walk is over.

    With no answers yet the caller picks the starting rung (at random); this returns None then."""
    if not answers:
        return None
    rungs = sorted(ladder)
    price, yes = answers[-1]
    index = rungs.index(price)
    turned = len(answers) > 1 and answers[-2][1] != yes
    if turned:
        return None
    step = 1 if yes else -1
    if not 0 <= index + step < len(rungs):
        return None
    return rungs[index + step]


def check_walk(ladder: Sequence[Price], answers: Sequence[Answer], *, finished: bool = True) -> None:
    """ValueError unless ``answers`` is the walk this module asks (from any starting rung); with
    ``finished`` also that it has ended (no further question)."""
    rungs = sorted(ladder)
    if not answers:
        raise ValueError("no answers")
    if answers[0][0] not in rungs:
        raise ValueError(f"{answers[0][0]} is not on the ladder")
    for done, (price, _) in enumerate(answers[1:], start=1):
        expected = next_price(rungs, answers[:done])
        if expected is None or price != expected:
            raise ValueError(f"answer {done + 1} ({price}) does not follow the walk")
    if finished and next_price(rungs, answers) is not None:
        raise ValueError("the walk has not ended")


def highest_accepted(answers: Sequence[Answer]) -> Price | None:
    """The highest price answered yes (None: no price)."""
    accepted = [price for price, yes in answers if yes]
    return max(accepted) if accepted else None


def arc_elasticity(p1: Price, b1: int, p2: Price, b2: int) -> float | None:
    """Arc (midpoint) elasticity of buyers between two prices; None where both counts are zero."""
    if b1 == 0 and b2 == 0:
        return None
    change = Fraction(b2 - b1) / (Fraction(b2 + b1) / 2)
    step = Fraction(p2) - Fraction(p1)
    middle = (Fraction(p2) + Fraction(p1)) / 2
    return float(change / (step / middle))


def _share(buyers: int, n: int) -> tuple[float | None, float | None, float | None]:
    if n == 0:
        return None, None, None
    low, high = wilson_interval(buyers, n) or (None, None)
    return buyers / n, low, high


def demand(ladder: Sequence[Price], highest: Mapping[Price | None, int]) -> GaborGrangerResult:
    """The demand and revenue curve of a ladder.

    ``highest`` counts respondents by highest accepted price (key ``None``: accepted no rung), as a
    ``GROUP BY`` gives them.  A key that is not on the ladder is a ValueError."""
    rungs = sorted(ladder)
    unknown = [price for price in highest if price is not None and price not in rungs]
    if unknown:
        raise ValueError(f"{unknown[0]} is not on the ladder")
    if any(count < 0 for count in highest.values()):
        raise ValueError("counts must not be negative")
    n = sum(highest.values())
    buyers: list[int] = []
    running = 0
    for price in reversed(rungs):  # buyers(p) = those whose highest accepted price >= p
        running += highest.get(price, 0)
        buyers.append(running)
    buyers.reverse()
    rows = []
    for price, count in zip(rungs, buyers, strict=True):
        share, low, high = _share(count, n)
        revenue = float(Fraction(price) * count / n) if n else None
        rows.append(Rung(price, n, count, share, low, high, revenue))
    optimum = None
    if n and buyers[0]:
        # max of p * buyers, exact; max() keeps the first (lowest) price of equal ones
        optimum = max(zip(rungs, buyers, strict=True), key=lambda pair: Fraction(pair[0]) * pair[1])[0]
    elasticities = tuple(
        Elasticity(rungs[i], rungs[i + 1], arc_elasticity(rungs[i], buyers[i], rungs[i + 1], buyers[i + 1]))
        for i in range(len(rungs) - 1))
    return GaborGrangerResult(tuple(rows), optimum, elasticities, n)
