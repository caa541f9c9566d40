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
  3. at each grid price ``p`` (``n`` = kept respondents, ``F_x(p)`` =
     ``#(x <= p) / n`` as a double, R's ``ecdf``), in doubles and in this
     order: ``too_cheap = 1 - F_toocheap``, ``cheap = 1 - F_cheap``,
     ``expensive = F_expensive``, ``too_expensive = F_tooexpensive``,
     ``not_cheap = 1 - cheap``, ``not_expensive = 1 - expensive``;
  4. each price point is the first grid price where its first curve reaches
     its second (``curve1 >= curve2``, compared as doubles):

     * PMC, point of marginal cheapness: ``not_cheap >= too_cheap``;
     * PME, point of marginal expensiveness: ``too_expensive >= not_expensive``;
     * IPP, indifference price point: ``expensive >= cheap``;
     * OPP, optimal price point: ``too_expensive >= too_cheap``;

     the range of acceptable prices is PMC .. PME.  A crossing that never
     happens gives ``None``; with at least one valid respondent all four
     exist (at the top grid price ``not_cheap = expensive = too_expensive = 1``
     and ``too_cheap = cheap = not_expensive = 0``), so in practice ``None``
     means ``n == 0`` -- or, for PMC and OPP, that nobody was asked the
     too-cheap question.

Arithmetic -- why doubles: market researchers check these numbers by re-running
the export through ``pricesensitivitymeter``, and the package works in IEEE
doubles.  Its curves come from R's ``ecdf`` (``F(p)`` = count / n, one
correctly rounded division) and are then transformed in this order:
``too_cheap = 1 - F_toocheap``, ``cheap = 1 - F_cheap``,
``expensive = F_expensive``, ``too_expensive = F_tooexpensive``,
``not_cheap = 1 - cheap``, ``not_expensive = 1 - expensive``, each a double.
The crossings compare those doubles.  Where two curves tie exactly in real
numbers the doubles sometimes miss the tie (with n = 3,
``1 - (1 - 1/3)`` is 0.33333333333333337, not 1/3) and the package moves on
to the next grid price.  This module follows the package, not the exact
arithmetic, so that a product team gets the same four numbers in R as here.
Python's ``float`` is the same IEEE double and ``/`` the same rounding, so the
curves are bit-for-bit those of the package.  Counting (``x <= p``) and the
price grid use exact values, which orders prices the way doubles do for any
price typed with a few decimals.

