"""The words of the policy and its building blocks: a Refusal, who the actor is, and the checks every
rule composes (signed in, in good standing, staff, a writer)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forum.errors import DomainError, NotFound, PermissionDenied
from forum.i18n import _l, format_when


@dataclass(frozen=True)
class Refusal:
    """Why an actor may not do something, and the domain error that says so. The reason is lazy
    (_l): it is translated when read, in the reader's language, and costs nothing until then."""

    reason: Any
    error: type[DomainError] = PermissionDenied

    def exception(self) -> DomainError:
        return self.error(str(self.reason))

    def __str__(self) -> str:
        return str(self.reason)


Rule = Callable[[Any, Any], Refusal | None]

TOPIC_MISSING = _l("There is no topic at that address. It may have been removed.")
POST_MISSING = _l("There is no post at that address.")
CONCEPT_MISSING = _l("There is no concept at that address.")
LOCKED_MESSAGE = _l("This topic is locked: no new posts can be added to it.")
CLOSED_MESSAGE = _l("Feedback on this concept is closed.")


# --- who the actor is -------------------------------------------------------------------------

def signed_in(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def is_token(actor: Any) -> bool:
    """An organization's API token (forum.models.ApiToken) acting in the JSON API."""
    return actor is not None and actor.__class__.__name__ == "ApiToken"


def token_concept(token: Any, concept: Any) -> Refusal | None:
    """A token reads its own organization's concepts (hidden ones too); another organization's
    concept is refused, and a hidden one looks absent."""
    if concept is None or (concept.hidden_at is not None and concept.organization_id != token.organization_id):
        return Refusal(CONCEPT_MISSING, NotFound)
    return deny(concept.organization_id == token.organization_id, _l("This token belongs to another organization."))


def active(actor: Any) -> bool:
    """Signed in, neither suspended nor silenced: may write."""
    return signed_in(actor) and not actor.is_read_only


def moderator(actor: Any) -> bool:
    """A moderator (or admin) whose account is active: a suspension pauses every staff power,
    seeing hidden content included."""
    return active(actor) and actor.is_moderator


def admin(actor: Any) -> bool:
    return active(actor) and actor.is_admin


def staff(check: Callable[[Any], bool], reason: str) -> Rule:
    """A staff-only action: refused with `reason`, or, for staff whose account is suspended, with
    that reason."""
    refused = Refusal(reason)  # built once: a Refusal does not change, and its reason is lazy

    def rule(a: Any, _obj: Any) -> Refusal | None:
        if check(a):
            return None
        if signed_in(a) and a.is_suspended and (a.is_moderator if check is moderator else a.is_admin):
            return Refusal(_l("Your account is suspended until %(date)s: staff powers are paused until then.", date=when(a.suspended_until)))
        return refused
    return rule


def org_id(obj: Any) -> int | None:
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


def when(value: Any) -> str:
    return format_when(value)


def deny(condition: bool, reason: str, error: type[DomainError] = PermissionDenied) -> Refusal | None:
    """A refusal unless `condition` holds."""
    return None if condition else Refusal(reason, error)


def writer(actor: Any, log_in: str, doing: str) -> Refusal | None:
    """Signed in and not suspended, with a message that says which: "Log in to <log_in>." and
    "... suspended until <date>, so you cannot <doing> until then."."""
    if not signed_in(actor):
        return Refusal(_l("Log in to %(log_in)s.", log_in=log_in))
    if actor.is_suspended:
        return Refusal(_l("Your account is suspended until %(date)s, so you cannot %(doing)s until then.", date=when(actor.suspended_until), doing=doing))
    if actor.is_silenced:
        return Refusal(_l("Your account is read-only until %(date)s, so you cannot %(doing)s until then.", date=when(actor.silenced_until), doing=doing))
    return None


#: What a board writer is told they cannot do (words made once, translated when read).
BOARD_WRITING = (_l("write on the board"), _l("post or edit"))


def board_writer(actor: Any) -> Refusal | None:
    return writer(actor, *BOARD_WRITING)
