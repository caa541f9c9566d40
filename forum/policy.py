"""Who may do what. Views, templates and services ask `can(actor, action, obj)`; nothing else decides.

`actor` is a User, or None / an anonymous user for a visitor.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum.extensions import db


def _signed_in(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _active(actor: Any) -> bool:
    """Signed in, neither suspended nor silenced: may write."""
    return _signed_in(actor) and not actor.is_read_only


def membership_role(actor: Any, organization_id: int | None) -> str | None:
    """'owner', 'member' or None. Cached on the actor for the request."""
    if not _signed_in(actor) or organization_id is None:
        return None
    cache = actor.__dict__.setdefault("_membership_cache", {})
    if organization_id not in cache:
        from forum.models import Membership

        cache[organization_id] = db.session.scalar(select(Membership.role).where(
            Membership.organization_id == organization_id, Membership.user_id == actor.id))
    return cache[organization_id]


def is_member(actor: Any, organization_id: int | None) -> bool:
    return membership_role(actor, organization_id) is not None


def _org_id(obj: Any) -> int | None:
    """The organization an object belongs to: an Organization, a Concept, a Feature."""
    if obj is None:
        return None
    if obj.__class__.__name__ == "Organization":
        return obj.id
    if hasattr(obj, "organization_id"):
        return obj.organization_id
    if hasattr(obj, "concept"):
        return obj.concept.organization_id
    return None


def can(actor: Any, action: str, obj: Any = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"No policy rule for {action!r}")
    return bool(rule(actor, obj))


RULES = {
    # Accounts and roles
    "user.set_role": lambda a, user: _signed_in(a) and a.is_admin and user is not None and a.id != user.id,
    "admin.access": lambda a, _: _signed_in(a) and a.is_admin,
    # A profile is public writing: a suspension stops it like any other.
    "profile.edit": lambda a, user: _active(a) and user is not None and a.id == user.id,
    "moderation.access": lambda a, _: _signed_in(a) and a.is_moderator,
    # Moderation (forum/services/moderation.py): moderators act on content and people; admins ban,
    # edit the blocked words and domains, and the site settings.
    "moderation.act": lambda a, _: _signed_in(a) and a.is_moderator,
    "moderation.ban": lambda a, _: _signed_in(a) and a.is_admin,
    "moderation.blocked_terms": lambda a, _: _signed_in(a) and a.is_admin,
    "admin.settings": lambda a, _: _signed_in(a) and a.is_admin,
    # Flagging is writing: silenced and suspended people cannot.
    "flag.create": lambda a, _: _active(a),
    # Organizations
    "org.create": lambda a, _: _active(a),
    "org.edit": lambda a, org: _active(a) and membership_role(a, _org_id(org)) == "owner",
    "org.manage_members": lambda a, org: _active(a) and membership_role(a, _org_id(org)) == "owner",
    "org.verify": lambda a, _: _signed_in(a) and a.is_admin,
    # Co-creation feedback (obj: the Concept). Votes and answers come from people outside the
    # owning organization; the demand summary is for its members, or everyone if it publishes it.
    "feedback.give": lambda a, c: _active(a) and c is not None and c.feedback_open and not is_member(a, _org_id(c)),
    "feedback.results": lambda a, c: c is not None and (
        is_member(a, _org_id(c)) or bool(c.organization.publish_price_summary)),
    "org.member": lambda a, obj: is_member(a, _org_id(obj)),
    # The bulletin board (obj: a Board, Topic or Post as named). A concept's topic belongs to
    # the concept's organization: its members pin it and mark official answers on it.
    "board.manage": lambda a, _: _signed_in(a) and a.is_admin,
    "topic.create": lambda a, _: _active(a),
    "post.create": lambda a, t: _active(a) and t is not None and not t.locked,
    "post.edit": lambda a, p: _active(a) and p is not None and p.deleted_at is None and (
        a.id == p.author_id or a.is_moderator),
    "post.delete": lambda a, p: _active(a) and p is not None and p.deleted_at is None and (
        a.id == p.author_id or a.is_moderator),
    "post.history": lambda a, p: _signed_in(a) and p is not None and (a.id == p.author_id or a.is_moderator),
    "topic.pin": lambda a, t: _active(a) and t is not None and (a.is_admin or (
        t.concept_id is not None and is_member(a, t.concept.organization_id))),
    "topic.lock": lambda a, _: _signed_in(a) and a.is_moderator,
    # obj: the topic, or a post of it.
    "post.mark_answered": lambda a, obj: _active(a) and obj is not None and (
        getattr(obj, "topic", obj).concept_id is not None
        and is_member(a, getattr(obj, "topic", obj).concept.organization_id)),
    # Concepts and their features (obj: the Organization for create, else the Concept or Feature).
    # Only the owning organization's members write; site admins and moderators do not edit
    # an organization's concepts (moderators hide them through moderation instead).
    "concept.create": lambda a, org: _active(a) and is_member(a, _org_id(org)),
    "concept.edit": lambda a, c: _active(a) and is_member(a, _org_id(c)),
    # Temporary (live threads): the policy rework moves the posting service's check here.
    "topic.view": lambda a, t: t is not None and ((_signed_in(a) and a.is_moderator) or (
        t.hidden_at is None and (t.concept is None or t.concept.hidden_at is None
                                 or is_member(a, t.concept.organization_id)))),
    "concept.view": lambda a, c: c is not None and (
        c.hidden_at is None or (_signed_in(a) and (a.is_moderator or is_member(a, _org_id(c))))),
    # Follows and notifications: personal, so any signed-in person (a suspension stops writing
    # in public, not following or reading one's notifications).
    "follow.manage": lambda a, _: _signed_in(a),
    "notifications.view": lambda a, _: _signed_in(a),
}
