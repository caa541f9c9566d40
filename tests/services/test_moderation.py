"""Moderation: weighted flags and the queue, moderators' actions with their audit entries and messages,
restrictions that end on their date, trust levels, limits on new accounts, blocked words and domains."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import (
    Board,
    Event,
    Flag,
    ModerationAction,
    Notification,
    Post,
    PostRevision,
    ReviewItem,
    Suspension,
    Topic,
    utcnow,
)
from forum.services import demand, feedback, moderation, posting
from tests.conftest import make_user
from tests.services.test_feedback import PRICES, make_concept


@pytest.fixture
def world(people):
    board = Board(slug="general", name="General", position=1)
    db.session.add(board)
    db.session.commit()
    topic = posting.create_topic(people["consumer"], board, "A topic", "The first post")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    return {**people, "board": board, "topic": topic, "post": post}


def flaggers(n: int, level: int = 2, **fields) -> list:
    return [make_user(f"flagger{level}_{i}", trust_level=level, **fields) for i in range(n)]


def notes_of(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def audit_of(action: str) -> list[ModerationAction]:
    return list(db.session.scalars(select(ModerationAction).where(ModerationAction.action == action)))


# --- weighted flags -----------------------------------------------------------------------------

def test_flags_weigh_by_trust_and_record(app):
    new, member, regular = make_user("newbie", trust_level=0), make_user("mem", trust_level=2), make_user(
        "reg", trust_level=3)
    assert moderation.flag_weight(new) == 1.0
    assert moderation.flag_weight(member) == 3.0
    assert moderation.flag_weight(regular) == 4.0
    # A record of upheld flags raises the weight; of dismissed ones lowers it.
    for _ in range(4):
        db.session.add(Flag(reporter_id=member.id, reason="spam", resolution="upheld", resolved_at=utcnow()))
        db.session.add(Flag(reporter_id=new.id, reason="spam", resolution="dismissed", resolved_at=utcnow()))
    db.session.commit()
    assert moderation.flag_weight(member) == 4.0  # 3 x (0.5 + 5/6)
    assert moderation.flag_weight(new) == 0.667  # 1 x (0.5 + 1/6)


def test_flags_hide_the_post_once_their_weight_reaches_the_threshold(world):
    post, author = world["post"], world["consumer"]
    first, second = flaggers(2, level=2)  # 3.0 each; the threshold is 6.0
    moderation.flag(first, "post", post.id, "spam")
    assert post.hidden_at is None
    moderation.flag(second, "post", post.id, "abusive", "Insults in the second line")
    db.session.refresh(post)
    assert post.hidden_at is not None and post.hidden_reason == "flags"
    # One queue item holds both flags; the author is told; the hide is in the audit log as the system's.
    items = list(db.session.scalars(select(ReviewItem)))
    assert len(items) == 1 and len(items[0].flags) == 2 and items[0].weight == 6.0
    assert any("hidden until a moderator reviews it" in m for m in notes_of(author))
    entry = audit_of("post.hide")[0]
    assert entry.actor_id is None and entry.subject_id == author.id
    event = db.session.scalar(select(Event).where(Event.kind == "post.hidden"))
    assert event.payload["post_id"] == post.id


def test_one_new_account_never_hides_anything_alone(world, app):
    post = world["post"]
    newbie = make_user("newbie", trust_level=0)
    moderation.update_settings(world["admin"], {"flag_threshold": "0.5"})  # even at the lowest threshold
    moderation.flag(newbie, "post", post.id, "spam")
    db.session.refresh(post)
    assert post.hidden_at is None
    # A second account joining in does hide it.
    moderation.flag(make_user("other", trust_level=0), "post", post.id, "spam")
    db.session.refresh(post)
    assert post.hidden_at is not None


def test_one_flag_per_person_and_never_on_ones_own_post(world):
    post = world["post"]
    flagger = make_user("fl", trust_level=1)
    moderation.flag(flagger, "post", post.id, "off_topic")
    with pytest.raises(Conflict):
        moderation.flag(flagger, "post", post.id, "spam")
    with pytest.raises(ValidationError):
        moderation.flag(world["consumer"], "post", post.id, "spam")
    with pytest.raises(ValidationError):
        moderation.flag(world["member"], "post", post.id, "other")  # "something else" needs a note
    with pytest.raises(ValidationError):
        moderation.flag(world["member"], "post", post.id, "nonsense")
    with pytest.raises(NotFound):
        moderation.flag(world["member"], "post", 99999, "spam")


def test_withdrawing_the_last_flag_empties_the_queue_and_restores(world):
    post = world["post"]
    regular = make_user("reg", trust_level=4)  # 5.0
    moderation.update_settings(world["admin"], {"flag_threshold": "5"})
    row = moderation.flag(regular, "post", post.id, "spam")
    db.session.refresh(post)
    assert post.hidden_at is not None
    with pytest.raises(NotFound):
        moderation.withdraw_flag(world["member"], row.id)
    moderation.withdraw_flag(regular, row.id)
    db.session.refresh(post)
    assert post.hidden_at is None
    assert moderation.waiting_count() == 0
    assert not list(db.session.scalars(select(ReviewItem).where(ReviewItem.resolved_at.is_(None))))


def test_the_queue_is_oldest_first_groups_flags_and_filters(world):
    mod = world["moderator"]
    topic = world["topic"]
    later = posting.reply(world["member"], topic, "A later post")
    a, b, c = flaggers(3, level=1)
    moderation.flag(a, "post", world["post"].id, "spam")
    moderation.flag(b, "post", later.id, "abusive")
    moderation.flag(c, "post", world["post"].id, "abusive")
    moderation.flag(a, "user", world["member"].id, "other", "Impersonates a company")
    # Make the second item older than the first: order is by when the item entered the queue.
    items = {i.post_id or -i.user_id: i for i in db.session.scalars(select(ReviewItem))}
    items[later.id].created_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    page = moderation.queue(mod)
    assert [i.post_id for i in page.items[:2]] == [later.id, world["post"].id]
    assert len(page.items[1].flags) == 2
    assert [i.kind for i in moderation.queue(mod, kind="user").items] == ["user"]
    assert {i.post_id for i in moderation.queue(mod, reason="spam").items} == {world["post"].id}
    with pytest.raises(PermissionDenied):
        moderation.queue(world["consumer"])


# --- moderators' actions ------------------------------------------------------------------------

def _item_with_flag(world, reason="spam"):
    flagger = make_user("flagger", trust_level=1)
    moderation.flag(flagger, "post", world["post"].id, reason)
    return db.session.scalar(select(ReviewItem)), flagger


def test_dismiss_tells_flagger_and_author_and_counts_against_the_flagger(world):
    item, flagger = _item_with_flag(world)
    moderation.act_on_item(world["moderator"], item, "dismiss", "Heated, but within the rules")
    assert item.resolved_at is not None and item.resolution == "dismiss"
    assert moderation.flag_record(flagger.id) == (0, 1)
    assert any("found no problem" in m for m in notes_of(flagger))
    assert audit_of("flags.dismiss")[0].reason == "Heated, but within the rules"
    assert moderation.waiting_count() == 0


def test_every_action_needs_a_reason(world):
    item, _ = _item_with_flag(world)
    with pytest.raises(ValidationError) as exc:
        moderation.act_on_item(world["moderator"], item, "hide", "   ")
    assert "reason" in exc.value.message
    with pytest.raises(PermissionDenied):
        moderation.act_on_item(world["consumer"], item, "hide", "x")


def test_hide_then_restore_with_messages_audit_and_live_events(world):
    item, flagger = _item_with_flag(world)
    author, post, mod = world["consumer"], world["post"], world["moderator"]
    moderation.act_on_item(mod, item, "hide", "Shares a phone number")
    db.session.refresh(post)
    assert post.hidden_at is not None and post.hidden_reason == "moderator"
    assert any("Reason: Shares a phone number" in m for m in notes_of(author))
    assert any("a moderator hid it" in m for m in notes_of(flagger))
    assert moderation.flag_record(flagger.id) == (1, 0)
    moderation.act_on_post(mod, post, "restore", "The number was the shop's")
    db.session.refresh(post)
    assert post.hidden_at is None
    kinds = list(db.session.scalars(select(Event.kind).where(Event.room == f"topic:{post.topic_id}")
                                    .order_by(Event.seq)))
    assert kinds[-2:] == ["post.hidden", "post.restored"]
    assert [a.action for a in db.session.scalars(select(ModerationAction).order_by(ModerationAction.id))][-2:] == [
        "post.hide", "post.restore"]


def test_delete_leaves_a_placeholder_and_tells_the_author(world):
    item, _ = _item_with_flag(world)
    moderation.act_on_item(world["moderator"], item, "delete", "Spam link")
    db.session.refresh(world["post"])
    assert world["post"].deleted_at is not None
    assert any("deleted your post" in m and "Spam link" in m for m in notes_of(world["consumer"]))
    assert audit_of("post.delete")[0].subject_id == world["consumer"].id


def test_edit_keeps_the_original(world):
    item, _ = _item_with_flag(world, "personal_info")
    post = world["post"]
    moderation.act_on_item(world["moderator"], item, "edit", "Removed a phone number", body="The first post [removed]")
    db.session.refresh(post)
    assert post.body_source == "The first post [removed]"
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert revision.body_source == "The first post"
    entry = audit_of("post.edit")[0]
    assert (entry.before, entry.after) == ("The first post", "The first post [removed]")
    assert any("edited your post" in m for m in notes_of(world["consumer"]))


def test_lock_from_the_queue(world):
    item, _ = _item_with_flag(world)
    moderation.act_on_item(world["moderator"], item, "lock", "The thread turned into a fight")
    db.session.refresh(world["topic"])
    assert world["topic"].locked
    assert audit_of("topic.lock")[0].reason == "The thread turned into a fight"
    with pytest.raises(Conflict):
        posting.reply(world["member"], world["topic"], "More")


def test_acting_twice_on_an_item_is_a_conflict(world):
    item, _ = _item_with_flag(world)
    moderation.act_on_item(world["moderator"], item, "dismiss", "Fine")
    with pytest.raises(Conflict):
        moderation.act_on_item(world["moderator"], item, "hide", "Changed my mind")


def test_the_audit_log_is_append_only_and_searchable(world):
    item, _ = _item_with_flag(world)
    moderation.act_on_item(world["moderator"], item, "hide", "Rude to a member")
    entry = audit_of("post.hide")[0]
    entry.reason = "something else"
    with pytest.raises(RuntimeError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(ModerationAction, entry.id))
    with pytest.raises(RuntimeError):
        db.session.commit()
    db.session.rollback()
    mod = world["moderator"]
    assert [a.action for a in moderation.audit_log(mod, person=world["consumer"].username).items] == ["post.hide"]
    assert moderation.audit_log(mod, person="maude", action="post.hide", q="rude").total == 1
    assert moderation.audit_log(mod, q="polite").total == 0
    today = utcnow().strftime("%Y-%m-%d")
    assert moderation.audit_log(mod, since=today, until=today).total >= 1
    assert moderation.audit_log(mod, until="2000-01-01").total == 0
    with pytest.raises(ValidationError):
        moderation.audit_log(mod, since="yesterday")


def test_the_public_log_counts_kinds_of_action_and_names_no_one(world):
    item, _ = _item_with_flag(world)
    moderation.act_on_item(world["moderator"], item, "hide", "Rude to carol")
    log = moderation.public_log()
    assert {"action": "post.hide", "label": "Post hidden", "total": 1, "recent": 1} in log["counts"]
    assert log["flags_upheld"] == 1 and log["open_items"] == 0
    assert "carol" not in repr(log) and "maude" not in repr(log)


# --- acting on people ---------------------------------------------------------------------------

@pytest.fixture
def concept(people):
    return make_concept(people["org"])


def test_silence_blocks_every_write_and_ends_on_its_date(world, concept):
    mod, carol = world["moderator"], world["consumer"]
    moderation.act_on_person(mod, carol, "silence", "Cool off", until=(utcnow() + timedelta(days=2)).strftime("%Y-%m-%d"))
    assert carol.is_silenced and not carol.is_suspended
    feature = concept.features[0]
    for attempt in (lambda: posting.reply(carol, world["topic"], "Hello"),
                    lambda: posting.create_topic(carol, world["board"], "New topic", "Body"),
                    lambda: feedback.cast_vote(carol, feature, "up"),
                    lambda: feedback.answer_price(carol, concept, PRICES),
                    lambda: feedback.answer_kano(carol, concept, {f"functional_{feature.id}": "like",
                                                                  f"dysfunctional_{feature.id}": "dislike"}),
                    lambda: moderation.flag(carol, "post", posting.reply(world["member"], world["topic"], "x").id, "spam")):
        with pytest.raises(PermissionDenied):
            attempt()
    assert any("read-only until" in m for m in notes_of(carol))
    # The date passes: no job runs, and she can write again.
    carol.silenced_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    posting.reply(carol, world["topic"], "I am back")


def test_a_suspended_persons_votes_leave_the_tallies_and_return_when_it_ends(world, concept):
    mod, carol = world["moderator"], world["consumer"]
    feature = concept.features[0]
    feedback.cast_vote(carol, feature, "up")
    feedback.answer_price(carol, concept, PRICES)
    assert demand.votes.tallies(concept.id)[feature.id] == (1, 0)
    moderation.act_on_person(mod, carol, "suspend", "Vote brigading", until=utcnow() + timedelta(days=7))
    assert carol.is_suspended
    assert demand.votes.tallies(concept.id).get(feature.id, (0, 0)) == (0, 0)
    assert demand.prices.analysis(concept).n == 0 if hasattr(demand.prices.analysis(concept), "n") else True
    # Open concept pages hear the new tally.
    event = db.session.scalar(select(Event).where(Event.room == f"concept:{concept.id}", Event.kind == "tally.changed")
                              .order_by(Event.seq.desc()))
    assert (event.payload["up"], event.payload["down"]) == (0, 0)
    with pytest.raises(PermissionDenied) as exc:
        feedback.cast_vote(carol, concept.features[1], "up")
    assert "suspended until" in exc.value.message
    # The suspension ends on its date without anyone acting: the vote counts again.
    carol.suspended_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert demand.votes.tallies(concept.id)[feature.id] == (1, 0)


def test_lifting_a_suspension_early_and_the_notice_at_sign_in(world):
    mod, carol = world["moderator"], world["consumer"]
    moderation.act_on_person(mod, carol, "suspend", "Spam", until=utcnow() + timedelta(days=3))
    assert "suspended until" in moderation.suspension_notice(carol) and "Reason: Spam" in moderation.suspension_notice(carol)
    row = db.session.scalar(select(Suspension))
    moderation.act_on_person(mod, carol, "lift", "Mistaken identity", suspension_id=row.id)
    assert not carol.is_suspended and row.lifted_by_id == mod.id
    assert moderation.suspension_notice(carol) is None


def test_only_admins_ban_and_moderators_cannot_act_on_staff(world):
    mod, admin, carol = world["moderator"], world["admin"], world["consumer"]
    with pytest.raises(PermissionDenied):
        moderation.act_on_person(mod, carol, "ban", "Spam bot")
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        moderation.act_on_person(mod, admin, "suspend", "x", until=utcnow() + timedelta(days=1))
    db.session.rollback()
    moderation.act_on_person(admin, carol, "ban", "Spam bot")
    assert carol.is_suspended and "banned" in moderation.suspension_notice(carol)


def test_a_warning_must_be_acknowledged(world):
    mod, carol = world["moderator"], world["consumer"]
    moderation.act_on_person(mod, carol, "warn", "Please keep it civil")
    assert carol.warning_pending
    (warning,) = moderation.pending_warnings(carol)
    with pytest.raises(NotFound):
        moderation.acknowledge_warning(world["member"], warning.id)
    moderation.acknowledge_warning(carol, warning.id)
    assert not carol.warning_pending and moderation.pending_warnings(carol) == []


def test_one_appeal_lands_in_the_queue(world):
    mod, carol = world["moderator"], world["consumer"]
    with pytest.raises(PermissionDenied):
        moderation.appeal(carol, "I did nothing")
    moderation.act_on_person(mod, carol, "suspend", "Spam", until=utcnow() + timedelta(days=3))
    moderation.appeal(carol, "Those were my own shop's links, not spam.")
    with pytest.raises(Conflict):
        moderation.appeal(carol, "Again")
    (item,) = moderation.queue(mod, kind="appeal").items
    assert item.suspension.user_id == carol.id
    moderation.act_on_item(mod, item, "lift", "Fair point: they were")
    assert not carol.is_suspended
    assert audit_of("appeal.grant")[0].subject_id == carol.id


# --- trust levels and new accounts --------------------------------------------------------------

def test_trust_rises_with_time_and_posts_and_can_be_set_by_hand(world):
    newbie = make_user("newbie", trust_level=0, created_at=utcnow() - timedelta(days=20))
    assert moderation.earned_level(newbie) == 0
    for i in range(10):
        posting.reply(newbie, world["topic"], f"Post number {i}")
    assert newbie.trust_level == 2  # promoted as they posted (1 day + 1 post; 14 days + 10 posts)
    moderation.set_trust_level(world["moderator"], newbie, "0", "Sock puppet suspicion")
    assert newbie.trust_level == 0 and newbie.trust_level_locked
    posting.reply(newbie, world["topic"], "One more")
    assert newbie.trust_level == 0  # a level set by hand stays
    moderation.set_trust_level(world["moderator"], newbie, "auto", "Cleared")
    assert newbie.trust_level == 2 and not newbie.trust_level_locked


def test_a_new_accounts_links_are_capped_in_its_first_posts(world):
    newbie = make_user("newbie", trust_level=0)
    body = " ".join(f"https://site{i}.com/" for i in range(3))
    with pytest.raises(ValidationError) as exc:
        posting.reply(newbie, world["topic"], body)
    assert "at most 2 links" not in exc.value.message and "2 links in each of their first 5 posts" in exc.value.message
    posting.reply(world["member"], world["topic"], body)  # an established member may


def test_a_brand_new_accounts_vote_counts_after_the_wait(world, concept):
    feature = concept.features[0]
    newbie = make_user("newbie", trust_level=0)
    result = feedback.cast_vote(newbie, feature, "up")
    assert (result.up, result.down) == (0, 0)
    assert feedback.my_votes(newbie, concept.id) == {feature.id: 1}  # kept, not yet counted
    when = demand.rule.valid_until(concept.id)
    assert when is not None and timedelta(minutes=59) < when - utcnow() <= timedelta(minutes=60)
    newbie.created_at = utcnow() - timedelta(minutes=61)
    db.session.commit()
    assert demand.votes.tallies(concept.id)[feature.id] == (1, 0)


# --- blocked words and domains -------------------------------------------------------------------

def test_blocked_words_and_domains_hold_posts_for_review(world):
    admin, member = world["admin"], world["member"]
    moderation.add_blocked_term(admin, "word", "  Miracle   Cure ")
    moderation.add_blocked_term(admin, "domain", "https://www.spam.com/path")
    with pytest.raises(Conflict):
        moderation.add_blocked_term(admin, "word", "miracle cure")
    with pytest.raises(PermissionDenied):
        moderation.add_blocked_term(world["moderator"], "word", "other")
    held = posting.reply(member, world["topic"], "Try this miracle cure today")
    linked = posting.reply(member, world["topic"], "See https://shop.spam.com/offer")
    clean = posting.reply(member, world["topic"], "A miracle, cured of doubt")  # not the phrase
    assert held.hidden_reason == "held" and linked.hidden_reason == "held" and clean.hidden_at is None
    items = moderation.queue(world["moderator"]).items
    assert {(i.post_id, i.reason, i.detail) for i in items} == {
        (held.id, "blocked_word", "miracle cure"), (linked.id, "blocked_domain", "spam.com")}
    # A moderator approves one: it is published and the author is told.
    item = next(i for i in items if i.post_id == held.id)
    moderation.act_on_item(world["moderator"], item, "restore", "A joke, not an advert")
    db.session.refresh(held)
    assert held.hidden_at is None
    assert audit_of("post.approve")[0].subject_id == member.id
    assert any("it is published" in m for m in notes_of(member))


def test_settings_are_validated_and_audited(world):
    admin = world["admin"]
    with pytest.raises(ValidationError) as exc:
        moderation.update_settings(admin, {"flag_threshold": "-1", "tl1_days": "1.5", "new_link_cap": "x"})
    assert set(exc.value.errors) == {"flag_threshold", "tl1_days", "new_link_cap"}
    with pytest.raises(PermissionDenied):
        moderation.update_settings(world["moderator"], {"flag_threshold": "3"})
    moderation.update_settings(admin, {"flag_threshold": "3"})
    assert moderation.setting("flag_threshold") == 3.0
    entry = audit_of("settings.change")[0]
    assert (entry.reason, entry.before, entry.after) == ("flag_threshold", "6.0", "3.0")


def test_a_topic_hidden_for_a_held_first_post_is_still_readable(world):
    moderation.add_blocked_term(world["admin"], "word", "casino")
    topic = posting.create_topic(world["member"], world["board"], "Weekend plans", "Off to the casino")
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    assert first.hidden_reason == "held"
    assert isinstance(db.session.get(Topic, topic.id), Topic)
