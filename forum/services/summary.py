"""The demand summary of a concept: what the API returns, what the summary page draws.

`summary(concept)` is the published JSON contract of GET /api/v1/concepts/<slug>/summary (numbers
as JSON numbers, null where undefined). The database does the counting: the price points come from
`GROUP BY` histograms fed to `pricing.van_westendorp_counts`, so a million answers never become a
million Python objects. Who may read it is `policy.can(actor, "feedback.results", concept)`; the
callers check (the API for tokens, the web view for people).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select, union
from sqlalchemy.orm import aliased, joinedload

from forum.analytics import kano, pricing, ranking
from forum.extensions import db
from forum.models import (
    Concept,
    Feature,
    FeatureVote,
    KanoAnswer,
    Post,
    PriceResponse,
    SummaryVisit,
    Topic,
    User,
    utcnow,
)
from forum.services import feedback

PR = PriceResponse


def _counted(concept: Concept) -> Any:
    """Whose answers count (the feedback service's one rule: not suspended, not a member now)."""
    return feedback.counted(concept.id)


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- price --------------------------------------------------------------------------------------

def _price_rows() -> Any:
    return select().select_from(PR).join(User, User.id == PR.user_id)


def price_analysis(concept: Concept) -> pricing.PriceSensitivityResult:
    """Van Westendorp over everyone's counted answers, counted by the database.

    Four questions when anybody answered "too cheap", else three (as pricesensitivitymeter)."""
    where = [PR.concept_id == concept.id, _counted(concept)]
    answered_too_cheap = db.session.scalar(
        _price_rows().add_columns(func.count(PR.too_cheap)).where(*where)) or 0
    three = answered_too_cheap == 0
    ordered = and_(PR.cheap < PR.expensive, PR.expensive < PR.too_expensive)
    valid = ordered if three else and_(PR.too_cheap.is_not(None), PR.too_cheap < PR.cheap, ordered)
    total, kept = db.session.execute(
        _price_rows().add_columns(func.count(), func.coalesce(func.sum(case((valid, 1), else_=0)), 0))
        .where(*where)).one()
    histograms: list[dict[Any, int] | None] = []
    for column in (PR.too_cheap, PR.cheap, PR.expensive, PR.too_expensive):
        if three and column is PR.too_cheap:
            histograms.append(None)
            continue
        rows = db.session.execute(_price_rows().add_columns(column, func.count())
                                  .where(*where, valid).group_by(column))
        histograms.append({price: int(count) for price, count in rows})
    any_intent = db.session.scalar(
        _price_rows().add_columns(func.count()).where(*where, valid, or_(
            PR.intent_cheap.is_not(None), PR.intent_expensive.is_not(None)))) or 0
    segments = None
    if any_intent:
        # Newton-Miller-Smith, counted per piece of the purchase curve (far fewer groups than whole
        # answers): too cheap -> cheap, cheap -> expensive, expensive -> too expensive.
        both = [*where, valid, PR.intent_cheap.in_(list(pricing.NMS_CALIBRATION)),
                PR.intent_expensive.in_(list(pricing.NMS_CALIBRATION))]

        def grouped(*keys: Any) -> list[Any]:
            return db.session.execute(_price_rows().add_columns(*keys, func.count()).where(*both)
                                      .group_by(*keys)).all()

        points: list[Any] = []
        pieces: list[Any] = []
        if three:
            points = [(c, ic, int(n)) for c, ic, n in grouped(PR.cheap, PR.intent_cheap)]
        else:
            pieces += [(tc, None, c, ic, int(n)) for tc, c, ic, n in grouped(PR.too_cheap, PR.cheap, PR.intent_cheap)]
        pieces += [(c, ic, e, ie, int(n)) for c, e, ic, ie, n in
                   grouped(PR.cheap, PR.expensive, PR.intent_cheap, PR.intent_expensive)]
        pieces += [(e, ie, te, None, int(n)) for e, te, ie, n in
                   grouped(PR.expensive, PR.too_expensive, PR.intent_expensive)]
        respondents = db.session.scalar(_price_rows().add_columns(func.count()).where(*both)) or 0
        segments = (points, pieces, int(respondents))
    return pricing.van_westendorp_counts(*histograms, invalid=int(total) - int(kept),
                                         nms_segments=segments if any_intent else None)


def price_json(concept: Concept, result: pricing.PriceSensitivityResult | None = None) -> dict[str, Any] | None:
    if not concept.price_question_enabled:
        return None
    result = result or price_analysis(concept)
    has_intents = result.nms_n > 0
    return {
        "n": result.n,
        "invalid": result.invalid,
        "currency": concept.currency,
        "questions": 4 if concept.price_asks_too_cheap else 3,
        "pmc": _number(result.pmc),
        "pme": _number(result.pme),
        "ipp": _number(result.ipp),
        "opp": _number(result.opp),
        "reach_optimal_price": _number(result.reach_optimal_price) if has_intents else None,
        "revenue_optimal_price": _number(result.revenue_optimal_price) if has_intents else None,
        "small_sample": result.small_sample,
    }


# --- votes, Kano, participants -------------------------------------------------------------------

_PARTICIPATION: dict[tuple[int, int, int], dict[str, int]] = {}
_PARTICIPATION_MAX = 512


def forget() -> None:
    """Drop the participation counts kept in this process (tests: ids and room numbers restart)."""
    _PARTICIPATION.clear()


def participation(concept: Concept) -> dict[str, int]:
    """Distinct people who commented, voted, answered Kano, answered the price questions, in all.

    Counting distinct people over a million answers takes seconds, so the counts are kept in this
    process by the concept room's and its discussion's event numbers: every vote, answer, comment
    or suspension moves one of them (see forum.services.summaries), and only then is it counted
    again."""
    from forum.services import events

    topic_id = db.session.scalar(select(Topic.id).where(Topic.concept_id == concept.id))
    key = (concept.id, events.current_seq(events.concept_room(concept.id)),
           events.current_seq(events.topic_room(topic_id)) if topic_id else 0)
    cached = _PARTICIPATION.get(key)
    if cached is None:
        cached = _count_participation(concept)
        if len(_PARTICIPATION) >= _PARTICIPATION_MAX:
            _PARTICIPATION.clear()
        _PARTICIPATION[key] = cached
    return dict(cached)


def _count_participation(concept: Concept) -> dict[str, int]:
    feature_ids = select(Feature.id).where(Feature.concept_id == concept.id).scalar_subquery()
    voters = (select(FeatureVote.user_id.label("user_id"))
              .where(FeatureVote.feature_id.in_(feature_ids)))
    kano_people = select(KanoAnswer.user_id.label("user_id")).where(KanoAnswer.feature_id.in_(feature_ids))
    pricers = select(PR.user_id.label("user_id")).where(PR.concept_id == concept.id)
    commenters = (select(Post.author_id.label("user_id")).join(Topic, Topic.id == Post.topic_id)
                  .where(Topic.concept_id == concept.id, Post.author_id.is_not(None),
                         Post.deleted_at.is_(None), Post.hidden_at.is_(None),
                         or_(Post.official_organization_id.is_(None),
                             Post.official_organization_id != concept.organization_id)))

    def distinct(stmt: Any) -> int:
        sub = stmt.subquery()
        return db.session.scalar(
            select(func.count(func.distinct(sub.c.user_id))).select_from(sub)
            .join(User, User.id == sub.c.user_id).where(_counted(concept))) or 0

    everyone = union(voters, kano_people, pricers, commenters).subquery()
    total = db.session.scalar(select(func.count()).select_from(everyone)
                              .join(User, User.id == everyone.c.user_id).where(_counted(concept))) or 0
    return {"total": total, "commented": distinct(commenters), "voted": distinct(voters),
            "kano": distinct(kano_people) if concept.kano_enabled else 0,
            "price": distinct(pricers) if concept.price_question_enabled else 0}


def features(concept: Concept) -> list[dict[str, Any]]:
    """Active features, ranked (Wilson lower bound), with their Kano summary where asked: read from
    the stored summary (forum.services.summaries), computed only when its inputs changed."""
    from forum.services import summaries

    stored = summaries.get(concept)
    by_id = {f.id: f for f in feedback.active_features(concept)}
    out = []
    for place, feature_id in enumerate((i for i in stored.ranking if i in by_id), start=1):
        feature = by_id[feature_id]
        up, down = stored.tallies.get(feature_id, (0, 0))
        interval = ranking.wilson_interval(up, up + down)
        row: dict[str, Any] = {
            "id": feature_id, "rank": place, "title": feature.title,
            "votes_for": up, "votes_against": down,
            "share_for": up / (up + down) if up + down else None,
            "score": ranking.wilson_lower_bound(up, up + down),
            "score_interval": list(interval) if interval else None,
            "kano": None,
        }
        if concept.kano_enabled:
            k = stored.kano.get(feature_id) or kano.summarize([])
            row["kano"] = {"category": k.category, "category_label": kano.CATEGORY_LABELS.get(k.category or ""),
                           "better": k.better, "worse": k.worse, "counts": dict(k.counts), "n": k.n}
        out.append(row)
    return out


def stored_price(concept: Concept) -> pricing.PriceSensitivityResult | None:
    """The Van Westendorp result as stored (None without the price question)."""
    from forum.services import summaries

    if not concept.price_question_enabled:
        return None
    return summaries.get(concept).price or price_analysis(concept)


def summary(concept: Concept) -> dict[str, Any]:
    """The published summary contract (see the module docstring and /api/v1/openapi.json)."""
    people = participation(concept)
    return {
        "concept": concept.slug,
        "title": concept.title,
        "organization": concept.organization.slug,
        "stage": concept.stage,
        "participants": people["total"],
        "participation": people,
        "features": features(concept),
        "price": price_json(concept, stored_price(concept)),
        "generated_at": utcnow().replace(microsecond=0).isoformat() + "Z",
    }


# --- what only the page shows --------------------------------------------------------------------

def _day(column: Any) -> Any:
    return func.date(column)


def activity(concept: Concept, days: int = 30) -> list[dict[str, Any]]:
    """Per day over the last `days` days (today included): comments, votes, price answers."""
    today = utcnow().date()
    start = today - timedelta(days=days - 1)
    since = datetime(start.year, start.month, start.day)
    series: dict[str, dict[Any, int]] = {}
    feature_ids = select(Feature.id).where(Feature.concept_id == concept.id).scalar_subquery()
    queries = {
        "comments": select(_day(Post.created_at), func.count()).join(Topic, Topic.id == Post.topic_id)
        .where(Topic.concept_id == concept.id, Post.created_at >= since, Post.deleted_at.is_(None))
        .group_by(_day(Post.created_at)),
        "votes": select(_day(FeatureVote.updated_at), func.count())
        .where(FeatureVote.feature_id.in_(feature_ids), FeatureVote.updated_at >= since)
        .group_by(_day(FeatureVote.updated_at)),
        "prices": select(_day(PR.updated_at), func.count())
        .where(PR.concept_id == concept.id, PR.updated_at >= since).group_by(_day(PR.updated_at)),
    }
    for name, stmt in queries.items():
        series[name] = {str(day)[:10]: int(count) for day, count in db.session.execute(stmt)}
    out = []
    for offset in range(days):
        day = (start + timedelta(days=offset)).isoformat()
        out.append({"day": day, **{name: series[name].get(day, 0) for name in queries}})
    return out


def bargain_distribution(concept: Concept, bins: int = 8) -> list[dict[str, Any]]:
    """How many people named each "bargain" price band (valid or not), for a histogram."""
    rows = db.session.execute(
        _price_rows().add_columns(PR.cheap, func.count()).where(PR.concept_id == concept.id, _counted(concept))
        .group_by(PR.cheap).order_by(PR.cheap)).all()
    if not rows:
        return []
    low, high = float(rows[0][0]), float(rows[-1][0])
    if high == low:
        return [{"from": low, "to": high, "count": sum(int(c) for _, c in rows)}]
    width = (high - low) / bins
    out = [{"from": low + i * width, "to": low + (i + 1) * width, "count": 0} for i in range(bins)]
    for price, count in rows:
        index = min(bins - 1, int((float(price) - low) / width))
        out[index]["count"] += int(count)
    return out


def intents(concept: Concept) -> dict[str, list[dict[str, Any]]]:
    """How many gave each purchase intent (5 very likely .. 1 very unlikely), at both prices."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, column in (("cheap", PR.intent_cheap), ("expensive", PR.intent_expensive)):
        counts = dict(db.session.execute(
            _price_rows().add_columns(column, func.count()).where(
                PR.concept_id == concept.id, _counted(concept), column.is_not(None)).group_by(column)).tuples().all())
        out[name] = [{"intent": level, "label": feedback.INTENT_LABELS[level], "count": int(counts.get(level, 0))}
                     for level in (5, 4, 3, 2, 1)]
    return out


def price_sentence(price: dict[str, Any] | None) -> str | None:
    """"Most people find 24 to 31 EUR acceptable; 27 EUR is where the fewest find it too cheap or too
    expensive." -- from the acceptable range and the optimal price point."""
    if not price or not price["n"]:
        return None
    currency = price["currency"]

    def amount(value: Any) -> str:
        return f"{feedback.money(value, currency)}"

    parts = []
    if price["pmc"] is not None and price["pme"] is not None:
        parts.append(f"Most people find {amount(price['pmc'])} to {amount(price['pme'])} acceptable")
    elif price["pme"] is not None:
        parts.append(f"Above {amount(price['pme'])} more people find it too expensive than not expensive")
    if price["opp"] is not None:
        parts.append(f"{amount(price['opp'])} is where the fewest find it too cheap or too expensive")
    elif price["ipp"] is not None:
        parts.append(f"at {amount(price['ipp'])} as many find it a bargain as getting expensive")
    return "; ".join(parts) + "." if parts else None


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
                 "replies": int(count), "author": post.author.name if post.author else "deleted user",
                 "official": post.official_organization_id is not None}
                for post, count in db.session.execute(stmt.options(joinedload(Post.author)))]

    most = rows(select(Post, replies).where(*visible).order_by(replies.desc(), Post.id).limit(limit))
    most = [row for row in most if row["replies"] > 0]
    unanswered = rows(select(Post, replies).where(
        *visible, Post.official_organization_id.is_(None), Post.answered_by_id.is_(None),
        Post.body_source.contains("?"),
        ~select(reply.id).where(reply.reply_to_id == Post.id,
                                reply.official_organization_id == concept.organization_id).exists())
        .order_by(Post.created_at.desc()).limit(limit))
    official = rows(select(Post, replies).where(
        *visible, Post.official_organization_id == concept.organization_id)
        .order_by(Post.created_at.desc()).limit(limit))
    return {"most_replied": most, "unanswered": unanswered, "official": official}


