"""Webhooks: an organization's endpoints, and deliveries written to an outbox in the transaction of
the change they report (sent after the commit by forum/services/webhook_sender.py).

What is reported is read from the concept rooms' event log, so no service has to remember to call
this module: when a transaction flushes an Event in a concept's room whose kind maps to a webhook
type (a stage change, a decision, a suggestion made or adopted, a vote or an answer that changes the
summary...), one delivery per subscribed, enabled endpoint of the concept's organization is added
to the same transaction. No change, no delivery; a rolled-back change, no delivery.

`summary.changed` goes out at most once a minute per concept and endpoint: a change within a minute
of the last one is sent a minute after it (one delivery for the lot, never a lost last change).

Body: {"id", "type", "created_at", "data"}; signed with the endpoint's secret (see the sender).
"""
from __future__ import annotations

import json
import secrets
import uuid
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forum import policy
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import (
    WEBHOOK_EVENTS,
    Concept,
    Event,
    Organization,
    Suggestion,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from forum.services import addresses, webhook_sender
from forum.services.ids import parse_id
from forum.services.mail import absolute

#: Concept-room event kinds and the webhook type each reports.
KIND_TO_TYPE = {"concept.created": "concept.created", "concept.stage": "concept.stage_changed",
                "suggestion.added": "suggestion.created", "suggestion.adopted": "suggestion.adopted",
                "decision.added": "decision.added", "summary.changed": "summary.changed",
                "tally.changed": "summary.changed", "kano.changed": "summary.changed",
                "price.changed": "summary.changed"}
TEST_TYPE = "webhook.test"
SUMMARY_EVERY = timedelta(minutes=1)
MAX_ENDPOINTS = 10
_QUEUED = "webhooks_queued"
_SUMMARIES = "webhooks_summaries"
_ENDPOINTS = "webhooks_endpoints"


# --- endpoints ------------------------------------------------------------------------------------

def parse_events(raw: Any) -> list[str]:
    """["concept.created", ...] from a list or a comma-separated string; unknown types refused."""
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    chosen = [str(item).strip() for item in items if str(item).strip()]
    unknown = [item for item in chosen if item not in WEBHOOK_EVENTS]
    if unknown or not chosen:
        message = _("Choose events among: %(known)s.", known=", ".join(WEBHOOK_EVENTS))
        raise ValidationError(message, {"events": [message]})
    return [name for name in WEBHOOK_EVENTS if name in chosen]


def _create(org: Organization, url: Any, chosen: Any, creator_id: int | None) -> tuple[WebhookEndpoint, str]:
    url = addresses.check_url(url, allow_private=bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE")))
    types = parse_events(chosen)
    count = db.session.scalar(select(func.count(WebhookEndpoint.id)).where(
        WebhookEndpoint.organization_id == org.id)) or 0
    if count >= MAX_ENDPOINTS:
        raise ValidationError(_("An organization has at most %(n)d webhook endpoints.", n=MAX_ENDPOINTS))
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(organization_id=org.id, url=url, secret=secret, events=types,
                               created_by_id=creator_id)
    db.session.add(endpoint)
    db.session.commit()
    return endpoint, secret


def create(actor: Any, org: Organization, url: Any, chosen: Any) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown once)."""
    policy.require(actor, "webhook.manage", org)
    return _create(org, url, chosen, actor.id)


def create_for_cli(org_slug: str, url: str, chosen: str) -> tuple[WebhookEndpoint, str]:
    """`flask webhook create`: the server's operator stands for the organization's owners."""
    org = db.session.scalar(select(Organization).where(Organization.slug == org_slug))
    if org is None:
        raise NotFound(_("There is no organization with the address “%(slug)s”.", slug=org_slug))
    return _create(org, url, chosen, None)


def listing(actor: Any, org: Organization) -> list[WebhookEndpoint]:
    policy.require(actor, "webhook.manage", org)
    return list(db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.organization_id == org.id)
                                   .order_by(WebhookEndpoint.id)))


def deliveries(actor: Any, org: Organization, limit: int = 50) -> list[WebhookDelivery]:
    policy.require(actor, "webhook.manage", org)
    return list(db.session.scalars(
        select(WebhookDelivery).join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.organization_id == org.id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


def get(actor: Any, org: Organization, endpoint_id: Any) -> WebhookEndpoint:
    policy.require(actor, "webhook.manage", org)
    try:
        number = parse_id(endpoint_id)
    except (TypeError, ValueError):
        number = None
    endpoint = db.session.get(WebhookEndpoint, number) if number is not None else None
    if endpoint is None or endpoint.organization_id != org.id:
        raise NotFound(_("This organization has no such webhook endpoint."))
    return endpoint


def delete(actor: Any, org: Organization, endpoint_id: Any) -> None:
    db.session.delete(get(actor, org, endpoint_id))
    db.session.commit()


def enable(actor: Any, org: Organization, endpoint_id: Any) -> WebhookEndpoint:
    """Turn a disabled endpoint back on (after the receiver is fixed)."""
    endpoint = get(actor, org, endpoint_id)
    endpoint.disabled_at = None
    endpoint.failures = 0
    db.session.commit()
    return endpoint


def send_test(actor: Any, org: Organization, endpoint_id: Any) -> WebhookDelivery:
    """Queue a `webhook.test` delivery to one endpoint (sent like any other)."""
    endpoint = get(actor, org, endpoint_id)
    delivery = _delivery(endpoint, TEST_TYPE, {"organization": org.slug,
                                              "message": "A test from Sounding Board."}, None, utcnow())
    db.session.commit()
    return delivery


# --- deliveries written with the change -----------------------------------------------------------

def body(event_id: str, event_type: str, created_at: Any, data: dict[str, Any]) -> str:
    return json.dumps({"id": event_id, "type": event_type, "created_at": created_at.isoformat(timespec="seconds")
                       + "Z", "data": data}, separators=(",", ":"), ensure_ascii=False)


def _delivery(endpoint: WebhookEndpoint, event_type: str, data: dict[str, Any], concept_id: int | None,
              due: Any) -> WebhookDelivery:
    now = utcnow()
    event_id = "evt_" + uuid.uuid4().hex
    row = WebhookDelivery(endpoint_id=endpoint.id, event_id=event_id, event_type=event_type, concept_id=concept_id,
                          body=body(event_id, event_type, now, data), created_at=now, next_attempt_at=due)
    db.session.add(row)
    db.session.info[_QUEUED] = True
    return row


def _summary_due(endpoint: WebhookEndpoint, concept_id: int) -> Any:
    """When a summary.changed for this concept may go to this endpoint; None: one is already waiting."""
    last = db.session.scalar(select(func.max(WebhookDelivery.next_attempt_at)).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_type == "summary.changed",
        WebhookDelivery.concept_id == concept_id))
    now = utcnow()
    if last is None or last + SUMMARY_EVERY <= now:
        return now
    if last > now:
        return None
    return last + SUMMARY_EVERY


def concept_data(concept: Concept) -> dict[str, Any]:
    return {"slug": concept.slug, "title": concept.title, "organization": concept.organization.slug,
            "stage": concept.stage, "url": absolute(f"/concepts/{concept.slug}")}


def _data(event_type: str, event: Event, concept: Concept) -> dict[str, Any] | None:
    payload = event.payload or {}
    data: dict[str, Any] = {"concept": concept_data(concept)}
    if event_type == "concept.stage_changed":
        data.update({"from": payload.get("from"), "to": payload.get("to", concept.stage)})
    elif event_type == "decision.added":
        data["decision"] = {"id": payload.get("decision_id"), "title": payload.get("title", "")}
    elif event_type == "summary.changed":
        data["summary_url"] = absolute(f"/api/v1/concepts/{concept.slug}/summary")
    elif event_type.startswith("suggestion."):
        if payload.get("held"):
            return None  # waits for a moderator: not public yet
        suggestion = db.session.get(Suggestion, payload.get("suggestion_id"))
        if suggestion is None:
            return None
        data["suggestion"] = {"id": suggestion.id, "title": suggestion.title, "why": suggestion.why,
                              "status": suggestion.status, "support": payload.get("support", 0)}
        if suggestion.feature_id is not None:
            data["feature"] = {"id": suggestion.feature_id, "title": suggestion.feature.title}
    return data


def endpoints_of(organization_id: int) -> list[WebhookEndpoint]:
    """The organization's active endpoints, read once per transaction. A writer calls it before it
    takes its room's number, so the flush under the room's lock asks the database nothing more."""
    cache = db.session.info.setdefault(_ENDPOINTS, {})
    if organization_id not in cache:
        cache[organization_id] = list(db.session.scalars(select(WebhookEndpoint).where(
            WebhookEndpoint.organization_id == organization_id, WebhookEndpoint.disabled_at.is_(None))))
    return cache[organization_id]


def queue_for_event(event: Event) -> None:
    """The deliveries one concept-room event causes (inside the flush of its transaction)."""
    event_type = KIND_TO_TYPE.get(event.kind)
    if event_type is None or not event.room.startswith("concept:"):
        return
    concept = db.session.get(Concept, int(event.room.split(":", 1)[1]))
    if concept is None or concept.hidden_at is not None:
        return
    endpoints = [e for e in endpoints_of(concept.organization_id) if event_type in (e.events or [])]
    if not endpoints:
        return
    data = _data(event_type, event, concept)
    if data is None:
        return
    seen = db.session.info.setdefault(_SUMMARIES, set())
    for endpoint in endpoints:
        due = utcnow()
        if event_type == "summary.changed":
            if (endpoint.id, concept.id) in seen:  # one per transaction, whatever it changed
                continue
            due = _summary_due(endpoint, concept.id)
            seen.add((endpoint.id, concept.id))
        if due is not None:
            _delivery(endpoint, event_type, data, concept.id, due)


@sa_event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    new_events = [obj for obj in session.new if isinstance(obj, Event) and obj.room.startswith("concept:")
                  and obj.kind in KIND_TO_TYPE]
    if not new_events:
        return
    with session.no_autoflush:
        for event in sorted(new_events, key=lambda e: e.seq or 0):
            queue_for_event(event)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_SUMMARIES, None)
    session.info.pop(_ENDPOINTS, None)
    if session.info.pop(_QUEUED, False):
        webhook_sender.after_commit()


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_SUMMARIES, None)
    session.info.pop(_ENDPOINTS, None)
    session.info.pop(_QUEUED, None)
