"""Accounts that cannot be taken over by email (issue 22): links in emails are built on SITE_URL,
never on the request's Host header; every emailed link dies when the account's password or address
changes; the email-change form and the reset request say nothing about other accounts.
(tests/test_real_requests.py does the Host header through gunicorn and through nginx.)"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum import create_app
from forum.extensions import db
from forum.models import OutboxMessage, User, utcnow
from forum.services import accounts, posting
from tests.conftest import PASSWORD, TEST_CONFIG, login, make_user
from tests.statements import statements_run

EVIL = {"Host": "evil.example"}


def outbox(to: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return [m for m in rows if to is None or m.to_addr == to]


def link_in(message: OutboxMessage, part: str) -> str:
    return next(u for u in re.findall(r"https?://\S+", message.body_text) if part in u)


def path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def verified(username: str) -> User:
    return make_user(username, email=f"{username}@example.com", email_verified_at=utcnow())


# --- links are built on SITE_URL -------------------------------------------------------------------

def test_no_email_link_follows_the_requests_host_header(app, client):
    site = app.config["SITE_URL"]
    olga = verified("olga_o")
    verified("carol_c")
    # A reset asked for with a forged Host (the link would carry a valid token to evil.example).
    client.post("/reset-password", data={"email": "carol_c@example.com"}, headers=EVIL, follow_redirects=True)
    # Registration: a new account's confirmation, and "someone tried to register" for a taken address.
    client.post("/register", data={"username": "newbie", "email": "newbie@example.com",
                                   "password": "a long new passphrase"}, headers=EVIL)
    client.post("/register", data={"username": "newbie2", "email": "olga_o@example.com",
                                   "password": "a long new passphrase"}, headers=EVIL)
    signed_in = client.post("/login", data={"login": "carol_c", "password": PASSWORD}, headers=EVIL)
    assert signed_in.status_code == 302  # (the test client keeps cookies per host: signed in at evil.example)
    client.post("/settings/email", data={"email": "carol.new@example.com", "password": PASSWORD}, headers=EVIL)
    # A notification email, caused by a request with a forged Host.
    board_topic = posting.create_topic(olga, _board(), "Bread knives", "Which one?")
    client.post(f"/t/{board_topic.id}/reply", data={"body": "@olga_o the serrated one", "submit": "1"}, headers=EVIL)
    messages = outbox()
    kinds = {m.kind for m in messages}
    assert {"reset", "verify", "registered_again", "email_change", "notification"} <= kinds, kinds
    for message in messages:
        found = re.findall(r"https?://[^\s>]+", message.body_text + str(message.headers))
        assert found, message.kind
        assert all(url.startswith(site + "/") for url in found), (message.kind, found)
        assert "evil.example" not in message.body_text + str(message.headers)


def _board():
    from forum.models import Board

    board = Board(slug="general", name="General", position=1)
    db.session.add(board)
    db.session.commit()
    return board


def test_a_host_outside_trusted_hosts_is_refused(app, client):
    app.config["TRUSTED_HOSTS"] = ["forum.example.com"]
    try:
        assert client.get("/", headers={"Host": "forum.example.com"}).status_code == 200
        refused = client.post("/reset-password", data={"email": "x@example.com"}, headers=EVIL)
        assert refused.status_code == 400
        assert client.get("/", headers=EVIL).status_code == 400
    finally:
        app.config["TRUSTED_HOSTS"] = None
    assert outbox() == []


def test_production_will_not_start_without_site_url(database_url):
    config = {**TEST_CONFIG, "TESTING": False, "SQLALCHEMY_DATABASE_URI": database_url, "SITE_URL": ""}
    with pytest.raises(RuntimeError, match="SITE_URL"):
        create_app(config)
    with pytest.raises(RuntimeError, match="SITE_URL"):
        create_app({**config, "SITE_URL": "forum.example.com"})  # not an absolute address
    app = create_app({**config, "SITE_URL": "https://forum.example.com/"})
    assert app.config["SITE_URL"] == "https://forum.example.com"


# --- every emailed link is bound to the account as it is -------------------------------------------

def test_a_pending_email_change_dies_with_a_password_change(app, client):
    carol = verified("carol_c")
    login(client, carol)
    client.post("/settings/email", data={"email": "attacker@evil.example", "password": PASSWORD})
    [change] = outbox("attacker@evil.example")
    first = path(link_in(change, "/confirm-email/"))
    response = client.post("/settings/password", data={"current_password": PASSWORD,
                                                      "new_password": "a different long passphrase"})
    assert response.status_code == 302
    refused = client.get(first)
    assert refused.status_code == 400 and "no longer works" in refused.get_data(as_text=True)
    db.session.refresh(carol)
    assert carol.email == "carol_c@example.com"


def test_confirming_one_address_kills_the_other_pending_links(app, client):
    carol = verified("carol_c")
    login(client, carol)
    client.post("/settings/email", data={"email": "attacker@evil.example", "password": PASSWORD})
    client.post("/settings/email", data={"email": "carol.new@example.com", "password": PASSWORD})
    attacker = path(link_in(outbox("attacker@evil.example")[0], "/confirm-email/"))
    mine = path(link_in(outbox("carol.new@example.com")[0], "/confirm-email/"))
    assert client.get(mine).status_code == 302
    assert client.get(attacker).status_code == 400
    db.session.refresh(carol)
    assert carol.email == "carol.new@example.com"


def test_a_reset_link_mailed_to_the_old_address_dies_when_the_address_changes(app, client):
    carol = verified("carol_c")
    client.post("/reset-password", data={"email": "carol_c@example.com"}, follow_redirects=True)
    reset = path(link_in(outbox("carol_c@example.com")[0], "/reset-password/"))
    assert client.get(reset).status_code == 200
    login(client, carol)
    client.post("/settings/email", data={"email": "carol.new@example.com", "password": PASSWORD})
    assert client.get(path(link_in(outbox("carol.new@example.com")[0], "/confirm-email/"))).status_code == 302
    client.post("/logout")
    refused = client.get(reset)
    assert refused.status_code == 400 and "no longer works" in refused.get_data(as_text=True)
    assert client.post(reset, data={"password": "taken over at last"}).status_code == 400


def test_a_confirmation_link_dies_with_a_password_reset(app, client):
    client.post("/register", data={"username": "newbie", "email": "newbie@example.com",
                                   "password": "a long new passphrase"})
    verify = path(link_in(outbox("newbie@example.com")[0], "/verify-email/"))
    newbie = db.session.scalar(select(User).where(User.username == "newbie"))
    accounts.change_password(newbie, "a long new passphrase", "another long passphrase")
    assert client.get(verify).status_code == 400
    db.session.refresh(newbie)
    assert newbie.email_verified_at is None


# --- nothing said about other accounts -----------------------------------------------------------

def strip(page, address: str) -> str:
    """The page without what differs by design: the address typed, and the form tokens."""
    text = page.get_data(as_text=True).replace(address, "")
    return re.sub(r'<input[^>]*name="csrf_token"[^>]*>|<meta[^>]*csrf[^>]*>', "", text)


def test_the_email_change_form_answers_the_same_for_a_taken_address_and_tells_its_owner(app, client):
    carol, olga = verified("carol_c"), verified("olga_o")
    login(client, carol)
    client.get("/settings")  # (the welcome message shows once)
    free = client.post("/settings/email", data={"email": "free@example.com", "password": PASSWORD},
                       follow_redirects=True)
    taken = client.post("/settings/email", data={"email": "olga_o@example.com", "password": PASSWORD},
                        follow_redirects=True)
    assert free.status_code == taken.status_code == 200
    assert strip(free, "free@example.com") == strip(taken, "olga_o@example.com")
    assert "already exists" not in taken.get_data(as_text=True)
    [told] = outbox("olga_o@example.com")
    assert told.kind == "email_taken" and "/confirm-email/" not in told.body_text
    db.session.refresh(carol)
    db.session.refresh(olga)
    assert carol.email == "carol_c@example.com" and olga.email == "olga_o@example.com"


def test_a_reset_request_runs_the_same_statements_before_answering_for_known_and_unknown(app, client):
    """The answer is sent before the address is even looked up (the mail is queued after the
    response), so its timing cannot tell a known address from an unknown one. bench/reset_timing.py
    prints the times."""
    verified("carol_c")
    answers, before_close = [], []
    for address in ("carol_c@example.com", "nobody@example.com"):
        with statements_run() as seen:
            response = client.post("/reset-password", data={"email": address})
            before_close.append(list(seen))
            answers.append((response.status_code, response.headers["Location"]))
            response.close()  # the server closes the response once it is sent: then the work runs
    assert answers[0] == answers[1]
    assert before_close[0] == before_close[1]
    assert not any("users" in s.lower() for s in before_close[0])
    assert [m.to_addr for m in outbox()] == ["carol_c@example.com"]
