"""Roles hold after they change: suspended staff, counting by current membership, membership as an
invitation, who starts topics on a board, registration that enumerates nothing, lockout per account.
Each test failed before its fix."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import policy
from forum.errors import Conflict, PermissionDenied
from forum.extensions import db, limiter
from forum.models import Board, Membership, OutboxMessage, Post, Topic, User, utcnow
from forum.services import accounts, boards, concepts, demand, feedback, organizations, posting
from tests.conftest import PASSWORD, login, make_user


def suspend(user: User) -> None:
    user.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()


def board(slug: str = "general", topic_starters: str = "everyone") -> Board:
    row = Board(name=slug.title(), slug=slug, description="", position=0, topic_starters=topic_starters)
    db.session.add(row)
    db.session.commit()
    return row


# --- suspended staff lose staff powers ------------------------------------------------------------

def test_a_suspended_admin_cannot_change_roles_verify_or_create_boards(app, people, client):
    admin, consumer = people["admin"], people["consumer"]
    suspend(admin)
    login(client, admin)
    assert client.get("/admin/").status_code == 403
    assert client.post(f"/admin/users/{consumer.id}/role", data={"role": "admin"}).status_code == 403
    assert db.session.get(User, consumer.id).role == "consumer"
    assert client.post(f"/admin/orgs/{people['org'].slug}/verify", data={"verified": "0"}).status_code == 403
    assert people["org"].is_verified
    assert client.post("/boards/manage", data={"name": "Rogue board"}).status_code == 403
    assert db.session.scalar(select(Board).where(Board.name == "Rogue board")) is None
    with pytest.raises(PermissionDenied) as refused:
        accounts.set_role(admin, consumer, "moderator")
    assert "suspended" in refused.value.message


def test_a_suspended_moderator_cannot_lock_topics_or_see_hidden_ones(app, people, client):
    moderator = people["moderator"]
    topic = posting.create_topic(people["consumer"], board(), "A topic", "First post")
    suspend(moderator)
    login(client, moderator)
    assert client.post(f"/t/{topic.id}/lock", data={"locked": "1"}).status_code == 403
    assert not db.session.get(Topic, topic.id).locked
    topic.hidden_at = utcnow()
    db.session.commit()
    assert not policy.can(moderator, "topic.view", topic)
    assert not policy.can(moderator, "moderation.access")


# --- votes and price answers count by current membership -------------------------------------------

@pytest.fixture
def concept(people):
    concept = concepts.create(people["owner"], people["org"], "Smart Kettle", "A kettle", "It boils.",
                              price_question_enabled=True)
    concepts.add_feature(people["owner"], concept, "Timer", "")
    return concept


def _join(org, user, inviter, role="member"):
    membership = organizations.add_member(inviter, org, user.username, role)
    organizations.accept_invitation(user, membership.id)


def _answer_price(user, concept, base=10):
    feedback.answer_price(user, concept, {"too_cheap": str(base), "cheap": str(base + 5),
                                          "expensive": str(base + 10), "too_expensive": str(base + 20)})


def test_a_vote_counts_only_while_the_voter_is_not_a_member(app, people, concept):
    org, owner, mick = people["org"], people["owner"], people["member"]
    feature = concept.features[0]
    organizations.remove_member(owner, org, mick.id)
    feedback.cast_vote(mick, feature, "up")
    assert demand.votes.tallies(concept.id)[feature.id] == (1, 0)
    _join(org, mick, owner)  # back in the organization: his vote stays stored but does not count
    assert demand.votes.tallies(concept.id).get(feature.id, (0, 0)) == (0, 0)
    assert [f["votes_for"] for f in demand.features(concept)] == [0]
    assert demand.people(concept)["voted"] == 0
    organizations.remove_member(owner, org, mick.id)  # out again: it counts again
    assert demand.votes.tallies(concept.id)[feature.id] == (1, 0)


def test_a_consumer_who_joins_stops_counting_in_prices_and_summaries(app, people, concept):
    carol, owner = people["consumer"], people["owner"]
    for i in range(3):
        _answer_price(make_user(f"buyer{i}"), concept, 10 + i)
    _answer_price(carol, concept, 40)
    feedback.cast_vote(carol, concept.features[0], "down")
    assert demand.prices.analysis(concept).n == 4
    _join(people["org"], carol, owner)
    assert demand.prices.analysis(concept).n == 3
    assert demand.people(concept)["price"] == 3
    assert demand.votes.tallies(concept.id).get(concept.features[0].id, (0, 0)) == (0, 0)


def test_joining_tells_open_pages_the_new_numbers(app, people, concept):
    from forum.models import Event

    carol = people["consumer"]
    feedback.cast_vote(carol, concept.features[0], "up")
    before = db.session.scalar(select(db.func.count(Event.id)))
    _join(people["org"], carol, people["owner"])
    kinds = list(db.session.scalars(select(Event.kind).order_by(Event.id).offset(before)))
    assert "tally.changed" in kinds


# --- membership is an invitation the person accepts --------------------------------------------------

def test_an_invited_owner_has_no_powers_until_she_accepts(app, people, concept):
    org, olga, carol = people["org"], people["owner"], people["consumer"]
    invitation = organizations.add_member(olga, org, carol.username, "owner")
    assert invitation.is_pending and not policy.is_member(carol, org.id)
    post = posting.reply(carol, concept.topic, "Is it dishwasher safe?")
    assert post.official_organization_id is None, "an invitation made her posts Official"
    with pytest.raises(PermissionDenied):
        organizations.remove_member(carol, org, olga.id)
    organizations.accept_invitation(carol, invitation.id)
    db.session.expire_all()
    assert policy.membership_role(db.session.get(User, carol.id), org.id) == "owner"


def test_declining_leaves_no_membership(app, people, client):
    org, carol = people["org"], people["consumer"]
    invitation = organizations.add_member(people["owner"], org, carol.username)
    login(client, carol)
    page = client.get("/invitations").get_data(as_text=True)
    assert org.name in page and "Accept" in page
    response = client.post(f"/invitations/{invitation.id}/decline")
    assert response.status_code == 302
    assert db.session.scalar(select(Membership).where(Membership.user_id == carol.id)) is None


def test_accepting_on_the_page_makes_a_member(app, people, client):
    org, carol = people["org"], people["consumer"]
    invitation = organizations.add_member(people["owner"], org, carol.username)
    login(client, carol)
    assert client.post(f"/invitations/{invitation.id}/accept").status_code == 302
    db.session.expire_all()
    assert policy.is_member(db.session.get(User, carol.id), org.id)


def test_someone_elses_invitation_is_not_found(app, people, client):
    invitation = organizations.add_member(people["owner"], people["org"], people["consumer"].username)
    login(client, people["moderator"])
    assert client.post(f"/invitations/{invitation.id}/accept").status_code == 404


def test_the_last_owner_cannot_be_removed_even_with_an_owner_invited(app, people):
    org, olga = people["org"], people["owner"]
    organizations.add_member(olga, org, people["consumer"].username, "owner")  # pending: not an owner yet
    with pytest.raises(Conflict):
        organizations.remove_member(olga, org, olga.id)


# --- boards say who may start topics ---------------------------------------------------------------

def test_only_staff_start_topics_on_announcements(app, people, client):
    announcements = board("announcements", "staff")
    login(client, people["consumer"])
    assert client.get("/boards/announcements/new").status_code == 403
    response = client.post("/boards/announcements/new", data={
        "board": str(announcements.id), "title": "Buy my stuff", "body": "Cheap pills"})
    assert response.status_code == 403
    assert db.session.scalar(select(Topic).where(Topic.board_id == announcements.id)) is None
    with pytest.raises(PermissionDenied):
        posting.create_topic(people["consumer"], announcements.id, "Buy my stuff", "Cheap pills")
    assert posting.create_topic(people["admin"], announcements, "News", "From the team").id


def test_the_board_form_sets_who_starts_topics(app, people, client):
    general = board()
    login(client, people["admin"])
    response = client.post(f"/boards/manage/{general.id}", data={
        "name": "General", "slug": "general", "description": "", "position": "0", "topic_starters": "staff"})
    assert response.status_code == 302
    assert db.session.get(Board, general.id).topic_starters == "staff"
    assert not policy.can(people["consumer"], "topic.create", general)
    boards.update(people["admin"], general, "General", "general", "", 0, "everyone")
    assert policy.can(people["consumer"], "topic.create", general)


# --- registration tells nobody which addresses are registered --------------------------------------

def test_registering_a_taken_address_answers_as_for_a_new_one(app, client):
    make_user("sofia", email="sofia@example.com")
    new = client.post("/register", data={"username": "newbie", "email": "newbie@example.com",
                                         "password": "a long new passphrase"})
    taken = app.test_client().post("/register", data={"username": "copycat", "email": "Sofia@Example.com",
                                                      "password": "a long new passphrase"})
    assert new.status_code == taken.status_code == 302
    assert new.headers["Location"] == taken.headers["Location"]
    assert "already" not in taken.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "copycat")) is None
    # The owner of the address hears about it instead.
    warned = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == "sofia@example.com"))
    assert warned is not None and "tried" in warned.subject


def test_the_flash_is_the_same_for_a_new_and_a_taken_address(app):
    make_user("sofia", email="sofia@example.com")
    pages = []
    for username, email in (("newbie", "x@example.com"), ("copycat", "sofia@example.com")):
        client = app.test_client()
        client.post("/register", data={"username": username, "email": email, "password": "a long new passphrase"})
        page = client.get("/login").get_data(as_text=True)
        pages.append(page.replace(email, "ADDRESS"))
    assert pages[0] == pages[1]


# --- failed logins count per account ----------------------------------------------------------------

def test_failed_logins_by_username_and_by_email_reach_one_lockout(app, people, client):
    limiter.enabled = True
    carol = people["consumer"]
    tries = [carol.username, carol.email, carol.username.upper(), carol.email.upper(), carol.username]
    for login_name in tries:
        assert client.post("/login", data={"login": login_name, "password": "wrong guess"}).status_code == 401
    for login_name in (carol.email, carol.username):
        response = client.post("/login", data={"login": login_name, "password": PASSWORD})
        assert response.status_code == 429, f"{login_name}: {response.status_code}"


def test_json_logins_count_too(app, people, client):
    limiter.enabled = True
    carol = people["consumer"]
    for _ in range(5):
        assert client.post("/login", json={"login": carol.email, "password": "wrong guess"}).status_code == 401
    assert client.post("/login", data={"login": carol.username, "password": PASSWORD}).status_code == 429


def test_official_posts_need_an_accepted_membership(app, people, concept):
    carol = people["consumer"]
    _join(people["org"], carol, people["owner"])
    post = posting.reply(carol, concept.topic, "We are on it.")
    assert db.session.get(Post, post.id).official_organization_id == people["org"].id


def test_stored_summaries_follow_a_change_of_membership(app, people, concept):
    from flask import g

    carol, feature = people["consumer"], concept.features[0]
    feedback.cast_vote(carol, feature, "up")
    _answer_price(carol, concept)
    g.pop("_sb_seqs", None)
    summary = demand.summary(concept)
    assert summary["features"][0]["votes_for"] == 1 and summary["participation"]["voted"] == 1
    assert summary["price"]["n"] == 1
    _join(people["org"], carol, people["owner"])
    g.pop("_sb_seqs", None)
    summary = demand.summary(concept)
    assert summary["features"][0]["votes_for"] == 0 and summary["participation"]["voted"] == 0
    assert summary["price"]["n"] == 0
    organizations.remove_member(people["owner"], people["org"], carol.id)
    g.pop("_sb_seqs", None)
    assert demand.tallies(concept)[feature.id] == (1, 0)
