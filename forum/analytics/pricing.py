"""Van Westendorp price sensitivity meter, with the Newton-Miller-Smith extension.

Every respondent names four prices: *too cheap* (quality doubtful), *cheap*
(a bargain), *expensive* (still worth considering) and *too expensive* (out of
the question).  Cumulative shares of those answers are plotted against price;
their crossings give the price points.

Sources:

* P. H. van Westendorp (1976), "NSS Price Sensitivity Meter (PSM) -- A new
  approach to study consumer perception of prices", *Proceedings of the 29th
  ESOMAR Congress*, Venice, 139-167.
* D. Newton, J. Miller, P. Smith (1993), "A market acceptance extension to
  traditional price sensitivity measurement", *Proceedings of the American
  Marketing Association Advanced Research Techniques Forum* -- purchase
  intents at the "cheap" and "expensive" prices, calibrated 5/4/3/2/1 ->
  0.7/0.5/0.3/0.1/0, give each respondent a purchase-probability curve; its
  mean is the *reach* (trial), and price x reach the *revenue*.
* M. Alletsee, R package ``pricesensitivitymeter``, function ``psm_analysis()``
  (versions 1.0-1.3.0), https://CRAN.R-project.org/package=pricesensitivitymeter
  -- the algorithm followed here with its defaults ``validate = TRUE``,
  ``interpolate = FALSE``, ``intersection_method = "min"``:

  1. keep a respondent only if ``too_cheap < cheap < expensive < too_expensive``
     (strictly); the others are counted as invalid;
  2. the price grid is the sorted distinct prices the kept respondents gave;
  3. at each grid price ``p`` (``n`` = kept respondents):
     ``too_cheap(p) = #(too_cheap > p) / n``, ``cheap(p) = #(cheap > p) / n``,
     ``expensive(p) = #(expensive <= p) / n``,
     ``too_expensive(p) = #(too_expensive <= p) / n``,
     ``not_cheap = 1 - cheap``, ``not_expensive = 1 - expensive``;
  4. each price point is the first grid price where its first curve reaches
     its second (``curve1 >= curve2``):

     * PMC, point of marginal cheapness: ``not_cheap >= too_cheap``;
     * PME, point of marginal expensiveness: ``too_expensive >= not_expensive``;
     * IPP, indifference price point: ``expensive >= cheap``;
     * OPP, optimal price point: ``too_expensive >= too_cheap``;

     the range of acceptable prices is PMC .. PME.  A crossing that never
     happens gives ``None``; with at least one valid respondent all four
     exist (at the top grid price ``not_cheap = expensive = too_expensive = 1``
     and ``too_cheap = cheap = not_expensive = 0``), so in practice ``None``
     means ``n == 0``.

Exactness: shares are compared as integer counts, so a tie
(``curve1 == curve2``) is always detected; reach and revenue are computed with
:class:`fractions.Fraction`, so equal maxima are recognised and the first grid
price wins, as R's ``which.max`` does.  A float price is read as the shortest
decimal that round-trips to it (``0.1`` means 1/10, as typed); ints, Decimals
and Fractions are taken as they are.  Floats only appear in the result.

NMS interpolation: by default (``nms_interpolation="price"``) a respondent's
purchase probability is linear *in price* between (too_cheap, 0),
(cheap, intent), (expensive, intent) and (too_expensive, 0), and 0 outside.
``pricesensitivitymeter`` instead interpolates linearly over the *positions*
on the common price grid (``seq.int(..., length.out = ...)``), which depends on
other respondents' prices; ``nms_interpolation="grid"`` reproduces that.
Both agree whenever the grid is evenly spaced.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Rational, Real
from typing import Literal, TypeAlias

__all__ = [
    "NMS_CALIBRATION",
    "SMALL_SAMPLE_THRESHOLD",
    "PricePoint",
    "PriceSensitivityResult",
    "position",
    "van_westendorp",
]

Price: TypeAlias = int | float | Decimal | Fraction
"""Accepted price types; ``None`` (no answer) is also accepted per respondent."""

NMS_CALIBRATION: Mapping[int, Fraction] = {
    5: Fraction(7, 10),
    4: Fraction(5, 10),
    3: Fraction(3, 10),
    2: Fraction(1, 10),
    1: Fraction(0),
}
"""Purchase intent (5 = definitely would buy) -> purchase probability (NMS 1993)."""

SMALL_SAMPLE_THRESHOLD = 30
"""Below this many valid respondents the result is flagged ``small_sample``."""

QUESTIONS: tuple[str, ...] = ("too_cheap", "cheap", "expensive", "too_expensive")


@dataclass(frozen=True)
class PricePoint:
    """Curve values at one grid price (shares of valid respondents, 0..1).

    ``reach`` and ``revenue`` are set only when the NMS extension ran.
    """

    price: float
    too_cheap: float
    cheap: float
    not_cheap: float
    expensive: float
    not_expensive: float
    too_expensive: float
    reach: float | None = None
    revenue: float | None = None


@dataclass(frozen=True)
class PriceSensitivityResult:
    """Outcome of :func:`van_westendorp`.

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


