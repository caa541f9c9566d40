"""Personal data: privacy settings, unsubscribe links, the data archive, account deletion, the digest.

Deleting an account keeps the `users` row as a tombstone ("deleted user") so that posts keep an
author and, with feedback="keep", votes and answers keep counting anonymously; everything that
names the person is removed or overwritten in the same transaction:
- the row's username, email, display name, bio and password hash (the password can never match
  again, the session token changes so every session ends);
- memberships, follows, their own notifications, sign-in history, their queued email, API tokens;
- their name in other people's notifications and in queued email, their @mentions in other people's
  posts (re-rendered and re-indexed, so the full-text index forgets them too), and the audit log
  keeps the action but not who took it (actor cleared, names in reasons replaced);
- with feedback="withdraw", their feature votes, Kano answers and price answers are deleted, so
  every tally and summary drops by exactly their answers.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import String, Text, cast, delete, func, or_, select, text, update

from forum import models, policy
from forum.errors import Conflict, ValidationError
from forum.extensions import db
from forum.i18n import _, _l, lazy_ngettext
from forum.models import (
    Concept,
    Decision,
    Event,
    Feature,
    FeatureVote,
    Flag,
    Follow,
    KanoAnswer,
    Membership,
    ModerationAction,
    Notification,
    OutboxMessage,
    Post,
    PostRevision,
    PriceResponse,
    SignIn,
    StageChange,
    SummaryVisit,
    Topic,
    User,
    utcnow,
)
from forum.models.users import new_session_token
from forum.services import demand, events, mail, passwords, posting, research, search, signing

DELETED_NAME = "deleted user"
FEEDBACK_CHOICES = ("keep", "withdraw")
EMAIL_SETTINGS = ("email_notifications", "email_decisions", "email_digest")


def _require_self(actor: Any) -> None:
    policy.require(actor, "account.manage", actor)


# --- settings and unsubscribe ------------------------------------------------------------------------

def update_settings(actor: User, **settings: bool) -> None:
    """Privacy settings: profile_public, email_notifications, email_decisions, email_digest, and
    credit_by_name where the exports offer it. Personal, so a suspension does not stop it."""
    _require_self(actor)
    allowed = {"profile_public", "credit_by_name", *EMAIL_SETTINGS}
    for name, value in settings.items():
        if name in allowed and value is not None:
            setattr(actor, name, bool(value))
    db.session.commit()


def read_unsubscribe(token: str) -> tuple[User, str]:
    """The person and kind an unsubscribe link is for. ValidationError for a forged or broken link."""
    data = signing.unsign(signing.UNSUBSCRIBE, token, what=_l("unsubscribe link"))
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    kind = data.get("k")
    if user is None or user.deleted_at is not None or kind not in mail.UNSUBSCRIBE_KINDS:
        raise ValidationError(_("This unsubscribe link is not valid."))
    return user, kind


def unsubscribe(token: str) -> tuple[User, str]:
    """Stop the emails an unsubscribe link names. No sign-in needed: the signature is the proof."""
    user, kind = read_unsubscribe(token)
    settings = EMAIL_SETTINGS if kind == "all" else (mail.PREFERENCES[kind],)
    for name in settings:
        setattr(user, name, False)
    db.session.commit()
    return user, kind


# --- the weekly digest ---------------------------------------------------------------------------------

def send_digests(now: datetime | None = None) -> int:
    """Queue one digest per person who asked for it, with the unread notifications since their last
    digest (at most a week back). People with nothing new get nothing. Returns how many."""
    now = now or utcnow()
    week_ago = now - timedelta(days=7)
    count = 0
    people = list(db.session.scalars(select(User).where(
        User.email_digest.is_(True), User.deleted_at.is_(None), User.email_verified_at.is_not(None))))
    for user in people:
        since = max(user.digest_sent_at or week_ago, week_ago)
        items = list(db.session.scalars(select(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None),
            Notification.created_at > since).order_by(Notification.created_at).limit(50)))
        if not items:
            continue
        listed = [{"message": n.message, "link": mail.absolute(n.url)} for n in items]
        subject = lazy_ngettext("Your Sounding Board week: %(num)s new notification", "Your Sounding Board week: %(num)s new notifications", len(items))
        if mail.queue(user, "digest", subject,
                      "digest", items=listed) is not None:
            user.digest_sent_at = now
            count += 1
        db.session.commit()
    return count


# --- the archive -----------------------------------------------------------------------------------------

def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in fields}


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_value)


def export_files(actor: User) -> dict[str, Any]:
    """Everything the forum keeps about `actor`, as {file name: JSON-able data}. Nothing that
    belongs to someone else: other people appear by no name, id or address."""
    _require_self(actor)
    uid = actor.id
    profile = _row(actor, ("username", "email", "display_name", "bio", "role", "created_at", "last_login_at",
                           "email_verified_at", "profile_public", "email_notifications", "email_decisions",
                           "email_digest", "credit_by_name", "suspended_until"))
    profile["organizations"] = [
        {"organization": m.organization.name, "role": m.role, "since": _value(m.created_at)}
        for m in db.session.scalars(select(Membership).where(Membership.user_id == uid))]

    posts = []
    for post in db.session.scalars(select(Post).where(Post.author_id == uid).order_by(Post.id)):
        topic = db.session.get(Topic, post.topic_id)
        revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)
                                       .order_by(PostRevision.id))
        posts.append({
            "id": post.id, "topic": topic.title if topic else None, "topic_id": post.topic_id,
            "reply_to_post_id": post.reply_to_id, "official": post.official_organization_id is not None,
            "body": post.body_source, "created_at": _value(post.created_at),
            "edited_at": _value(post.edited_at), "deleted_at": _value(post.deleted_at),
            "hidden_at": _value(post.hidden_at),
            "revisions": [{"body": r.body_source, "replaced_at": _value(r.created_at),
                           "edited_by_you": r.editor_id == uid} for r in revisions]})

    def concept_of_feature(feature_id: int) -> tuple[str, str]:
        feature = db.session.get(Feature, feature_id)
        return (feature.concept.slug, feature.title) if feature else ("", "")

    votes = []
    for vote in db.session.scalars(select(FeatureVote).where(FeatureVote.user_id == uid).order_by(FeatureVote.id)):
        slug, title = concept_of_feature(vote.feature_id)
        votes.append({"concept": slug, "feature": title, "vote": "for" if vote.value > 0 else "against",
                      "created_at": _value(vote.created_at), "updated_at": _value(vote.updated_at)})
    kano = []
    for answer in db.session.scalars(select(KanoAnswer).where(KanoAnswer.user_id == uid).order_by(KanoAnswer.id)):
        slug, title = concept_of_feature(answer.feature_id)
        kano.append({"concept": slug, "feature": title, "functional": answer.functional,
                     "dysfunctional": answer.dysfunctional, "updated_at": _value(answer.updated_at)})
    prices = []
    for price in db.session.scalars(select(PriceResponse).where(PriceResponse.user_id == uid)
                                    .order_by(PriceResponse.id)):
        concept = db.session.get(Concept, price.concept_id)
        prices.append({"concept": concept.slug if concept else "", **_row(price, (
            "too_cheap", "cheap", "expensive", "too_expensive", "intent_cheap", "intent_expensive",
            "created_at", "updated_at"))})
    follows = []
    for follow in db.session.scalars(select(Follow).where(Follow.user_id == uid).order_by(Follow.id)):
        if follow.concept_id is not None:
            concept = db.session.get(Concept, follow.concept_id)
            follows.append({"concept": concept.slug if concept else None, "since": _value(follow.created_at)})
        else:
            topic = db.session.get(Topic, follow.topic_id)
            follows.append({"topic": topic.title if topic else None, "topic_id": follow.topic_id,
                            "since": _value(follow.created_at)})
    notes = []
    for note in db.session.scalars(select(Notification).where(Notification.user_id == uid)
                                   .order_by(Notification.id)):
        message = note.message
        if note.actor_id is not None and note.actor is not None:
            message = _without_names(message, note.actor, "someone")
        notes.append({"kind": note.kind, "message": message, "url": note.url,
                      "created_at": _value(note.created_at), "read_at": _value(note.read_at)})
    flags = [{"post_id": f.post_id, "concept_id": f.concept_id,
              "reason": str(getattr(f, "reason_label", f.reason)), "note": getattr(f, "note", ""),
              "created_at": _value(f.created_at), "outcome": f.resolution or None,
              "resolved_at": _value(f.resolved_at)}
             for f in db.session.scalars(select(Flag).where(Flag.reporter_id == uid).order_by(Flag.id))]
    visits = [{"concept": concept.slug, "visited_at": _value(visit.visited_at)}
              for visit, concept in db.session.execute(
                  select(SummaryVisit, Concept).join(Concept, Concept.id == SummaryVisit.concept_id)
                  .where(SummaryVisit.user_id == uid).order_by(SummaryVisit.id))]
    sign_ins = [_row(s, ("created_at", "ip_address", "user_agent"))
                for s in db.session.scalars(select(SignIn).where(SignIn.user_id == uid)
                                            .order_by(SignIn.created_at.desc()))]
    files: dict[str, Any] = {
        "profile.json": profile, "posts.json": posts, "votes.json": votes, "kano_answers.json": kano,
        "price_answers.json": prices, "follows.json": follows, "notifications.json": notes,
        "flags_raised.json": flags, "api_tokens.json": _api_tokens(actor), "sign_ins.json": sign_ins,
        "summary_visits.json": visits,
    }
    for name, data in research.archive(uid).items():
        files[f"research_{name}.json"] = data
    files["README.txt"] = "\n".join([  # in the language of the person downloading it
        _("Your data on Sounding Board, as of %(time)s.", time=_value(utcnow())), "",
        *(name + ": " + (str(len(data)) if isinstance(data, list) else _("your account")) for name, data in files.items()),
        "", _("Other people appear in it by no name or address. API tokens are listed without their secrets."), ""])
    return files


def _api_tokens(actor: User) -> list[dict[str, Any]]:
    """Tokens the person created (the API issue's model, when present), never their secrets."""
    model = getattr(models, "ApiToken", None)
    if model is None:
        return []
    creator = next((getattr(model, name) for name in ("created_by_id", "user_id", "creator_id")
                    if hasattr(model, name)), None)
    if creator is None:
        return []
    safe = [name for name in ("name", "label", "prefix", "created_at", "last_used_at", "revoked_at")
            if hasattr(model, name)]
    rows = []
    for token in db.session.scalars(select(model).where(creator == actor.id)):
        row = {name: _value(getattr(token, name)) for name in safe}
        org = getattr(token, "organization", None)
        if org is not None:
            row["organization"] = org.name
        rows.append(row)
    return rows


def export_archive(actor: User) -> bytes:
    """The data archive: a zip of JSON files (and a README)."""
    files = export_files(actor)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data if isinstance(data, str) else _dump(data))
    return buffer.getvalue()


