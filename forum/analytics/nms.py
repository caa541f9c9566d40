"""The Newton-Miller-Smith extension of the Van Westendorp meter: purchase intents at the "cheap" and
"expensive" prices, calibrated to purchase probabilities, give each respondent a probability curve
over price; its mean at each price is the reach (see forum/analytics/pricing.py for the sources).

NMS: reach and revenue are computed with :class:`fractions.Fraction` (as they
were, and as they agree with the package), so equal maxima are recognised and
the first grid price wins, as R's ``which.max`` does.  Without a too-cheap
answer a respondent's curve starts at the cheap price with the cheap intent
(the package's two-segment fallback).  A float price is read as the shortest
decimal that round-trips to it (``0.1`` means 1/10, as typed); ints, Decimals
and Fractions are taken as they are.

NMS interpolation: by default (``nms_interpolation="price"``) a respondent's
purchase probability is linear *in price* between (too_cheap, 0),
(cheap, intent), (expensive, intent) and (too_expensive, 0), and 0 outside.
``pricesensitivitymeter`` instead interpolates linearly over the *positions*
on the common price grid (``seq.int(..., length.out = ...)``), which depends on
other respondents' prices; ``nms_interpolation="grid"`` reproduces that.
Both agree whenever the grid is evenly spaced.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

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


def check_intent(value: object, what: str) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value not in NMS_CALIBRATION
    ):
        raise ValueError(f"{what} must be an int from 1 to 5 or None, got {value!r}")
    return value


NmsGroup: TypeAlias = tuple[
    "Price | None", "Price", "Price", "Price", int, int, int
]
"""``(too_cheap or None, cheap, expensive, too_expensive, intent_cheap,
intent_expensive, count)``: ``count`` valid respondents who gave exactly these
answers (both intents present)."""


NmsSegment: TypeAlias = tuple["Price", "int | None", "Price", "int | None", int]
"""``(price0, intent0, price1, intent1, count)``: ``count`` respondents whose
purchase probability runs linearly from ``price0`` to ``price1`` (``intent``
None = probability 0).  A respondent is three segments (two without a
too-cheap answer, plus a :data:`NmsPoint` at the cheap price)."""


NmsPoint: TypeAlias = tuple["Price", int, int]
"""``(price, intent, count)``: the probability at the start of a curve that
does not start at 0 (no too-cheap answer)."""


def nms_reach(
    grid: Sequence[Fraction],
    points: Sequence[tuple[Fraction, Fraction, int]],
    segments: Sequence[tuple[Fraction, Fraction, Fraction, Fraction, int]],
    total: int,
    by_position: bool,
) -> list[Fraction]:
    """Mean NMS purchase probability at each grid price, exactly.

    Each respondent's curve is 0 up to and including too_cheap, rises linearly
    to the calibrated cheap intent at cheap, moves linearly to the calibrated
    expensive intent at expensive, falls linearly to 0 at too_expensive and
    stays 0 beyond.  Without a too-cheap answer the curve is 0 below cheap and
    starts at the cheap intent.  The x-axis is the price, or the grid position
    when ``by_position`` (pricesensitivitymeter's ``seq.int`` interpolation).

    Each linear piece ``y = intercept + slope * x`` on grid positions
    ``(start, end]`` is added, times its count, to difference arrays of
    intercepts and slopes, so the total work is O(segments + grid) rather
    than respondents times grid; respondents sharing a piece share the work.
    """
    position_of = {price: index for index, price in enumerate(grid)}
    intercepts = [Fraction(0)] * (len(grid) + 1)
    slopes = [Fraction(0)] * (len(grid) + 1)
    for price, value, count in points:
        _add(intercepts, position_of[price] - 1, position_of[price], value * count)
    for price0, y0, price1, y1, count in segments:
        p0, p1 = position_of[price0], position_of[price1]
        x0, x1 = (Fraction(p0), Fraction(p1)) if by_position else (price0, price1)
        slope = (y1 - y0) / (x1 - x0)
        _add(intercepts, p0, p1, (y0 - slope * x0) * count)
        _add(slopes, p0, p1, slope * count)
    return _sweep(grid, intercepts, slopes, total, by_position)


def _add(differences: list[Fraction], start: int, end: int, amount: Fraction) -> None:
    """Add ``amount`` to every grid position in ``(start, end]`` of a difference array."""
    differences[start + 1] += amount
    differences[end + 1] -= amount


def _sweep(grid: Sequence[Fraction], intercepts: Sequence[Fraction], slopes: Sequence[Fraction],
           total: int, by_position: bool) -> list[Fraction]:
    """The running sums of the difference arrays, evaluated at each grid price, per respondent."""
    reach: list[Fraction] = []
    intercept_sum = slope_sum = Fraction(0)
    for index, price in enumerate(grid):
        intercept_sum += intercepts[index]
        slope_sum += slopes[index]
        x = Fraction(index) if by_position else price
        reach.append((intercept_sum + slope_sum * x) / total)
    return reach


def probability(intent: int | None) -> Fraction:
    return Fraction(0) if intent is None else NMS_CALIBRATION[check_intent(intent, "intent")]  # type: ignore[index]


def groups_to_segments(
    groups: Sequence[NmsGroup],
) -> tuple[list[NmsPoint], list[NmsSegment], int]:
    """Whole answers (:data:`NmsGroup`) as points and segments, and how many respondents."""
    points: list[NmsPoint] = []
    segments: list[NmsSegment] = []
    total = 0
    for tc, c, e, te, intent_c, intent_e, count in groups:
        check_intent(intent_c, "intent_cheap")
        check_intent(intent_e, "intent_expensive")
        if count <= 0:
            continue
        total += count
        if tc is None:
            points.append((c, intent_c, count))
        else:
            segments.append((tc, None, c, intent_c, count))
        segments.append((c, intent_c, e, intent_e, count))
        segments.append((e, intent_e, te, None, count))
    return points, segments, total
