"""`flask api-token create --org <slug> --name <label>`: an API token for scripts.

Prints the token as the last word of its last line (shown once; only its hash is stored).
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from forum.errors import DomainError
from forum.services import api_tokens


def register(app: Flask) -> None:
    group = AppGroup("api-token", help="API tokens of organizations (for the JSON API and exports).")

    @group.command("create")
    @click.option("--org", "org", required=True, help="The organization's slug.")
    @click.option("--name", "name", required=True, help="A label to recognise the token by.")
    def create(org: str, name: str) -> None:
        """Create a token for an organization and print it (it is shown only this once)."""
        try:
            token, raw = api_tokens.create_for_cli(org, name)
        except DomainError as exc:
            click.echo(exc.message, err=True)
            raise SystemExit(1) from exc
        click.echo(f"Created API token “{token.name}” for {token.organization.slug}; it is shown only once.")
        click.echo(f"Token: {raw}")

    app.cli.add_command(group)
