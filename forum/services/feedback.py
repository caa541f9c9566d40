"""What consumers tell a concept: feature votes, Kano answers and Van Westendorp price answers (the
writes), and a person's own answers. Every figure of demand (tallies, ranking, the summary) is read
from forum.services.demand, with its one rule of whose answer counts.

Writes go through the unique constraints with an UPSERT (never read-then-write), record their Event
in the same transaction, commit, then publish.

Who may give feedback: a signed-in, non-suspended person who is not a member of the organization
that owns the concept, while the concept is open for feedback. Suspended people's answers leave every
tally and summary while the suspension lasts.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from forum import policy
from forum.analytics import kano, pricing, ranking
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db, upsert_insert
from forum.i18n import _, _l, percent
from forum.models import Concept, Feature, FeatureVote, KanoAnswer, PriceResponse, SummaryVisit, utcnow
from forum.services import demand, events, moderation, turns, webhooks
from forum.services.demand.votes import active_features, rank_order
from forum.services.demand.wording import CURRENCY_SYMBOLS, INTENT_LABELS, money
from forum.services.price_checks import INTENT_FIELDS, PRICE_FIELDS, PRICE_LABELS, PRICE_QUESTIONS, check_prices
from forum.services.tx import commit_and_publish

SMALL_SAMPLE = pricing.SMALL_SAMPLE_THRESHOLD  # below this many kept respondents: "small sample"
VOTE_VALUES = {"up": 1, "down": -1, "clear": 0}
CLOSED_MESSAGE = policy.CLOSED_MESSAGE

# --- small helpers ----------------------------------------------------------------------------------

def _upsert(model: type, rows: list[dict[str, Any]], keys: list[str], update: list[str]) -> None:
    stmt = upsert_insert(model).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={name: getattr(stmt.excluded, name) for name in update})
    db.session.execute(stmt)


def _record_then(concept: Concept, kind: str, figures: Callable[[], dict[str, Any]]) -> events.Event:
    """Record the change's event in the concept's room first, then read the figures it carries.
    From the event on, the room's writers wait for each other until the commit (its number's row
    lock), so the room's last event always carries figures that include every answer committed
    before it, and no other lock is needed: a reply or an answer elsewhere on the concept never
    queues behind this one. Whatever can be read before is read before (the site's settings, the
    features, the webhook endpoints): under the lock, only the figures, the event and the commit."""
    demand.rule.wait()
    active_features(concept)
    webhooks.endpoints_of(concept.organization_id)
    room = events.concept_room(concept.id)
    turns.take(room)
    event = events.record(room, kind)
    with db.session.no_autoflush:  # the event is inserted at the commit, with its figures
        event.payload = figures()
    return event


# --- lookups ----------------------------------------------------------------------------------------

def get_concept(slug: str, actor: Any = None) -> Concept:
    """The concept at /concepts/<slug>; NotFound when it does not exist or `actor` may not see it
    (the policy's "concept.view", the same rule as the concept page)."""
    concept = db.session.scalar(
        select(Concept).options(selectinload(Concept.organization)).where(Concept.slug == slug))
    policy.require(actor, "concept.view", concept)
    return concept


def get_feature(concept: Concept, feature_id: int) -> Feature:
    feature = db.session.get(Feature, feature_id)
    if feature is None or feature.concept_id != concept.id:
        raise NotFound(_("This concept has no such feature."))
    return feature


# --- who may give feedback --------------------------------------------------------------------------
# The rules live in forum/policy/concepts.py: "feedback.give" (votes), "feedback.answer" (the Kano and price
# questions) and "feedback.results" (the demand summary).

def can_see_results(actor: Any, concept: Concept) -> bool:
    return policy.can(actor, "feedback.results", concept)


# --- feature votes ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class VoteResult:
    feature_id: int
    value: int  # +1, -1, or 0 when withdrawn
    up: int
    down: int
    counts_from: datetime | None = None  # a brand-new account's vote: saved, counted from then

    @property
    def score(self) -> float:
        return ranking.wilson_lower_bound(self.up, self.up + self.down)


def cast_vote(actor: Any, feature: Feature, value: str | int) -> VoteResult:
    """Vote for ("up" / 1), against ("down" / -1) or withdraw ("clear" / 0) a vote on a feature.

    One vote per person per feature, kept by the unique constraint and an UPSERT, so concurrent
    requests of one person leave exactly one row.
    """
    if isinstance(value, str):
        if value not in VOTE_VALUES:
            raise ValidationError(_("Choose to vote for or against the feature, or to withdraw your vote."),
                                  {"value": [_("Choose “for”, “against” or “withdraw”.")]})
        number = VOTE_VALUES[value]
    elif value in (-1, 0, 1) and not isinstance(value, bool):
        number = int(value)
    else:
        raise ValidationError(_("A vote is for (+1), against (-1) or withdrawn (0)."))
    concept = feature.concept
    policy.require(actor, "feedback.give", concept)
    moderation.check_rate(actor, "vote")  # new accounts: votes and answers per hour
    if feature.retired_at is not None:
        raise Conflict(_("This feature has been retired; it no longer takes votes."))
    now = utcnow()
    if number == 0:
        db.session.execute(delete(FeatureVote).where(
            FeatureVote.feature_id == feature.id, FeatureVote.user_id == actor.id))
    else:
        _upsert(FeatureVote, [{"feature_id": feature.id, "user_id": actor.id, "value": number,
                               "created_at": now, "updated_at": now}],
                keys=["feature_id", "user_id"], update=["value", "updated_at"])
    # The new ranking goes with the tally, so open pages reorder without asking (thin: ids only).
    event = _record_then(concept, "tally.changed", lambda: _tally_figures(concept, feature.id))
    up, down = event.payload["up"], event.payload["down"]
    commit_and_publish(event)
    return VoteResult(feature.id, number, up, down, demand.counts_from(actor) if number else None)


def _tally_figures(concept: Concept, feature_id: int) -> dict[str, Any]:
    """The feature's counted tally and the new order of the features, from one grouped query."""
    counts = demand.votes.tallies(concept.id)
    up, down = counts.get(feature_id, (0, 0))
    return {"feature_id": feature_id, "up": up, "down": down,
            "order": demand.votes.order(active_features(concept), counts)}


def my_votes(actor: Any, concept_id: int) -> dict[int, int]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    rows = db.session.execute(
        select(FeatureVote.feature_id, FeatureVote.value)
        .join(Feature, Feature.id == FeatureVote.feature_id)
        .where(Feature.concept_id == concept_id, FeatureVote.user_id == actor.id))
    return dict(rows.tuples().all())


def vote_rows(concept: Concept, actor: Any = None) -> list[dict[str, Any]]:
    """The vote list: the summary's ranked features (demand.features) with the person's own vote."""
    mine = my_votes(actor, concept.id)
    by_id = {f.id: f for f in active_features(concept)}
    rows = []
    for row in demand.features(concept):
        up, down = row["votes_for"], row["votes_against"]
        rows.append({**row, "feature": by_id[row["id"]], "description": by_id[row["id"]].description,
                     "up": up, "down": down, "total": up + down, "place": row["rank"],
                     "share": round(100 * row["share_for"]) if row["share_for"] is not None else None,
                     "my_vote": mine.get(row["id"], 0)})
    return rows


# --- Kano -------------------------------------------------------------------------------------------

def my_kano(actor: Any, concept_id: int) -> dict[int, tuple[str, str]]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    rows = db.session.execute(
        select(KanoAnswer.feature_id, KanoAnswer.functional, KanoAnswer.dysfunctional)
        .join(Feature, Feature.id == KanoAnswer.feature_id)
        .where(Feature.concept_id == concept_id, KanoAnswer.user_id == actor.id))
    return {feature_id: (f, d) for feature_id, f, d in rows}


def _half_answered(name: str, title: str) -> str:
    """The message beside a Kano question left blank while its pair is answered."""
    if name == "functional":
        return _("Answer how you would feel if it has “%(title)s”, or leave both questions about it blank.",
                 title=title)
    return _("Answer how you would feel if it does not have “%(title)s”, or leave both questions about it "
             "blank.", title=title)


def answer_kano(actor: Any, concept: Concept,
                answers: Mapping[int, tuple[str | None, str | None]]) -> int:
    """Save a person's Kano answer pairs: {feature_id: (functional, dysfunctional)}.

    A feature left blank on both questions is skipped; one answered without the other is an error.
    One pair per person per feature (UPSERT). Returns how many pairs were saved.
    """
    if not concept.kano_enabled:
        raise NotFound(_("This concept does not ask the Kano questions."))
    policy.require(actor, "feedback.answer", concept)
    moderation.check_rate(actor, "vote")  # new accounts: votes and answers per hour
    rows = _kano_rows(actor, {f.id: f for f in active_features(concept)}, answers)
    _upsert(KanoAnswer, rows, keys=["feature_id", "user_id"],
            update=["functional", "dysfunctional", "updated_at"])
    event = _record_then(concept, "kano.changed",
                         lambda: {"n": demand.kano.respondents(concept.id)})
    commit_and_publish(event)
    return len(rows)


def _kano_rows(actor: Any, features: Mapping[int, Feature],
               answers: Mapping[int, tuple[str | None, str | None]]) -> list[dict[str, Any]]:
    """The rows to save for the pairs answered on active features; ValidationError naming each
    question answered without its partner or with an unknown answer, or when no pair is answered."""
    errors: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for feature_id, (functional, dysfunctional) in answers.items():
        feature = features.get(feature_id)
        if feature is None:
            continue  # a retired or unknown feature: nothing to save
        functional, dysfunctional = functional or None, dysfunctional or None
        if functional is None and dysfunctional is None:
            continue
        for name, answer in (("functional", functional), ("dysfunctional", dysfunctional)):
            if answer is None:
                errors[f"f{feature_id}_{name}"] = [_half_answered(name, feature.title)]
            elif answer not in kano.ANSWER_LABELS:
                errors[f"f{feature_id}_{name}"] = [_("Choose one of the five answers.")]
        if functional in kano.ANSWER_LABELS and dysfunctional in kano.ANSWER_LABELS:
            rows.append({"feature_id": feature_id, "user_id": actor.id, "functional": functional,
                         "dysfunctional": dysfunctional, "created_at": now, "updated_at": now})
    if errors:
        raise ValidationError(_("Some questions are answered only half-way; see the marked ones."), errors)
    if not rows:
        raise ValidationError(_("Answer the two questions for at least one feature."))
    return rows


# --- Van Westendorp price answers -------------------------------------------------------------------

def answer_price(actor: Any, concept: Concept, data: Mapping[str, Any]) -> PriceResponse:
    """Save a person's Van Westendorp answer (one per person per concept, UPSERT).

    `data` holds too_cheap, cheap, expensive, too_expensive (as typed) and optionally
    intent_cheap / intent_expensive (1..5).
    """
    if not concept.price_question_enabled:
        raise NotFound(_("This concept does not ask the price questions."))
    policy.require(actor, "feedback.answer", concept)
    moderation.check_rate(actor, "vote")  # new accounts: votes and answers per hour
    values = check_prices(data, concept.currency, concept.price_asks_too_cheap)
    now = utcnow()
    _upsert(PriceResponse, [{"concept_id": concept.id, "user_id": actor.id, **values,
                             "created_at": now, "updated_at": now}],
            keys=["concept_id", "user_id"], update=[*PRICE_FIELDS, *INTENT_FIELDS, "updated_at"])
    event = _record_then(concept, "price.changed",
                         lambda: {"n": demand.prices.answers(concept.id)})
    commit_and_publish(event)
    return my_price(actor, concept.id)  # type: ignore[return-value]


def my_price(actor: Any, concept_id: int) -> PriceResponse | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return db.session.scalar(select(PriceResponse).where(
        PriceResponse.concept_id == concept_id, PriceResponse.user_id == actor.id))


#: Where a person's answer sits, for people who may not see the price summary: only from this many
#: answers on, and in steps of 10%, so re-answering cannot trace other people's prices.
POSITION_MIN_ANSWERS = 30
POSITION_NOTE = _l("Where your answer sits among everyone's appears once %(num)s people have answered.",
                   num=POSITION_MIN_ANSWERS)


def position_sentences(result: pricing.PriceSensitivityResult, answer: PriceResponse,
                       currency: str, exact: bool = True) -> list[str]:
    """"Your bargain price (€30) is higher than or equal to 62% of answers." per question.

    Not `exact` (the person may not see the summary): nothing below POSITION_MIN_ANSWERS answers,
    and shares rounded to the nearest 10%."""
    if not exact and result.n < POSITION_MIN_ANSWERS:
        return []
    prices = [getattr(answer, name) for name in PRICE_FIELDS]
    shares = pricing.position(result, prices)
    sentences = []
    for name, price in zip(PRICE_FIELDS, prices, strict=True):
        share = shares.get(name)
        if share is None:
            continue
        label, amount = _(PRICE_LABELS[name]).lower(), money(price, currency)  # the labels: words.PRICE_WORDS
        sentences.append(
            _("Your “%(label)s” price (%(amount)s) is higher than or equal to %(share)s of answers.",
              label=label, amount=amount, share=percent(share)) if exact else
            _("Your “%(label)s” price (%(amount)s) is higher than or equal to about %(share)s of answers.",
              label=label, amount=amount, share=percent(round(share * 10) / 10)))
    return sentences


def price_page(actor: Any, concept: Concept) -> dict[str, Any]:
    """What the price page shows: the person's answer, and where it sits -- only once they answered."""
    if not concept.price_question_enabled:
        raise NotFound(_("This concept does not ask the price questions."))
    answer = my_price(actor, concept.id)
    out: dict[str, Any] = {"answer": answer, "position": [], "n": 0,
                           "refusal": policy.refusal(actor, "feedback.answer", concept)}
    if answer is not None:
        result = demand.price_result(concept)
        out["n"] = result.n
        exact = can_see_results(actor, concept)
        out["position"] = position_sentences(result, answer, concept.currency, exact)
        if not out["position"] and not exact and result.n < POSITION_MIN_ANSWERS:
            out["position_note"] = POSITION_NOTE
    return out


# --- pages ------------------------------------------------------------------------------------------

def panel(actor: Any, concept: Any) -> dict[str, Any]:
    """Everything the concept page's feedback section (templates/concepts/_feedback.html) needs."""
    why_not = policy.refusal(actor, "feedback.give", concept)
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    price_visible = concept.price_question_enabled and can_see_results(actor, concept)
    answer = my_price(actor, concept.id) if concept.price_question_enabled else None
    result = demand.price_result(concept) if (price_visible or answer is not None) else None
    kano_done = len(my_kano(actor, concept.id)) if concept.kano_enabled and signed_in else 0
    return {
        "concept": concept,
        "features": vote_rows(concept, actor),
        "can_vote": why_not is None,
        "refusal": why_not.reason if why_not is not None and signed_in else None,
        "closed": not concept.feedback_open,
        "signed_in": signed_in,
        "kano_enabled": concept.kano_enabled,
        "kano_answered": kano_done,
        "price_enabled": concept.price_question_enabled,
        "price_answer": answer,
        "position": position_sentences(result, answer, concept.currency, can_see_results(actor, concept))
        if result and answer else [],
        "price_visible": price_visible,
        "price": demand.price(concept) if price_visible and result is not None else None,
        "results_visible": can_see_results(actor, concept),
    }


def record_visit(actor: Any, concept: Concept) -> None:
    """Remember that the person opened the demand summary now (POST .../results/visit): "since your
    last visit" counts from here next time."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    policy.require(actor, "feedback.results", concept)
    note_visit(actor.id, concept.id)


#: A reading visit: views of the summary closer together than this are one visit (recorded once), so
#: that a reload neither writes nor changes what "since your last visit" compares with (its ETag holds).
VISIT_GAP = timedelta(minutes=30)


def visit_due(visited_at: datetime | None) -> bool:
    """Whether this view of the summary starts a new visit to record (see VISIT_GAP)."""
    return visited_at is None or utcnow() - visited_at >= VISIT_GAP


def note_visit(user_id: int, concept_id: int) -> None:
    """The same, once the summary page has been sent to a person it was shown to (the page view
    checked who may read it and writes nothing itself): one short transaction of its own."""
    _upsert(SummaryVisit, [{"user_id": user_id, "concept_id": concept_id, "visited_at": utcnow()}],
            keys=["user_id", "concept_id"], update=["visited_at"])
    db.session.commit()


__all__ = [
    "CLOSED_MESSAGE", "CURRENCY_SYMBOLS", "INTENT_LABELS", "PRICE_QUESTIONS", "SMALL_SAMPLE", "VoteResult",
    "active_features", "answer_kano", "answer_price", "can_see_results", "cast_vote", "check_prices",
    "INTENT_FIELDS", "PRICE_FIELDS", "get_concept", "get_feature", "money", "my_kano", "my_price", "my_votes", "panel", "position_sentences",
    "note_visit", "price_page", "visit_due", "VISIT_GAP", "rank_order", "record_visit", "vote_rows",
]
