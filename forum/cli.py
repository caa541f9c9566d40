"""Command line: `flask create-admin`, `flask seed-demo`."""
from __future__ import annotations

import os

import click
from flask import Flask

from forum.errors import ValidationError
from forum.extensions import db


def register_cli(app: Flask) -> None:
    from forum.cli_rerender import register as register_rerender

    register_rerender(app)
    from forum.cli_mail import register as register_mail

    register_mail(app)
    from forum.cli_api import register as register_api

    register_api(app)
    from forum.cli_webhooks import register as register_webhooks

    register_webhooks(app)

    @app.cli.command("prune-events")
    @click.option("--days", type=float, default=None,
                  help="Keep this many days of events (default: EVENTS_RETENTION_DAYS, 14).")
    def prune_events(days: float | None) -> None:
        """Delete live-thread events older than the retention. Pages open longer reload."""
        from datetime import timedelta

        from forum.services import events

        deleted = events.prune(timedelta(days=days) if days is not None else None)
        click.echo(f"Deleted {deleted} events older than {days if days is not None else events.retention().days} days.")

    @app.cli.command("create-admin")
    @click.option("--username", prompt=True)
    @click.option("--email", prompt=True)
    @click.option("--password-env", default="ADMIN_PASSWORD", show_default=True,
                  help="Read the password from this environment variable instead of asking.")
    def create_admin(username: str, email: str, password_env: str) -> None:
        """Create an admin account (or make an existing account an admin)."""
        from forum.services import accounts

        existing = accounts.find_by_login(username)
        if existing is not None:
            existing.role = "admin"
            db.session.commit()
            click.echo(f"{existing.username} is now an admin.")
            return
        password = os.environ.get(password_env) or click.prompt(
            "Password", hide_input=True, confirmation_prompt=True)
        try:
            user = accounts.register(username, email, password)
        except ValidationError as exc:
            for field, messages in exc.errors.items():
                click.echo(f"{field}: {' '.join(messages)}", err=True)
            raise SystemExit(1) from exc
        user.role = "admin"
        db.session.commit()
        click.echo(f"Admin {user.username} created.")

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Fill the database with believable demo data. Safe to run again."""
        from forum.demo import seed_demo

        for line in seed_demo():
            click.echo(line)
