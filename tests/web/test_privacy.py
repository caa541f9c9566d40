"""Personal data: the archive, account deletion, privacy settings, the privacy page."""
from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import String, Text, inspect, select, text

from forum.extensions import db
from forum.models import (
    FeatureVote,
    Flag,
    ModerationAction,
    Notification,
    Post,
    PriceResponse,
    SignIn,
    User,
    utcnow,
)
from forum.services import feedback, posting, search
from tests.conftest import PASSWORD, login, make_org, make_user
from tests.services.test_feedback import make_concept

# Names nobody else has, so a search of every table for them finds only what deletion missed.
ZED_PASSWORD = "zebulon's very own passphrase"  # his own hash (the helper shares one per password)
ZED = {"username": "zebulon_q", "display_name": "Zebulon Quartermaine", "email": "zebulon.q@example.com"}


@pytest.fixture
def world(app):
    """Zebulon and Wanda each comment, vote, answer Kano and price on one concept; Olga's organization
    owns it. Wanda mentions Zebulon; Olga replies to him (so his name is in her notifications too)."""
    zed = make_user(ZED["username"], display_name=ZED["display_name"], email=ZED["email"],
                    email_verified_at=utcnow(), password=ZED_PASSWORD)
    wanda = make_user("wanda_w", display_name="Wanda Whitfield", email="wanda@example.com")
    olga = make_user("olga")
    org = make_org(olga)
    concept = make_concept(org, price_question_enabled=True, kano_enabled=True)
    topic = posting.concept_topic(concept)
    db.session.commit()
    z_post = posting.reply(zed, topic, "I would pay for one that keeps rye fresh.")
    posting.edit_post(zed, z_post, "I would pay for one that keeps rye bread fresh.")
    posting.reply(wanda, topic, "Agree with @zebulon_q here.", reply_to_id=z_post.id)
    posting.reply(zed, topic, "Thanks @wanda_w!")
    posting.reply(olga, topic, "Noted, thank you.", reply_to_id=z_post.id)
    for person, prices, vote in ((zed, ("5", "10", "20", "30"), "up"), (wanda, ("8", "12", "25", "98.76"), "down")):
        feedback.cast_vote(person, concept.features[0], vote)
        feedback.answer_kano(person, concept, {concept.features[0].id: ("like", "neutral")})
        feedback.answer_price(person, concept, dict(zip(feedback.PRICE_FIELDS, prices, strict=True)))
    from forum.services import notifications

    notifications.set_following(zed, True, concept_id=concept.id)
    db.session.add(SignIn(user_id=zed.id, ip_address="203.0.113.9", user_agent="ZedBrowser/1.0"))
    # A flag he raised on Wanda's post, and one she raised on his.
    wanda_post = db.session.scalar(select(Post).where(Post.author_id == wanda.id))
    db.session.add(Flag(post_id=wanda_post.id, reporter_id=zed.id, reason="spam"))
    db.session.add(Flag(post_id=z_post.id, reporter_id=wanda.id, reason="abusive"))
    # An audit-log entry by him, naming him (as a moderator's note might).
    db.session.add(ModerationAction(actor_id=zed.id, action="topic.lock", target_type="topic", target_id=topic.id,
                                    reason="Locked at the request of Zebulon Quartermaine (zebulon_q)"))
    db.session.add(SignIn(user_id=wanda.id, ip_address="198.51.100.7", user_agent="WandaBrowser/2.0"))
    db.session.commit()
    return {"zed": zed, "wanda": wanda, "olga": olga, "concept": concept, "topic": topic}


def archive(client) -> dict[str, object]:
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        return {name: (zf.read(name).decode() if name.endswith(".txt") else json.loads(zf.read(name)))
                for name in zf.namelist()}


