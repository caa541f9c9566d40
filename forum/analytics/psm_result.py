"""The Van Westendorp meter's result (see forum/analytics/pricing.py for the sources and the
algorithm), the exact value of a typed price, and where one person's answers sit among the others.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Rational, Real

from forum.analytics.nms import Price

SMALL_SAMPLE_THRESHOLD = 30
"""Below this many valid respondents the result is flagged ``small_sample``."""

QUESTIONS: tuple[str, ...] = ("too_cheap", "cheap", "expensive", "too_expensive")


@dataclass(frozen=True)
class PricePoint:
    """Curve values at one grid price (shares of valid respondents, 0..1).

    ``reach`` and ``revenue`` are set only when the NMS extension ran.
    """

    price: float
    too_cheap: float | None  # None without the too-cheap question
    cheap: float
    not_cheap: float
    expensive: float
    not_expensive: float
    too_expensive: float
    reach: float | None = None
    revenue: float | None = None


@dataclass(frozen=True)
class PriceSensitivityResult:
    """Outcome of :func:`forum.analytics.pricing.van_westendorp`.

    * ``n`` -- valid respondents analysed; ``invalid`` -- respondents left out.
    * ``pmc``, ``pme``, ``ipp``, ``opp`` -- price points, ``None`` if the
      curves never cross.
    * ``range`` -- ``(pmc, pme)``, or ``None`` if either is missing.
    * ``curves`` -- one :class:`PricePoint` per grid price, ascending.
    * ``nms`` -- whether purchase intents were supplied;  ``nms_n`` --
      respondents used for reach (valid and with both intents).
    * ``reach_optimal_price`` / ``revenue_optimal_price`` -- first grid price
      at maximum reach / revenue; ``None`` without usable intents.
    * ``small_sample`` -- ``n < 30``.
    """

    n: int
    invalid: int
    pmc: float | None
    pme: float | None
    ipp: float | None
    opp: float | None
    range: tuple[float, float] | None
    curves: tuple[PricePoint, ...]
    reach_optimal_price: float | None
    revenue_optimal_price: float | None
    small_sample: bool
    nms: bool = False
    nms_n: int = 0


def empty_result(invalid: int, nms: bool) -> PriceSensitivityResult:
    """No valid respondent: every point ``None``, no curves."""
    return PriceSensitivityResult(
        n=0,
        invalid=invalid,
        pmc=None,
        pme=None,
        ipp=None,
        opp=None,
        range=None,
        curves=(),
        reach_optimal_price=None,
        revenue_optimal_price=None,
        small_sample=True,
        nms=nms,
        nms_n=0,
    )


def to_fraction(value: object, what: str) -> Fraction | None:
    """Exact value of a price, or ``None`` for a missing / non-finite answer."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number, got bool")
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    if isinstance(value, float):
        # the shortest decimal that round-trips (what was typed): 0.1 -> 1/10
        return Fraction(float.__repr__(value)) if math.isfinite(value) else None
    if isinstance(value, Rational):  # int, Fraction
        return Fraction(value.numerator, value.denominator)
    if isinstance(value, Real):
        return to_fraction(float(value), what)
    raise TypeError(f"{what} must be a number or None, got {type(value).__name__}")


def position(
    result: PriceSensitivityResult, respondent_prices: Sequence[Price | None]
) -> dict[str, float | None]:
    """Where one person's four answers sit among the valid respondents.

    ``respondent_prices`` is ``(too_cheap, cheap, expensive, too_expensive)``.
    For each question the value is the share (0..1) of valid respondents whose
    answer to the *same* question is at or below this person's price -- the
    empirical CDF, read off ``result.curves``.  ``None`` for a missing answer
    or when ``result.n == 0``.  Raises :class:`ValueError` unless exactly four
    prices are given.
    """
    prices = list(respondent_prices)
    if len(prices) != 4:
        raise ValueError(
            "expected 4 prices (too_cheap, cheap, expensive, too_expensive), "
            f"got {len(prices)}"
        )
    grid = [point.price for point in result.curves]
    return {
        question: _share_at_or_below(result, grid, question, to_fraction(raw, question))
        for question, raw in zip(QUESTIONS, prices, strict=True)
    }


def _share_at_or_below(
    result: PriceSensitivityResult, grid: Sequence[float], question: str, exact: Fraction | None
) -> float | None:
    """The share of valid respondents who answered ``question`` with ``exact`` or less."""
    if exact is None or not grid:
        return None
    index = bisect.bisect_right(grid, float(exact)) - 1
    if index < 0:
        return 0.0
    at = result.curves[index]
    if question == "too_cheap" and at.too_cheap is None:
        return None
    return {
        "too_cheap": 1.0 - (at.too_cheap or 0.0),
        "cheap": at.not_cheap,
        "expensive": at.expensive,
        "too_expensive": at.too_expensive,
    }[question]
