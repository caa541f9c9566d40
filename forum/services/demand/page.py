"""What only the demand summary page shows beside the summary: the activity of the last 30 days,
the conversation, "since your last visit", the binned bargain prices and intents, an
organization's overview. Figures of answers follow the one rule (forum.services.demand.rule)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from forum.extensions import db
from forum.i18n import _
from forum.models import Concept, Feature, FeatureVote, Post, PriceResponse, SummaryVisit, Topic, utcnow
from forum.services.demand import gabor_granger, maxdiff, projection, snapshot
from forum.services.demand.rule import counted
from forum.services.demand.wording import INTENT_LABELS, money

PR = PriceResponse


def _counted_votes(concept: Concept) -> Any:
    return (select().select_from(FeatureVote).join(Feature, Feature.id == FeatureVote.feature_id)
            .where(Feature.concept_id == concept.id, Feature.retired_at.is_(None),
                   counted(concept.id, user_id=FeatureVote.user_id)))


def _counted_prices(concept: Concept) -> Any:
    return (select().select_from(PR).where(PR.concept_id == concept.id, counted(concept.id, user_id=PR.user_id)))


def _comments(concept: Concept) -> Any:
    return (select().select_from(Post).join(Topic, Topic.id == Post.topic_id)
            .where(Topic.concept_id == concept.id, Post.deleted_at.is_(None), Post.hidden_at.is_(None)))


def activity(concept: Concept, days: int = 30) -> list[dict[str, Any]]:
    """Per day over the last `days` days (today included): comments, counted votes, price answers."""
    today = utcnow().date()
    start = today - timedelta(days=days - 1)
    since = datetime(start.year, start.month, start.day)
    day = func.date
    queries = {
        "comments": _comments(concept).add_columns(day(Post.created_at), func.count())
        .where(Post.created_at >= since).group_by(day(Post.created_at)),
        "votes": _counted_votes(concept).add_columns(day(FeatureVote.updated_at), func.count())
        .where(FeatureVote.updated_at >= since).group_by(day(FeatureVote.updated_at)),
        "prices": _counted_prices(concept).add_columns(day(PR.updated_at), func.count())
        .where(PR.updated_at >= since).group_by(day(PR.updated_at)),
    }
    series = {name: {str(when)[:10]: int(count) for when, count in db.session.execute(stmt)}
              for name, stmt in queries.items()}
    out = []
    for offset in range(days):
        when = (start + timedelta(days=offset)).isoformat()
        out.append({"day": when, **{name: series[name].get(when, 0) for name in queries}})
    return out


def price_sentence(price: dict[str, Any] | None) -> str | None:
    """"Most people find €24 to €31 acceptable; €27 is where the fewest find it too cheap or too
    expensive." -- from the acceptable range and the optimal price point."""
    if not price or not price["n"]:
        return None
    currency = price["currency"]
    parts = []
    if price["pmc"] is not None and price["pme"] is not None:
        parts.append(_("Most people find %(low)s to %(high)s acceptable", low=money(price["pmc"], currency),
                       high=money(price["pme"], currency)))
    elif price["pme"] is not None:
        parts.append(_("Above %(price)s more people find it too expensive than not expensive",
                       price=money(price["pme"], currency)))
    if price["opp"] is not None:
        parts.append(_("%(price)s is where the fewest find it too cheap or too expensive",
                       price=money(price["opp"], currency)))
    elif price["ipp"] is not None:
        parts.append(_("at %(price)s as many find it a bargain as getting expensive",
                       price=money(price["ipp"], currency)))
    if len(parts) == 2:  # the two halves and the full stop as the reader's language writes them
        return _("%(first)s; %(then)s.", first=parts[0], then=parts[1])
    return _("%(sentence)s.", sentence=parts[0]) if parts else None


