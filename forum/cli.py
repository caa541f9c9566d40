"""Command line: `flask create-admin`, `flask seed-demo`."""
from __future__ import annotations

import os
from datetime import timedelta

import click
from flask import Flask
from flask.cli import with_appcontext

from forum.cli_api import register as register_api
from forum.cli_mail import register as register_mail
from forum.cli_rerender import register as register_rerender
from forum.cli_webhooks import register as register_webhooks
from forum.demo import seed_demo
from forum.errors import ValidationError
from forum.extensions import db
from forum.services import accounts, events


@click.command("prune-events")
@click.option("--days", type=float, default=None,
              help="Keep this many days of events (default: EVENTS_RETENTION_DAYS, 14).")
@with_appcontext
def prune_events(days: float | None) -> None:
    """Delete live-thread events older than the retention. Pages open longer reload."""
    deleted = events.prune(timedelta(days=days) if days is not None else None)
    click.echo(f"Deleted {deleted} events older than {days if days is not None else events.retention().days} days.")


@click.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.option("--password-env", default="ADMIN_PASSWORD", show_default=True,
              help="Read the password from this environment variable instead of asking.")
@with_appcontext
def create_admin(username: str, email: str, password_env: str) -> None:
    """Create an admin account (or make an existing account an admin)."""
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


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Fill the database with believable demo data. Safe to run again."""
    for line in seed_demo():
        click.echo(line)


def register_cli(app: Flask) -> None:
    register_rerender(app)
    register_mail(app)
    register_api(app)
    register_webhooks(app)
    for command in (prune_events, create_admin, seed_demo_command):
        app.cli.add_command(command)
