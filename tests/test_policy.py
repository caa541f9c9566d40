"""forum/policy/: one place decides who may see and do what, and says why not."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import policy
from forum.errors import Conflict, DomainError, NotFound, PermissionDenied
from forum.extensions import db
from forum.models import Concept, Event, Topic, User, utcnow
from forum.services import events, feedback, posting, tx
from tests.conftest import first_post, login
from tests.services.test_feedback import make_concept

ROLES = ("visitor", "consumer", "owner", "member", "moderator", "admin")


def actor(people, role):
    return None if role == "visitor" else people[role]


@pytest.fixture
def concept(people):
    return make_concept(people["org"])


@pytest.fixture
def hidden_concept(people):
    concept = make_concept(people["org"], slug="secret-toaster")
    concept.hidden_at = utcnow()
    db.session.commit()
    return concept




# --- can, refusal, require ------------------------------------------------------------------------

def test_can_refusal_and_require_agree(people, topic):
    consumer = people["consumer"]
    assert policy.can(consumer, "post.create", topic)
    assert policy.refusal(consumer, "post.create", topic) is None
    policy.require(consumer, "post.create", topic)  # no error

    assert not policy.can(None, "post.create", topic)
    why = policy.refusal(None, "post.create", topic)
    assert why.error is PermissionDenied and why.reason == "Log in to write on the board."
    assert str(why) == why.reason
    with pytest.raises(PermissionDenied) as caught:
        policy.require(None, "post.create", topic)
    assert caught.value.message == "Log in to write on the board."


def test_an_unknown_action_is_an_error_not_a_yes(people):
    with pytest.raises(KeyError):
        policy.can(people["admin"], "everything.allowed")


def test_a_locked_topic_is_a_conflict_with_its_reason(people, topic):
    topic.locked = True
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        policy.require(people["consumer"], "post.create", topic)
    assert caught.value.message == "This topic is locked: no new posts can be added to it."
    assert caught.value.status == 409


def test_a_suspended_writer_is_told_until_when(people, topic):
    carol = people["consumer"]
    carol.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    why = policy.refusal(carol, "post.create", topic)
    assert why.error is PermissionDenied and "suspended until" in why.reason
    why = policy.refusal(carol, "feedback.give", make_concept(people["org"]))
    assert why.error is PermissionDenied and "cannot give feedback until then" in why.reason


def test_a_hidden_topic_looks_absent_except_to_moderators(people, topic):
    topic.hidden_at = utcnow()
    db.session.commit()
    for role in ("visitor", "consumer", "owner"):
        with pytest.raises(NotFound):
            policy.require(actor(people, role), "topic.view", topic)
        # Replying to it is refused the same way: it is not there.
        if role != "visitor":
            assert policy.refusal(actor(people, role), "post.create", topic).error is NotFound
    assert policy.can(people["moderator"], "topic.view", topic)
    assert policy.can(people["admin"], "topic.view", topic)  # an admin is a moderator too


def test_post_content_of_hidden_and_deleted_posts_is_for_moderators_only(people, topic):
    post = first_post(topic)
    assert all(policy.can(actor(people, role), "post.view", post) for role in ROLES)
    post.hidden_at = utcnow()
    db.session.commit()
    # Not even its author: the page shows them the placeholder.
    for role in ("visitor", "consumer", "owner"):
        why = policy.refusal(actor(people, role), "post.view", post)
        assert why.error is NotFound and why.reason == "This post was hidden by a moderator."
    assert policy.can(people["moderator"], "post.view", post)
    post.hidden_at, post.deleted_at = None, utcnow()
    db.session.commit()
    assert policy.refusal(people["consumer"], "post.view", post).reason == "This post was deleted."
    assert policy.can(people["moderator"], "post.view", post)


def test_editing_a_post_explains_each_refusal(people, topic):
    post = first_post(topic)
    assert policy.can(people["consumer"], "post.edit", post)
    assert policy.refusal(people["owner"], "post.edit", post).reason == \
        "Only the author or a moderator can edit this post."
    topic.locked = True
    db.session.commit()
    assert policy.refusal(people["consumer"], "post.edit", post).error is Conflict
    assert policy.can(people["moderator"], "post.edit", post)
    post.deleted_at = utcnow()
    db.session.commit()
    with pytest.raises(Conflict, match="deleted"):
        policy.require(people["moderator"], "post.delete", post)


def test_topic_create_takes_the_board(people, board):
    assert policy.can(people["consumer"], "topic.create", board)
    assert policy.refusal(None, "topic.create", board).reason == "Log in to write on the board."


# --- feedback -------------------------------------------------------------------------------------

def test_feedback_refusals_say_what_was_tried(people, concept):
    owner = people["owner"]
    assert policy.refusal(owner, "feedback.give", concept).reason == \
        "Members of Acme Gadgets cannot vote on their own concepts."
    assert policy.refusal(owner, "feedback.answer", concept).reason == \
        "Members of Acme Gadgets cannot answer questions about their own concepts."
    assert policy.can(people["consumer"], "feedback.give", concept)
    assert policy.refusal(None, "feedback.give", concept).reason == "Log in to give feedback on this concept."
    concept.feedback_open = False
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        policy.require(people["consumer"], "feedback.give", concept)
    assert caught.value.message == "Feedback on this concept is closed."


def test_the_demand_summary_is_for_members_or_published(people, concept):
    assert policy.can(people["owner"], "feedback.results", concept)
    assert policy.can(people["member"], "feedback.results", concept)
    with pytest.raises(PermissionDenied) as caught:
        policy.require(people["consumer"], "feedback.results", concept)
    assert caught.value.message == "Only members of Acme Gadgets can see the demand summary of this concept."
    people["org"].publish_price_summary = True
    db.session.commit()
    assert all(policy.can(actor(people, role), "feedback.results", concept) for role in ROLES)


def test_a_hidden_concept_is_absent_for_everything_it_carries(people, hidden_concept):
    people["org"].publish_price_summary = True  # published, but hidden wins
    db.session.commit()
    for role in ("visitor", "consumer"):
        for action in ("concept.view", "feedback.results", "feedback.give", "feedback.answer"):
            assert policy.refusal(actor(people, role), action, hidden_concept).error is NotFound, (role, action)
    for role in ("owner", "member", "moderator", "admin"):
        assert policy.can(actor(people, role), "concept.view", hidden_concept)


def test_feedback_get_concept_uses_the_same_rule_as_the_concept_page(people, hidden_concept):
    """The known bug: members saw the page but the demand summary answered 404."""
    assert feedback.get_concept(hidden_concept.slug, people["member"]) == hidden_concept
    assert feedback.get_concept(hidden_concept.slug, people["moderator"]) == hidden_concept
    for who in (None, people["consumer"]):
        with pytest.raises(NotFound):
            feedback.get_concept(hidden_concept.slug, who)


@pytest.mark.parametrize("role", ["owner", "member"])
def test_members_of_a_hidden_concept_get_its_page_summary_link_and_summary(client, people, hidden_concept, role):
    login(client, people[role])
    page = client.get(f"/concepts/{hidden_concept.slug}")
    assert page.status_code == 200
    link = f'href="/concepts/{hidden_concept.slug}/results"'
    assert link in page.get_data(as_text=True) and "Demand summary" in page.get_data(as_text=True)
    results = client.get(f"/concepts/{hidden_concept.slug}/results")
    assert results.status_code == 200
    assert hidden_concept.title in results.get_data(as_text=True)


@pytest.mark.parametrize("role", ["visitor", "consumer"])
def test_others_get_404_for_a_hidden_concept_page_and_summary(client, people, hidden_concept, role):
    if role != "visitor":
        login(client, people[role])
    assert client.get(f"/concepts/{hidden_concept.slug}").status_code == 404
    assert client.get(f"/concepts/{hidden_concept.slug}/results").status_code == 404
    assert client.get(f"/concepts/{hidden_concept.slug}/price").status_code in (302, 404)  # visitors: log in


# --- the list filters are the same rules ------------------------------------------------------------

def test_the_sql_filters_match_the_rules(people, board, concept, hidden_concept):
    hidden_topic = posting.create_topic(people["consumer"], board, "Hidden topic", "Text.")
    hidden_topic.hidden_at = utcnow()
    for c in (concept, hidden_concept):
        posting.concept_topic(c)
    posting.create_topic(people["consumer"], board, "Open topic", "Text.")
    db.session.commit()
    all_concepts = list(db.session.scalars(select(Concept)))
    all_topics = list(db.session.scalars(select(Topic)))
    for role in ROLES:
        who = actor(people, role)
        listed = set(db.session.scalars(select(Concept.id).where(policy.concept_filter(who))))
        assert listed == {c.id for c in all_concepts if policy.can(who, "concept.view", c)}, role
        listed = set(db.session.scalars(select(Topic.id).where(policy.topic_filter(who))))
        assert listed == {t.id for t in all_topics if policy.can(who, "topic.view", t)}, role
    # And the rule is not trivially "everything": a consumer misses both hidden ones.
    consumer_topics = set(db.session.scalars(select(Topic.id).where(policy.topic_filter(people["consumer"]))))
    assert hidden_topic.id not in consumer_topics and hidden_concept.topic.id not in consumer_topics


# --- commit, conflict, publish ----------------------------------------------------------------------

def test_commit_and_publish_maps_a_unique_clash_to_a_conflict_and_rolls_back(people):
    db.session.add(User(username="Carol", username_key="carol", email="other@example.test", password_hash="x"))
    with pytest.raises(Conflict) as caught:
        tx.commit_and_publish(conflict="That name was just taken.")
    assert caught.value.message == "That name was just taken."
    assert db.session.scalar(select(User).where(User.email == "other@example.test")) is None  # session usable


def test_commit_and_publish_can_raise_the_callers_error(people):
    db.session.add(User(username="Carol", username_key="carol", email="x@example.test", password_hash="x"))
    with pytest.raises(DomainError) as caught:
        tx.commit_and_publish(conflict=PermissionDenied("custom"))
    assert type(caught.value) is PermissionDenied and caught.value.message == "custom"


def test_events_are_published_only_after_the_commit(app, people, monkeypatch):
    seen = []

    def publish(*published):
        # Another connection sees the event row: it is committed before it is pushed.
        with db.engine.connect() as other:
            seen.extend(other.execute(select(Event.kind).where(Event.id.in_([e.id for e in published]))).scalars())

    monkeypatch.setattr(events, "publish", publish)
    event = events.record("topic:1", "test.kind", {})
    tx.commit_and_publish(event)
    assert seen == ["test.kind"]
