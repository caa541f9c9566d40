"""Organizations (enterprises) and their members."""
from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from forum import policy
from forum.analytics.track_record import TrackRecord
from forum.analytics.track_record import track_record as analytics_track_record
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import Concept, Decision, Membership, ModerationAction, Organization, Post, Topic, User, utcnow
from forum.services import accounts, demand, events, notifications
from forum.services.tx import commit_and_publish

NAME_MAX = 80
DESCRIPTION_MAX = 2000
URL_MAX = 255


def slugify(text: str, max_length: int = 80) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:max_length].strip("-") or "item"


def unique_slug(model: type, text: str, max_length: int = 80) -> str:
    base = slugify(text, max_length - 6)
    slug, n = base, 2
    while db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: [message]})


def _check_url(field: str, url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > URL_MAX:
        raise _fail(field, _("A web address has at most %(URL_MAX)s characters.", URL_MAX=URL_MAX))
    full = _("Give a full web address starting with https:// (or http://).")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise _fail(field, _("A web address has no spaces or control characters."))
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # parsed as a browser would
    except ValueError:  # e.g. "Invalid IPv6 URL", a port out of range
        raise _fail(field, full) from None
    if parts.scheme not in ("http", "https") or not host:
        raise _fail(field, full)
    return url


def _check_fields(name: str, description: str, website: str, logo_url: str) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("Give the organization a name.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("A name has at most %(NAME_MAX)s characters.", NAME_MAX=NAME_MAX)]
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("A description has at most %(DESCRIPTION_MAX)s characters.", DESCRIPTION_MAX=DESCRIPTION_MAX)]
    out = {"name": name, "description": description}
    for field, value in (("website", website), ("logo_url", logo_url)):
        try:
            out[field] = _check_url(field, value)
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return out


def create(actor: User, name: str, description: str = "", website: str = "",
           logo_url: str = "") -> Organization:
    """Create an unverified organization; its creator becomes its owner."""
    policy.require(actor, "org.create")
    fields = _check_fields(name, description, website, logo_url)
    if db.session.scalar(select(Organization.id).where(
            func.lower(Organization.name) == fields["name"].lower())):
        raise ValidationError(_("Please correct the marked fields."),
                              {"name": [_("An organization with that name already exists.")]})
    org = Organization(slug=unique_slug(Organization, fields["name"]), created_by_id=actor.id, **fields)
    org.memberships.append(Membership(user_id=actor.id, role="owner"))
    db.session.add(org)
    commit_and_publish(conflict=_("That organization was just created by someone else; try another name."))
    return org


COMMITMENTS_MAX = 2000


def update(actor: User, org: Organization, name: str, description: str, website: str,
           logo_url: str = "", publish_price_summary: bool | None = None,
           commitments: str | None = None) -> None:
    """Owners edit the organization, including its stated commitments (plain text, shown on its
    public page beside the track record the forum measures)."""
    policy.require(actor, "org.edit", org)
    fields = _check_fields(name, description, website, logo_url)
    if commitments is not None:
        commitments = str(commitments).strip()
        if len(commitments) > COMMITMENTS_MAX:
            raise _fail("commitments", _("Commitments have at most %(COMMITMENTS_MAX)s characters.", COMMITMENTS_MAX=COMMITMENTS_MAX))
        fields["commitments"] = commitments
    renamed = fields["name"] != org.name
    if renamed and db.session.scalar(select(Organization.id).where(
            func.lower(Organization.name) == fields["name"].lower(), Organization.id != org.id)):
        raise ValidationError(_("Please correct the marked fields."),
                              {"name": [_("An organization with that name already exists.")]})
    if renamed and org.is_verified:
        # Verification vouches for a name: a new name is checked again.
        org.verified_at = None
        org.verified_by_id = None
        db.session.add(ModerationAction(actor_id=actor.id, action="org.unverify", target_type="organization",
                                        target_id=org.id, reason=f"renamed from {org.name} to {fields['name']}"))
    for key, value in fields.items():
        setattr(org, key, value)
    if publish_price_summary is not None:
        org.publish_price_summary = publish_price_summary
    _changed(org)
    commit_and_publish()


def _changed(org: Organization) -> None:
    """Record that what pages show of the organization changed (the concept list's key moves). Nobody
    listens in its room, so there is nothing to publish."""
    events.record(events.org_room(org.id), "organization.changed", {"organization_id": org.id})


def get_by_slug(slug: str) -> Organization:
    org = db.session.scalar(select(Organization).where(Organization.slug == slug).options(
        selectinload(Organization.memberships).joinedload(Membership.user)))
    if org is None:
        raise NotFound(_("There is no organization at that address."))
    return org


def set_verified(actor: User, org: Organization, verified: bool) -> None:
    policy.require(actor, "org.verify", org)
    if verified == org.is_verified:
        return
    org.verified_at = utcnow() if verified else None
    org.verified_by_id = actor.id if verified else None
    db.session.add(ModerationAction(actor_id=actor.id, action="org.verify" if verified else "org.unverify",
                                    target_type="organization", target_id=org.id))
    _changed(org)
    commit_and_publish()


def add_member(actor: User, org: Organization, username: str, role: str = "member") -> Membership:
    """Invite a person to the organization as a member or an owner. Nobody becomes either without
    saying yes: the invitation counts for nothing (no Official badge, no member's rights) until they
    accept it on their invitations page."""
    policy.require(actor, "org.manage_members", org)
    if role not in ("owner", "member"):
        raise _fail("role", _("A member is either an owner or a member."))
    try:
        user = accounts.get_by_username(username)
    except NotFound as exc:
        raise _fail("username", _("There is no user called “%(strip)s”.", strip=(username or '').strip())) from exc
    existing = db.session.scalar(select(Membership).where(Membership.organization_id == org.id,
                                                          Membership.user_id == user.id))
    if existing is not None:
        raise _fail("username", _("%(name)s is already invited.", name=user.username) if existing.is_pending
                    else _("%(name)s is already a member.", name=user.username))
    membership = Membership(organization_id=org.id, user_id=user.id, role=role, pending=True,
                            invited_by_id=actor.id)
    db.session.add(membership)
    notifications.notify_invitation(membership, actor, org)
    commit_and_publish(conflict=_fail("username", _("%(name)s is already invited.", name=user.username)))
    return membership


def invitations_for(user: User) -> list[Membership]:
    """The invitations waiting for a person's answer, newest first."""
    return list(db.session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.pending.is_(True))
        .options(selectinload(Membership.organization), selectinload(Membership.invited_by))
        .order_by(Membership.created_at.desc(), Membership.id.desc())))


