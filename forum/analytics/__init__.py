"""Pure analytics for Sounding Board: no Flask, no database; the standard library, and numpy /
scipy for the MaxDiff logit.

* :mod:`forum.analytics.ranking` -- Wilson score lower bound for ranking by votes.
* :mod:`forum.analytics.kano` -- Kano questionnaire classification (Berger et al. 1993).
* :mod:`forum.analytics.pricing` -- Van Westendorp price sensitivity meter with the
  Newton-Miller-Smith purchase-intent extension.
* :mod:`forum.analytics.gabor_granger` -- Gabor-Granger demand and revenue on a price ladder.
* :mod:`forum.analytics.maxdiff` -- best-worst scaling: balanced designs, counts, the maxdiff logit
  (its numpy / SciPy fit in :mod:`forum.analytics.maxdiff_logit`, loaded only when a MaxDiff is fitted).
"""

from forum.analytics.kano import (
    ANSWER_LABELS,
    ANSWERS,
    CATEGORIES,
    CATEGORY_LABELS,
    KanoSummary,
    classify,
    summarize,
)
from forum.analytics.pricing import (
    PricePoint,
    PriceSensitivityResult,
    position,
    van_westendorp,
)
from forum.analytics.ranking import rank, wilson_lower_bound

__all__ = [
    "ANSWERS",
    "ANSWER_LABELS",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "KanoSummary",
    "PricePoint",
    "PriceSensitivityResult",
    "classify",
    "position",
    "rank",
    "summarize",
    "van_westendorp",
    "wilson_lower_bound",
]