def test_the_archive_holds_everything_listed_and_nothing_of_anyone_else(client, world):
    login(client, world["zed"], ZED_PASSWORD)
    files = archive(client)
    for name in ("profile.json", "posts.json", "votes.json", "kano_answers.json", "price_answers.json",
                 "follows.json", "notifications.json", "flags_raised.json", "api_tokens.json", "sign_ins.json"):
        assert name in files, name
    assert files["profile.json"]["username"] == "zebulon_q"
    assert files["profile.json"]["email"] == ZED["email"]
    posts = files["posts.json"]
    assert [p["body"] for p in posts] == ["I would pay for one that keeps rye bread fresh.", "Thanks @wanda_w!"]
    assert posts[0]["revisions"][0]["body"] == "I would pay for one that keeps rye fresh."
    assert [v["vote"] for v in files["votes.json"]] == ["for"]
    assert files["kano_answers.json"][0]["functional"] == "like"
    assert files["price_answers.json"][0]["too_expensive"] == "30.00"
    assert {f.get("concept") for f in files["follows.json"]} >= {world["concept"].slug}
    assert len(files["notifications.json"]) >= 2  # Wanda's mention and reply, Olga's reply
    assert [s["user_agent"] for s in files["sign_ins.json"]][-1] == "ZedBrowser/1.0"
    assert [f["post_id"] for f in files["flags_raised.json"]] == [
        db.session.scalar(select(Post.id).where(Post.author_id == world["wanda"].id))]  # not hers on his
    everything = json.dumps(files)
    # Nothing of anyone else: Wanda's post, name, address, answers or sign-ins.
    for foreign in ("Agree with", "Wanda Whitfield", "wanda@example.com", "198.51.100.7", "WandaBrowser",
                    "98.76", "Noted, thank you", "olga"):
        assert foreign not in everything, foreign
    # Only the person themself gets it.
    client.post("/logout")
    assert client.get("/account/export").status_code == 302


def all_text(exclude_tables: tuple[str, ...] = ()) -> str:
    """Every string in every table (and, on SQLite, what the FTS index can still match)."""
    chunks = []
    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        if table.name in exclude_tables:
            continue
        columns = [c.name for c in table.columns if isinstance(c.type, String | Text) or c.type.__class__.__name__ == "JSON"]
        if not columns:
            continue
        for row in db.session.execute(select(*[table.c[name] for name in columns])):
            chunks.extend(json.dumps(v) if not isinstance(v, str) else v for v in row if v is not None)
    assert inspector.get_table_names()
    return "\n".join(chunks).lower()


def tallies(concept) -> tuple[object, int, int]:
    """What the summaries show (the stored summary, as pages and the API read it)."""
    from forum.services import demand

    db.session.rollback()  # a fresh read, as a new request would make (forgets the room numbers seen)
    fresh = db.session.get(type(concept), concept.id)
    summary = demand.get(fresh)
    return demand.tallies(fresh), demand.price_result(fresh).n, summary.parts["kano"]["respondents"]


@pytest.mark.parametrize("choice", ["keep", "withdraw"])
def test_deletion_leaves_no_trace_of_the_name_and_follows_the_feedback_choice(client, world, choice):
    zed, concept = world["zed"], world["concept"]
    before_tally, before_n, before_kano = tallies(concept)
    old_hash = zed.password_hash
    # A visitor's copy of the thread is in the page cache before the deletion.
    assert ZED["display_name"] in client.get(f"/t/{world['topic'].id}").get_data(as_text=True)
    login(client, zed, ZED_PASSWORD)
    other = client.application.test_client()
    login(other, zed, ZED_PASSWORD)  # a second session, on another device
    response = client.post("/account/delete", data={"password": ZED_PASSWORD, "feedback": choice})
    assert response.status_code == 302
    db.session.expire_all()
    dump = all_text()
    for value in (ZED["username"], ZED["email"], ZED["display_name"], old_hash):
        assert value.lower() not in dump, f"{value} is still stored"
    if db.engine.dialect.name == "sqlite":
        hits = db.session.execute(text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :q"),
                                  {"q": '"zebulon_q"'}).scalar()
        assert hits == 0
    assert search.search(None, "zebulon_q").total == 0
    # Posts stay, as written, under "deleted user".
    page = client.get(f"/t/{world['topic'].id}").get_data(as_text=True)
    assert "I would pay for one that keeps rye bread fresh." in page and "deleted user" in page
    assert "@deleted-user" in page
    # Sessions end, the old credentials fail.
    assert other.get("/settings").status_code == 302
    assert client.post("/login", data={"login": ZED["username"], "password": ZED_PASSWORD}).status_code == 401
    assert client.post("/login", data={"login": ZED["email"], "password": ZED_PASSWORD}).status_code == 401
    # The summaries follow the choice exactly.
    after_tally, after_n, after_kano = tallies(concept)
    feature_id = concept.features[0].id
    if choice == "keep":
        assert (after_tally, after_n, after_kano) == (before_tally, before_n, before_kano)
    else:
        assert after_tally[feature_id] == (before_tally[feature_id][0] - 1, before_tally[feature_id][1])
        assert after_n == before_n - 1 and after_kano == before_kano - 1
        assert db.session.scalar(select(FeatureVote.id).where(FeatureVote.user_id == zed.id)) is None
        assert db.session.scalar(select(PriceResponse.id).where(PriceResponse.user_id == zed.id)) is None
    # The flag he raised stays for the moderators, without him.
    [flag] = db.session.scalars(select(Flag).where(Flag.reason == "spam"))
    assert flag.reporter_id is None
    # The audit log keeps the action, not who.
    [action] = db.session.scalars(select(ModerationAction).where(ModerationAction.action == "topic.lock"))
    assert action.actor_id is None and action.reason == "Locked at the request of deleted user (deleted user)"
    # Wanda's things are untouched.
    wanda = db.session.get(User, world["wanda"].id)
    assert wanda.username == "wanda_w" and db.session.scalar(
        select(PriceResponse.too_expensive).where(PriceResponse.user_id == wanda.id)) == Decimal("98.76")
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == wanda.id))


