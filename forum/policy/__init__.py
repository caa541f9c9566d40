"""Who may do what, and why not: the one place that decides.

Each rule takes (actor, obj) and returns None when the actor may, or a `Refusal` that says why not
and which domain error it is: PermissionDenied (forbidden), NotFound (the object must look absent
to this actor), Conflict (the object's state forbids it now, e.g. a locked topic) or
ValidationError. Everyone asks here:

- `can(actor, action, obj)` answers yes or no (templates get it as `can(action, obj)`);
- `require(actor, action, obj)` raises the refusal's error with its reason;
- `refusal(actor, action, obj)` returns the Refusal, or None.

`actor` is a User, None / an anonymous user for a visitor, or an organization's ApiToken (the JSON API
and exports: it reads its own organization's concepts, hidden ones included). For lists, `concept_filter(actor)` and
`topic_filter(actor)` are the same visibility rules as SQL conditions.

The rules live in rooms by domain: `refusals` (the Refusal, who the actor is, the checks rules
compose), `memberships` (who belongs to which organization, once a request), `visibility` (who sees
concepts, topics and posts), `board` (topics, posts, reactions), `concepts` (feedback, results,
suggestions, research, decisions) and `people` (accounts, profiles, moderation, organizations).
Other modules use only the names below, as `policy.<name>`.
"""
from __future__ import annotations

from typing import Any

from werkzeug.local import LocalProxy

from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.policy import board, concepts, people
from forum.policy.memberships import (
    MEMO_KEY,
    Memo,
    forget_membership,
    is_member,
    membership_role,
    memo,
    remember_membership,
)
from forum.policy.refusals import (
    CLOSED_MESSAGE,
    CONCEPT_MISSING,
    LOCKED_MESSAGE,
    POST_MISSING,
    TOPIC_MISSING,
    Refusal,
    Rule,
)
from forum.policy.visibility import concept_filter, topic_filter

__all__ = ["CLOSED_MESSAGE", "CONCEPT_MISSING", "Conflict", "LOCKED_MESSAGE", "MEMO_KEY", "Memo", "NotFound",
           "POST_MISSING", "PermissionDenied", "RULES", "Refusal", "Rule", "TOPIC_MISSING", "ValidationError",
           "can", "concept_filter", "forget_membership", "is_member", "membership_role", "memo", "refusal",
           "remember_membership", "require", "topic_filter"]

RULES: dict[str, Rule] = {**people.ACCOUNTS, **people.MODERATION, **people.ORGANIZATIONS, **concepts.RULES,
                          **board.RULES}


def refusal(actor: Any, action: str, obj: Any = None) -> Refusal | None:
    """Why `actor` may not do `action` on `obj`, or None when they may."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"No policy rule for {action!r}")
    if isinstance(actor, LocalProxy):  # current_user: the person, once, not through the proxy at each look
        actor = actor._get_current_object()
    return rule(actor, obj)


def can(actor: Any, action: str, obj: Any = None) -> bool:
    return refusal(actor, action, obj) is None


def require(actor: Any, action: str, obj: Any = None) -> None:
    """Raise the refusal's domain error, with its reason, unless the actor may."""
    refused = refusal(actor, action, obj)
    if refused is not None:
        raise refused.exception()