Three questions: the too-cheap question is optional, as in the package.  When
no respondent answered it, a respondent is valid if
``cheap < expensive < too_expensive``; the too-cheap curve does not exist, so
PMC and OPP are ``None`` (the package's ``NA``) and ``range`` is ``None``.
Once anybody answered it, a respondent without it is invalid.

Aggregated input: :func:`van_westendorp_counts` takes, instead of one answer
per respondent, how many valid respondents gave each price per question (and
the NMS answers grouped with a count), so a database can do the counting with
``GROUP BY`` and a million answers never become a million Python objects.
:func:`van_westendorp` validates one answer per respondent and calls it.

NMS (reach and revenue): see forum/analytics/nms.py.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Rational, Real
from typing import Literal

from forum.analytics.nms import (
    NMS_CALIBRATION,
    NmsGroup,
    NmsPoint,
    NmsSegment,
    Price,
    groups_to_segments,
)
from forum.analytics.nms import check_intent as _check_intent
from forum.analytics.nms import nms_reach as _nms_reach
from forum.analytics.nms import probability as _probability

__all__ = [
    "NMS_CALIBRATION",
    "SMALL_SAMPLE_THRESHOLD",
    "PricePoint",
    "PriceSensitivityResult",
    "position",
    "van_westendorp",
    "van_westendorp_counts",
    "groups_to_segments",
    "NmsGroup",
    "NmsPoint",
    "NmsSegment",
]


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


def _first_reached(values1: Sequence[float], values2: Sequence[float]) -> int | None:
    """Index of the first grid price where ``values1 >= values2`` (doubles, as R)."""
    for index, (first, second) in enumerate(zip(values1, values2, strict=True)):
        if first >= second:
            return index
    return None


def _empty_result(invalid: int, nms: bool) -> PriceSensitivityResult:
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


def _histogram(counts: Mapping[Price, int], what: str) -> dict[Fraction, int]:
    out: dict[Fraction, int] = {}
    for price, count in counts.items():
        exact = _to_fraction(price, what)
        if exact is None:
            raise ValueError(f"{what}: a price in the counts is missing or not finite")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{what}: counts must be non-negative ints, got {count!r}")
        if count:
            out[exact] = out.get(exact, 0) + count
    return out


def van_westendorp_counts(
    too_cheap: Mapping[Price, int] | None,
    cheap: Mapping[Price, int],
    expensive: Mapping[Price, int],
    too_expensive: Mapping[Price, int],
    *,
    invalid: int = 0,
    nms_groups: Sequence[NmsGroup] | None = None,
    nms_segments: tuple[Sequence[NmsPoint], Sequence[NmsSegment], int] | None = None,
    nms_interpolation: Literal["price", "grid"] = "price",
) -> PriceSensitivityResult:
    """Van Westendorp PSM from answers already validated and counted.

    ``cheap[p]`` is how many valid respondents answered ``p`` to the cheap
    question (likewise the others); every question's counts add up to the
    same ``n``.  ``too_cheap`` is ``None`` when the question was not asked
    (three questions: PMC and OPP are ``None``).  ``invalid`` is reported as
    it is.  ``nms_groups`` (``None``: no purchase intents asked) holds the
    valid respondents with both intents, grouped; an empty sequence means
    intents were asked but nobody gave both.  ``nms_segments`` is the same
    information cut into pieces -- ``(points, segments, respondents)``, see
    :data:`NmsSegment` -- which a database can count with far fewer groups
    (one ``GROUP BY`` per piece instead of per whole answer).
    """
    if nms_interpolation not in ("price", "grid"):
        raise ValueError(
            f"nms_interpolation must be 'price' or 'grid', got {nms_interpolation!r}"
        )
    if nms_groups is not None and nms_segments is not None:
        raise ValueError("give nms_groups or nms_segments, not both")
    nms = nms_groups is not None or nms_segments is not None
    hist_c = _histogram(cheap, "cheap")
    hist_e = _histogram(expensive, "expensive")
    hist_te = _histogram(too_expensive, "too_expensive")
    hist_tc = None if too_cheap is None else _histogram(too_cheap, "too_cheap")
    n = sum(hist_c.values())
    sizes = [n, sum(hist_e.values()), sum(hist_te.values())]
    if hist_tc is not None:
        sizes.append(sum(hist_tc.values()))
    if len(set(sizes)) != 1:
        raise ValueError(f"every question's counts must add up to n, got {sizes}")
    if n == 0:
        return _empty_result(invalid, nms)

    # 2) price grid: sorted distinct prices of the valid respondents
    hists = [hist_tc, hist_c, hist_e, hist_te]
    grid = sorted({price for hist in hists if hist is not None for price in hist})

    # 3) curves in doubles, exactly as the package computes them
    def ecdf(hist: Mapping[Fraction, int]) -> list[float]:
        values, running = [], 0
        for price in grid:
            running += hist.get(price, 0)
            values.append(running / n)  # count / n: one correctly rounded double
        return values

    f_tc = None if hist_tc is None else ecdf(hist_tc)
    too_cheap_curve = None if f_tc is None else [1 - f for f in f_tc]
    cheap_curve = [1 - f for f in ecdf(hist_c)]
    expensive_curve = ecdf(hist_e)
    too_expensive_curve = ecdf(hist_te)
    not_cheap = [1 - v for v in cheap_curve]
    not_expensive = [1 - v for v in expensive_curve]

    # 4) price points: first grid price with curve1 >= curve2, in doubles
    def point(values1: Sequence[float] | None, values2: Sequence[float] | None) -> float | None:
        if values1 is None or values2 is None:
            return None
        index = _first_reached(values1, values2)
        return None if index is None else float(grid[index])

    pmc = point(not_cheap, too_cheap_curve)
    pme = point(too_expensive_curve, not_expensive)
    ipp = point(expensive_curve, cheap_curve)
    opp = point(too_expensive_curve, too_cheap_curve)

    # 5) Newton-Miller-Smith: mean purchase probability per grid price
    if nms_groups is not None:
        nms_segments = groups_to_segments(nms_groups)
    reach: list[Fraction] | None = None
    nms_n = 0
    if nms_segments is not None and nms_segments[2] > 0:
        raw_points, raw_segments, nms_n = nms_segments

        def exact(price: Price, what: str) -> Fraction:
            value = _to_fraction(price, what)
            if value is None:
                raise ValueError(f"{what}: a price in the NMS pieces is missing or not finite")
            return value

        points = [(exact(price, "nms point"), _probability(intent), count)
                  for price, intent, count in raw_points if count > 0]
        segments = [(exact(p0, "nms segment"), _probability(i0), exact(p1, "nms segment"), _probability(i1), count)
                    for p0, i0, p1, i1, count in raw_segments if count > 0]
        reach = _nms_reach(grid, points, segments, nms_n, by_position=nms_interpolation == "grid")

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
            too_cheap=None if too_cheap_curve is None else too_cheap_curve[i],
            cheap=cheap_curve[i],
            not_cheap=not_cheap[i],
            expensive=expensive_curve[i],
            not_expensive=not_expensive[i],
            too_expensive=too_expensive_curve[i],
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
        nms_n=nms_n,
    )


