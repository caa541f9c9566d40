"""Decision updates reach every participant and nobody else; the concept page keeps their history;
the organization's track record matches a hand-computed example."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from forum.analytics.track_record import track_record
from forum.errors import PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import Concept, Decision, Event, Notification, Post, Topic, utcnow
from forum.services import decisions, feedback, notifications, organizations, posting
from tests.conftest import login, make_org, make_user
from tests.services.test_feedback import make_concept


def decision_inbox(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(
        Notification.user_id == user.id, Notification.kind == "decision")))


@pytest.fixture
def shaped(people):
    """A concept that a commenter, a voter, a Kano answerer and a price answerer shaped; a follower
    and a bystander did not."""
    concept = make_concept(people["org"], price_question_enabled=True, kano_enabled=True)
    topic = posting.concept_topic(concept)
    db.session.commit()
    who = {name: make_user(name) for name in ("commenter", "voter", "kano_fan", "pricer", "follower", "bystander")}
    posting.reply(who["commenter"], topic, "Could it fit a baguette?")
    feedback.cast_vote(who["voter"], concept.features[0], "up")
    feedback.answer_kano(who["kano_fan"], concept, {concept.features[1].id: ("like", "dislike")})
    feedback.answer_price(who["pricer"], concept, {"too_cheap": "10", "cheap": "20", "expensive": "30",
                                                   "too_expensive": "40"})
    notifications.set_following(who["follower"], True, concept_id=concept.id)
    return {"concept": concept, "topic": topic, **who}


def test_a_decision_reaches_every_participant_and_nobody_else(people, shaped):
    concept = shaped["concept"]
    assert decisions.participants(concept) == {shaped[n].id for n in ("commenter", "voter", "kano_fan", "pricer")}
    decision = decisions.create(people["member"], concept, "We are building it", "Because **you** asked.",
                                price="29", adopted=[str(concept.features[0].id)],
                                dropped=[str(concept.features[1].id)])
    for name in ("commenter", "voter", "kano_fan", "pricer"):
        [message] = decision_inbox(shaped[name])
        assert "A concept you helped shape has a decision" in message and "We are building it" in message
    for name in ("follower", "bystander"):
        assert decision_inbox(shaped[name]) == []
    for role in ("member", "owner", "consumer", "admin"):
        assert decision_inbox(people[role]) == []
    assert decision.body_html == "<p>Because <strong>you</strong> asked.</p>"
    assert [(df.feature_id, df.outcome) for df in decision.features] == [
        (concept.features[0].id, "adopted"), (concept.features[1].id, "dropped")]
    assert decision.price == Decimal("29.00")
    # The community's range at that moment sits beside the price (one answer: the range of that answer).
    assert decision.range_respondents == 1
    event = db.session.scalar(select(Event).where(Event.kind == "decision.added"))
    assert event is not None and event.payload["decision_id"] == decision.id


def test_a_decision_can_move_the_stage_and_followers_hear_of_the_stage_once(people, shaped):
    concept = shaped["concept"]
    notifications.set_following(shaped["commenter"], True, concept_id=concept.id)
    decisions.create(people["member"], concept, "On to a prototype", stage="prototype")
    db.session.refresh(concept)
    assert concept.stage == "prototype" and concept.stage_changes[-1].to_stage == "prototype"
    kinds = lambda user: sorted(db.session.scalars(select(Notification.kind).where(  # noqa: E731
        Notification.user_id == user.id)))
    assert kinds(shaped["commenter"]) == ["decision"]  # a participant who follows: told once
    assert kinds(shaped["follower"]) == ["stage"]


def test_only_the_organization_posts_decisions_and_bad_input_is_explained(people, shaped):
    concept = shaped["concept"]
    with pytest.raises(PermissionDenied):
        decisions.create(shaped["commenter"], concept, "We decided for them")
    with pytest.raises(ValidationError) as info:
        decisions.create(people["owner"], concept, "", price="cheap", adopted=["999999"])
    assert {"title", "price", "adopted"} <= set(info.value.errors)
    feature = str(concept.features[0].id)
    with pytest.raises(ValidationError) as info:
        decisions.create(people["owner"], concept, "Both ways", adopted=[feature], dropped=[feature])
    assert "dropped" in info.value.errors
    assert db.session.scalar(select(Decision.id)) is None


def test_the_concept_page_shows_the_decisions_as_a_history(client, people, shaped):
    concept = shaped["concept"]
    login(client, people["owner"])
    response = client.post(f"/concepts/{concept.slug}/decisions/new", data={
        "title": "First: we heard you", "body": "More soon.", "price": "", "stage": ""})
    assert response.status_code == 302
    response = client.post(f"/concepts/{concept.slug}/decisions/new", data={
        "title": "Second: priced at 25", "price": "25", "adopted": [str(concept.features[0].id)]})
    assert response.status_code == 302
    page = client.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    assert page.index("Second: priced at 25") < page.index("First: we heard you")  # newest first
    assert "Price set: <strong>€25</strong>" in page and "Adopted: Keeps bread fresh" in page
    assert "Stage history" in page and page.index("Stage history") < page.index("id=\"decisions\"")
    client.post("/logout")
    assert "First: we heard you" in client.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    assert "Post a decision" not in client.get(f"/concepts/{concept.slug}").get_data(as_text=True)


# --- the track record -------------------------------------------------------------------------------

def test_track_record_arithmetic_by_hand():
    t0 = datetime(2026, 1, 1, 9, 0)
    record = track_record([(t0, t0 + timedelta(hours=2)), (t0, t0 + timedelta(hours=10)),
                           (t0, t0 + timedelta(hours=30)), (t0, None)], decisions=3, concepts=2)
    assert (record.questions, record.answered, record.answered_share) == (4, 3, 0.75)
    assert record.median_hours_to_answer == 10
    assert record.decisions_per_concept == 1.5
    empty = track_record([], 0, 0)
    assert empty.answered_share is None and empty.median_hours_to_answer is None and empty.decisions_per_concept is None


def test_track_record_of_an_organization_matches_a_hand_computed_example(client, people):
    """Two concepts; four consumer questions: answered after 1 h (official reply), after 5 h (official
    reply, a later second one ignored), after 3 h (marked as answered by an official post), and one
    never; a member's own post and a consumer's reply are not questions; three decisions.
    By hand: 3 of 4 answered = 75%; median of (1, 3, 5) hours = 3 hours; 3 decisions / 2 concepts = 1.5."""
    org, member = people["org"], people["member"]
    asker = make_user("asker")
    a = make_concept(org, slug="concept-a")
    b = make_concept(org, slug="concept-b", features=("One",))
    hidden = make_concept(org, slug="concept-hidden", features=("X",), hidden_at=utcnow())
    other_org = make_org(make_user("rival"), name="Rival Co")
    make_concept(other_org, slug="rival-concept")
    t0 = datetime(2026, 3, 1, 8, 0)

    def post(concept: Concept, author, at: datetime, reply_to: Post | None = None, official: bool = False) -> Post:
        topic = db.session.scalar(select(Topic).where(Topic.concept_id == concept.id)) or Topic(
            concept_id=concept.id, title=concept.title)
        db.session.add(topic)
        db.session.flush()
        p = Post(topic_id=topic.id, author_id=author.id, body_source="x", body_html="<p>x</p>", created_at=at,
                 reply_to_id=reply_to.id if reply_to else None,
                 official_organization_id=org.id if official else None)
        db.session.add(p)
        db.session.flush()
        return p

    q1 = post(a, asker, t0)
    post(a, member, t0 + timedelta(hours=1), reply_to=q1, official=True)
    q2 = post(a, asker, t0)
    post(a, member, t0 + timedelta(hours=5), reply_to=q2, official=True)
    post(a, member, t0 + timedelta(hours=9), reply_to=q2, official=True)
    q3 = post(b, asker, t0)
    marked = post(b, member, t0 + timedelta(hours=3), official=True)  # not a reply, marked as the answer
    q3.answered_by_id = marked.id
    post(b, asker, t0)  # never answered
    post(b, asker, t0 + timedelta(hours=1), reply_to=q3)  # a consumer's reply: not a question
    q_hidden = post(hidden, asker, t0)  # on a hidden concept: not counted
    assert q_hidden.id
    db.session.commit()
    for concept, title in ((a, "One"), (a, "Two"), (b, "Three")):
        decisions.create(member, concept, title)
    record = organizations.track_record(org)
    assert (record.questions, record.answered) == (4, 3)
    assert record.answered_share == 0.75
    assert record.median_hours_to_answer == pytest.approx(3.0)
    assert (record.decisions, record.concepts, record.decisions_per_concept) == (3, 2, 1.5)
    page = client.get(f"/orgs/{org.slug}").get_data(as_text=True)
    assert "75%" in page and "(3 of 4)" in page and "3 hours" in page and "1.5" in page
    assert "Verified</span> by Sounding Board on" in page


def test_owners_state_their_commitments(client, people):
    org = people["org"]
    login(client, people["owner"])
    response = client.post(f"/orgs/{org.slug}/edit", data={
        "name": org.name, "commitments": "We answer every question within two working days.\nWe publish what we change."})
    assert response.status_code == 302
    page = client.get(f"/orgs/{org.slug}").get_data(as_text=True)
    assert "We answer every question within two working days." in page
    client.post("/logout")
    login(client, people["member"])
    assert client.post(f"/orgs/{org.slug}/edit", data={"name": org.name, "commitments": "x"}).status_code == 403
