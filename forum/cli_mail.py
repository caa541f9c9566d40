"""`flask send-mail` (deliver the outbox, retry failures) and `flask send-digest` (the weekly digest)."""
from __future__ import annotations

import click
from flask import Flask

from forum.services import mail, privacy


def register(app: Flask) -> None:
    @app.cli.command("send-mail")
    @click.option("--retry-failed", is_flag=True, help="Also try again the messages that gave up.")
    def send_mail(retry_failed: bool) -> None:
        """Deliver the email waiting in the outbox (run from cron as a safety net)."""
        released = mail.release_stale_claims()
        revived = mail.retry_failed() if retry_failed else 0
        total_sent = total_failed = 0
        while True:
            sent, failed = mail.deliver_due()
            total_sent += sent
            total_failed += failed
            if sent == 0:
                break
        click.echo(f"Sent {total_sent}, failed {total_failed} (will retry); "
                   f"{released} stale and {revived} failed messages put back in the queue.")

    @app.cli.command("send-digest")
    def send_digest() -> None:
        """Queue and send the weekly digest to everyone who asked for it (run weekly from cron)."""
        count = privacy.send_digests()
        sent, failed = mail.deliver_due()
        click.echo(f"Digests queued: {count}; sent {sent}, failed {failed} (will retry).")