def conversation(concept: Concept, limit: int = 5) -> dict[str, list[dict[str, Any]]]:
    """What people said: the most-replied posts, questions still unanswered, official answers."""
    topic_id = db.session.scalar(select(Topic.id).where(Topic.concept_id == concept.id))
    if topic_id is None:
        return {"most_replied": [], "unanswered": [], "official": []}
    reply = aliased(Post)
    replies = (select(func.count(reply.id)).where(reply.reply_to_id == Post.id, reply.deleted_at.is_(None),
                                                  reply.hidden_at.is_(None))
               .correlate(Post).scalar_subquery())
    visible = [Post.topic_id == topic_id, Post.deleted_at.is_(None), Post.hidden_at.is_(None)]

    def rows(stmt: Any) -> list[dict[str, Any]]:
        return [{"id": post.id, "excerpt": post.excerpt, "created_at": post.created_at,
                 "replies": int(count), "author": post.author.name if post.author else _("deleted user"),
                 "official": post.official_organization_id is not None}
                for post, count in db.session.execute(stmt.options(joinedload(Post.author)))]

    most = rows(select(Post, replies).where(*visible).order_by(replies.desc(), Post.id).limit(limit))
    unanswered = rows(select(Post, replies).where(
        *visible, Post.official_organization_id.is_(None), Post.answered_by_id.is_(None),
        Post.body_source.contains("?"),
        ~select(reply.id).where(reply.reply_to_id == Post.id,
                                reply.official_organization_id == concept.organization_id).exists())
        .order_by(Post.created_at.desc()).limit(limit))
    official = rows(select(Post, replies).where(*visible, Post.official_organization_id == concept.organization_id)
                    .order_by(Post.created_at.desc()).limit(limit))
    return {"most_replied": [r for r in most if r["replies"] > 0], "unanswered": unanswered, "official": official}


def since_last_visit(actor: Any, concept: Concept) -> dict[str, Any] | None:
    """New comments, counted votes and price answers since this person last recorded a visit to the
    summary (forum.services.feedback.record_visit). Reads only. None on a first visit and for visitors."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    since = db.session.scalar(select(SummaryVisit.visited_at).where(
        SummaryVisit.user_id == actor.id, SummaryVisit.concept_id == concept.id))
    if since is None:
        return None
    return {
        "since": since,
        "comments": db.session.scalar(_comments(concept).add_columns(func.count(Post.id))
                                      .where(Post.created_at > since)) or 0,
        "votes": db.session.scalar(_counted_votes(concept).add_columns(func.count(FeatureVote.id))
                                   .where(FeatureVote.updated_at > since)) or 0,
        "prices": db.session.scalar(_counted_prices(concept).add_columns(func.count(PR.id))
                                    .where(PR.updated_at > since)) or 0,
    }


def intents(snap: snapshot.Snapshot) -> dict[str, list[dict[str, Any]]]:
    part = snap.parts.get("prices") or {}
    return {name: [{**row, "label": INTENT_LABELS[row["intent"]]} for row in rows]
            for name, rows in part.get("intents", {}).items()}


def page(concept: Concept, snap: snapshot.Snapshot | None = None) -> dict[str, Any]:
    """Everything the demand summary page shows, the same for every reader who may read it: every
    figure of the summary from the one snapshot `snap` (read now when not given)."""
    snap = snap or snapshot.get(concept)
    result = projection.price_result(concept, snap)
    price = projection.price(concept, snap)
    return {
        "participation": projection.people(concept, snap),
        "activity": activity(concept),
        "features": projection.features(concept, snap),
        "voters": snap.parts["participation"]["voted"],  # the same people: counted votes on active features
        "waiting": snap.parts["votes"].get("waiting", 0),
        "kano_respondents": snap.parts["kano"]["respondents"] if concept.kano_enabled else 0,
        "price": price,
        "price_result": result,
        "price_sentence": price_sentence(price),
        "bargains": (snap.parts.get("prices") or {}).get("bargains", []) if price else [],
        "intents": intents(snap) if price else {},
        "conversation": conversation(concept),
        "gabor_granger": gabor_granger.section(concept, snap.parts.get("gabor_granger")),
        "maxdiff": maxdiff.section(concept, snap.parts.get("maxdiff")),
    }


def overview(concepts: list[Concept]) -> list[dict[str, Any]]:
    """An organization's concepts side by side: participants, top feature, acceptable range."""
    out = []
    for concept in concepts:
        snap = snapshot.get(concept)
        ranked = projection.features(concept, snap)
        top = next((row for row in ranked if row["votes_for"] + row["votes_against"]), None)
        out.append({"concept": concept, "participants": projection.people(concept, snap)["total"],
                    "top_feature": top, "price": projection.price(concept, snap)})
    return out


__all__ = ["activity", "conversation", "intents", "overview", "page", "price_sentence", "since_last_visit"]
