"""Ranking by votes with the lower bound of the Wilson score interval.

Sorting ideas by "up minus down" or by the plain share of up-votes lets an idea
with 2 of 2 votes beat one with 90 of 100.  The usual remedy is to sort by the
lower bound of a confidence interval for the true share of up-votes.

Sources:

* E. B. Wilson (1927), "Probable inference, the law of succession, and
  statistical inference", *Journal of the American Statistical Association*
  22(158), 209-212 -- the score interval.
* E. Miller (2009), "How Not To Sort By Average Rating",
  https://www.evanmiller.org/how-not-to-sort-by-average-rating.html -- its use
  for ranking, with the closed form used here.

Closed form, with ``n = total``, ``p = positive / n`` and ``z`` the normal
quantile (1.96 for 95 % two-sided)::

    (p + z²/(2n) - z * sqrt(p(1-p)/n + z²/(4n²))) / (1 + z²/n)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from typing import Any, TypeVar

__all__ = ["rank", "wilson_interval", "wilson_lower_bound"]

K = TypeVar("K", bound=Hashable)


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def wilson_lower_bound(positive: int, total: int, z: float = 1.96) -> float:
    """Lower bound of the Wilson score interval for the share in favour.

    Returns 0.0 when ``total == 0``.  The result is clamped to ``[0, 1]`` to
    absorb floating-point noise (the exact bound for ``positive == 0`` is 0).

    Raises :class:`ValueError` for negative counts, ``positive > total``, or a
    negative / non-finite ``z``; :class:`TypeError` for non-integer counts.

    Sources: Wilson (1927); Miller (2009) -- see the module docstring.
    """
    _check_count("positive", positive)
    _check_count("total", total)
    if positive > total:
        raise ValueError(f"positive ({positive}) must not exceed total ({total})")
    if not math.isfinite(z) or z < 0:
        raise ValueError(f"z must be a finite non-negative number, got {z}")
    if total == 0:
        return 0.0
    n = float(total)
    p = positive / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    bound = (centre - margin) / (1 + z2 / n)
    return min(1.0, max(0.0, bound))


def wilson_interval(positive: int, total: int, z: float = 1.96) -> tuple[float, float] | None:
    """The whole Wilson score interval ``(lower, upper)``; ``None`` when ``total == 0``.

    ``lower`` is :func:`wilson_lower_bound`; ``upper`` is its mirror image
    (the lower bound of the share *against*, subtracted from 1).
    """
    lower = wilson_lower_bound(positive, total, z)
    if total == 0:
        return None
    return lower, 1.0 - wilson_lower_bound(total - positive, total, z)


def rank(tallies: Iterable[tuple[K, int, int]], z: float = 1.96) -> list[K]:
    """Order keys by Wilson lower bound, best first.

    ``tallies`` holds ``(key, up, down)`` triples.  Ties on the bound are
    broken by more total votes (``up + down``), then by the key ascending (so
    keys must be mutually comparable when such ties occur).
    """
    scored: list[tuple[float, int, Any]] = []
    for key, up, down in tallies:
        _check_count("up", up)
        _check_count("down", down)
        total = up + down
        scored.append((wilson_lower_bound(up, total, z), total, key))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2]))
    return [key for _, _, key in scored]
