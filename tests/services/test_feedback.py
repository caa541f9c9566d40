"""Feature votes, Kano answers and price answers: who may give them, what is stored, what it adds up to."""
from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import current_app, g
from sqlalchemy import func, select

from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import (
    Concept,
    ConceptSummary,
    Event,
    Feature,
    FeatureVote,
    KanoAnswer,
    PriceResponse,
    User,
    utcnow,
)
from forum.services import demand, feedback
from tests.conftest import make_user


def make_concept(org, slug="smart-bread-box", features=("Keeps bread fresh", "App alerts"), **fields) -> Concept:
    values = {"currency": "EUR", "feedback_open": True, "price_question_enabled": True, "kano_enabled": True}
    values.update(fields)
    concept = Concept(organization_id=org.id, slug=slug, title=slug.replace("-", " ").title(), **values)
    db.session.add(concept)
    for position, title in enumerate(features):
        db.session.add(Feature(concept=concept, title=title, position=position))
    db.session.commit()
    return concept


@pytest.fixture
def concept(people):
    return make_concept(people["org"])


def feature_of(concept: Concept, index: int = 0) -> Feature:
    return concept.features[index]


def vote_rows(feature: Feature) -> list[FeatureVote]:
    return list(db.session.scalars(select(FeatureVote).where(FeatureVote.feature_id == feature.id)))


PRICES = {"too_cheap": "10", "cheap": "20", "expensive": "30", "too_expensive": "40"}


# --- votes ------------------------------------------------------------------------------------------

def test_a_consumer_votes_changes_and_withdraws(people, concept):
    carol, feature = people["consumer"], feature_of(concept)
    result = feedback.cast_vote(carol, feature, "up")
    assert (result.up, result.down) == (1, 0)
    result = feedback.cast_vote(carol, feature, "down")
    assert (result.up, result.down) == (0, 1)
    assert [v.value for v in vote_rows(feature)] == [-1]
    result = feedback.cast_vote(carol, feature, "clear")
    assert (result.up, result.down) == (0, 0)
    assert vote_rows(feature) == []


def test_every_vote_records_a_tally_event_with_the_new_counts(people, concept):
    feature = feature_of(concept)
    feedback.cast_vote(people["consumer"], feature, "up")
    feedback.cast_vote(people["moderator"], feature, "down")
    kinds = db.session.execute(select(Event.room, Event.kind, Event.payload).order_by(Event.id)).all()
    room, kind, payload = kinds[-1]
    assert (room, kind) == (f"concept:{concept.id}", "tally.changed")
    assert {k: payload[k] for k in ("feature_id", "up", "down")} == {"feature_id": feature.id, "up": 1, "down": 1}
    assert sorted(payload["order"]) == sorted(f.id for f in concept.features if f.retired_at is None)
    assert len(kinds) == 2


def test_an_unknown_vote_value_is_refused(people, concept):
    with pytest.raises(ValidationError):
        feedback.cast_vote(people["consumer"], feature_of(concept), "sideways")
    assert vote_rows(feature_of(concept)) == []


@pytest.mark.parametrize("role", ["owner", "member"])
def test_members_of_the_organization_cannot_vote_on_its_concepts(people, concept, role):
    with pytest.raises(PermissionDenied) as caught:
        feedback.cast_vote(people[role], feature_of(concept), "up")
    assert "Members of Acme Gadgets cannot vote on their own concepts" in caught.value.message
    assert vote_rows(feature_of(concept)) == []


def test_a_suspended_person_cannot_vote_and_their_old_vote_leaves_the_tally(people, concept):
    carol, feature = people["consumer"], feature_of(concept)
    feedback.cast_vote(carol, feature, "up")
    feedback.cast_vote(people["moderator"], feature, "up")
    assert demand.votes.tallies(concept.id)[feature.id] == (2, 0)

    carol.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    with pytest.raises(PermissionDenied) as caught:
        feedback.cast_vote(carol, feature, "down")
    assert "suspended" in caught.value.message
    assert demand.votes.tallies(concept.id)[feature.id] == (1, 0)

    carol.suspended_until = utcnow() - timedelta(minutes=1)  # the suspension is over
    db.session.commit()
    assert demand.votes.tallies(concept.id)[feature.id] == (2, 0)


