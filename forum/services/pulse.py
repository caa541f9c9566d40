"""What people want at a glance: concept cards' figures, the list's sorts, what is moving, roadmaps.

Figures come from what is already computed and stored: the stored summary's ranked features and
the participation count (forum/services/demand), both under the one rule of whose answer counts. Activity "this week" is the number of events the concept's
rooms (the concept's and its discussion's) recorded in the last seven days: every vote, answer,
post, suggestion and support is one.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from forum import policy
from forum.extensions import db
from forum.models import (
    STAGES,
    Concept,
    Decision,
    Organization,
)
from forum.services import demand, popularity


def figures(concept: Concept) -> dict[str, Any]:
    """{"participants": n, "top": {"title", "share"} or None}: the card's numbers."""
    snap = demand.get(concept)  # both figures from the one stored summary
    top = next(({"title": row["title"], "share": round(100 * row["share_for"])}
                for row in demand.features(concept, snap) if row["share_for"] is not None), None)
    return {"participants": demand.people(concept, snap)["total"], "top": top}


def moving(actor: Any, limit: int = 4) -> list[Concept]:
    """The concepts with the most activity this week (none without any), for the front page."""
    activity = popularity.week_activity()
    stmt = (select(Concept).where(policy.concept_filter(actor), activity > 0)
            .options(joinedload(Concept.organization), joinedload(Concept.topic))
            .order_by(activity.desc(), Concept.last_activity_at.desc(), Concept.id.desc()).limit(limit))
    return list(db.session.scalars(stmt).unique())


def roadmap(actor: Any, organization: Organization) -> list[dict[str, Any]]:
    """An organization's visible concepts by stage: [{stage, items: [{concept, decision, shaped}]}]."""
    rows = list(db.session.scalars(
        select(Concept).where(Concept.organization_id == organization.id, policy.concept_filter(actor))
        .order_by(Concept.last_activity_at.desc(), Concept.id.desc())))
    latest = _latest_decisions([c.id for c in rows])
    columns = []
    for stage in STAGES:
        items = [{"concept": c, "decision": latest.get(c.id), "shaped": demand.people(c)["total"]}
                 for c in rows if c.stage == stage]
        columns.append({"stage": stage, "items": items})
    return columns


def _latest_decisions(concept_ids: list[int]) -> dict[int, Decision]:
    if not concept_ids:
        return {}
    newest = (select(Decision.concept_id, func.max(Decision.id).label("id"))
              .where(Decision.concept_id.in_(concept_ids)).group_by(Decision.concept_id).subquery())
    found = db.session.scalars(select(Decision).join(newest, and_(Decision.id == newest.c.id)))
    return {d.concept_id: d for d in found}
