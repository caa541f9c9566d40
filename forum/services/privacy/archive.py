"""The data archive: everything the forum keeps about a person, as JSON files in a zip. Nothing that
belongs to someone else: other people appear by no name, id or address."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from forum import models
from forum.extensions import db
from forum.i18n import _
from forum.models import (
    Concept,
    Feature,
    FeatureVote,
    Flag,
    Follow,
    KanoAnswer,
    Membership,
    Notification,
    Post,
    PostRevision,
    PriceResponse,
    SignIn,
    SummaryVisit,
    Topic,
    User,
    utcnow,
)
from forum.services import research
from forum.services.privacy.names import without_names
from forum.services.privacy.settings import require_self


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


def _profile(actor: User) -> dict[str, Any]:
    profile = _row(actor, ("username", "email", "display_name", "bio", "role", "created_at", "last_login_at",
                           "email_verified_at", "profile_public", "email_notifications", "email_decisions",
                           "email_digest", "credit_by_name", "suspended_until"))
    profile["organizations"] = [
        {"organization": m.organization.name, "role": m.role, "since": _value(m.created_at)}
        for m in db.session.scalars(select(Membership).where(Membership.user_id == actor.id))]
    return profile


def _posts(uid: int) -> list[dict[str, Any]]:
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
    return posts


def _concept_of_feature(feature_id: int) -> tuple[str, str]:
    feature = db.session.get(Feature, feature_id)
    return (feature.concept.slug, feature.title) if feature else ("", "")


def _votes(uid: int) -> list[dict[str, Any]]:
    votes = []
    for vote in db.session.scalars(select(FeatureVote).where(FeatureVote.user_id == uid).order_by(FeatureVote.id)):
        slug, title = _concept_of_feature(vote.feature_id)
        votes.append({"concept": slug, "feature": title, "vote": "for" if vote.value > 0 else "against",
                      "created_at": _value(vote.created_at), "updated_at": _value(vote.updated_at)})
    return votes


def _kano(uid: int) -> list[dict[str, Any]]:
    kano = []
    for answer in db.session.scalars(select(KanoAnswer).where(KanoAnswer.user_id == uid).order_by(KanoAnswer.id)):
        slug, title = _concept_of_feature(answer.feature_id)
        kano.append({"concept": slug, "feature": title, "functional": answer.functional,
                     "dysfunctional": answer.dysfunctional, "updated_at": _value(answer.updated_at)})
    return kano


def _prices(uid: int) -> list[dict[str, Any]]:
    prices = []
    for price in db.session.scalars(select(PriceResponse).where(PriceResponse.user_id == uid)
                                    .order_by(PriceResponse.id)):
        concept = db.session.get(Concept, price.concept_id)
        prices.append({"concept": concept.slug if concept else "", **_row(price, (
            "too_cheap", "cheap", "expensive", "too_expensive", "intent_cheap", "intent_expensive",
            "created_at", "updated_at"))})
    return prices


def _follows(uid: int) -> list[dict[str, Any]]:
    follows: list[dict[str, Any]] = []
    for follow in db.session.scalars(select(Follow).where(Follow.user_id == uid).order_by(Follow.id)):
        if follow.concept_id is not None:
            concept = db.session.get(Concept, follow.concept_id)
            follows.append({"concept": concept.slug if concept else None, "since": _value(follow.created_at)})
        else:
            topic = db.session.get(Topic, follow.topic_id)
            follows.append({"topic": topic.title if topic else None, "topic_id": follow.topic_id,
                            "since": _value(follow.created_at)})
    return follows


def _notifications(uid: int) -> list[dict[str, Any]]:
    """The person's notifications; whoever caused one is "someone"."""
    notes = []
    for note in db.session.scalars(select(Notification).where(Notification.user_id == uid)
                                   .order_by(Notification.id)):
        message = note.message
        if note.actor_id is not None and note.actor is not None:
            message = without_names(message, note.actor, "someone")
        notes.append({"kind": note.kind, "message": message, "url": note.url,
                      "created_at": _value(note.created_at), "read_at": _value(note.read_at)})
    return notes


def _flags(uid: int) -> list[dict[str, Any]]:
    return [{"post_id": f.post_id, "concept_id": f.concept_id,
             "reason": str(getattr(f, "reason_label", f.reason)), "note": getattr(f, "note", ""),
             "created_at": _value(f.created_at), "outcome": f.resolution or None,
             "resolved_at": _value(f.resolved_at)}
            for f in db.session.scalars(select(Flag).where(Flag.reporter_id == uid).order_by(Flag.id))]


def _summary_visits(uid: int) -> list[dict[str, Any]]:
    return [{"concept": concept.slug, "visited_at": _value(visit.visited_at)}
            for visit, concept in db.session.execute(
                select(SummaryVisit, Concept).join(Concept, Concept.id == SummaryVisit.concept_id)
                .where(SummaryVisit.user_id == uid).order_by(SummaryVisit.id))]


def _sign_ins(uid: int) -> list[dict[str, Any]]:
    return [_row(s, ("created_at", "ip_address", "user_agent"))
            for s in db.session.scalars(select(SignIn).where(SignIn.user_id == uid)
                                        .order_by(SignIn.created_at.desc()))]


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


def _readme(files: dict[str, Any]) -> str:
    """The archive's README.txt, in the language of the person downloading it: what each file holds."""
    lines = [_("Your data on Sounding Board, as of %(time)s.", time=_value(utcnow())), ""]
    lines += [name + ": " + (str(len(data)) if isinstance(data, list) else _("your account"))
              for name, data in files.items()]
    lines += ["", _("Other people appear in it by no name or address. API tokens are listed without their "
                    "secrets."), ""]
    return "\n".join(lines)


def export_files(actor: User) -> dict[str, Any]:
    """Everything the forum keeps about `actor`, as {file name: JSON-able data}. Nothing that
    belongs to someone else: other people appear by no name, id or address."""
    require_self(actor)
    uid = actor.id
    files: dict[str, Any] = {
        "profile.json": _profile(actor), "posts.json": _posts(uid), "votes.json": _votes(uid),
        "kano_answers.json": _kano(uid), "price_answers.json": _prices(uid), "follows.json": _follows(uid),
        "notifications.json": _notifications(uid), "flags_raised.json": _flags(uid),
        "api_tokens.json": _api_tokens(actor), "sign_ins.json": _sign_ins(uid),
        "summary_visits.json": _summary_visits(uid),
    }
    for name, data in research.archive(uid).items():
        files[f"research_{name}.json"] = data
    files["README.txt"] = _readme(files)
    return files


def export_archive(actor: User) -> bytes:
    """The data archive: a zip of JSON files (and a README)."""
    files = export_files(actor)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data if isinstance(data, str) else _dump(data))
    return buffer.getvalue()
