"""The Van Westendorp meter from answers already validated and counted: the price grid, the curves
in doubles, the four price points and the Newton-Miller-Smith reach and revenue. The sources and the
algorithm, step by step, are in forum/analytics/pricing.py; the steps are numbered as there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from forum.analytics.nms import NmsGroup, NmsPoint, NmsSegment, Price, groups_to_segments
from forum.analytics.nms import nms_reach as _nms_reach
from forum.analytics.nms import probability as _probability
from forum.analytics.psm_result import (
    SMALL_SAMPLE_THRESHOLD,
    PricePoint,
    PriceSensitivityResult,
    empty_result,
    to_fraction,
)

__all__ = ["Histogram", "check_interpolation", "van_westendorp_counts"]

Histogram = dict[Fraction, int]


@dataclass(frozen=True)
class _Curves:
    """The six curves at each grid price, in doubles (``too_cheap`` is ``None`` without that question)."""

    too_cheap: list[float] | None
    cheap: list[float]
    not_cheap: list[float]
    expensive: list[float]
    not_expensive: list[float]
    too_expensive: list[float]


def check_interpolation(nms_interpolation: str) -> None:
    if nms_interpolation not in ("price", "grid"):
        raise ValueError(
            f"nms_interpolation must be 'price' or 'grid', got {nms_interpolation!r}"
        )


def _first_reached(values1: Sequence[float], values2: Sequence[float]) -> int | None:
    """Index of the first grid price where ``values1 >= values2`` (doubles, as R)."""
    for index, (first, second) in enumerate(zip(values1, values2, strict=True)):
        if first >= second:
            return index
    return None


def _histogram(counts: Mapping[Price, int], what: str) -> Histogram:
    out: Histogram = {}
    for price, count in counts.items():
        exact = to_fraction(price, what)
        if exact is None:
            raise ValueError(f"{what}: a price in the counts is missing or not finite")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{what}: counts must be non-negative ints, got {count!r}")
        if count:
            out[exact] = out.get(exact, 0) + count
    return out


def _histograms(
    too_cheap: Mapping[Price, int] | None,
    cheap: Mapping[Price, int],
    expensive: Mapping[Price, int],
    too_expensive: Mapping[Price, int],
) -> tuple[list[Histogram | None], int]:
    """The four questions' exact histograms (``None`` for a question not asked) and ``n``, which
    every question's counts must add up to."""
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
    return [hist_tc, hist_c, hist_e, hist_te], n


def _ecdf(grid: Sequence[Fraction], hist: Mapping[Fraction, int], n: int) -> list[float]:
    """R's ``ecdf`` at each grid price: ``#(x <= p) / n``."""
    values, running = [], 0
    for price in grid:
        running += hist.get(price, 0)
        values.append(running / n)  # count / n: one correctly rounded double
    return values


def _curves(grid: Sequence[Fraction], hists: Sequence[Histogram | None], n: int) -> _Curves:
    """3) the curves in doubles, exactly as the package computes them."""
    hist_tc, hist_c, hist_e, hist_te = hists
    cheap = [1 - f for f in _ecdf(grid, hist_c, n)]  # type: ignore[arg-type]
    expensive = _ecdf(grid, hist_e, n)  # type: ignore[arg-type]
    return _Curves(
        too_cheap=None if hist_tc is None else [1 - f for f in _ecdf(grid, hist_tc, n)],
        cheap=cheap,
        not_cheap=[1 - v for v in cheap],
        expensive=expensive,
        not_expensive=[1 - v for v in expensive],
        too_expensive=_ecdf(grid, hist_te, n),  # type: ignore[arg-type]
    )


def _point(
    grid: Sequence[Fraction], values1: Sequence[float] | None, values2: Sequence[float] | None
) -> float | None:
    """4) a price point: the first grid price with ``curve1 >= curve2``, in doubles."""
    if values1 is None or values2 is None:
        return None
    index = _first_reached(values1, values2)
    return None if index is None else float(grid[index])