# --- deletion ----------------------------------------------------------------------------------------------

def _names(user: User) -> list[str]:
    """Every way the person is named: display name, username, email; longest first."""
    names = {n for n in (user.display_name, user.username, user.email) if n and len(n) >= 2}
    return sorted(names, key=len, reverse=True)


def _without_names(text: str, user: User, replacement: str = DELETED_NAME) -> str:
    for name in _names(user):
        text = re.sub(rf"(?<![\w@.]){re.escape(name)}(?![\w])", replacement, text, flags=re.IGNORECASE)
    return text


def _scrub_mentions(user: User) -> list[Any]:
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


def _scrub_audit_log(user: User) -> None:
    """The audit log keeps each action, not who took it, and no name in its text. Erasure is the one
    change the append-only log takes: plain UPDATE statements, which no ORM hook refuses."""
    table = ModerationAction.__table__
    columns = [c for c in table.columns if isinstance(c.type, String | Text) and c.name not in ("action", "target_type")]
    matches = [c.ilike(f"%{name}%") for c in columns for name in _names(user)]
    if matches:
        for row in db.session.execute(select(table).where(or_(*matches))).mappings().all():
            values = {c.name: _without_names(row[c.name], user) for c in columns if row[c.name]}
            values = {k: v for k, v in values.items() if v != row[k]}
            if values:
                db.session.execute(table.update().where(table.c.id == row["id"]).values(**values))
    db.session.execute(table.update().where(table.c.actor_id == user.id).values(actor_id=None))


