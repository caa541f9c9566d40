"""What an audit entry was about, named and linked for the audit log and the admin overview: one
query per kind of thing on the page, never one per row."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import url_for
from sqlalchemy import select

from forum.extensions import db
from forum.i18n import _
from forum.models import Concept, Organization, Post, Topic, User

Target = tuple[str, str | None]  # (what it is called, where it is)


def targets(entries: Iterable[Any]) -> dict[tuple[str, int], Target]:
    """{(target_type, target_id): (label, url or None)} for the entries shown."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    found: dict[tuple[str, int], Target] = {}
    for kind, ids in wanted.items():
        for target_id in ids:
            found[(kind, target_id)] = _fixed(kind, target_id)
    _named(found, wanted.get("post"), "post", _posts)
    _named(found, wanted.get("topic"), "topic", _topics)
    _named(found, wanted.get("user"), "user", _users)
    _named(found, wanted.get("organization"), "organization", _organizations)
    _named(found, wanted.get("concept"), "concept", _concepts)
    return found


def _fixed(kind: str, target_id: int) -> Target:
    if kind == "setting":
        return _("the site settings"), url_for("admin.settings")
    if kind == "blocked_term":
        return _("the blocked words and domains"), url_for("moderation.blocked")
    if kind == "suspension":
        return _("a restriction (#%(id)s)", id=target_id), None
    return f"{kind} #{target_id}", None


def _named(found: dict[tuple[str, int], Target], ids: set[int] | None, kind: str, load: Any) -> None:
    if ids:
        for target_id, target in load(ids):
            found[(kind, target_id)] = target


def _posts(ids: set[int]) -> Iterable[tuple[int, Target]]:
    rows = db.session.execute(select(Post.id, Topic.title).join(Topic, Topic.id == Post.topic_id)
                              .where(Post.id.in_(ids)))
    for post_id, title in rows:
        yield post_id, (_("a post in “%(title)s”", title=title), url_for("moderation.post", post_id=post_id))


def _topics(ids: set[int]) -> Iterable[tuple[int, Target]]:
    for topic_id, title in db.session.execute(select(Topic.id, Topic.title).where(Topic.id.in_(ids))):
        yield topic_id, (_("the topic “%(title)s”", title=title), url_for("board.topic", topic_id=topic_id))


def _users(ids: set[int]) -> Iterable[tuple[int, Target]]:
    for user_id, username, deleted in db.session.execute(
            select(User.id, User.username, User.deleted_at).where(User.id.in_(ids))):
        if deleted is not None:
            yield user_id, (_("a deleted account"), None)
        else:
            yield user_id, (username, url_for("moderation.person", username=username))


def _organizations(ids: set[int]) -> Iterable[tuple[int, Target]]:
    for org_id, name, slug in db.session.execute(
            select(Organization.id, Organization.name, Organization.slug).where(Organization.id.in_(ids))):
        yield org_id, (name, url_for("orgs.show", slug=slug))


def _concepts(ids: set[int]) -> Iterable[tuple[int, Target]]:
    for concept_id, title, slug in db.session.execute(
            select(Concept.id, Concept.title, Concept.slug).where(Concept.id.in_(ids))):
        yield concept_id, (_("the concept “%(title)s”", title=title), url_for("concepts.show", slug=slug))
