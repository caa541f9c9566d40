# ruff: noqa: F811  (the smtp fixture is imported, then named as a parameter)
"""Email against a real SMTP server (aiosmtpd started by the test): verification, change of address,
password reset, notification emails, unsubscribe links, retries, the digest."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, OutboxMessage, User, utcnow
from forum.services import mail, signing
from tests.conftest import PASSWORD, login, make_user
from tests.mailserver import Inbox, body, free_port, links, path_of, smtp  # noqa: F401 - the fixture


def verified(username: str, **fields) -> User:
    return make_user(username, email=f"{username}@example.com", email_verified_at=utcnow(), **fields)


def reply_to(author: User, replier: User):
    """`author` asks on a concept of `replier`'s organization; `replier` answers (a notification)."""
    from forum.services import posting

    topic = posting.concept_topic(concept_of(replier))
    db.session.commit()
    first = posting.reply(author, topic, "Would it keep rye bread fresh?")
    return posting.reply(replier, topic, "It would, for a week.", reply_to_id=first.id)


def concept_of(user: User):
    from forum.models import Concept, Membership
    from tests.conftest import make_org
    from tests.services.test_notifications import make_concept

    concept = db.session.scalar(select(Concept).join(Membership, Membership.organization_id == Concept.organization_id)
                                .where(Membership.user_id == user.id))
    return concept or make_concept(make_org(user, name=f"Org of {user.username}"), title=f"Box of {user.username}")


def replier_org(user: User):
    return concept_of(user).organization


def test_registration_sends_a_verification_link_that_confirms_the_address(app, client, smtp: Inbox):
    response = client.post("/register", data={"username": "newbie", "email": "newbie@example.com",
                                              "password": "a long new passphrase"})
    assert response.status_code == 302
    assert mail.deliver_due() == (1, 0)
    [message] = smtp.to("newbie@example.com")
    assert message["Subject"] == "Confirm your email address"
    assert message["List-Unsubscribe"].startswith("<http") and "/unsubscribe/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    verify = next(u for u in links(message) if "/verify-email/" in u)
    assert "/unsubscribe/" in body(message)  # every email carries the link in its text too
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert user.email_verified_at is None
    assert client.get(path_of(verify)).status_code == 302
    db.session.refresh(user)
    assert user.email_verified_at is not None
    # A tampered link does nothing.
    assert client.get(path_of(verify)[:-3] + "xyz").status_code == 400
    assert db.session.scalar(select(OutboxMessage.id)) is None  # delivered mail leaves no copy


def test_unverified_people_get_no_notification_email_but_verified_ones_do(app, smtp: Inbox):
    unverified = make_user("quiet_q", email="quiet_q@example.com")
    confirmed = verified("loud_l")
    owner = make_user("owner_o")
    reply_to(unverified, owner)
    reply_to(confirmed, owner)
    assert mail.deliver_due() == (1, 0)
    assert smtp.to("quiet_q@example.com") == []
    [message] = smtp.to("loud_l@example.com")
    assert "replied officially" in message["Subject"] or "replied to your post" in message["Subject"]
    assert any("/p/" in link for link in links(message))
    # Both still have the in-app notification.
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == unverified.id))


def test_settings_decide_which_emails_come(app, smtp: Inbox):
    no_mail = verified("no_mail", email_notifications=False)
    owner = make_user("owner_o")
    reply_to(no_mail, owner)
    assert mail.deliver_due() == (0, 0)
    assert smtp.messages == []


def test_a_failed_send_never_fails_the_request_and_is_retried(app, client, smtp: Inbox):
    carol = verified("carol_c")
    owner = make_user("owner_o")
    # The mail server is down: point at a port nobody listens on, and send in the background.
    app.config.update(MAIL_PORT=free_port(), MAIL_BACKGROUND=True)
    from forum.services import posting

    topic = posting.concept_topic(concept_of(owner))
    db.session.commit()
    first = posting.reply(carol, topic, "A question?")
    login(client, owner)
    response = client.post(f"/t/{topic.id}/reply", data={"body": "An answer.", "reply_to_id": first.id})
    assert response.status_code in (302, 303)  # the reply is saved whatever the mail server does
    assert mail.wait_until_idle(app)
    app.config.update(MAIL_BACKGROUND=False)
    message = db.session.scalar(select(OutboxMessage))
    assert message is not None and message.status == "pending"
    assert message.attempts >= 1 and message.last_error
    assert message.next_attempt_at > utcnow()  # waits before the next try
    # The server is back; once the wait is over the message goes out.
    app.config.update(MAIL_PORT=smtp_port(app, smtp))
    assert mail.deliver_due() == (0, 0)  # not due yet
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert mail.deliver_due() == (1, 0)
    assert len(smtp.to("carol_c@example.com")) == 1


def smtp_port(app, inbox: Inbox) -> int:
    return inbox.port  # type: ignore[attr-defined]


def test_the_background_sender_delivers_after_the_commit(app, client, smtp: Inbox):
    app.config.update(MAIL_BACKGROUND=True)
    response = client.post("/register", data={"username": "bgsend", "email": "bg@example.com",
                                              "password": "a long new passphrase"})
    assert response.status_code == 302
    assert mail.wait_until_idle(app)
    assert [m["To"] for m in smtp.messages] == ["bg@example.com"]


