"""People and organizations: accounts and roles, profiles, moderation, organizations and their
webhooks, follows and notifications."""
from __future__ import annotations

from typing import Any

from forum.errors import NotFound, ValidationError
from forum.i18n import _l
from forum.policy.memberships import is_member, membership_role
from forum.policy.refusals import Refusal, Rule, active, admin, deny, moderator, org_id, signed_in, staff, writer

#: What a person who may not flag is told they cannot do (words made once, translated when read).
FLAGGING = (_l("flag"), _l("flag anything"))
#: The refusal the summary and concept pages ask about on every view, made once.
_MEMBER_REFUSED = Refusal(_l("Only the organization's members can do this."))


def _act_on_person(a: Any, person: Any) -> Refusal | None:
    """Moderators act on people, never on themselves; only an admin acts on a moderator or an admin."""
    return (deny(moderator(a), _l("Only moderators and admins act on the queue and on people."))
            or deny(person is None or person.id != a.id, _l("You cannot act on your own account."), ValidationError)
            or deny(person is None or not person.is_moderator or admin(a),
                    _l("Only an admin acts on a moderator or an admin.")))


def _lift(a: Any, obj: Any) -> Refusal | None:
    """Lift a restriction, or decide its appeal (obj: the Suspension; on the people page before one is
    chosen, the person): it acts on the person restricted, and only admins lift a ban."""
    row = obj if obj.__class__.__name__ == "Suspension" else None
    person = row.user if row is not None else obj
    return (deny(moderator(a), _l("Only moderators and admins act on the queue and on people."))
            or (deny(admin(a), _l("Only admins ban, or lift a ban.")) if row is not None and row.kind == "ban"
                else None)
            or _act_on_person(a, person))


def _owner(reason: str) -> Rule:
    """The organization's owners (obj: the Organization)."""
    return lambda a, org: deny(active(a) and membership_role(a, org_id(org)) == "owner", reason)


ACCOUNTS: dict[str, Rule] = {
    "user.set_role": lambda a, user: (
        staff(admin, _l("Only an admin can change roles."))(a, user)
        or deny(user is not None and a.id != user.id, _l("Nobody changes their own role."))),
    "admin.access": staff(admin, _l("Only admins can open this page.")),
    # A profile is public writing: a suspension stops it like any other.
    "profile.edit": lambda a, user: (
        deny(signed_in(a) and user is not None and a.id == user.id, _l("You can only edit your own profile."))
        or deny(active(a), _l("Your account is suspended, so your public profile cannot be changed for now."))),
    "settings.language": lambda a, user: deny(signed_in(a) and user is not None and a.id == user.id, _l("You can only choose your own language.")),  # noqa: E501 - not public writing: a suspension does not stop it
    # One's own data: settings, the archive, deletion. Personal, so a suspension does not stop it.
    "account.manage": lambda a, user: deny(
        signed_in(a) and a.deleted_at is None and (user is None or a.id == user.id),
        _l("Log in to manage your account.")),
    # A profile page shows more than the name when its owner made it public (they always see theirs).
    "profile.view": lambda a, user: (
        Refusal(_l("There is no user with that name."), NotFound) if user is None or user.deleted_at is not None
        else deny(user.profile_public or (signed_in(a) and (a.id == user.id or a.is_moderator)),
                  _l("This profile is private."))),
    # Follows and notifications: personal, so any signed-in person (a suspension stops writing
    # in public, not following or reading one's notifications).
    "follow.manage": lambda a, _obj: deny(signed_in(a), _l("Log in to follow concepts and topics.")),
    "notifications.view": lambda a, _obj: deny(signed_in(a), _l("Log in to see your notifications.")),
}

MODERATION: dict[str, Rule] = {
    "moderation.access": staff(moderator, _l("Only moderators can open this page.")),
    # Moderation (forum/services/moderation/): moderators act on content and people; admins ban,
    # edit the blocked words and domains, and the site settings.
    "moderation.act": lambda a, _obj: deny(moderator(a), _l("Only moderators and admins act on the queue and on people.")),
    # Acting on a person (obj: the person): warn, silence, suspend, set the trust level, hide the profile.
    "moderation.act_on_person": _act_on_person,
    "moderation.ban": lambda a, person: (deny(admin(a), _l("Only admins ban, or lift a ban."))
                                         or (_act_on_person(a, person) if person is not None else None)),
    # Lifting a restriction early, or turning its appeal down (obj: the Suspension).
    "moderation.lift": _lift,
    "moderation.blocked_terms": lambda a, _obj: deny(admin(a), _l("Only admins edit the blocked words and domains.")),
    "admin.settings": lambda a, _obj: deny(admin(a), _l("Only admins change the site settings.")),
    # Flagging is writing: silenced and suspended people cannot.
    "flag.create": lambda a, _obj: writer(a, *FLAGGING),
    # One's own flags and what became of them.
    "flag.list_own": lambda a, _obj: deny(signed_in(a), _l("Log in first.")),
    # Appeal a suspension (obj: the actor's suspension or ban in force, or None).
    "moderation.appeal": lambda a, row: (
        deny(signed_in(a), _l("Log in first."))
        or deny(row is not None and row.user_id == a.id,
                _l("Only a suspended account can appeal, while the suspension lasts."))),
}

ORGANIZATIONS: dict[str, Rule] = {
    "org.create": lambda a, _obj: deny(
        active(a), _l("Sign in with an account in good standing to create an organization.")),
    "org.edit": _owner(_l("Only the organization's owners can edit it.")),
    "org.manage_members": _owner(_l("Only the organization's owners can add or remove members.")),
    "org.verify": staff(admin, _l("Only an admin can verify organizations.")),
    "org.member": lambda a, obj: None if is_member(a, org_id(obj)) else _MEMBER_REFUSED,
    # Webhooks: the organization's owners (obj: the Organization).
    "webhook.manage": _owner(_l("Only the organization's owners manage its webhooks.")),
    # API tokens: the organization's owners (obj: the Organization).
    "org.api_tokens": _owner(_l("Only the organization's owners manage its API tokens.")),
}
