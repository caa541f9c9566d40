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

Where the parts live: this module validates one answer per respondent and is the public face;
forum/analytics/psm_counts.py computes from counted answers (steps 2 to 4 and NMS), and
forum/analytics/psm_result.py holds the result and :func:`position`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
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
from forum.analytics.psm_counts import Histogram, check_interpolation, van_westendorp_counts
from forum.analytics.psm_result import (
    QUESTIONS,
    SMALL_SAMPLE_THRESHOLD,
    PricePoint,
    PriceSensitivityResult,
    position,
    to_fraction,
)

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


def _price_columns(
    too_cheap: Sequence[Price | None] | None,
    cheap: Sequence[Price | None],
    expensive: Sequence[Price | None],
    too_expensive: Sequence[Price | None],
) -> list[list[Price | None]]:
    """The four answers per respondent as equal-length columns (too-cheap all ``None`` if not asked)."""
    total = len(cheap)
    if too_cheap is None:
        too_cheap = [None] * total
    columns = [list(too_cheap), list(cheap), list(expensive), list(too_expensive)]
    if any(len(column) != total for column in columns):
        raise ValueError(
            "too_cheap, cheap, expensive and too_expensive must have equal lengths, "
            "got " + ", ".join(str(len(column)) for column in columns)
        )
    return columns


def _intent_columns(
    intent_cheap: Sequence[int | None] | None, intent_expensive: Sequence[int | None] | None, total: int
) -> tuple[list[int | None], list[int | None]] | None:
    """Both purchase-intent columns, checked (1..5 or ``None``), or ``None`` when not asked."""
    if (intent_cheap is None) != (intent_expensive is None):
        raise ValueError("give both intent_cheap and intent_expensive, or neither")
    if intent_cheap is None or intent_expensive is None:
        return None
    intents_c = [_check_intent(v, "intent_cheap") for v in intent_cheap]
    intents_e = [_check_intent(v, "intent_expensive") for v in intent_expensive]
    if len(intents_c) != total or len(intents_e) != total:
        raise ValueError(
            f"intent sequences must have the same length as the prices ({total}), "
            f"got {len(intents_c)} and {len(intents_e)}"
        )
    return intents_c, intents_e


def _valid(values: Sequence[Fraction | None], three_questions: bool) -> bool:
    """1) strictly too_cheap < cheap < expensive < too_expensive (cheap < expensive < too_expensive
    when nobody answered too_cheap)."""
    tc, c, e, te = values
    if c is None or e is None or te is None or not (c < e < te):
        return False
    return three_questions or (tc is not None and tc < c)


def _count_valid(
    columns: Sequence[Sequence[Price | None]],
    intents: tuple[list[int | None], list[int | None]] | None,
    three_questions: bool,
) -> tuple[list[Histogram], dict[tuple[object, ...], int], int]:
    """The valid respondents counted per question and price, those with both intents grouped by
    their whole answer (for NMS), and how many were valid."""
    hists: list[Histogram] = [{}, {}, {}, {}]
    nms_counts: dict[tuple[object, ...], int] = {}
    n = 0
    for row in range(len(columns[1])):
        values = [to_fraction(columns[q][row], f"{QUESTIONS[q]}[{row}]") for q in range(4)]
        if not _valid(values, three_questions):
            continue
        n += 1
        for q in range(0 if not three_questions else 1, 4):
            hist = hists[q]
            hist[values[q]] = hist.get(values[q], 0) + 1  # type: ignore[index]
        if intents is not None and intents[0][row] is not None and intents[1][row] is not None:
            tc, c, e, te = values
            key = (None if three_questions else tc, c, e, te, intents[0][row], intents[1][row])
            nms_counts[key] = nms_counts.get(key, 0) + 1
    return hists, nms_counts, n


def van_westendorp(
    too_cheap: Sequence[Price | None] | None, cheap: Sequence[Price | None],
    expensive: Sequence[Price | None], too_expensive: Sequence[Price | None],
    intent_cheap: Sequence[int | None] | None = None, intent_expensive: Sequence[int | None] | None = None,
    *, nms_interpolation: Literal["price", "grid"] = "price",
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
    columns = _price_columns(too_cheap, cheap, expensive, too_expensive)
    intents = _intent_columns(intent_cheap, intent_expensive, len(columns[1]))
    check_interpolation(nms_interpolation)
    three_questions = all(value is None for value in columns[0])
    hists, nms_counts, n = _count_valid(columns, intents, three_questions)
    groups = None if intents is None else [(*key, count) for key, count in nms_counts.items()]
    return van_westendorp_counts(None if three_questions else hists[0], hists[1], hists[2], hists[3],
                                 invalid=len(columns[1]) - n, nms_groups=groups,  # type: ignore[arg-type]
                                 nms_interpolation=nms_interpolation)
