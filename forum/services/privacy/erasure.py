"""Taking a deleted person out of what stays: other people's posts that @mention them, pages that
show their name, the live event log, the audit log, other people's notifications and queued email,
and, when they ask for it, their votes and answers. Each works inside the deletion's transaction."""
from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import String, Text, cast, delete, or_, select, update

from forum.extensions import db
from forum.models import (
    Decision,
    Event,
    FeatureVote,
    KanoAnswer,
    ModerationAction,
    Notification,
    OutboxMessage,
    Post,
    PostRevision,
    PriceResponse,
    StageChange,
    User,
)
from forum.services import demand, events, posting, research, search
from forum.services.privacy.names import names, scrub_json, without_names


def scrub_mentions(user: User) -> list[Any]:
    """Other people's posts that @mention the person: the mention becomes @deleted-user, the post is
    re-rendered and re-indexed (revisions too). Returns the events to publish."""
    pattern = re.compile(rf"@{re.escape(user.username)}(?![\w])", re.IGNORECASE)
    recorded = []
    like = f"%@{user.username}%"
    for post in db.session.scalars(select(Post).where(Post.body_source.ilike(like))):
        new = pattern.sub("@deleted-user", post.body_source)
        if new != post.body_source:
            post.body_source = new
            post.body_html, post.excerpt = posting.render_body(new)
            search.index_post(post)
            recorded.append(events.record(events.topic_room(post.topic_id), "post.edited",
                                          {"post_id": post.id, "topic_id": post.topic_id, "editor_id": None}))
    for revision in db.session.scalars(select(PostRevision).where(PostRevision.body_source.ilike(like))):
        new = pattern.sub("@deleted-user", revision.body_source)
        if new != revision.body_source:
            revision.body_source = new
            revision.body_html = posting.render_body(new)[0]
    return recorded


def scrub_audit_log(user: User) -> None:
    """The audit log keeps each action, not who took it, and no name in its text. Erasure is the one
    change the append-only log takes: plain UPDATE statements, which no ORM hook refuses."""
    table = ModerationAction.__table__
    columns = [c for c in table.columns if isinstance(c.type, String | Text) and c.name not in ("action", "target_type")]
    matches = [c.ilike(f"%{name}%") for c in columns for name in names(user)]
    if matches:
        for row in db.session.execute(select(table).where(or_(*matches))).mappings().all():
            values = {c.name: without_names(row[c.name], user) for c in columns if row[c.name]}
            values = {k: v for k, v in values.items() if v != row[k]}
            if values:
                db.session.execute(table.update().where(table.c.id == row["id"]).values(**values))
    db.session.execute(table.update().where(table.c.actor_id == user.id).values(actor_id=None))


def rename_everywhere(user: User) -> list[Any]:
    """Pages that show the person's name (their posts' topics, concepts whose stage they changed or
    where they posted a decision) get an event, so that cached copies under the old room number are
    never served again and open pages refresh."""
    topic_ids = set(db.session.scalars(select(Post.topic_id).where(Post.author_id == user.id)))
    concept_ids = set(db.session.scalars(select(StageChange.concept_id).where(StageChange.changed_by_id == user.id)))
    concept_ids |= set(db.session.scalars(select(Decision.concept_id).where(Decision.author_id == user.id)))
    return ([events.record(events.topic_room(tid), "author.deleted", {"topic_id": tid}) for tid in sorted(topic_ids)]
            + [events.record(events.concept_room(cid), "author.deleted", {"concept_id": cid})
               for cid in sorted(concept_ids)])


def scrub_events(user: User) -> None:
    """The live event log's payloads name authors: those naming the person say "deleted user"."""
    columns = [c for c in (getattr(Event, "payload", None), getattr(Event, "staff_payload", None)) if c is not None]
    patterns = {f"%{form}%" for name in names(user) for form in (name, json.dumps(name)[1:-1])}
    matches = [cast(column, Text).ilike(pattern) for column in columns for pattern in patterns]
    if not matches:
        return
    for row in db.session.scalars(select(Event).where(or_(*matches))):
        for column in columns:
            value = getattr(row, column.key)
            if value is not None:
                setattr(row, column.key, scrub_json(value, user))


def scrub_messages(user: User) -> None:
    """Other people's notifications and queued email that name the person say "deleted user"; the
    notifications they caused no longer point to them."""
    for note in db.session.scalars(select(Notification).where(
            Notification.actor_id == user.id, Notification.user_id != user.id)):
        note.message = without_names(note.message, user)
    db.session.execute(update(Notification).where(Notification.actor_id == user.id).values(actor_id=None))
    for message in db.session.scalars(select(OutboxMessage).where(or_(*[
            OutboxMessage.body_text.ilike(f"%{name}%") for name in names(user)]))):
        message.subject = without_names(message.subject, user)
        message.body_text = without_names(message.body_text, user)


def withdraw_feedback(user: User) -> list[Any]:
    """Delete the person's votes and answers; each concept touched tells its open pages the new
    numbers (the same events a vote or an answer records)."""
    touched = demand.recount.touched_by(user.id)
    db.session.execute(delete(FeatureVote).where(FeatureVote.user_id == user.id))
    db.session.execute(delete(KanoAnswer).where(KanoAnswer.user_id == user.id))
    db.session.execute(delete(PriceResponse).where(PriceResponse.user_id == user.id))
    recorded = demand.recount.recount_events(*touched) + research.withdraw(user.id)
    return recorded
