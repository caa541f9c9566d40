"""Van Westendorp price answers as demand: the price points (with Newton-Miller-Smith where intents
were given), the binned "bargain" prices and the purchase intents, over the counted answers.

The database does the counting: one `GROUP BY` over the six answers (a covering index gives SQLite the
groups in order), whose groups Python adds up into the histograms, the Newton-Miller-Smith pieces,
the bargains and the intents fed to `pricing.van_westendorp_counts`, so a million answers never
become a million Python objects (a few tens of thousands of groups). One statement: the histograms
always add up to the same n.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from forum.analytics import pricing
from forum.extensions import db
from forum.models import Concept, PriceResponse
from forum.services.demand.rule import counted

PR = PriceResponse
INTENT_LEVELS = (5, 4, 3, 2, 1)
#: The grouping, in the order of the covering index ix_price_responses_answers (concept_id first):
#: SQLite reads the groups off the index without sorting or touching the table.
ANSWER = (PR.too_cheap, PR.cheap, PR.expensive, PR.too_expensive, PR.intent_cheap, PR.intent_expensive)


def _rows(concept_id: int) -> Any:
    return select().select_from(PR).where(PR.concept_id == concept_id, counted(concept_id, user_id=PR.user_id))


def answers(concept_id: int) -> int:
    """How many price answers count (valid or not)."""
    return db.session.scalar(_rows(concept_id).add_columns(func.count())) or 0


@dataclasses.dataclass
class Groups:
    """The counted answers of a concept, as (too cheap, cheap, expensive, too expensive, intent at cheap,
    intent at expensive, how many) groups: ONE grouped statement, so every figure below is read in
    one snapshot and adds up to the same n under concurrent answers."""

    rows: list[tuple[Any, ...]]

    @classmethod
    def read(cls, concept_id: int) -> Groups:
        return cls(db.session.execute(_rows(concept_id).add_columns(*ANSWER, func.count()).group_by(*ANSWER))
                   .tuples().all())

    def three(self) -> bool:
        """Three questions when nobody answered "too cheap" (as pricesensitivitymeter)."""
        return all(row[0] is None for row in self.rows)

    def valid(self) -> list[tuple[Any, ...]]:
        three = self.three()
        return [row for row in self.rows if row[1] < row[2] < row[3]
                and (three or (row[0] is not None and row[0] < row[1]))]


def _nms_pieces(valid: list[tuple[Any, ...]], three: bool) -> tuple[list[Any], list[Any], int]:
    """The Newton-Miller-Smith pieces of the purchase curve (too cheap -> cheap, or the point at cheap;
    cheap -> expensive; expensive -> too expensive) of the valid answers with both intents, each
    piece counted once however many answers share it."""
    points: Counter[tuple[Any, ...]] = Counter()
    pieces: Counter[tuple[Any, ...]] = Counter()
    n = 0
    for tc, c, e, te, ic, ie, count in valid:
        if ic not in pricing.NMS_CALIBRATION or ie not in pricing.NMS_CALIBRATION:
            continue
        n += count
        if three:
            points[c, ic] += count
        else:
            pieces[tc, None, c, ic] += count
        pieces[c, ic, e, ie] += count
        pieces[e, ie, te, None] += count
    return [(*k, v) for k, v in points.items()], [(*k, v) for k, v in pieces.items()], n


def analysis(concept: Concept, groups: Groups | None = None) -> pricing.PriceSensitivityResult:
    """Van Westendorp over the counted answers (Newton-Miller-Smith when anybody valid gave an intent)."""
    groups = groups or Groups.read(concept.id)
    three, valid = groups.three(), groups.valid()
    histograms: list[Counter[Any]] = [Counter(), Counter(), Counter(), Counter()]
    for row in valid:
        for question in range(4):
            histograms[question][row[question]] += row[6]
    nms = any(row[4] is not None or row[5] is not None for row in valid)
    return pricing.van_westendorp_counts(
        None if three else histograms[0], *histograms[1:],
        invalid=sum(row[6] for row in groups.rows) - sum(row[6] for row in valid),
        nms_segments=_nms_pieces(valid, three) if nms else None)


def bargains(concept: Concept, bins: int = 8, groups: Groups | None = None) -> list[dict[str, Any]]:
    """How many people named each "bargain" price band (valid or not), for a histogram."""
    counts: Counter[Any] = Counter()
    for row in (groups or Groups.read(concept.id)).rows:
        counts[row[1]] += row[6]
    if not counts:
        return []
    low, high = float(min(counts)), float(max(counts))
    if high == low:
        return [{"from": low, "to": high, "count": sum(counts.values())}]
    width = (high - low) / bins
    out = [{"from": low + i * width, "to": low + (i + 1) * width, "count": 0} for i in range(bins)]
    for price, count in sorted(counts.items()):
        out[min(bins - 1, int((float(price) - low) / width))]["count"] += int(count)
    return out


def intents(concept: Concept, groups: Groups | None = None) -> dict[str, list[dict[str, int]]]:
    """How many gave each purchase intent (5 very likely .. 1 very unlikely), at both prices."""
    counts: list[Counter[Any]] = [Counter(), Counter()]
    for row in (groups or Groups.read(concept.id)).rows:
        for side in (0, 1):
            if row[4 + side] is not None:
                counts[side][row[4 + side]] += row[6]
    return {name: [{"intent": level, "count": int(counts[side].get(level, 0))} for level in INTENT_LEVELS]
            for side, name in enumerate(("cheap", "expensive"))}


def compute(concept: Concept) -> dict[str, Any] | None:
    """The price part of the stored summary (JSON), None without the price question."""
    if not concept.price_question_enabled:
        return None
    groups = Groups.read(concept.id)
    return {"result": result_json(analysis(concept, groups)), "bargains": bargains(concept, groups=groups),
            "intents": intents(concept, groups)}


def result_json(result: pricing.PriceSensitivityResult) -> dict[str, Any]:
    return dataclasses.asdict(result)


def result_of(data: dict[str, Any]) -> pricing.PriceSensitivityResult:
    """The stored result back as a PriceSensitivityResult (JSON keeps doubles exactly)."""
    fields = dict(data)
    fields["curves"] = tuple(pricing.PricePoint(**point) for point in data["curves"])
    fields["range"] = tuple(data["range"]) if data["range"] is not None else None
    return pricing.PriceSensitivityResult(**fields)


__all__ = ["Groups", "analysis", "answers", "bargains", "compute", "intents", "result_json", "result_of"]