def _rename_everywhere(user: User) -> list[Any]:
    """Pages that show the person's name (their posts' topics, concepts whose stage they changed or
    where they posted a decision) get an event, so that cached copies under the old room number are
    never served again and open pages refresh."""
    topic_ids = set(db.session.scalars(select(Post.topic_id).where(Post.author_id == user.id)))
    concept_ids = set(db.session.scalars(select(StageChange.concept_id).where(StageChange.changed_by_id == user.id)))
    concept_ids |= set(db.session.scalars(select(Decision.concept_id).where(Decision.author_id == user.id)))
    return ([events.record(events.topic_room(tid), "author.deleted", {"topic_id": tid}) for tid in sorted(topic_ids)]
            + [events.record(events.concept_room(cid), "author.deleted", {"concept_id": cid})
               for cid in sorted(concept_ids)])


def _scrub_json(value: Any, user: User) -> Any:
    if isinstance(value, str):
        return _without_names(value, user)
    if isinstance(value, list):
        return [_scrub_json(v, user) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, user) for k, v in value.items()}
    return value


def _scrub_events(user: User) -> None:
    """The live event log's payloads name authors: those naming the person say "deleted user"."""
    columns = [c for c in (getattr(Event, "payload", None), getattr(Event, "staff_payload", None)) if c is not None]
    patterns = {f"%{form}%" for name in _names(user) for form in (name, json.dumps(name)[1:-1])}
    matches = [cast(column, Text).ilike(pattern) for column in columns for pattern in patterns]
    if not matches:
        return
    for row in db.session.scalars(select(Event).where(or_(*matches))):
        for column in columns:
            value = getattr(row, column.key)
            if value is not None:
                setattr(row, column.key, _scrub_json(value, user))


