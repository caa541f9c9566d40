"""Who took part: distinct people who commented, voted, answered Kano, answered the price questions,
and in all, by the one rule (a comment by the owning organization's official voice is not a
consumer's; a member's or a suspended person's does not count, as their answers do not).

A part of the stored summary (forum.services.demand.parts): read in the summary's one snapshot with
every other figure, kept with it, and recomputed when the concept room's or its discussion's event
number moves (every vote, answer, comment or change of whose answers count moves one of them)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, union

from forum.extensions import db
from forum.models import Concept, Feature, FeatureVote, KanoAnswer, Post, PriceResponse, Topic
from forum.services.demand.rule import counted


def count(concept: Concept) -> dict[str, int]:
    """{"total", "commented", "voted", "kano", "price"}: distinct people whose part counts, from the
    database now (the stored summary's "participation" part)."""
    feature_ids = select(Feature.id).where(Feature.concept_id == concept.id,
                                           Feature.retired_at.is_(None)).scalar_subquery()
    voters = select(FeatureVote.user_id.label("user_id")).where(FeatureVote.feature_id.in_(feature_ids))
    kano_people = select(KanoAnswer.user_id.label("user_id")).where(KanoAnswer.feature_id.in_(feature_ids))
    pricers = select(PriceResponse.user_id.label("user_id")).where(PriceResponse.concept_id == concept.id)
    commenters = (select(Post.author_id.label("user_id")).join(Topic, Topic.id == Post.topic_id)
                  .where(Topic.concept_id == concept.id, Post.author_id.is_not(None),
                         Post.deleted_at.is_(None), Post.hidden_at.is_(None),
                         or_(Post.official_organization_id.is_(None),
                             Post.official_organization_id != concept.organization_id)))

    def distinct(stmt: Any) -> int:
        sub = stmt.subquery()
        return db.session.scalar(select(func.count(func.distinct(sub.c.user_id))).select_from(sub)
                                 .where(counted(concept.id, user_id=sub.c.user_id))) or 0

    everyone = union(voters, kano_people, pricers, commenters).subquery()
    total = db.session.scalar(select(func.count()).select_from(everyone)
                              .where(counted(concept.id, user_id=everyone.c.user_id))) or 0
    # one price answer per person and concept (a unique constraint): its counted rows are its people
    price = db.session.scalar(select(func.count()).select_from(PriceResponse).where(
        PriceResponse.concept_id == concept.id, counted(concept.id, user_id=PriceResponse.user_id))) or 0
    return {"total": total, "commented": distinct(commenters), "voted": distinct(voters),
            "kano": distinct(kano_people) if concept.kano_enabled else 0,
            "price": price if concept.price_question_enabled else 0}


__all__ = ["count"]
