"""Webhook endpoints of an organization and the outbox of their deliveries."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import utcnow

WEBHOOK_EVENTS = ("concept.created", "concept.stage_changed", "suggestion.created", "suggestion.adopted",
                  "decision.added", "summary.changed")
DELIVERY_STATES = ("pending", "sending", "sent", "failed")


class WebhookEndpoint(db.Model):
    """Where an organization's own tools hear of changes. The secret signs every delivery (HMAC-SHA256);
    it is shown once, when the endpoint is created, and kept to sign with."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(80))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    failures: Mapped[int] = mapped_column(default=0)  # consecutive failed deliveries
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)

    organization = relationship("Organization")


class WebhookDelivery(db.Model):
    """One event for one endpoint: written in the transaction of the change, sent after the commit,
    retried with a growing wait. `body` is the exact JSON that is signed and sent."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_throttle", "endpoint_id", "event_type", "concept_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40))
    concept_id: Mapped[int | None] = mapped_column(ForeignKey("concepts.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    response_code: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    endpoint = relationship("WebhookEndpoint")

    def data(self) -> dict[str, Any]:
        return json.loads(self.body)
