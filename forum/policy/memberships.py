"""Who belongs to which organization, as the policy reads it: looked up once a request."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from forum.extensions import db
from forum.models import Membership
from forum.policy.refusals import signed_in


class Memo:
    """What the policy looked up during one request, so that a page asks the database once:
    memberships by (person id, organization id). It lives in the request's WSGI environ, so it ends
    with the request; outside a request nothing is remembered."""

    def __init__(self) -> None:
        self.roles: dict[tuple[int, int], str | None] = {}


MEMO_KEY = "forum.policy_memo"


def memo() -> Memo:
    """This request's memo (outside a request, a fresh one each time)."""
    if not has_request_context():
        return Memo()
    environ = request.environ
    found = environ.get(MEMO_KEY)
    if found is None:
        found = environ[MEMO_KEY] = Memo()
    return found


def membership_role(actor: Any, organization_id: int | None) -> str | None:
    """'owner', 'member' or None: an accepted membership (an invitation not yet accepted counts for
    nothing). Looked up once a request (see Memo)."""
    if not signed_in(actor) or organization_id is None:
        return None
    roles = memo().roles
    key = (actor.id, organization_id)
    if key not in roles:
        roles[key] = db.session.scalar(select(Membership.role).where(
            Membership.organization_id == organization_id, Membership.user_id == actor.id,
            Membership.pending.is_(False)))
    return roles[key]


def remember_membership(actor: Any, organization_id: int, role: str | None) -> None:
    """The actor's membership as a query already read it (a page's key row): `membership_role` asks
    no further query for it in this request."""
    memo().roles[(actor.id, organization_id)] = role


def forget_membership(user_id: int, organization_id: int) -> None:
    """A membership changed during this request: the next check reads it again."""
    memo().roles.pop((user_id, organization_id), None)


def is_member(actor: Any, organization_id: int | None) -> bool:
    return membership_role(actor, organization_id) is not None
