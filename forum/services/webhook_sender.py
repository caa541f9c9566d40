"""Sending webhook deliveries: signed, after the commit, retried with a growing wait.

Like email (forum/services/mail.py): a background thread sends what is due right after the commit
that queued it (WEBHOOKS_BACKGROUND), and `flask send-webhooks` does the same from cron. Each
delivery is claimed first (pending -> sending), so two senders never send it twice.

Signature (as Stripe signs its webhooks): `X-SoundingBoard-Signature: t=<unix seconds>,v1=<hex>`,
v1 = HMAC-SHA256 keyed by the endpoint's secret over "<t>.<raw body>". A 2xx answer is success; any
other answer, a timeout or a refused connection is a failure: tried again after 1, 2, 4, 8... times
WEBHOOK_RETRY_SECONDS (at most 6 hours), up to WEBHOOK_MAX_ATTEMPTS. After WEBHOOK_DISABLE_AFTER
failures in a row the endpoint is disabled and its organization's owners are told.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import ssl
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.i18n import _l
from forum.models import Membership, WebhookDelivery, WebhookEndpoint, utcnow
from forum.services import addresses, notifications
from forum.services.background import BackgroundSender

STALE_CLAIM = timedelta(minutes=15)
#: Deliveries claimed and sent per batch; their results are committed together at its end. A sender
#: that dies mid-batch leaves its claims to go stale and be sent again (at least once: receivers tell
#: repeats apart by the body's "id").
BATCH = 50
WAKE_MAX = 15 * 60  # seconds: a background sender sleeps until the next due delivery, at most this


def signature(secret: str, body: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _Pinned(http.client.HTTPSConnection):
    """HTTPS to the address that was checked, with the certificate checked for the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: str, headers: dict[str, str]) -> int:
    """POST `body` to `url` (checked again, connected to a checked address); the response status."""
    cfg = current_app.config
    allow = bool(cfg.get("WEBHOOKS_ALLOW_PRIVATE"))
    scheme, host, port, path = addresses.parts(addresses.check_url(url, allow_private=allow))
    address = addresses.resolve(host, port, allow)[0]
    timeout = float(cfg.get("WEBHOOK_TIMEOUT", 10))
    if scheme == "https":
        connection: http.client.HTTPConnection = _Pinned(host, address, port, timeout)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        connection.request("POST", path, body=body.encode(), headers={
            **headers, "Host": host if port in (80, 443) else f"{host}:{port}"})
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()


def _backoff(attempts: int) -> timedelta:
    base = float(current_app.config.get("WEBHOOK_RETRY_SECONDS", 60))
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 6 * 3600))


def _send(delivery: WebhookDelivery) -> None:
    endpoint = delivery.endpoint
    if endpoint.disabled_at is not None:  # disabled while this batch was going out: it waits
        delivery.status, delivery.claimed_at = "pending", None
        return
    timestamp = int(time.time())
    status = None
    try:
        status = post(endpoint.url, delivery.body, {
            "Content-Type": "application/json", "User-Agent": "SoundingBoard-Webhooks/1",
            "X-SoundingBoard-Event": delivery.event_type, "X-SoundingBoard-Delivery": delivery.event_id,
            "X-SoundingBoard-Signature": signature(endpoint.secret, delivery.body, timestamp)})
        if not 200 <= status < 300:
            raise RuntimeError(f"the receiver answered {status}")
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        _failed(delivery, status, f"{type(exc).__name__}: {exc}")
    else:
        delivery.status, delivery.response_code, delivery.sent_at = "sent", status, utcnow()
        delivery.attempts += 1
        delivery.last_error, delivery.claimed_at = "", None
        endpoint.failures = 0


def _failed(delivery: WebhookDelivery, status: int | None, error: str) -> None:
    cfg = current_app.config
    delivery.attempts += 1
    delivery.response_code, delivery.last_error, delivery.claimed_at = status, error[:500], None
    if delivery.attempts >= int(cfg.get("WEBHOOK_MAX_ATTEMPTS", 8)):
        delivery.status = "failed"
    else:
        delivery.status = "pending"
        delivery.next_attempt_at = utcnow() + _backoff(delivery.attempts)
    endpoint = delivery.endpoint
    endpoint.failures += 1
    current_app.logger.warning("Webhook delivery %s to endpoint %s failed (attempt %s): %s",
                               delivery.id, endpoint.id, delivery.attempts, delivery.last_error)
    if endpoint.disabled_at is None and endpoint.failures >= int(cfg.get("WEBHOOK_DISABLE_AFTER", 15)):
        _disable(endpoint)


def _disable(endpoint: WebhookEndpoint) -> None:
    endpoint.disabled_at = utcnow()
    org = endpoint.organization
    owners = db.session.scalars(select(Membership.user_id).where(
        Membership.organization_id == org.id, Membership.role == "owner", Membership.pending.is_(False)))
    for owner_id in owners:
        notifications.notify(owner_id, "webhook", _l(
            "The webhook to %(url)s failed %(n)d times in a row and is disabled. Fix the receiver, then "
            "turn it on again in your organization's webhook settings.", url=endpoint.url, n=endpoint.failures),
            f"/orgs/{org.slug}/webhooks")


def deliver_due(limit: int = BATCH) -> tuple[int, int]:
    """Send what is due to enabled endpoints. The batch is claimed in one statement (pending ->
    sending, RETURNING the rows this sender got), so two senders never send one delivery twice.
    Returns (sent, failed attempts)."""
    due = (select(WebhookDelivery.id).join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
           .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utcnow(),
                  WebhookEndpoint.disabled_at.is_(None))
           .order_by(WebhookDelivery.id).limit(limit))
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.commit()
        return 0, 0
    claimed = sorted(db.session.scalars(
        update(WebhookDelivery).where(WebhookDelivery.id.in_(ids), WebhookDelivery.status == "pending")
        .values(status="sending", claimed_at=utcnow()).returning(WebhookDelivery.id)))
    db.session.commit()
    sent = failed = 0
    batch = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(claimed))
                               .options(joinedload(WebhookDelivery.endpoint)).order_by(WebhookDelivery.id)).all()
    for delivery in batch:
        _send(delivery)
        sent, failed = (sent + 1, failed) if delivery.status == "sent" else (sent, failed + 1)
    db.session.commit()
    return sent, failed


def release_stale_claims() -> int:
    result = db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.status == "sending", WebhookDelivery.claimed_at < utcnow() - STALE_CLAIM)
        .values(status="pending", claimed_at=None))
    db.session.commit()
    return result.rowcount or 0


def next_due_in() -> float | None:
    """Seconds until the next pending delivery is due (0 if one is due now), or None."""
    due = db.session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at))
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == "pending", WebhookEndpoint.disabled_at.is_(None)))
    return None if due is None else max(0.0, (due - utcnow()).total_seconds())


# --- the background sender -----------------------------------------------------------------------

def _deliver() -> float | None:
    deliver_due()
    return next_due_in()


_sender = BackgroundSender("webhook-sender", _deliver,
                           "The background webhook sender stopped; `flask send-webhooks` will retry", WAKE_MAX)
kick = _sender.kick
wait_until_idle = _sender.wait_until_idle


def after_commit() -> None:
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return
    if app.config.get("WEBHOOKS_BACKGROUND", True):
        kick(app)