def _to_fraction(value: object, what: str) -> Fraction | None:
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
        return _to_fraction(float(value), what)
    raise TypeError(f"{what} must be a number or None, got {type(value).__name__}")


def _check_intent(value: object, what: str) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value not in NMS_CALIBRATION
    ):
        raise ValueError(f"{what} must be an int from 1 to 5 or None, got {value!r}")
    return value


def _first_reached(values1: Sequence[int], values2: Sequence[int]) -> int | None:
    """Index of the first grid price where ``values1 >= values2``."""
    for index, (first, second) in enumerate(zip(values1, values2, strict=True)):
        if first >= second:
            return index
    return None


def _nms_reach(
    grid: Sequence[Fraction],
    respondents: Sequence[
        tuple[tuple[Fraction, Fraction, Fraction, Fraction], int, int]
    ],
    by_position: bool,
) -> list[Fraction]:
    """Mean NMS purchase probability at each grid price, exactly.

    Each respondent's curve is 0 up to and including too_cheap, rises linearly
    to the calibrated cheap intent at cheap, moves linearly to the calibrated
    expensive intent at expensive, falls linearly to 0 at too_expensive and
    stays 0 beyond.  The x-axis is the price, or the grid position when
    ``by_position`` (pricesensitivitymeter's ``seq.int`` interpolation).

    Each linear piece ``y = intercept + slope * x`` on grid positions
    ``(start, end]`` is added to difference arrays of intercepts and slopes,
    so the total work is O(respondents + grid) rather than their product.
    """
    position_of = {price: index for index, price in enumerate(grid)}
    size = len(grid)
    intercepts = [Fraction(0)] * (size + 1)
    slopes = [Fraction(0)] * (size + 1)
    for answers, intent_cheap, intent_expensive in respondents:
        positions = [position_of[price] for price in answers]
        xs = [Fraction(i) for i in positions] if by_position else list(answers)
        ys = [
            Fraction(0),
            NMS_CALIBRATION[intent_cheap],
            NMS_CALIBRATION[intent_expensive],
            Fraction(0),
        ]
        for piece in range(3):
            slope = (ys[piece + 1] - ys[piece]) / (xs[piece + 1] - xs[piece])
            intercept = ys[piece] - slope * xs[piece]
            start, end = positions[piece] + 1, positions[piece + 1] + 1
            intercepts[start] += intercept
            intercepts[end] -= intercept
            slopes[start] += slope
            slopes[end] -= slope
    reach: list[Fraction] = []
    intercept_sum = slope_sum = Fraction(0)
    count = len(respondents)
    for index, price in enumerate(grid):
        intercept_sum += intercepts[index]
        slope_sum += slopes[index]
        x = Fraction(index) if by_position else price
        reach.append((intercept_sum + slope_sum * x) / count)
    return reach