def since_last_visit(actor: Any, concept: Concept) -> dict[str, Any] | None:
    """New comments, votes and price answers since this person last opened the summary; records
    this visit. None on the first visit (and for visitors)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    visit = db.session.scalar(select(SummaryVisit).where(
        SummaryVisit.user_id == actor.id, SummaryVisit.concept_id == concept.id))
    now = utcnow()
    out = None
    if visit is not None:
        since = visit.visited_at
        feature_ids = select(Feature.id).where(Feature.concept_id == concept.id).scalar_subquery()
        out = {
            "since": since,
            "comments": db.session.scalar(select(func.count(Post.id)).join(Topic, Topic.id == Post.topic_id)
                                          .where(Topic.concept_id == concept.id, Post.created_at > since,
                                                 Post.deleted_at.is_(None), Post.hidden_at.is_(None))) or 0,
            "votes": db.session.scalar(select(func.count(FeatureVote.id)).where(
                FeatureVote.feature_id.in_(feature_ids), FeatureVote.updated_at > since)) or 0,
            "prices": db.session.scalar(select(func.count(PR.id)).where(
                PR.concept_id == concept.id, PR.updated_at > since)) or 0,
        }
        visit.visited_at = now
    else:
        db.session.add(SummaryVisit(user_id=actor.id, concept_id=concept.id, visited_at=now))
    db.session.commit()
    return out


def overview(actor: Any, organization: Any) -> list[dict[str, Any]]:
    """All of an organization's concepts side by side: participants, top feature, acceptable range,
    stage."""
    from forum.services import concepts as concept_service

    out = []
    for concept in concept_service.of_organization(actor, organization, limit=200):
        ranked = features(concept)
        top = next((row for row in ranked if row["votes_for"] + row["votes_against"]), None)
        price = price_json(concept, stored_price(concept))
        out.append({"concept": concept, "participants": participation(concept)["total"],
                    "top_feature": top, "price": price})
    return out


def page(concept: Concept) -> dict[str, Any]:
    """Everything the demand summary page shows, the same for every reader (the caller has checked
    policy.can(actor, "feedback.results", concept); "since your last visit" is `since_last_visit`).
    The numbers come from the stored summary (forum.services.summaries): the page's view caches the
    rendered page under the rooms' numbers, so this runs once per change, not once per view."""
    from forum.services import summaries

    stored = summaries.get(concept)
    result = stored_price(concept)
    price = price_json(concept, result) if result is not None else None
    ranked = features(concept)
    people = participation(concept)
    return {
        "participation": people,
        "activity": activity(concept),
        "features": ranked,
        "voters": stored.voters,
        "kano_respondents": people["kano"],
        "price": price,
        "price_result": result,
        "price_sentence": price_sentence(price),
        "bargains": stored.bargains if price else [],
        "intents": stored.intents if price else {},
        "conversation": conversation(concept),
    }