def van_westendorp(
    too_cheap: Sequence[Price | None] | None,
    cheap: Sequence[Price | None],
    expensive: Sequence[Price | None],
    too_expensive: Sequence[Price | None],
    intent_cheap: Sequence[int | None] | None = None,
    intent_expensive: Sequence[int | None] | None = None,
    *,
    nms_interpolation: Literal["price", "grid"] = "price",
) -> PriceSensitivityResult:
    """Van Westendorp PSM, classic ``pricesensitivitymeter`` algorithm.

    The price sequences hold one answer per respondent.  A respondent whose
    answers are not strictly increasing -- or who left one out (``None``) or
    gave a non-finite number -- is excluded and counted in ``invalid``.
    ``too_cheap`` may be ``None`` (or all ``None``): the three-question form,
    validated as ``cheap < expensive < too_expensive``, with PMC and OPP
    ``None``.

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
    total = len(cheap)
    if too_cheap is None:
        too_cheap = [None] * total
    columns = [list(too_cheap), list(cheap), list(expensive), list(too_expensive)]
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
    #    (cheap < expensive < too_expensive when nobody answered too_cheap)
    three_questions = all(value is None for value in columns[0])
    hists: list[dict[Fraction, int]] = [{}, {}, {}, {}]
    nms_counts: dict[tuple[object, ...], int] = {}
    n = 0
    for row in range(total):
        values = [
            _to_fraction(columns[q][row], f"{QUESTIONS[q]}[{row}]") for q in range(4)
        ]
        tc, c, e, te = values
        if c is None or e is None or te is None or not (c < e < te):
            continue
        if not three_questions and (tc is None or not tc < c):
            continue
        n += 1
        for q in range(0 if not three_questions else 1, 4):
            hist = hists[q]
            hist[values[q]] = hist.get(values[q], 0) + 1  # type: ignore[index]
        if nms and intents_c[row] is not None and intents_e[row] is not None:
            key = (None if three_questions else tc, c, e, te, intents_c[row], intents_e[row])
            nms_counts[key] = nms_counts.get(key, 0) + 1
    return van_westendorp_counts(
        None if three_questions else hists[0],  # type: ignore[arg-type]
        hists[1],  # type: ignore[arg-type]
        hists[2],  # type: ignore[arg-type]
        hists[3],  # type: ignore[arg-type]
        invalid=total - n,
        nms_groups=[(*key, count) for key, count in nms_counts.items()] if nms else None,  # type: ignore[misc]
        nms_interpolation=nms_interpolation,
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
        if question == "too_cheap" and at.too_cheap is None:
            out[question] = None
            continue
        share = {
            "too_cheap": 1.0 - (at.too_cheap or 0.0),
            "cheap": at.not_cheap,
            "expensive": at.expensive,
            "too_expensive": at.too_expensive,
        }[question]
        out[question] = share
    return out