def van_westendorp(
    too_cheap: Sequence[Price | None],
    cheap: Sequence[Price | None],
    expensive: Sequence[Price | None],
    too_expensive: Sequence[Price | None],
    intent_cheap: Sequence[int | None] | None = None,
    intent_expensive: Sequence[int | None] | None = None,
    *,
    nms_interpolation: Literal["price", "grid"] = "price",
) -> PriceSensitivityResult:
    """Van Westendorp PSM, classic ``pricesensitivitymeter`` algorithm.

    The four price sequences hold one answer per respondent.  A respondent
    whose answers are not strictly increasing -- or who left one out (``None``)
    or gave a non-finite number -- is excluded and counted in ``invalid``.

    ``intent_cheap`` / ``intent_expensive`` (purchase intent 1..5 at the
    respondent's cheap / expensive price, ``None`` when not answered) switch
    on the Newton-Miller-Smith extension; give both or neither.

    Raises :class:`ValueError` on sequences of unequal length, on only one
    intent sequence, on an intent outside 1..5, or on an unknown
    ``nms_interpolation``; :class:`TypeError` on a non-numeric price.  Never
    raises merely because no respondent is valid: then ``n == 0``, every
    point is ``None`` and ``curves`` is empty.

    Sources: van Westendorp (1976); Newton, Miller & Smith (1993); R package
    ``pricesensitivitymeter`` -- see the module docstring for the algorithm.
    """
    columns = [list(too_cheap), list(cheap), list(expensive), list(too_expensive)]
    total = len(columns[0])
    if any(len(column) != total for column in columns):
        raise ValueError(
            "too_cheap, cheap, expensive and too_expensive must have equal lengths, "
            "got " + ", ".join(str(len(column)) for column in columns)
        )
    if (intent_cheap is None) != (intent_expensive is None):
        raise ValueError("give both intent_cheap and intent_expensive, or neither")
    nms = intent_cheap is not None and intent_expensive is not None
    intents_c: list[int | None] = []
    intents_e: list[int | None] = []
    if intent_cheap is not None and intent_expensive is not None:
        intents_c = [_check_intent(v, "intent_cheap") for v in intent_cheap]
        intents_e = [_check_intent(v, "intent_expensive") for v in intent_expensive]
        if len(intents_c) != total or len(intents_e) != total:
            raise ValueError(
                f"intent sequences must have the same length as the prices ({total}), "
                f"got {len(intents_c)} and {len(intents_e)}"
            )
    if nms_interpolation not in ("price", "grid"):
        raise ValueError(
            f"nms_interpolation must be 'price' or 'grid', got {nms_interpolation!r}"
        )

    # 1) validation: strictly too_cheap < cheap < expensive < too_expensive
    kept: list[tuple[Fraction, Fraction, Fraction, Fraction]] = []
    kept_intents: list[tuple[int, int]] = []
    nms_rows: list[int] = []  # indices into ``kept`` with both intents present
    for row in range(total):
        values = [
            _to_fraction(columns[q][row], f"{QUESTIONS[q]}[{row}]") for q in range(4)
        ]
        tc, c, e, te = values
        if tc is None or c is None or e is None or te is None or not (tc < c < e < te):
            continue
        intent_c, intent_e = (intents_c[row], intents_e[row]) if nms else (None, None)
        if intent_c is not None and intent_e is not None:
            nms_rows.append(len(kept))
            kept_intents.append((intent_c, intent_e))
        kept.append((tc, c, e, te))
    n = len(kept)
    invalid = total - n

    if n == 0:
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

    # 2) price grid: sorted distinct prices of the valid respondents
    grid = sorted({price for answers in kept for price in answers})

    # 3) curves as integer counts out of n (exact comparisons)
    sorted_answers = [sorted(answers[q] for answers in kept) for q in range(4)]
    too_cheap_above = [n - bisect.bisect_right(sorted_answers[0], p) for p in grid]
    cheap_above = [n - bisect.bisect_right(sorted_answers[1], p) for p in grid]
    expensive_upto = [bisect.bisect_right(sorted_answers[2], p) for p in grid]
    too_expensive_upto = [bisect.bisect_right(sorted_answers[3], p) for p in grid]
    not_cheap = [n - count for count in cheap_above]
    not_expensive = [n - count for count in expensive_upto]

    # 4) price points: first grid price with curve1 >= curve2
    def point(values1: Sequence[int], values2: Sequence[int]) -> float | None:
        index = _first_reached(values1, values2)
        return None if index is None else float(grid[index])

    pmc = point(not_cheap, too_cheap_above)
    pme = point(too_expensive_upto, not_expensive)
    ipp = point(expensive_upto, cheap_above)
    opp = point(too_expensive_upto, too_cheap_above)

    # 5) Newton-Miller-Smith: mean purchase probability per grid price
    reach: list[Fraction] | None = None
    if nms_rows:
        respondents = [
            (kept[row], intent_c, intent_e)
            for row, (intent_c, intent_e) in zip(nms_rows, kept_intents, strict=True)
        ]
        reach = _nms_reach(grid, respondents, by_position=nms_interpolation == "grid")

    reach_optimal: float | None = None
    revenue_optimal: float | None = None
    revenue: list[Fraction] | None = None
    if reach is not None:
        revenue = [price * share for price, share in zip(grid, reach, strict=True)]
        reach_optimal = float(grid[reach.index(max(reach))])
        revenue_optimal = float(grid[revenue.index(max(revenue))])

    curves = tuple(
        PricePoint(
            price=float(price),
            too_cheap=too_cheap_above[i] / n,
            cheap=cheap_above[i] / n,
            not_cheap=not_cheap[i] / n,
            expensive=expensive_upto[i] / n,
            not_expensive=not_expensive[i] / n,
            too_expensive=too_expensive_upto[i] / n,
            reach=None if reach is None else float(reach[i]),
            revenue=None if revenue is None else float(revenue[i]),
        )
        for i, price in enumerate(grid)
    )
    return PriceSensitivityResult(
        n=n,
        invalid=invalid,
        pmc=pmc,
        pme=pme,
        ipp=ipp,
        opp=opp,
        range=None if pmc is None or pme is None else (pmc, pme),
        curves=curves,
        reach_optimal_price=reach_optimal,
        revenue_optimal_price=revenue_optimal,
        small_sample=n < SMALL_SAMPLE_THRESHOLD,
        nms=nms,
        nms_n=len(nms_rows),
    )


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
    out: dict[str, float | None] = {}
    for question, raw in zip(QUESTIONS, prices, strict=True):
        exact = _to_fraction(raw, question)
        if exact is None or not grid:
            out[question] = None
            continue
        index = bisect.bisect_right(grid, float(exact)) - 1
        if index < 0:
            out[question] = 0.0
            continue
        at = result.curves[index]
        share = {
            "too_cheap": 1.0 - at.too_cheap,
            "cheap": at.not_cheap,
            "expensive": at.expensive,
            "too_expensive": at.too_expensive,
        }[question]
        out[question] = share
    return out
