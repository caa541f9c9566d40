"""Follows and notifications: the right people hear about the right things, once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.errors import NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.markup import render
from forum.models import Concept, Follow, Notification, Post, StageChange, Topic, utcnow
from forum.services import notifications
from tests.conftest import make_user


def make_concept(org, title: str = "Sourdough subscription box") -> Concept:
    concept = Concept(organization_id=org.id, slug=title.lower().replace(" ", "-"), title=title)
    db.session.add(concept)
    db.session.flush()
    db.session.add(Topic(concept_id=concept.id, title=title))
    db.session.commit()
    return concept


def add_post(topic: Topic, author, body: str, reply_to: Post | None = None,
             official_org=None) -> Post:
    """What the posting service does: add the post, follow, notify, then commit."""
    post = Post(topic_id=topic.id, author_id=author.id, body_source=body, body_html=render(body),
                reply_to_id=reply_to.id if reply_to else None,
                official_organization_id=official_org.id if official_org else None)
    db.session.add(post)
    db.session.flush()
    notifications.follow(author, topic=topic)
    notifications.notify_new_post(post)
    db.session.commit()
    return post


def inbox(user) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()
    return [(n.kind, n.message) for n in rows]


def total() -> int:
    return db.session.scalar(select(func.count(Notification.id))) or 0


@pytest.fixture
def thread(people):
    concept = make_concept(people["org"])
    return concept, concept.topic


def test_reply_notifies_the_author_of_the_post_replied_to(people, thread):
    _, topic = thread
    carol, mick = people["consumer"], people["member"]
    sofia = make_user("sofia", display_name="Sofia")
    first = add_post(topic, carol, "Would you ship weekly?")
    reply = add_post(topic, sofia, "Weekly please!", reply_to=first)
    assert inbox(carol) == [("reply", "Sofia replied to your post in “Sourdough subscription box”")]
    assert inbox(sofia) == [] and inbox(mick) == []
    n = db.session.scalar(select(Notification).where(Notification.user_id == carol.id))
    assert n.url == f"/p/{reply.id}"
    assert n.actor_id == sofia.id and n.read_at is None


def test_replying_to_yourself_notifies_nobody(people, thread):
    _, topic = thread
    carol = people["consumer"]
    first = add_post(topic, carol, "Thinking out loud")
    add_post(topic, carol, "…and more @carol", reply_to=first)
    assert total() == 0


def test_mentions_reach_existing_users_only(people, thread):
    _, topic = thread
    carol, olga, ada = people["consumer"], people["owner"], people["admin"]
    add_post(topic, carol, "Hey @olga and @ADA, also @nobody_here and `@mick` in code.")
    assert [k for k, _ in inbox(olga)] == ["mention"]
    assert inbox(olga)[0][1] == "Carol mentioned you in “Sourdough subscription box”"
    assert [k for k, _ in inbox(ada)] == ["mention"]
    assert inbox(people["member"]) == []
    assert total() == 2


def test_reply_that_also_mentions_gives_one_notification(people, thread):
    _, topic = thread
    carol, olga = people["consumer"], people["owner"]
    first = add_post(topic, olga, "Any questions?")
    add_post(topic, carol, "Yes @olga, @olga: the price?", reply_to=first)
    assert inbox(olga) == [("reply", "Carol replied to your post in “Sourdough subscription box”")]


def test_notifying_again_for_a_post_tells_nobody_twice(people, thread):
    _, topic = thread
    carol, olga, ada = people["consumer"], people["owner"], people["admin"]
    post = add_post(topic, carol, "Hello @olga")
    # An edit adds a mention; the posting service may notify again.
    post.body_source = "Hello @olga and @ada"
    post.body_html = render(post.body_source)  # mentions are read from the rendered post
    notifications.notify_new_post(post)
    notifications.notify_new_post(post)
    db.session.commit()
    assert len(inbox(olga)) == 1 and len(inbox(ada)) == 1


def test_official_reply_notifies_concept_and_topic_followers(people, thread):
    concept, topic = thread
    carol, mick, olga = people["consumer"], people["member"], people["owner"]
    fan = make_user("fan")
    bystander = make_user("bystander")
    notifications.follow(fan, concept=concept)
    notifications.follow(olga, concept=concept)
    db.session.commit()
    add_post(topic, carol, "What flour do you use?")  # carol now follows the topic
    add_post(topic, mick, "Stone-ground rye, from a mill 20 km away.", official_org=people["org"])
    expected = [("official", "Acme Gadgets replied officially in “Sourdough subscription box”")]
    assert inbox(fan) == expected
    assert inbox(carol) == expected
    assert inbox(olga) == expected
    assert inbox(mick) == []  # the actor
    assert inbox(bystander) == []


def test_ordinary_posts_do_not_notify_followers(people, thread):
    concept, topic = thread
    fan = make_user("fan")
    notifications.follow(fan, concept=concept)
    notifications.follow(fan, topic=topic)
    db.session.commit()
    add_post(topic, people["consumer"], "Just a comment")
    assert inbox(fan) == []


def test_official_reply_to_a_follower_is_one_reply_notification(people, thread):
    concept, topic = thread
    carol, mick = people["consumer"], people["member"]
    notifications.follow(carol, concept=concept)
    question = add_post(topic, carol, "Gluten free?")
    add_post(topic, mick, "Not yet, @carol.", reply_to=question, official_org=people["org"])
    assert [k for k, _ in inbox(carol)] == ["reply"]


def test_no_one_hears_of_a_post_they_cannot_see(people, thread):
    concept, topic = thread
    carol, olga, maude = people["consumer"], people["owner"], people["moderator"]
    concept.hidden_at = utcnow()
    db.session.commit()
    add_post(topic, carol, "@olga @maude look")
    assert inbox(olga) == []
    assert [k for k, _ in inbox(maude)] == ["mention"]  # moderators see hidden concepts


def test_a_deleted_post_notifies_nobody(people, thread):
    _, topic = thread
    post = Post(topic_id=topic.id, author_id=people["consumer"].id, body_source="@olga",
                body_html=render("@olga"), deleted_at=utcnow())
    db.session.add(post)
    db.session.flush()
    assert notifications.notify_new_post(post) == []


def test_suspended_people_are_still_notified(people, thread):
    _, topic = thread
    carol = people["consumer"]
    carol.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    add_post(topic, people["owner"], "Thanks @carol")
    assert [k for k, _ in inbox(carol)] == ["mention"]


def test_stage_change_notifies_followers_but_not_the_actor(people, thread):
    concept, _ = thread
    olga, carol = people["owner"], people["consumer"]
    fan = make_user("fan")
    for user in (olga, carol, fan):
        notifications.follow(user, concept=concept)
    change = StageChange(concept_id=concept.id, from_stage="idea", to_stage="prototype",
                         changed_by_id=olga.id)
    db.session.add(change)
    concept.stage = "prototype"
    notifications.notify_stage_change(concept, change)
    db.session.commit()
    expected = [("stage", "“Sourdough subscription box” moved to the prototype stage")]
    assert inbox(carol) == expected and inbox(fan) == expected
    assert inbox(olga) == []
    n = db.session.scalar(select(Notification).where(Notification.user_id == fan.id))
    assert n.url == f"/concepts/{concept.slug}"


def test_follow_and_unfollow_are_idempotent(people, thread):
    concept, topic = thread
    carol = people["consumer"]
    notifications.follow(carol, concept=concept)
    notifications.follow(carol, concept=concept)
    notifications.follow(carol, topic=topic)
    db.session.commit()
    notifications.follow(carol, concept=concept)
    db.session.commit()
    assert db.session.scalar(select(func.count(Follow.id))) == 2
    assert notifications.is_following(carol, concept=concept)
    assert notifications.unfollow(carol, concept=concept) is True
    db.session.commit()
    assert notifications.unfollow(carol, concept=concept) is False
    assert not notifications.is_following(carol, concept=concept)
    assert notifications.is_following(carol, topic=topic)


def test_set_following_checks_its_input(people, thread):
    concept, topic = thread
    carol = people["consumer"]
    assert notifications.set_following(carol, True, concept_id=str(concept.id)) is concept
    assert notifications.is_following(carol, concept=concept)
    notifications.set_following(carol, False, concept_id=concept.id)
    assert not notifications.is_following(carol, concept=concept)
    with pytest.raises(ValidationError):
        notifications.set_following(carol, True)
    with pytest.raises(ValidationError):
        notifications.set_following(carol, True, concept_id=concept.id, topic_id=topic.id)
    with pytest.raises(ValidationError):
        notifications.set_following(carol, True, topic_id="abc")
    with pytest.raises(NotFound):
        notifications.set_following(carol, True, topic_id=999999)
    with pytest.raises(NotFound):
        notifications.set_following(carol, True, topic_id=10**30)
    with pytest.raises(PermissionDenied):
        notifications.set_following(None, True, topic_id=topic.id)
    concept.hidden_at = utcnow()
    db.session.commit()
    with pytest.raises(NotFound):
        notifications.set_following(carol, True, concept_id=concept.id)
    with pytest.raises(NotFound):
        notifications.set_following(carol, True, topic_id=topic.id)  # its concept is hidden


def test_unread_count_and_marking_read(people, thread):
    _, topic = thread
    carol, olga = people["consumer"], people["owner"]
    for n in range(3):
        add_post(topic, olga, f"Note {n} for @carol")
    assert notifications.unread_count(carol) == 3
    first = db.session.scalar(select(Notification).where(Notification.user_id == carol.id))
    notifications.mark_read(carol, first.id)
    assert notifications.unread_count(carol) == 2
    notifications.mark_read(carol, first.id)  # again: nothing changes
    assert notifications.unread_count(carol) == 2
    with pytest.raises(NotFound):
        notifications.mark_read(olga, first.id)  # not hers
    assert notifications.mark_all_read(carol) == 2
    assert notifications.unread_count(carol) == 0
    assert notifications.unread_count(None) == 0


def test_listing_is_newest_first_and_only_ones_own(people, thread):
    _, topic = thread
    carol, olga = people["consumer"], people["owner"]
    first = add_post(topic, olga, "first @carol")
    second = add_post(topic, olga, "second @carol")
    add_post(topic, carol, "for @olga")
    page = notifications.listing(carol)
    assert page.total == 2
    assert [n.post_id for n in page.items] == [second.id, first.id]


# --- through the other services, when they exist ---------------------------------------------

def test_posting_service_follows_and_notifies(people):
    posting = pytest.importorskip("forum.services.posting")
    concepts = pytest.importorskip("forum.services.concepts")
    concept = concepts.create(people["owner"], people["org"], "Cordless kettle", summary="Boils anywhere")
    topic = db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))
    question = posting.reply(people["consumer"], topic, "Does it work off-grid?")
    assert notifications.is_following(people["consumer"], topic=topic)
    posting.reply(people["member"], topic, "Yes, with the solar base.", reply_to_id=question.id)
    assert [k for k, _ in inbox(people["consumer"])] == ["reply"]
    # The owner follows the concept they posted, and hears of the official answer.
    assert [k for k, _ in inbox(people["owner"])] == ["official"]
    concepts.change_stage(people["owner"], concept, "prototype")
    assert [k for k, _ in inbox(people["consumer"])] == ["reply"]  # follows the topic, not the concept
    notifications.follow(people["consumer"], concept=concept)
    db.session.commit()
    concepts.change_stage(people["member"], concept, "launched")
    assert [k for k, _ in inbox(people["consumer"])] == ["reply", "stage"]
    assert inbox(people["member"]) == []
