"""Gabor-Granger answers as demand: for each price of the ladder, how many of the counted
respondents would buy at it (their highest accepted price is at least it), the share with its
Wilson interval, the revenue index, the revenue-optimal price and the arc elasticities
(forum.analytics.gabor_granger). The database counts respondents by highest accepted price (one
GROUP BY over one row per person); the analysis runs on those few counts."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from forum.analytics import gabor_granger
from forum.extensions import db
from forum.models import Concept, GaborGrangerResponse
from forum.services.demand.rule import counted

GG = GaborGrangerResponse


def counts(concept: Concept) -> dict[Decimal | None, int]:
    """{highest accepted price (None: none): counted respondents}, on the current ladder."""
    ladder = concept.ladder
    rows = db.session.execute(
        select(GG.highest_price, func.count())
        .where(GG.concept_id == concept.id, counted(concept.id, user_id=GG.user_id),
               or_(GG.highest_price.is_(None), GG.highest_price.in_(ladder)))
        .group_by(GG.highest_price))
    return {(Decimal(price) if price is not None else None): int(n) for price, n in rows}


def compute(concept: Concept) -> dict[str, Any] | None:
    """The stored part: the counts (prices as text), None without a ladder."""
    if not concept.ladder:
        return None
    return {"counts": [[None if price is None else str(price), n] for price, n in counts(concept).items()]}


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def result_of(concept: Concept, part: dict[str, Any] | None) -> gabor_granger.GaborGrangerResult | None:
    if not concept.ladder or part is None:
        return None
    ladder = concept.ladder
    highest = {(None if price is None else Decimal(price)): n for price, n in part["counts"]}
    highest = {price: n for price, n in highest.items() if price is None or price in ladder}
    return gabor_granger.demand(ladder, highest)


def section(concept: Concept, part: dict[str, Any] | None) -> dict[str, Any] | None:
    """The contract's `gabor_granger` (null when the concept asks no ladder)."""
    result = result_of(concept, part)
    if result is None:
        return None
    return {
        "currency": concept.currency,
        "ladder": [{"price": _number(r.price), "n": r.n, "buyers": r.buyers, "share": r.share,
                    "share_low": r.share_low, "share_high": r.share_high, "revenue_index": r.revenue_index}
                   for r in result.ladder],
        "revenue_optimal_price": _number(result.revenue_optimal_price),
        "elasticities": [{"from_price": _number(e.from_price), "to_price": _number(e.to_price),
                          "elasticity": e.elasticity} for e in result.elasticities],
    }


__all__ = ["compute", "counts", "result_of", "section"]
