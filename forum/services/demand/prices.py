"""Van Westendorp price answers as demand: the price points (with Newton-Miller-Smith where intents
were given), the binned "bargain" prices and the purchase intents, over the counted answers.

The database does the counting: `GROUP BY` histograms fed to `pricing.van_westendorp_counts`, so a
million answers never become a million Python objects. Read inside one snapshot (see
forum.services.demand.snapshot), the histograms always add up to the same n.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Integer, Numeric, String, and_, cast, func, literal, null, or_, select, union_all

from forum.analytics import pricing
from forum.extensions import db
from forum.models import Concept, PriceResponse, User
from forum.services.demand.rule import counted

PR = PriceResponse
INTENT_LEVELS = (5, 4, 3, 2, 1)


def _rows(concept_id: int) -> Any:
    return (select().select_from(PR).join(User, User.id == PR.user_id)
            .where(PR.concept_id == concept_id, counted(concept_id)))


def answers(concept_id: int) -> int:
    """How many price answers count (valid or not)."""
    return db.session.scalar(_rows(concept_id).add_columns(func.count())) or 0


def _validity(concept_id: int) -> tuple[bool, Any]:
    """(three questions?, the SQL condition of a valid answer). Four questions when anybody answered
    "too cheap", else three (as pricesensitivitymeter)."""
    answered_too_cheap = db.session.scalar(_rows(concept_id).add_columns(func.count(PR.too_cheap))) or 0
    three = answered_too_cheap == 0
    ordered = and_(PR.cheap < PR.expensive, PR.expensive < PR.too_expensive)
    return three, ordered if three else and_(PR.too_cheap.is_not(None), PR.too_cheap < PR.cheap, ordered)


def _branch(concept_id: int, tag: str, keys: tuple[Any, Any, Any, Any], *where: Any) -> Any:
    """One SELECT of the analysis's UNION ALL: (tag, price a, intent b, price c, intent d, count),
    grouped by the columns given (None: a typed NULL)."""
    typed = [column if column is not None else cast(null(), kind)
             for column, kind in zip(keys, (Numeric(12, 2), Integer, Numeric(12, 2), Integer), strict=True)]
    stmt = _rows(concept_id).add_columns(literal(tag, String).label("tag"), *typed, func.count().label("n"))
    grouped = [column for column in keys if column is not None]
    return stmt.where(*where).group_by(*grouped) if grouped else stmt.where(*where)


def _branches(concept_id: int, valid: Any, three: bool, nms: bool) -> list[Any]:
    """Totals, the four histograms of the valid answers and, with intents, the Newton-Miller-Smith
    pieces of the purchase curve (too cheap -> cheap, cheap -> expensive, expensive -> too expensive,
    far fewer groups than whole answers)."""
    out = [_branch(concept_id, "total", (None,) * 4), _branch(concept_id, "kept", (None,) * 4, valid)]
    for tag, column in (("tc", PR.too_cheap), ("c", PR.cheap), ("e", PR.expensive), ("te", PR.too_expensive)):
        if not (three and tag == "tc"):
            out.append(_branch(concept_id, tag, (column, None, None, None), valid))
    if nms:
        both = (valid, PR.intent_cheap.in_(list(pricing.NMS_CALIBRATION)),
                PR.intent_expensive.in_(list(pricing.NMS_CALIBRATION)))
        if three:
            out.append(_branch(concept_id, "point", (PR.cheap, PR.intent_cheap, None, None), *both))
        else:
            out.append(_branch(concept_id, "low", (PR.too_cheap, None, PR.cheap, PR.intent_cheap), *both))
        out.append(_branch(concept_id, "mid", (PR.cheap, PR.intent_cheap, PR.expensive, PR.intent_expensive), *both))
        out.append(_branch(concept_id, "high", (PR.expensive, PR.intent_expensive, PR.too_expensive, None), *both))
        out.append(_branch(concept_id, "nms_n", (None,) * 4, *both))
    return out


def analysis(concept: Concept) -> pricing.PriceSensitivityResult:
    """Van Westendorp over the counted answers, counted by the database in ONE statement (a UNION
    ALL), so under concurrent answers every histogram still adds up to the same n."""
    three, valid = _validity(concept.id)
    nms = bool(db.session.scalar(_rows(concept.id).add_columns(func.count()).where(valid, or_(
        PR.intent_cheap.is_not(None), PR.intent_expensive.is_not(None)))))
    counts: dict[str, Any] = {"total": 0, "kept": 0, "nms_n": 0}
    histograms: dict[str, dict[Any, int]] = {"tc": {}, "c": {}, "e": {}, "te": {}}
    points: list[Any] = []
    pieces: list[Any] = []
    for tag, a, b, c, d, n in db.session.execute(union_all(*_branches(concept.id, valid, three, nms))):
        n = int(n)
        if tag in counts:
            counts[tag] = n
        elif tag in histograms:
            histograms[tag][a] = n
        elif tag == "point":
            points.append((a, b, n))
        else:
            pieces.append((a, b, c, d, n))
    return pricing.van_westendorp_counts(
        None if three else histograms["tc"], histograms["c"], histograms["e"], histograms["te"],
        invalid=counts["total"] - counts["kept"], nms_segments=(points, pieces, counts["nms_n"]) if nms else None)


def bargains(concept: Concept, bins: int = 8) -> list[dict[str, Any]]:
    """How many people named each "bargain" price band (valid or not), for a histogram."""
    rows = db.session.execute(_rows(concept.id).add_columns(PR.cheap, func.count())
                              .group_by(PR.cheap).order_by(PR.cheap)).all()
    if not rows:
        return []
    low, high = float(rows[0][0]), float(rows[-1][0])
    if high == low:
        return [{"from": low, "to": high, "count": sum(int(c) for _, c in rows)}]
    width = (high - low) / bins
    out = [{"from": low + i * width, "to": low + (i + 1) * width, "count": 0} for i in range(bins)]
    for price, count in rows:
        out[min(bins - 1, int((float(price) - low) / width))]["count"] += int(count)
    return out


def intents(concept: Concept) -> dict[str, list[dict[str, int]]]:
    """How many gave each purchase intent (5 very likely .. 1 very unlikely), at both prices."""
    out: dict[str, list[dict[str, int]]] = {}
    for name, column in (("cheap", PR.intent_cheap), ("expensive", PR.intent_expensive)):
        counts = dict(db.session.execute(_rows(concept.id).add_columns(column, func.count())
                                         .where(column.is_not(None)).group_by(column)).tuples().all())
        out[name] = [{"intent": level, "count": int(counts.get(level, 0))} for level in INTENT_LEVELS]
    return out


def compute(concept: Concept) -> dict[str, Any] | None:
    """The price part of the stored summary (JSON), None without the price question."""
    if not concept.price_question_enabled:
        return None
    return {"result": result_json(analysis(concept)), "bargains": bargains(concept), "intents": intents(concept)}


def result_json(result: pricing.PriceSensitivityResult) -> dict[str, Any]:
    return dataclasses.asdict(result)


def result_of(data: dict[str, Any]) -> pricing.PriceSensitivityResult:
    """The stored result back as a PriceSensitivityResult (JSON keeps doubles exactly)."""
    fields = dict(data)
    fields["curves"] = tuple(pricing.PricePoint(**point) for point in data["curves"])
    fields["range"] = tuple(data["range"]) if data["range"] is not None else None
    return pricing.PriceSensitivityResult(**fields)


__all__ = ["analysis", "answers", "bargains", "compute", "intents", "result_json", "result_of"]
