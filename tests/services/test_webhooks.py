"""Webhooks against a real local HTTP receiver: each chosen event once, signed as the README shows;
retries with backoff; disabled after repeated failure (owners told); private addresses refused."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from forum.errors import ValidationError
from forum.extensions import db
from forum.models import Notification, WebhookDelivery, utcnow
from forum.services import concepts, decisions, feedback, suggestions, webhook_sender, webhooks
from tests.conftest import make_user


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> dict:
    """The README's example, as a receiver would write it."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["v1"]) or abs(time.time() - timestamp) > tolerance:
        raise ValueError("bad signature")
    return json.loads(body)


class Receiver:
    """A real HTTP server on a free local port that records what it gets and answers `status`."""

    def __init__(self) -> None:
        self.got: list[tuple[Any, bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((self.headers, body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def types(self) -> list[str]:
        return [json.loads(body)["type"] for _, body in self.got]


@pytest.fixture
def receiver(app):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    found = Receiver()
    yield found
    found.server.shutdown()
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False


def _send_all() -> None:
    while sum(webhook_sender.deliver_due()):
        pass


def test_each_chosen_event_arrives_once_signed(app, people, receiver):
    chosen = ["concept.created", "concept.stage_changed", "suggestion.created", "suggestion.adopted",
              "decision.added"]
    endpoint, secret = webhooks.create(people["owner"], people["org"], receiver.url, chosen)
    concept = concepts.create(people["owner"], people["org"], "Smart kettle", feedback_open=True)
    concepts.change_stage(people["owner"], concept, "concept")
    suggestion = suggestions.suggest(people["consumer"], concept, "Keep warm", "Tea goes cold.")
    suggestions.adopt(people["owner"], suggestion)
    decisions.create(people["owner"], concept, "We build keep-warm")
    _send_all()
    assert receiver.types() == chosen
    for headers, body in receiver.got:
        event = verify(secret, headers["X-SoundingBoard-Signature"], body)
        assert set(event) == {"id", "type", "created_at", "data"} and event["id"].startswith("evt_")
        assert event["data"]["concept"]["slug"] == "smart-kettle"
    adopted = json.loads(receiver.got[3][1])["data"]
    assert adopted["suggestion"]["title"] == "Keep warm" and adopted["feature"]["title"] == "Keep warm"
    with pytest.raises(ValueError):
        verify(secret, receiver.got[0][0]["X-SoundingBoard-Signature"], receiver.got[0][1] + b" ")
    _send_all()
    assert len(receiver.got) == len(chosen)  # nothing sent twice
    rows = db.session.scalars(select(WebhookDelivery)).all()
    assert {(d.status, d.response_code) for d in rows} == {("sent", 200)}


def test_only_chosen_events_and_summary_changed_at_most_once_a_minute(app, people, receiver):
    concept = concepts.create(people["owner"], people["org"], "Smart kettle", feedback_open=True)
    feature = concepts.add_feature(people["owner"], concept, "Keep warm")
    webhooks.create(people["owner"], people["org"], receiver.url, ["summary.changed"])
    voters = [make_user(f"voter{i}") for i in range(3)]
    for voter in voters:
        feedback.cast_vote(voter, feature, "up")
    _send_all()
    assert receiver.types() == ["summary.changed"]  # three votes, one delivery now
    waiting = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "pending")).all()
    assert len(waiting) == 1  # the later changes: one more, a minute after the first
    assert waiting[0].next_attempt_at - db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.status == "sent")).one().next_attempt_at == timedelta(minutes=1)
    waiting[0].next_attempt_at = utcnow()
    db.session.commit()
    _send_all()
    assert receiver.types() == ["summary.changed", "summary.changed"]