def _withdraw_feedback(user: User) -> list[Any]:
    """Delete the person's votes and answers; each concept touched tells its open pages the new
    numbers (the same events a vote or an answer records)."""
    touched = demand.recount.touched_by(user.id)
    db.session.execute(delete(FeatureVote).where(FeatureVote.user_id == user.id))
    db.session.execute(delete(KanoAnswer).where(KanoAnswer.user_id == user.id))
    db.session.execute(delete(PriceResponse).where(PriceResponse.user_id == user.id))
    recorded = demand.recount.recount_events(*touched) + research.withdraw(user.id)
    return recorded


def _sole_owner_of(user: User) -> list[str]:
    """Organizations with other members where the person is the only owner."""
    names = []
    for membership in db.session.scalars(select(Membership).where(
            Membership.user_id == user.id, Membership.role == "owner")):
        owners = db.session.scalar(select(func.count(Membership.id)).where(
            Membership.organization_id == membership.organization_id, Membership.role == "owner"))
        others = db.session.scalar(select(func.count(Membership.id)).where(
            Membership.organization_id == membership.organization_id, Membership.user_id != user.id))
        if owners == 1 and others:
            names.append(membership.organization.name)
    return names


def delete_account(actor: User, password: str, feedback: str) -> None:
    """Delete the actor's account (see the module's docstring). One transaction: all or nothing."""
    _require_self(actor)
    errors: dict[str, list[str]] = {}
    if feedback not in FEEDBACK_CHOICES:
        errors["feedback"] = [_("Choose whether your votes and answers stay in the summaries anonymously or are removed.")]
    if not isinstance(password, str) or not passwords.verify_password(actor.password_hash, password):
        errors["password"] = [_("Your password is not right.")]
    if errors:
        raise ValidationError(_("Please check the form."), errors)
    blocking = _sole_owner_of(actor)
    if blocking:
        raise Conflict(_("You are the only owner of %(orgs)s. Make another member an owner first, so the "
                         "organization is not left without one.", orgs=", ".join(blocking)))
    user = actor
    # Stored summaries of every concept the person answered on are recomputed (their memberships go).
    recorded = demand.invalidate_for_user(user.id) + _scrub_mentions(user) + _rename_everywhere(user)
    if feedback == "withdraw":
        recorded += _withdraw_feedback(user)
    # Other people's notifications and queued email that name the person.
    for note in db.session.scalars(select(Notification).where(
            Notification.actor_id == user.id, Notification.user_id != user.id)):
        note.message = _without_names(note.message, user)
    db.session.execute(update(Notification).where(Notification.actor_id == user.id).values(actor_id=None))
    for message in db.session.scalars(select(OutboxMessage).where(or_(*[
            OutboxMessage.body_text.ilike(f"%{name}%") for name in _names(user)]))):
        message.subject = _without_names(message.subject, user)
        message.body_text = _without_names(message.body_text, user)
    _scrub_events(user)
    _scrub_audit_log(user)
    db.session.execute(update(Flag).where(Flag.reporter_id == user.id).values(reporter_id=None))
    for model, column in ((Notification, Notification.user_id), (Follow, Follow.user_id),
                          (Membership, Membership.user_id), (SignIn, SignIn.user_id),
                          (OutboxMessage, OutboxMessage.user_id), (SummaryVisit, SummaryVisit.user_id)):
        db.session.execute(delete(model).where(column == user.id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_addr == user.email))
    token_model = getattr(models, "ApiToken", None)
    for name in ("created_by_id", "user_id", "creator_id"):
        if token_model is not None and hasattr(token_model, name):
            db.session.execute(update(token_model).where(getattr(token_model, name) == user.id)
                               .values({name: None}))
    tag = f"deleted-{user.id}"
    user.username = tag
    user.username_key = tag
    user.email = f"{tag}@deleted.invalid"
    user.display_name = ""
    user.bio = ""
    user.password_hash = "!deleted"  # matches no password: argon2 refuses it as a hash
    user.session_token = new_session_token()
    user.role = "consumer"
    user.email_verified_at = None
    user.profile_public = False
    for name in EMAIL_SETTINGS:
        setattr(user, name, False)
    user.credit_by_name = False
    user.last_login_at = None
    user.deleted_at = utcnow()
    db.session.flush()
    _optimize_search_index()
    db.session.commit()
    events.publish(*recorded)
    events.end_live_sessions(user.id)
    current_app.logger.info("An account was deleted (feedback: %s)", feedback)


def _optimize_search_index() -> None:
    """SQLite's FTS5 keeps deleted terms in old segments until they merge: merge now, so no trace of
    a rewritten post stays in the index. PostgreSQL's GIN index is over the rows themselves."""
    if db.engine.dialect.name == "sqlite":
        try:
            db.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))
        except Exception:  # noqa: BLE001 - no FTS table (e.g. a database without the extras)
            current_app.logger.warning("Could not optimize the search index after an account deletion")
