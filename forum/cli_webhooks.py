"""`flask webhook create --org <slug> --url <url> --events <types>` and `flask send-webhooks`.

`webhook create` prints the endpoint's signing secret as the last word of its last line (shown once).
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from forum.errors import DomainError
from forum.services import webhook_sender, webhooks


def register(app: Flask) -> None:
    group = AppGroup("webhook", help="Webhook endpoints of organizations.")

    @group.command("create")
    @click.option("--org", "org", required=True, help="The organization's slug.")
    @click.option("--url", "url", required=True, help="Where to send the deliveries (https://...).")
    @click.option("--events", "events", required=True,
                  help="Comma-separated event types, e.g. concept.created,summary.changed.")
    def create(org: str, url: str, events: str) -> None:
        """Register an endpoint and print its signing secret (shown only this once)."""
        try:
            endpoint, secret = webhooks.create_for_cli(org, url, events)
        except DomainError as exc:
            click.echo(exc.message, err=True)
            raise SystemExit(1) from exc
        click.echo(f"Created webhook endpoint {endpoint.id} for {endpoint.organization.slug}: {endpoint.url} "
                   f"({', '.join(endpoint.events)}). The secret is shown only once.")
        click.echo(f"Secret: {secret}")

    app.cli.add_command(group)

    @app.cli.command("send-webhooks")
    def send_webhooks() -> None:
        """Send the webhook deliveries that are due (run from cron as a safety net)."""
        released = webhook_sender.release_stale_claims()
        total_sent = total_failed = 0
        while True:
            sent, failed = webhook_sender.deliver_due()
            total_sent += sent
            total_failed += failed
            if sent + failed == 0:
                break
        click.echo(f"Sent {total_sent}, failed {total_failed} (will retry); {released} stale claims released.")
