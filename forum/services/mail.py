"""Email: written to the outbox in the caller's transaction, delivered after the commit.

Sending never fails the request that caused it. `queue()` only adds an `outbox` row to the current
session; the caller commits it with its own change (so an email exists exactly when the change
does). After the commit a background thread delivers what is due (MAIL_BACKGROUND), and
`flask send-mail` does the same from cron or by hand. A failed attempt is logged, stays in the
outbox and is tried again later with a growing wait, up to MAIL_MAX_ATTEMPTS; a delivered message is
deleted from the outbox, so no copy of what was sent stays in the database.

Transport: SMTP with the MAIL_* settings (STARTTLS with MAIL_USE_TLS, login with MAIL_USERNAME);
with no MAIL_SERVER the message is printed to the console, for development.
"""
from __future__ import annotations

import smtplib
import sys
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import current_app, render_template
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.i18n import _l, in_language
from forum.models import OutboxMessage, User, utcnow
from forum.services import signing
from forum.services.background import BackgroundSender

#: Which setting lets a kind of email through (kinds not listed are sent when asked for: verify, reset).
PREFERENCES = {"notification": "email_notifications", "decision": "email_decisions", "digest": "email_digest"}
UNSUBSCRIBE_KINDS = {"notification": _l("notification emails"), "decision": _l("decision updates"),
                     "digest": _l("the weekly digest"), "all": _l("every email except sign-in help")}
STALE_CLAIM = timedelta(minutes=15)


# --- building messages ----------------------------------------------------------------------------

def absolute(path: str) -> str:
    """A full address for a link in an email: always on SITE_URL, never on the request's Host header
    (which whoever sends the request chooses)."""
    return current_app.config["SITE_URL"] + path


def unsubscribe_url(user: User, kind: str = "all") -> str:
    return absolute(f"/unsubscribe/{signing.sign(signing.UNSUBSCRIBE, {'u': user.id, 'k': kind})}")


def may_email(user: User | None, kind: str) -> bool:
    """Whether `user` gets an email of this kind: a live account with a verified address whose
    settings allow it. Verification and password-reset mail is sent when the person asks for it."""
    if user is None or user.deleted_at is not None or not user.email:
        return False
    setting = PREFERENCES.get(kind)
    if setting is None:
        return True
    return user.email_verified_at is not None and bool(getattr(user, setting))


def queue(user: User, kind: str, subject: Any, template: str, *, to_addr: str | None = None,
          asked_here: bool = False, **context: Any) -> OutboxMessage | None:
    """Add an email to the outbox in the current transaction (no commit). None when the person's
    settings or an unverified address say no. Every message carries an unsubscribe link and the
    List-Unsubscribe header (RFC 2369, with RFC 8058 one-click). It is written in the language the
    person chose in Settings, else the site's default; `asked_here`: they asked for it in this
    request (a confirmation link, a password reset), so else in this request's language."""
    if to_addr is None and not may_email(user, kind):
        return None
    unsubscribe_kind = kind if kind in PREFERENCES else "all"
    unsubscribe = unsubscribe_url(user, unsubscribe_kind)
    with in_language(user.locale, asked_here=asked_here):  # the reader's language (a lazy subject too)
        subject = str(subject)
        body = render_template(f"email/{template}.txt", user=user, unsubscribe_url=unsubscribe,
                               unsubscribe_what=str(UNSUBSCRIBE_KINDS[unsubscribe_kind]), site_url=absolute("/"),
                               **context)
    message = OutboxMessage(
        user_id=user.id, kind=kind, to_addr=to_addr or user.email, subject=" ".join(subject.split())[:200],
        body_text=body,
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    db.session.add(message)
    db.session.info["mail_queued"] = True
    return message


# --- delivering ----------------------------------------------------------------------------------

def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_addr
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="soundingboard")
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body_text)
    return email


class _Transport:
    """One SMTP connection for a batch (or the console without MAIL_SERVER)."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        cfg = current_app.config
        if not cfg["MAIL_SERVER"]:
            headers = "".join(f"{name}: {value}\n" for name, value in email.items()
                              if name.lower() not in ("content-type", "content-transfer-encoding", "mime-version"))
            sys.stdout.write(f"---------- email (MAIL_SERVER is not set) ----------\n{headers}\n"
                             f"{email.get_content()}\n")
            sys.stdout.flush()
            return
        if self.smtp is None:
            smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
            try:
                if cfg["MAIL_USE_TLS"]:
                    smtp.starttls()
                if cfg["MAIL_USERNAME"]:
                    smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            except Exception:
                smtp.close()
                raise
            self.smtp = smtp
        try:
            self.smtp.send_message(email)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:  # noqa: BLE001 - the connection is going away either way
                pass
            self.smtp = None


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** attempts, 6 * 60))


def deliver_due(limit: int = 200) -> tuple[int, int]:
    """Send what is due. Each message is claimed first (pending -> sending), so two senders never
    send it twice. Returns (sent, failed attempts)."""
    now = utcnow()
    ids = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id).limit(limit)))
    db.session.commit()
    sent = failed = 0
    transport = _Transport()
    try:
        for message_id in ids:
            message = _claim(message_id)
            if message is None:
                continue
            try:
                transport.send(_as_email(message))
            except Exception as exc:  # noqa: BLE001 - any failure is logged and retried
                failed += 1
                _note_failure(message, exc)
            else:
                sent += 1
                db.session.delete(message)
            db.session.commit()
    finally:
        transport.close()
    return sent, failed


def _claim(message_id: int) -> OutboxMessage | None:
    """The message, claimed for this sender (pending -> sending); None if another sender has it."""
    claimed = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == "pending")
        .values(status="sending", claimed_at=utcnow()))
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    return db.session.get(OutboxMessage, message_id)


def _note_failure(message: OutboxMessage, exc: Exception) -> None:
    """A failed attempt: back to the queue after a wait, or failed for good after the last attempt."""
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:500]
    message.claimed_at = None
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.status = "failed"
        current_app.logger.error("Email %s to user %s failed for good after %s attempts: %s",
                                 message.id, message.user_id, message.attempts, message.last_error)
    else:
        message.status = "pending"
        message.next_attempt_at = utcnow() + _backoff(message.attempts)
        current_app.logger.warning("Email %s failed (attempt %s), will retry: %s",
                                   message.id, message.attempts, message.last_error)


def release_stale_claims() -> int:
    """Messages claimed by a sender that died mid-way go back to the queue."""
    result = db.session.execute(update(OutboxMessage).where(
        OutboxMessage.status == "sending", OutboxMessage.claimed_at < utcnow() - STALE_CLAIM)
        .values(status="pending", claimed_at=None))
    db.session.commit()
    return result.rowcount or 0


def retry_failed() -> int:
    result = db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "failed")
                                .values(status="pending", attempts=0, next_attempt_at=utcnow()))
    db.session.commit()
    return result.rowcount or 0


# --- the background sender -----------------------------------------------------------------------

def _deliver() -> None:
    deliver_due()


_sender = BackgroundSender("mail-sender", _deliver, "The background mail sender stopped; `flask send-mail` will retry")
kick = _sender.kick
wait_until_idle = _sender.wait_until_idle


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("mail_queued", False):
        try:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        except RuntimeError:
            return
        if app.config.get("MAIL_BACKGROUND"):
            kick(app)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("mail_queued", None)
