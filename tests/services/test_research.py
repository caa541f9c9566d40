"""Research answers: setting up the ladder, the best-worst sets and profile questions; answering them."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import GaborGrangerAnswer, GaborGrangerResponse, MaxDiffAnswer, SegmentAnswer, utcnow
from forum.services import research, research_setup
from tests.conftest import make_user
from tests.services.test_feedback import make_concept

FEATURES = ("Keeps bread fresh", "App alerts", "Crumb tray", "Bamboo lid", "Two loaves", "Humidity dial")


@pytest.fixture
def concept(people):
    return make_concept(people["org"], features=FEATURES)


def walk(*steps: tuple[str, bool]) -> list[tuple[Decimal, bool, datetime]]:
    return [(Decimal(price), yes, utcnow()) for price, yes in steps]


# --- set-up -------------------------------------------------------------------------------------

def test_members_set_the_ladder_and_others_may_not(people, concept):
    research_setup.set_ladder(people["member"], concept, "15, 9; 12.50 19")
    assert concept.ladder == [Decimal(9), Decimal("12.5"), Decimal(15), Decimal(19)]
    for outsider in ("consumer", "moderator", "admin"):
        with pytest.raises(PermissionDenied):
            research_setup.set_ladder(people[outsider], concept, "1, 2, 3")


@pytest.mark.parametrize("text", ["9, 12", "1,2,3,4,5,6,7,8,9,10", "9, 9, 12", "0, 5, 9", "9, abc, 12",
                                  "9.999, 10, 11", "-1, 5, 9", "nan, 5, 9"])
def test_a_bad_ladder_is_refused_with_a_message_on_the_field(people, concept, text):
    with pytest.raises(ValidationError) as caught:
        research_setup.set_ladder(people["owner"], concept, text)
    assert caught.value.errors["ladder"]
    db.session.refresh(concept)
    assert concept.price_ladder == ""


def test_changing_the_ladder_after_answers_needs_consent_and_deletes_them(people, concept):
    research_setup.set_ladder(people["owner"], concept, "10, 20, 30")
    research.answer_gabor_granger(people["consumer"], concept, walk(("20", True), ("30", False)))
    with pytest.raises(ValidationError) as caught:
        research_setup.set_ladder(people["owner"], concept, "10, 20, 40")
    assert "clear_answers" in caught.value.errors
    assert research_setup.set_ladder(people["owner"], concept, "10, 20, 40", clear_answers=True) == 1
    assert db.session.scalar(select(func.count(GaborGrangerAnswer.id))) == 0
    # turning it off keeps nothing to delete and asks nothing
    research_setup.set_ladder(people["owner"], concept, "")
    with pytest.raises(NotFound):
        research.start_price(concept)


def test_maxdiff_needs_five_to_thirty_active_features(people, people_concept_small=None):
    small = make_concept(people["org"], slug="small", features=("A", "B", "C", "D"))
    with pytest.raises(ValidationError):
        research_setup.set_maxdiff(people["owner"], small, True)
    assert not small.maxdiff_enabled
    big = make_concept(people["org"], slug="big", features=tuple(f"F{i}" for i in range(31)))
    with pytest.raises(ValidationError):
        research_setup.set_maxdiff(people["owner"], big, True)
    ok = make_concept(people["org"], slug="ok", features=FEATURES[:5])
    research_setup.set_maxdiff(people["owner"], ok, True)
    assert ok.maxdiff_enabled


def test_up_to_three_profile_questions_with_two_to_eight_answers(people, concept):
    owner = people["owner"]
    question = research_setup.add_question(owner, concept, "How often do you buy bread?",
                                           "Daily\nWeekly\n\nLess often\n")
    assert [c.label for c in question.choices] == ["Daily", "Weekly", "Less often"]
    with pytest.raises(ValidationError):
        research_setup.add_question(owner, concept, "Only one?", "Yes")
    with pytest.raises(ValidationError):
        research_setup.add_question(owner, concept, "Twice?", "Yes\nyes")
    research_setup.add_question(owner, concept, "Household size?", "1\n2\n3+")
    research_setup.add_question(owner, concept, "Where do you shop?", "Bakery\nSupermarket")
    with pytest.raises(ValidationError):
        research_setup.add_question(owner, concept, "A fourth?", "A\nB")
    with pytest.raises(PermissionDenied):
        research_setup.add_question(people["consumer"], concept, "Mine?", "A\nB")


# --- Gabor-Granger ------------------------------------------------------------------------------

def test_a_finished_walk_is_stored_and_replaces_the_earlier_one(people, concept):
    research_setup.set_ladder(people["owner"], concept, "10, 20, 30, 40")
    consumer = people["consumer"]
    first = research.answer_gabor_granger(consumer, concept, walk(("20", True), ("30", True), ("40", False)))
    assert first.highest_price == Decimal(30)
    again = research.answer_gabor_granger(consumer, concept, walk(("30", False), ("20", False), ("10", False)))
    assert again.highest_price is None
    rows = db.session.execute(select(GaborGrangerAnswer.price, GaborGrangerAnswer.accepted)
                              .order_by(GaborGrangerAnswer.step)).all()
    assert [(int(p), a) for p, a in rows] == [(30, False), (20, False), (10, False)]
    assert db.session.scalar(select(func.count(GaborGrangerResponse.id))) == 1


def test_a_walk_that_breaks_the_ladder_or_stops_early_is_refused(people, concept):
    research_setup.set_ladder(people["owner"], concept, "10, 20, 30, 40")
    for bad in (walk(("20", True)), walk(("20", True), ("40", False)), walk(("25", True), ("30", False))):
        with pytest.raises(ValidationError):
            research.answer_gabor_granger(people["consumer"], concept, bad)
    assert db.session.scalar(select(func.count(GaborGrangerResponse.id))) == 0
    assert research.next_price(concept, walk(("20", True))) == Decimal(30)
    assert research.next_price(concept, walk(("20", True), ("30", False))) is None


def test_members_and_suspended_people_do_not_answer(people, concept):
    research_setup.set_ladder(people["owner"], concept, "10, 20, 30")
    with pytest.raises(PermissionDenied):
        research.answer_gabor_granger(people["member"], concept, walk(("20", False), ("10", True)))
    suspended = make_user("sam", suspended_until=datetime(2099, 1, 1))
    with pytest.raises(PermissionDenied):
        research.answer_gabor_granger(suspended, concept, walk(("20", False), ("10", True)))


# --- MaxDiff ------------------------------------------------------------------------------------

def test_each_person_gets_a_balanced_design_and_answers_it_set_by_set(people, concept):
    research_setup.set_maxdiff(people["owner"], concept, True)
    consumer = people["consumer"]
    shown: Counter[int] = Counter()
    count = 0
    while (current := research.next_set(consumer, concept)) is not None:
        ids = [f.id for f in current.features]
        assert len(ids) == 3  # six features: sets of 3
        shown.update(ids)
        research.answer_maxdiff(consumer, concept, current.number, current.shown, ids[0], ids[-1])
        count += 1
    assert count == 4  # six features, each shown twice, in sets of 3
    assert set(shown.values()) == {2} and len(shown) == 6
    assert db.session.scalar(select(func.count(MaxDiffAnswer.id))) == 4


def test_a_stale_or_forged_set_is_refused(people, concept):
    research_setup.set_maxdiff(people["owner"], concept, True)
    consumer = people["consumer"]
    current = research.next_set(consumer, concept)
    ids = [f.id for f in current.features]
    with pytest.raises(Conflict):
        research.answer_maxdiff(consumer, concept, current.number + 1, current.shown, ids[0], ids[1])
    with pytest.raises(Conflict):
        research.answer_maxdiff(consumer, concept, current.number, ",".join(map(str, reversed(ids))), ids[0], ids[1])
    other = next(f.id for f in concept.features if f.id not in ids)
    with pytest.raises(ValidationError):
        research.answer_maxdiff(consumer, concept, current.number, current.shown, other, ids[1])
    with pytest.raises(ValidationError):
        research.answer_maxdiff(consumer, concept, current.number, current.shown, ids[0], ids[0])
    research.answer_maxdiff(consumer, concept, current.number, current.shown, ids[0], ids[1])
    with pytest.raises(Conflict):  # the same set again (another tab)
        research.answer_maxdiff(consumer, concept, current.number, current.shown, ids[0], ids[1])
    assert research.restart_maxdiff(consumer, concept) == 1
    assert research.next_set(consumer, concept).number == 1


def test_maxdiff_is_not_asked_when_off(people, concept):
    with pytest.raises(NotFound):
        research.next_set(people["consumer"], concept)


# --- segments -----------------------------------------------------------------------------------

def test_profile_answers_are_optional_and_changeable(people, concept):
    owner, consumer = people["owner"], people["consumer"]
    often = research_setup.add_question(owner, concept, "How often do you buy bread?", "Daily\nWeekly")
    size = research_setup.add_question(owner, concept, "Household size?", "1\n2\n3+")
    daily, weekly = (c.id for c in often.choices)
    assert research.answer_segments(consumer, concept, {often.id: daily, size.id: None}) == 1
    assert research.answer_segments(consumer, concept, {often.id: weekly}) == 1
    assert research.my_segments(consumer, concept) == {often.id: weekly}
    with pytest.raises(ValidationError):
        research.answer_segments(consumer, concept, {often.id: size.choices[0].id})
    research.answer_segments(consumer, concept, {often.id: None})
    assert db.session.scalar(select(func.count(SegmentAnswer.id))) == 0
    research_setup.remove_question(owner, often)
    assert [q.text for q in research.questions(concept)] == ["Household size?"]