def test_gives_up_after_the_maximum_attempts_and_send_mail_can_retry(app, smtp: Inbox):
    user = verified("carol_c")
    port = app.config["MAIL_PORT"]
    app.config.update(MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=2)
    mail.queue(user, "notification", "Hello", "notification", message="Hello", link="http://x/")
    db.session.commit()
    for _ in range(2):
        mail.deliver_due()
        db.session.execute(OutboxMessage.__table__.update().values(next_attempt_at=utcnow()))
        db.session.commit()
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == "failed" and message.attempts == 2
    app.config.update(MAIL_PORT=port, MAIL_MAX_ATTEMPTS=8)
    result = app.test_cli_runner().invoke(args=["send-mail", "--retry-failed"])
    assert "Sent 1" in result.output, result.output
    assert len(smtp.to("carol_c@example.com")) == 1


def test_password_reset_says_the_same_works_once_and_expires(app, client, smtp: Inbox):
    carol = verified("carol_c")
    known = client.post("/reset-password", data={"email": "carol_c@example.com"}, follow_redirects=True)
    unknown = client.post("/reset-password", data={"email": "nobody@example.com"}, follow_redirects=True)
    strip = lambda page: page.get_data(as_text=True).replace("carol_c@example.com", "").replace(  # noqa: E731
        "nobody@example.com", "")
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    mail.deliver_due()
    [message] = smtp.messages
    assert message["To"] == "carol_c@example.com"
    reset = path_of(next(u for u in links(message) if "/reset-password/" in u))
    assert client.get(reset).status_code == 200
    response = client.post(reset, data={"password": "a brand new passphrase"})
    assert response.status_code == 302
    # Used once: the same link is refused, and the new password works.
    assert client.get(reset).status_code == 400
    assert "no longer works" in client.get(reset).get_data(as_text=True)
    assert client.post(reset, data={"password": "yet another passphrase"}).status_code == 400
    login(client, carol, "a brand new passphrase")
    # Expired: a link older than PASSWORD_RESET_MAX_AGE is refused.
    with app.test_request_context():
        db.session.refresh(carol)
        token = signing.sign_for(carol, signing.RESET, {})
    app.config.update(PASSWORD_RESET_MAX_AGE=-1)
    try:
        page = client.get(f"/reset-password/{token}")
        assert page.status_code == 400 and "expired" in page.get_data(as_text=True)
    finally:
        app.config.update(PASSWORD_RESET_MAX_AGE=3600)


def test_a_new_address_changes_only_when_confirmed_there(app, client, smtp: Inbox):
    carol = verified("carol_c")
    login(client, carol)
    response = client.post("/settings/email", data={"email": "carol.new@example.com", "password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(carol)
    assert carol.email == "carol_c@example.com"
    mail.deliver_due()
    [message] = smtp.to("carol.new@example.com")
    confirm = path_of(next(u for u in links(message) if "/confirm-email/" in u))
    assert client.get(confirm).status_code == 302
    db.session.refresh(carol)
    assert carol.email == "carol.new@example.com" and carol.email_verified_at is not None


def test_unsubscribe_links_work_without_signing_in_and_cannot_be_forged(app, client, smtp: Inbox):
    carol = verified("carol_c")
    other = verified("dave_d")
    owner = make_user("owner_o")
    reply_to(carol, owner)
    mail.deliver_due()
    [message] = smtp.to("carol_c@example.com")
    header_url = message["List-Unsubscribe"].strip("<>")
    assert header_url in body(message)
    path = path_of(header_url)
    assert client.get(path).status_code == 200  # a page with a button: a link scanner unsubscribes no one
    db.session.refresh(carol)
    assert carol.email_notifications is True
    # Forged: another person's id, or a changed signature, does nothing.
    payload, _, signature = path.rsplit("/", 1)[1].partition(".")
    with app.test_request_context():
        import itsdangerous

        forged = itsdangerous.URLSafeTimedSerializer("guessed-key", salt=signing.UNSUBSCRIBE).dumps(
            {"u": other.id, "k": "all"})
    assert client.post(f"/unsubscribe/{forged}").status_code == 400
    assert client.post(path[:-4] + "AAAA").status_code == 400
    db.session.refresh(other)
    assert other.email_notifications and other.email_decisions
    # RFC 8058 one-click: a POST with no session and no CSRF token.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.refresh(carol)
    assert carol.email_notifications is False and carol.email_decisions is True
    reply_to(carol, make_user("owner_p"))
    assert mail.deliver_due() == (0, 0)


def test_the_weekly_digest_lists_unread_notifications_once(app, smtp: Inbox):
    carol = verified("carol_c", email_digest=True, email_notifications=False)
    quiet = verified("quiet_q", email_digest=True)
    reply_to(carol, make_user("owner_o"))
    result = app.test_cli_runner().invoke(args=["send-digest"])
    assert "Digests queued: 1" in result.output, result.output
    [message] = smtp.to("carol_c@example.com")
    assert "replied" in body(message) and "1 new notification" in message["Subject"]
    assert "/unsubscribe/" in message["List-Unsubscribe"]
    assert smtp.to(quiet.email) == []
    # Nothing new since: no second digest.
    result = app.test_cli_runner().invoke(args=["send-digest"])
    assert "Digests queued: 0" in result.output