def test_a_failing_receiver_gets_retries_with_backoff_then_the_endpoint_is_disabled(app, people, receiver):
    app.config.update(WEBHOOK_RETRY_SECONDS=60, WEBHOOK_DISABLE_AFTER=3, WEBHOOK_MAX_ATTEMPTS=8)
    receiver.status = 500
    endpoint, _secret = webhooks.create(people["owner"], people["org"], receiver.url, ["concept.created"])
    concepts.create(people["owner"], people["org"], "Smart kettle")
    waits = []
    for _attempt in range(3):
        _send_all()
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        waits.append(round((delivery.next_attempt_at - utcnow()).total_seconds() / 60))
        delivery.next_attempt_at = utcnow()
        db.session.commit()
    assert len(receiver.got) == 3 and waits[:2] == [1, 2]  # 1, 2 minutes: growing
    assert delivery.response_code == 500 and delivery.attempts == 3
    db.session.refresh(endpoint)
    assert endpoint.disabled_at is not None
    _send_all()
    assert len(receiver.got) == 3  # a disabled endpoint gets nothing
    told = db.session.scalars(select(Notification.message).where(Notification.user_id == people["owner"].id)).all()
    assert any("is disabled" in m for m in told)
    receiver.status = 204
    webhooks.enable(people["owner"], people["org"], endpoint.id)
    _send_all()
    assert len(receiver.got) == 4 and db.session.scalars(select(WebhookDelivery)).one().status == "sent"


def test_loopback_and_http_are_refused_unless_allowed(app, people):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    for url in ("https://127.0.0.1/hooks", "https://localhost/x", "https://10.1.2.3/", "https://169.254.169.254/",
                "https://[::1]/", "http://example.com/", "ftp://example.com/", "https://user:pw@example.com/"):
        with pytest.raises(ValidationError):
            webhooks.create(people["owner"], people["org"], url, ["concept.created"])
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    endpoint, _ = webhooks.create(people["owner"], people["org"], "http://127.0.0.1:9/hooks", ["concept.created"])
    assert endpoint.id
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False


def test_the_cli_prints_the_secret_last_and_send_webhooks_sends(app, people, receiver):
    runner = CliRunner()
    result = runner.invoke(app.cli, ["webhook", "create", "--org", people["org"].slug, "--url", receiver.url,
                                     "--events", "concept.created,decision.added"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1].split()[-1]
    assert secret.startswith("whsec_")
    concepts.create(people["owner"], people["org"], "Smart kettle")
    result = runner.invoke(app.cli, ["send-webhooks"], catch_exceptions=False)
    assert "Sent 1" in result.output
    verify(secret, receiver.got[0][0]["X-SoundingBoard-Signature"], receiver.got[0][1])
    bad = runner.invoke(app.cli, ["webhook", "create", "--org", people["org"].slug, "--url", receiver.url,
                                  "--events", "concept.deleted"])
    assert bad.exit_code == 1


def test_the_background_sender_delivers_after_the_commit(app, people, receiver):
    app.config["WEBHOOKS_BACKGROUND"] = True
    try:
        webhooks.create(people["owner"], people["org"], receiver.url, ["concept.created"])
        concepts.create(people["owner"], people["org"], "Smart kettle")
        assert webhook_sender.wait_until_idle(app, 10)
        deadline = time.time() + 10
        while not receiver.got and time.time() < deadline:
            time.sleep(0.05)
        assert receiver.types() == ["concept.created"]
    finally:
        app.config["WEBHOOKS_BACKGROUND"] = False


def test_settings_page_creates_lists_and_sends_a_test(app, client, people, receiver):
    from tests.conftest import login

    login(client, people["owner"])
    response = client.post(f"/orgs/{people['org'].slug}/webhooks",
                           data={"url": receiver.url, "events": ["concept.created", "summary.changed"]})
    assert response.status_code == 201 and "whsec_" in response.get_data(as_text=True)
    endpoint = db.session.scalars(select(webhooks.WebhookEndpoint)).one()
    assert client.post(f"/orgs/{people['org'].slug}/webhooks/{endpoint.id}/test").status_code == 303
    _send_all()
    assert receiver.types() == ["webhook.test"]
    page = client.get(f"/orgs/{people['org'].slug}/webhooks").get_data(as_text=True)
    assert "webhook.test" in page and "delivered" in page and "200" in page
    assert "whsec_" not in page  # shown once
