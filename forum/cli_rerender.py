"""`flask rerender`: render every stored Markdown source again with the current rules.

Posts (and their kept revisions) and concept descriptions store their HTML at write time. When
forum/markup.py changes (a sanitizer fix, a new allowed tag), this brings the stored HTML up to
date. It walks each table in primary-key batches, so memory stays flat on a large forum, and
commits once per batch.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from sqlalchemy import select

from forum import markup
from forum.extensions import db
from forum.models import Concept, Post, PostRevision
from forum.services import posting, search


def _post_fields(post: Post) -> dict[str, str]:
    html, excerpt = posting.render_body(post.body_source)
    return {"body_html": html, "excerpt": excerpt}


def _revision_fields(revision: PostRevision) -> dict[str, str]:
    return {"body_html": markup.render(revision.body_source)}


def _concept_fields(concept: Concept) -> dict[str, str]:
    return {"description_html": markup.render(concept.description_source or "")}


def _rerender_table(model: Any, fields: Callable[[Any], dict[str, str]], batch_size: int,
                    index: Callable[[Any], None] | None = None) -> tuple[int, int]:
    """(rows checked, rows changed) for one table. `index` brings a changed row's search entry up to
    date in the same transaction (the index holds text taken from the HTML)."""
    checked = changed = 0
    last_id = 0
    while True:
        rows = db.session.scalars(select(model).where(model.id > last_id).order_by(model.id)
                                  .limit(batch_size)).all()
        if not rows:
            break
        for row in rows:
            checked += 1
            new = fields(row)
            if any(getattr(row, key) != value for key, value in new.items()):
                for key, value in new.items():
                    setattr(row, key, value)
                if index is not None:
                    index(row)
                changed += 1
        last_id = rows[-1].id
        db.session.commit()
    return checked, changed


def rerender_all(batch_size: int = 500) -> dict[str, tuple[int, int]]:
    """Re-render every post, post revision and concept description: {label: (checked, changed)}."""
    return {
        "posts": _rerender_table(Post, _post_fields, batch_size, search.index_post),
        "post revisions": _rerender_table(PostRevision, _revision_fields, batch_size),
        "concept descriptions": _rerender_table(Concept, _concept_fields, batch_size, search.index_concept),
    }


def register(app: Flask) -> None:
    @app.cli.command("rerender")
    @click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000),
                  help="Rows loaded and committed at a time.")
    def rerender_command(batch_size: int) -> None:
        """Render stored Markdown again (posts, revisions, concept descriptions) with the current rules."""
        click.echo(f"Rendering with markup rules version {markup.RULES_VERSION}…")
        for label, (checked, changed) in rerender_all(batch_size).items():
            click.echo(f"  {label}: {checked} checked, {changed} updated")
        click.echo("Done.")
