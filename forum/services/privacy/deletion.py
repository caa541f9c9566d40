"""Deleting an account: the checks, the person's own rows, and the tombstone that keeps their posts an
author (see forum/services/privacy/__init__.py for what goes and what stays)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, func, select, text, update

from forum import models
from forum.errors import Conflict, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import Flag, Follow, Membership, Notification, OutboxMessage, SignIn, SummaryVisit, User, utcnow
from forum.models.users import new_session_token
from forum.services import demand, events, passwords
from forum.services.privacy import erasure
from forum.services.privacy.settings import EMAIL_SETTINGS, require_self

FEEDBACK_CHOICES = ("keep", "withdraw")


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


def _check(actor: User, password: str, feedback: str) -> None:
    """The form's answers (the feedback choice, the password), then no organization left ownerless."""
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


def _remove_own_rows(user: User) -> None:
    """The person's own rows go (their flags stay, by nobody); their API tokens stay, by nobody."""
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


def _tombstone(user: User) -> None:
    """The `users` row keeps its id and nothing that names the person; every session ends."""
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


def delete_account(actor: User, password: str, feedback: str) -> None:
    """Delete the actor's account (see the package's docstring). One transaction: all or nothing."""
    require_self(actor)
    _check(actor, password, feedback)
    user = actor
    # Stored summaries of every concept the person answered on are recomputed (their memberships go).
    recorded = demand.invalidate_for_user(user.id) + erasure.scrub_mentions(user) + erasure.rename_everywhere(user)
    if feedback == "withdraw":
        recorded += erasure.withdraw_feedback(user)
    erasure.scrub_messages(user)
    erasure.scrub_events(user)
    erasure.scrub_audit_log(user)
    _remove_own_rows(user)
    _tombstone(user)
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