def _exact(price: Price, what: str) -> Fraction:
    value = to_fraction(price, what)
    if value is None:
        raise ValueError(f"{what}: a price in the NMS pieces is missing or not finite")
    return value


def _reach(
    grid: Sequence[Fraction],
    nms_segments: tuple[Sequence[NmsPoint], Sequence[NmsSegment], int] | None,
    by_position: bool,
) -> tuple[list[Fraction] | None, int]:
    """5) Newton-Miller-Smith: the mean purchase probability per grid price, and how many
    respondents it is the mean of; ``(None, 0)`` without any."""
    if nms_segments is None or nms_segments[2] <= 0:
        return None, 0
    raw_points, raw_segments, nms_n = nms_segments
    points = [(_exact(price, "nms point"), _probability(intent), count)
              for price, intent, count in raw_points if count > 0]
    segments = [(_exact(p0, "nms segment"), _probability(i0), _exact(p1, "nms segment"), _probability(i1), count)
                for p0, i0, p1, i1, count in raw_segments if count > 0]
    return _nms_reach(grid, points, segments, nms_n, by_position=by_position), nms_n


def _first_max(grid: Sequence[Fraction], values: list[Fraction] | None) -> float | None:
    """The first grid price at the maximum (R's ``which.max``), or ``None`` without values."""
    return None if values is None else float(grid[values.index(max(values))])


def _price_points(
    grid: Sequence[Fraction], curves: _Curves, reach: list[Fraction] | None, revenue: list[Fraction] | None
) -> tuple[PricePoint, ...]:
    return tuple(
        PricePoint(
            price=float(price),
            too_cheap=None if curves.too_cheap is None else curves.too_cheap[i],
            cheap=curves.cheap[i],
            not_cheap=curves.not_cheap[i],
            expensive=curves.expensive[i],
            not_expensive=curves.not_expensive[i],
            too_expensive=curves.too_expensive[i],
            reach=None if reach is None else float(reach[i]),
            revenue=None if revenue is None else float(revenue[i]),
        )
        for i, price in enumerate(grid)
    )


def _result(
    grid: Sequence[Fraction], curves: _Curves, reach: list[Fraction] | None,
    *, n: int, invalid: int, nms: bool, nms_n: int,
) -> PriceSensitivityResult:
    revenue = None if reach is None else [price * share for price, share in zip(grid, reach, strict=True)]
    pmc = _point(grid, curves.not_cheap, curves.too_cheap)
    pme = _point(grid, curves.too_expensive, curves.not_expensive)
    return PriceSensitivityResult(
        n=n,
        invalid=invalid,
        pmc=pmc,
        pme=pme,
        ipp=_point(grid, curves.expensive, curves.cheap),
        opp=_point(grid, curves.too_expensive, curves.too_cheap),
        range=None if pmc is None or pme is None else (pmc, pme),
        curves=_price_points(grid, curves, reach, revenue),
        reach_optimal_price=_first_max(grid, reach),
        revenue_optimal_price=_first_max(grid, revenue),
        small_sample=n < SMALL_SAMPLE_THRESHOLD,
        nms=nms,
        nms_n=nms_n,
    )


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
    check_interpolation(nms_interpolation)
    if nms_groups is not None and nms_segments is not None:
        raise ValueError("give nms_groups or nms_segments, not both")
    nms = nms_groups is not None or nms_segments is not None
    hists, n = _histograms(too_cheap, cheap, expensive, too_expensive)
    if n == 0:
        return empty_result(invalid, nms)
    # 2) price grid: sorted distinct prices of the valid respondents
    grid = sorted({price for hist in hists if hist is not None for price in hist})
    if nms_groups is not None:
        nms_segments = groups_to_segments(nms_groups)
    reach, nms_n = _reach(grid, nms_segments, by_position=nms_interpolation == "grid")
    return _result(grid, _curves(grid, hists, n), reach, n=n, invalid=invalid, nms=nms, nms_n=nms_n)