def _own_invitation(actor: User, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.user_id != getattr(actor, "id", None):
        raise NotFound(_("There is no invitation for you at that address."))
    if not membership.is_pending:
        raise Conflict(_("You are already a member of %(name)s.", name=membership.organization.name))
    return membership


def accept_invitation(actor: User, membership_id: int) -> Membership:
    """The invited person says yes: from now on they are a member (or an owner). Their votes and
    price answers on the organization's concepts stop counting while they are one."""
    membership = _own_invitation(actor, membership_id)
    membership.pending = False
    membership.created_at = utcnow()  # a member since they accepted
    db.session.flush()
    commit_and_publish(*_membership_changed(membership))
    return membership


def decline_invitation(actor: User, membership_id: int) -> Organization:
    membership = _own_invitation(actor, membership_id)
    org = membership.organization
    db.session.delete(membership)
    commit_and_publish()
    return org


def _membership_changed(membership: Membership) -> list[Any]:
    """Whose feedback counts follows membership: the open pages of the organization's concepts get
    the new numbers (and the stored summaries are brought up to date where they are kept)."""
    policy.forget_membership(membership.user_id, membership.organization_id)
    return demand.recount.recount_events(*demand.recount.touched_by(membership.user_id, membership.organization_id))


def remove_member(actor: User, org: Organization, user_id: int) -> None:
    """Remove a member, or withdraw an invitation. The last owner stays: an organization always
    has one."""
    policy.require(actor, "org.manage_members", org)
    membership = db.session.scalar(select(Membership).where(
        Membership.organization_id == org.id, Membership.user_id == user_id))
    if membership is None:
        raise NotFound(_("That person is not a member."))
    if membership.role == "owner" and not membership.is_pending:
        owners = db.session.scalar(select(func.count(Membership.id)).where(
            Membership.organization_id == org.id, Membership.role == "owner",
            Membership.pending.is_(False))) or 0
        if owners <= 1:
            raise Conflict(_("An organization needs at least one owner: the last owner cannot be removed. "
                           "Invite another owner first; once they accept, this one can go."))
    was_member = not membership.is_pending
    db.session.delete(membership)
    db.session.flush()
    recorded = _membership_changed(membership) if was_member else []
    commit_and_publish(*recorded)
    if was_member:
        events.end_live_sessions(user_id)  # their pages stop hearing what members hear, and reconnect


def organizations_of(user: User) -> list[Organization]:
    return list(db.session.scalars(select(Organization).join(Membership).where(
        Membership.user_id == user.id, Membership.pending.is_(False)).order_by(Organization.name)))


def listing(page: int = 1, per_page: int = 20):
    return db.paginate(select(Organization).order_by(Organization.verified_at.is_(None),
                                                     Organization.name),
                       page=page, per_page=per_page, error_out=False)


def track_record(org: Organization) -> TrackRecord:
    """What the forum measures of an organization, over its visible concepts: each consumer question
    (a top-level post by someone outside the organization in a concept's discussion) and when it
    first got an official answer (an official reply to it, or the official post marked as its answer);
    and its decisions per concept. The arithmetic is forum/analytics/track_record.py."""
    concept_ids = list(db.session.scalars(select(Concept.id).where(
        Concept.organization_id == org.id, Concept.hidden_at.is_(None))))
    if not concept_ids:
        return analytics_track_record([], 0, 0)
    answer = aliased(Post)
    first_reply = (select(func.min(answer.created_at)).where(
        answer.reply_to_id == Post.id, answer.official_organization_id == org.id,
        answer.deleted_at.is_(None)).correlate(Post).scalar_subquery())
    marked = aliased(Post)
    marked_at = (select(marked.created_at).where(marked.id == Post.answered_by_id, marked.deleted_at.is_(None))
                 .correlate(Post).scalar_subquery())
    rows = db.session.execute(
        select(Post.created_at, first_reply, marked_at).join(Topic, Topic.id == Post.topic_id)
        .where(Topic.concept_id.in_(concept_ids), Topic.hidden_at.is_(None), Post.reply_to_id.is_(None),
               Post.official_organization_id.is_(None), Post.deleted_at.is_(None), Post.hidden_at.is_(None))
        .order_by(Post.id)).all()
    questions = []
    for asked, replied, marked_answer in rows:
        answers = [t for t in (replied, marked_answer) if t is not None]
        questions.append((asked, min(answers) if answers else None))
    decisions = db.session.scalar(select(func.count(Decision.id)).where(Decision.concept_id.in_(concept_ids))) or 0
    return analytics_track_record(questions, decisions, len(concept_ids))
