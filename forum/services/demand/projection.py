"""The one projection of demand: the summary the page, the API (GET /api/v1/concepts/<slug>/summary)
and summary.json all show, read from the stored snapshot.

`summary(concept)` assembles the published contract from SECTIONS (name -> function of the concept
and its snapshot), after the concept's own fields; a new section is one function and one line in
SECTIONS. Numbers are JSON numbers, null where undefined."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from forum.analytics import kano as kano_analysis
from forum.analytics import pricing, ranking
from forum.models import Concept, utcnow
from forum.services.demand import gabor_granger, kano, maxdiff, prices, rule, segments, snapshot, votes
from forum.services.demand.snapshot import Snapshot

Section = Callable[[Concept, Snapshot], Any]


def number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def tallies(concept: Concept) -> dict[int, tuple[int, int]]:
    """{feature id: (for, against)} as stored."""
    return votes.counts_of(snapshot.get(concept).parts["votes"])


def people(concept: Concept, snap: Snapshot | None = None) -> dict[str, int]:
    """Who took part ({"total", "commented", "voted", "kano", "price"}), as stored with the figures."""
    return dict((snap or snapshot.get(concept)).parts["participation"])


def kano_row(summary: kano_analysis.KanoSummary) -> dict[str, Any]:
    return {"category": summary.category, "category_label": kano_analysis.CATEGORY_LABELS.get(summary.category or ""),
            "better": summary.better, "worse": summary.worse, "counts": dict(summary.counts), "n": summary.n}


def features(concept: Concept, snap: Snapshot | None = None) -> list[dict[str, Any]]:
    """Active features, ranked (Wilson lower bound), with their Kano summary where asked."""
    snap = snap or snapshot.get(concept)
    counts = votes.counts_of(snap.parts["votes"])
    by_id = {f.id: f for f in votes.active_features(concept)}
    ranked = [i for i in snap.parts["votes"]["ranking"] if i in by_id]
    ranked += [i for i in by_id if i not in ranked]  # a feature newer than the summary: last
    stored_kano = kano.summaries_of(snap.parts["kano"]) if concept.kano_enabled else {}
    out = []
    for place, feature_id in enumerate(ranked, start=1):
        up, down = counts.get(feature_id, (0, 0))
        interval = ranking.wilson_interval(up, up + down)
        row: dict[str, Any] = {
            "id": feature_id, "rank": place, "title": by_id[feature_id].title,
            "votes_for": up, "votes_against": down,
            "share_for": up / (up + down) if up + down else None,
            "score": ranking.wilson_lower_bound(up, up + down),
            "score_interval": list(interval) if interval else None,
            "kano": None,
        }
        if concept.kano_enabled:
            row["kano"] = kano_row(stored_kano.get(feature_id) or kano_analysis.summarize([]))
        out.append(row)
    return out


def price_result(concept: Concept, snap: Snapshot | None = None) -> pricing.PriceSensitivityResult | None:
    """The Van Westendorp result as stored (None without the price question)."""
    if not concept.price_question_enabled:
        return None
    part = (snap or snapshot.get(concept)).parts.get("prices")
    return prices.result_of(part["result"]) if part else prices.analysis(concept)


def price(concept: Concept, snap: Snapshot | None = None) -> dict[str, Any] | None:
    """The price section of the contract, None without the price question."""
    result = price_result(concept, snap)
    if result is None:
        return None
    has_intents = result.nms_n > 0
    return {
        "n": result.n, "invalid": result.invalid, "currency": concept.currency,
        "questions": 4 if concept.price_asks_too_cheap else 3,
        "pmc": number(result.pmc), "pme": number(result.pme), "ipp": number(result.ipp), "opp": number(result.opp),
        "reach_optimal_price": number(result.reach_optimal_price) if has_intents else None,
        "revenue_optimal_price": number(result.revenue_optimal_price) if has_intents else None,
        "small_sample": result.small_sample,
    }


SECTIONS: dict[str, Section] = {
    "participants": lambda concept, snap: people(concept, snap)["total"],
    "participation": people,
    "features": features,
    "price": price,
    "gabor_granger": lambda concept, snap: gabor_granger.section(concept, snap.parts.get("gabor_granger")),
    "maxdiff": lambda concept, snap: maxdiff.section(concept, snap.parts.get("maxdiff")),
    "segments": lambda concept, snap: segments.section(concept, snap.parts.get("segments")),
}


def summary(concept: Concept, segment: tuple[int, int] | None = None) -> dict[str, Any]:
    """The published summary contract (see /api/v1/openapi.json); with `segment` (question id, choice
    id) that of the counted people in it (the caller has checked the floor: segments.check)."""
    if segment is not None:
        whole = snapshot.get(concept).parts.get("segments")  # the counts of everyone, not a cross-table
        with rule.only_segment(*segment):
            out = summary(concept)
        out["segments"] = segments.section(concept, whole)
        return out
    snap = snapshot.get(concept)
    out: dict[str, Any] = {"concept": concept.slug, "title": concept.title,
                           "organization": concept.organization.slug, "stage": concept.stage}
    out.update({name: section(concept, snap) for name, section in SECTIONS.items()})
    out["generated_at"] = utcnow().replace(microsecond=0).isoformat() + "Z"
    return out


__all__ = ["SECTIONS", "Section", "features", "kano_row", "number", "people", "price", "price_result", "summary", "tallies"]