def test_deletion_needs_the_password_and_a_choice(client, world):
    login(client, world["zed"], ZED_PASSWORD)
    assert client.post("/account/delete", data={"password": "wrong password", "feedback": "keep"}).status_code == 400
    assert client.post("/account/delete", data={"password": ZED_PASSWORD, "feedback": "maybe"}).status_code == 400
    assert client.post("/account/delete", data={"password": ZED_PASSWORD}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, world["zed"].id).deleted_at is None
    assert client.get("/account/delete").status_code == 200


def test_the_only_owner_of_an_organization_with_members_must_hand_it_over_first(client, world):
    olga, wanda = world["olga"], world["wanda"]
    from forum.services import organizations

    organizations.add_member(olga, world["concept"].organization, wanda.username)
    login(client, olga)
    response = client.post("/account/delete", data={"password": PASSWORD, "feedback": "keep"})
    assert response.status_code == 409
    assert "only owner" in response.get_data(as_text=True)


def test_a_private_profile_shows_only_the_name(client, world):
    zed = world["zed"]
    login(client, zed, ZED_PASSWORD)
    client.post("/settings/profile", data={"display_name": ZED["display_name"], "bio": "Rye enthusiast"})
    assert client.post("/settings/privacy", data={"email_notifications": "y"}).status_code == 302
    db.session.refresh(zed)
    assert zed.profile_public is False and zed.email_notifications and not zed.email_digest
    assert "Rye enthusiast" in client.get("/u/zebulon_q").get_data(as_text=True)  # their own view
    client.post("/logout")
    page = client.get("/u/zebulon_q").get_data(as_text=True)
    assert ZED["display_name"] in page and "Rye enthusiast" not in page and "private" in page


def test_the_privacy_page_says_what_is_kept_and_how_to_take_it_away(client):
    page = client.get("/privacy").get_data(as_text=True)
    for words in ("What we store", "Who sees it", "How long", "How to take it away", "/account/export",
                  "/account/delete"):
        assert words in page


def test_the_archive_lists_api_tokens_without_their_secrets(client, world):
    from forum.services import api_tokens

    olga = world["olga"]
    token, secret = api_tokens.create(olga, world["concept"].organization, "Nightly export")
    login(client, olga)
    files = archive(client)
    [listed] = files["api_tokens.json"]
    assert listed["name"] == "Nightly export" and listed["organization"] == world["concept"].organization.name
    everything = json.dumps(files)
    assert secret not in everything and token.token_hash not in everything


def test_cached_pages_never_show_the_name_after_deletion(client, people):
    """A thread that a visitor's request put in the page cache is not served again with the name."""
    quiet = make_user("quiet_one", display_name="Quintessa Quiet", password=ZED_PASSWORD)
    concept = make_concept(people["org"], slug="quiet-concept")
    topic = posting.concept_topic(concept)
    db.session.commit()
    posting.reply(quiet, topic, "Just one thought.")
    assert "Quintessa Quiet" in client.get(f"/t/{topic.id}").get_data(as_text=True)
    assert "Quintessa Quiet" in client.get(f"/t/{topic.id}").get_data(as_text=True)  # from the cache
    login(client, quiet, ZED_PASSWORD)
    assert client.post("/account/delete", data={"password": ZED_PASSWORD, "feedback": "keep"}).status_code == 302
    page = client.application.test_client().get(f"/t/{topic.id}").get_data(as_text=True)  # a new visitor
    assert "Quintessa Quiet" not in page and "Just one thought." in page
