"""Recounts after whose answers count changed (withdrawn answers, a membership begun or ended, a
suspension lifted): which of a person's answers are touched, and the events that tell open pages the
new numbers, the same a vote or an answer records."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum.extensions import db
from forum.models import Concept, Feature, FeatureVote, KanoAnswer, PriceResponse
from forum.services import events
from forum.services.demand import kano, prices, votes


def touched_by(user_id: int, organization_id: int | None = None) -> tuple[set[int], set[int], set[int]]:
    """(feature ids voted on, concept ids with Kano answers, concept ids with a price answer) of a
    person, on one organization's concepts or on all."""
    def of_org(stmt: Any) -> Any:
        if organization_id is None:
            return stmt
        return stmt.where(Feature.concept_id.in_(select(Concept.id).where(Concept.organization_id == organization_id)))

    features = set(db.session.scalars(of_org(select(FeatureVote.feature_id).join(
        Feature, Feature.id == FeatureVote.feature_id).where(FeatureVote.user_id == user_id))))
    kano_concepts = set(db.session.scalars(of_org(select(Feature.concept_id).join(
        KanoAnswer, KanoAnswer.feature_id == Feature.id).where(KanoAnswer.user_id == user_id))))
    prices = select(PriceResponse.concept_id).where(PriceResponse.user_id == user_id)
    if organization_id is not None:
        prices = prices.join(Concept, Concept.id == PriceResponse.concept_id).where(
            Concept.organization_id == organization_id)
    return features, kano_concepts, set(db.session.scalars(prices))


def recount_events(feature_ids: set[int], kano_concepts: set[int], price_concepts: set[int]) -> list[Any]:
    """After whose feedback counts changed (withdrawn answers, a membership begun or ended): the
    events that tell the open pages the new numbers, the same a vote or an answer records."""
    recorded = []
    for feature_id in sorted(feature_ids):
        feature = db.session.get(Feature, feature_id)
        up, down = votes.tally(feature)
        recorded.append(events.record(events.concept_room(feature.concept_id), "tally.changed", {
            "feature_id": feature_id, "up": up, "down": down, "order": votes.rank_order(feature.concept)}))
    for concept_id in sorted(kano_concepts):
        recorded.append(events.record(events.concept_room(concept_id), "kano.changed",
                                      {"n": kano.respondents(concept_id)}))
    for concept_id in sorted(price_concepts):
        recorded.append(events.record(events.concept_room(concept_id), "price.changed",
                                      {"n": prices.answers(concept_id)}))
    return recorded