def test_closed_feedback_takes_no_votes_or_answers(people, concept):
    concept.feedback_open = False
    db.session.commit()
    carol = people["consumer"]
    for call in (lambda: feedback.cast_vote(carol, feature_of(concept), "up"),
                 lambda: feedback.answer_kano(carol, concept, {feature_of(concept).id: ("like", "dislike")}),
                 lambda: feedback.answer_price(carol, concept, PRICES)):
        with pytest.raises(Conflict) as caught:
            call()
        assert caught.value.message == "Feedback on this concept is closed."
    assert db.session.scalar(select(func.count(FeatureVote.id))) == 0
    assert db.session.scalar(select(func.count(KanoAnswer.id))) == 0
    assert db.session.scalar(select(func.count(PriceResponse.id))) == 0


def test_a_retired_feature_takes_no_votes(people, concept):
    feature = feature_of(concept)
    feature.retired_at = utcnow()
    db.session.commit()
    with pytest.raises(Conflict):
        feedback.cast_vote(people["consumer"], feature, "up")


def test_tallies_are_one_grouped_query(people, concept):
    from sqlalchemy import event

    voters = [make_user(f"voter{i}") for i in range(5)]
    for i, voter in enumerate(voters):
        feedback.cast_vote(voter, feature_of(concept, i % 2), "up" if i % 3 else "down")
    concept_id, ids = concept.id, [f.id for f in concept.features]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        counts = demand.votes.tallies(concept_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert counts == {ids[0]: (2, 1), ids[1]: (1, 1)}


def test_wilson_ranking_puts_ninety_of_a_hundred_above_two_of_two(people):
    concept = make_concept(people["org"], features=("Two of two", "Ninety of a hundred", "Nothing yet"))
    few, many, _ = concept.features
    users = [User(username=f"r{i}", username_key=f"r{i}", email=f"r{i}@x.test", password_hash="x", trust_level=1)
             for i in range(100)]
    db.session.add_all(users)
    db.session.flush()
    rows = [FeatureVote(feature_id=few.id, user_id=users[i].id, value=1) for i in range(2)]
    rows += [FeatureVote(feature_id=many.id, user_id=users[i].id, value=1 if i < 90 else -1) for i in range(100)]
    db.session.add_all(rows)
    db.session.commit()
    ranked = feedback.vote_rows(concept)
    assert [r["title"] for r in ranked] == ["Ninety of a hundred", "Two of two", "Nothing yet"]
    assert (ranked[0]["up"], ranked[0]["down"], ranked[0]["share"]) == (90, 10, 90)
    assert ranked[2]["score"] == 0


def _concurrently(n: int, work) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            with app.app_context():
                db.session.remove()

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def test_one_person_voting_many_times_at_once_leaves_one_vote(people, concept):
    carol_id, feature_id = people["consumer"].id, feature_of(concept).id
    values = ["up", "down"] * 5

    def work(i: int) -> None:
        carol = db.session.get(User, carol_id)
        feedback.cast_vote(carol, db.session.get(Feature, feature_id), values[i])

    assert _concurrently(len(values), work) == []
    db.session.expire_all()
    rows = vote_rows(db.session.get(Feature, feature_id))
    assert len(rows) == 1
    up, down = demand.votes.tallies(concept.id)[feature_id]
    assert (up, down) == ((1, 0) if rows[0].value == 1 else (0, 1))
    payloads = db.session.scalars(select(Event.payload).where(Event.kind == "tally.changed")).all()
    assert len(payloads) == len(values)
    assert all(p["up"] + p["down"] == 1 for p in payloads)
    last = db.session.scalars(select(Event.payload).where(Event.kind == "tally.changed")
                              .order_by(Event.id.desc())).first()
    assert (last["up"], last["down"]) == (up, down)  # the newest event tells the final tally


def test_many_people_voting_at_once_are_all_counted(people, concept):
    voters = [make_user(f"crowd{i}").id for i in range(8)]
    feature_id = feature_of(concept).id

    def work(i: int) -> None:
        feedback.cast_vote(db.session.get(User, voters[i]), db.session.get(Feature, feature_id),
                           "up" if i % 4 else "down")

    assert _concurrently(len(voters), work) == []
    db.session.expire_all()
    assert demand.votes.tallies(concept.id)[feature_id] == (6, 2)
    last = db.session.scalars(select(Event.payload).where(Event.kind == "tally.changed")
                              .order_by(Event.id.desc())).first()
    assert (last["up"], last["down"]) == (6, 2)


# --- Kano -------------------------------------------------------------------------------------------

def test_kano_answers_are_one_pair_per_person_per_feature(people, concept):
    carol, (keeps, alerts) = people["consumer"], concept.features
    assert feedback.answer_kano(carol, concept, {keeps.id: ("like", "dislike"), alerts.id: (None, None)}) == 1
    assert feedback.answer_kano(carol, concept, {keeps.id: ("expect", "dislike"), alerts.id: ("like", "neutral")}) == 2
    assert feedback.my_kano(carol, concept.id) == {keeps.id: ("expect", "dislike"), alerts.id: ("like", "neutral")}
    assert db.session.scalar(select(func.count(KanoAnswer.id))) == 2
    last = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert (last.kind, last.payload) == ("kano.changed", {"n": 1})


def test_kano_half_answered_or_unknown_answers_are_refused(people, concept):
    keeps, alerts = concept.features
    with pytest.raises(ValidationError) as caught:
        feedback.answer_kano(people["consumer"], concept, {keeps.id: ("like", None), alerts.id: ("adore", "like")})
    assert set(caught.value.errors) == {f"f{keeps.id}_dysfunctional", f"f{alerts.id}_functional"}
    with pytest.raises(ValidationError):
        feedback.answer_kano(people["consumer"], concept, {keeps.id: (None, None)})
    assert db.session.scalar(select(func.count(KanoAnswer.id))) == 0


def test_kano_needs_the_question_switched_on_and_a_non_member(people, concept):
    with pytest.raises(PermissionDenied):
        feedback.answer_kano(people["member"], concept, {feature_of(concept).id: ("like", "dislike")})
    concept.kano_enabled = False
    db.session.commit()
    with pytest.raises(NotFound):
        feedback.answer_kano(people["consumer"], concept, {feature_of(concept).id: ("like", "dislike")})


def test_kano_summary_classifies_each_feature(people, concept):
    keeps, alerts = concept.features
    for i in range(4):
        user = make_user(f"k{i}")
        # three "expect / dislike" (Must-be), one "like / neutral" (Attractive)
        feedback.answer_kano(user, concept, {keeps.id: ("expect", "dislike") if i < 3 else ("like", "neutral"),
                                             alerts.id: ("like", "neutral")})
    kano = {row["title"]: row["kano"] for row in demand.features(concept)}
    assert kano["Keeps bread fresh"]["category_label"] == "Must-be"
    assert kano["Keeps bread fresh"]["counts"]["M"] == 3
    assert kano["Keeps bread fresh"]["better"] == pytest.approx(0.25)
    assert kano["Keeps bread fresh"]["worse"] == pytest.approx(-0.75)
    assert kano["App alerts"]["category_label"] == "Attractive"
    assert kano["App alerts"]["n"] < feedback.SMALL_SAMPLE


# --- prices -----------------------------------------------------------------------------------------

def test_a_price_answer_is_stored_once_per_person_and_can_be_changed(people, concept):
    carol = people["consumer"]
    feedback.answer_price(carol, concept, {**PRICES, "intent_cheap": "5", "intent_expensive": "2"})
    answer = feedback.answer_price(carol, concept, {"too_cheap": "€12", "cheap": "24,50", "expensive": "35.99",
                                                    "too_expensive": "1,200"})
    assert db.session.scalar(select(func.count(PriceResponse.id))) == 1
    assert (answer.too_cheap, answer.cheap, answer.expensive, answer.too_expensive) == (
        Decimal("12.00"), Decimal("24.50"), Decimal("35.99"), Decimal("1200.00"))
    assert (answer.intent_cheap, answer.intent_expensive) == (None, None)
    last = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert (last.kind, last.payload) == ("price.changed", {"n": 1})


BAD_PRICES = [
    ({"cheap": "twenty"}, "cheap", "“A bargain” must be a number, like 25 or 24.99."),
    ({"cheap": ""}, "cheap", "Enter a price for “A bargain”."),
    ({"too_cheap": "0"}, "too_cheap", "“Too cheap” must be more than zero."),
    ({"too_cheap": "-5"}, "too_cheap", "“Too cheap” must be more than zero."),
    ({"too_expensive": "2000000"}, "too_expensive", "“Too expensive” must be at most €1,000,000."),
    ({"expensive": "30.555"}, "expensive", "“Getting expensive” can have at most two decimals (cents)."),
    ({"expensive": "NaN"}, "expensive", "“Getting expensive” must be a number, like 25 or 24.99."),
    ({"intent_cheap": "6"}, "intent_cheap", "How likely you would buy at your bargain price is a choice from 1 (very unlikely) to 5 (very likely)."),
    ({"intent_expensive": "x"}, "intent_expensive", "How likely you would buy at your “getting expensive” price is a choice from 1 (very unlikely) to 5 (very likely)."),
    ({"too_cheap": "25"}, "order", "“Too cheap” (€25) must be lower than “A bargain” (€20)."),
    ({"cheap": "40"}, "order", "“A bargain” (€40) must be lower than “Getting expensive” (€30)."),
    ({"expensive": "45"}, "order", "“Getting expensive” (€45) must be lower than “Too expensive” (€40)."),
    ({"expensive": "40"}, "order", "“Getting expensive” (€40) must be lower than “Too expensive” (€40)."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_PRICES)
def test_each_bad_price_gets_its_message_and_writes_nothing(people, concept, change, field, message):
    with pytest.raises(ValidationError) as caught:
        feedback.answer_price(people["consumer"], concept, {**PRICES, **change})
    assert message in caught.value.errors[field]
    assert db.session.scalar(select(func.count(PriceResponse.id))) == 0
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_price_questions_need_the_question_switched_on_and_a_non_member(people, concept):
    with pytest.raises(PermissionDenied):
        feedback.answer_price(people["owner"], concept, PRICES)
    concept.price_question_enabled = False
    db.session.commit()
    with pytest.raises(NotFound):
        feedback.answer_price(people["consumer"], concept, PRICES)


def _answer_prices(concept, answers):
    for i, (tc, c, e, te) in enumerate(answers):
        user = make_user(f"p{i}")
        feedback.answer_price(user, concept, {"too_cheap": str(tc), "cheap": str(c), "expensive": str(e),
                                              "too_expensive": str(te)})


def test_price_summary_and_position_come_from_everyones_answers(people, concept):
    _answer_prices(concept, [(5, 10, 20, 30), (8, 15, 25, 35), (10, 20, 30, 40), (12, 25, 35, 50)])
    summary = demand.price(concept)
    assert summary["n"] == 4 and summary["invalid"] == 0 and summary["small_sample"] is True
    assert summary["pmc"] is not None and summary["pme"] is not None and summary["opp"] is not None
    carol = people["consumer"]
    assert feedback.price_page(carol, concept)["position"] == []  # nothing before answering
    feedback.answer_price(carol, concept, {"too_cheap": "9", "cheap": "22", "expensive": "26", "too_expensive": "45"})
    # Unpublished summary and a small sample: no percentages that could trace other people's prices.
    page = feedback.price_page(carol, concept)
    assert page["position"] == [] and "once 30 people have answered" in page["position_note"]
    concept.organization.publish_price_summary = True
    db.session.commit()
    sentences = feedback.price_page(carol, concept)["position"]
    assert "Your “a bargain” price (€22) is higher than or equal to 80% of answers." in sentences


def test_position_for_an_unpublished_summary_is_rounded_once_there_are_30_answers(people, concept):
    _answer_prices(concept, [(5 + i % 7, 10 + i, 40 + i, 60 + i) for i in range(30)])
    carol = people["consumer"]
    feedback.answer_price(carol, concept, {"too_cheap": "9", "cheap": "22", "expensive": "50", "too_expensive": "70"})
    sentences = feedback.price_page(carol, concept)["position"]
    # bargain prices 10..39 and Carol's 22: 14 of 31 are at or below 22, i.e. 45% -> "about 50%".
    assert "Your “a bargain” price (€22) is higher than or equal to about 50% of answers." in sentences


def test_suspended_peoples_price_answers_leave_the_summary(people, concept):
    _answer_prices(concept, [(5, 10, 20, 30), (8, 15, 25, 35)])
    assert demand.price(concept)["n"] == 2
    user = db.session.scalar(select(User).where(User.username_key == "p0"))
    user.suspended_until = utcnow() + timedelta(days=1)
    demand.invalidate_for_user(user.id)  # what a suspension does in its transaction
    db.session.commit()
    assert demand.price(concept)["n"] == 1


def test_a_suspension_that_ends_by_date_brings_the_answers_back(people, concept, monkeypatch):
    _answer_prices(concept, [(5, 10, 20, 30), (8, 15, 25, 35)])
    user = db.session.scalar(select(User).where(User.username_key == "p0"))
    user.suspended_until = utcnow() + timedelta(days=1)
    demand.invalidate_for_user(user.id)
    db.session.commit()
    assert demand.price(concept)["n"] == 1
    stored = db.session.get(ConceptSummary, concept.id)
    assert stored.valid_until == user.suspended_until
    # Two days later nobody has acted, and the stored summary is not trusted past the suspension.
    later = utcnow() + timedelta(days=2)
    monkeypatch.setattr(demand.snapshot, "utcnow", lambda: later)
    monkeypatch.setattr(demand.rule, "utcnow", lambda: later)
    g.pop("_sb_seqs", None)
    assert demand.price(concept)["n"] == 2


def test_the_summary_is_computed_once_per_change_not_per_read(people, concept, monkeypatch):
    _answer_prices(concept, [(5, 10, 20, 30), (8, 15, 25, 35)])
    calls = []
    real = demand.prices.analysis
    monkeypatch.setattr(demand.prices, "analysis", lambda c, *groups: calls.append(c.id) or real(c, *groups))
    for _ in range(3):
        g.pop("_sb_seqs", None)
        assert demand.price(concept)["n"] == 2
    assert len(calls) == 1
    feedback.answer_price(make_user("late"), concept, {"too_cheap": "6", "cheap": "11", "expensive": "21",
                                                       "too_expensive": "31"})
    g.pop("_sb_seqs", None)
    assert demand.price(concept)["n"] == 3
    assert len(calls) == 2


def test_results_are_for_members_unless_the_organization_publishes_them(people, concept):
    assert not feedback.can_see_results(people["consumer"], concept)
    assert not feedback.can_see_results(None, concept)
    assert feedback.can_see_results(people["member"], concept)
    people["org"].publish_price_summary = True
    db.session.commit()
    assert feedback.can_see_results(people["consumer"], concept)
    assert demand.price(concept)["n"] == 0


def test_the_panel_shows_the_price_summary_only_to_those_allowed(people, concept):
    _answer_prices(concept, [(5, 10, 20, 30)])
    assert feedback.panel(people["consumer"], concept)["price"] is None
    assert feedback.panel(people["owner"], concept)["price"]["n"] == 1
    panel = feedback.panel(people["owner"], concept)
    assert panel["can_vote"] is False and "cannot vote on their own concepts" in panel["refusal"]


def test_a_hidden_or_missing_concept_is_not_found(people, concept):
    with pytest.raises(NotFound):
        feedback.get_concept("no-such-thing")
    concept.hidden_at = utcnow()
    db.session.commit()
    with pytest.raises(NotFound):
        feedback.get_concept(concept.slug)
