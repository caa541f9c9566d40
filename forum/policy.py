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
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import and_, or_, select, true
from werkzeug.local import LocalProxy

from forum.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.i18n import _l, format_when
from forum.models import Concept, Membership, Topic

__all__ = ["Conflict", "NotFound", "PermissionDenied", "RULES", "Refusal", "ValidationError", "can",
           "concept_filter", "forget_membership", "is_member", "membership_role", "memo", "refusal",
           "remember_membership", "require", "topic_filter"]


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

def _signed_in(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _token(actor: Any) -> bool:
    """An organization's API token (forum.models.ApiToken) acting in the JSON API."""
    return actor is not None and actor.__class__.__name__ == "ApiToken"


def _token_concept(token: Any, concept: Any) -> Refusal | None:
    """A token reads its own organization's concepts (hidden ones too); another organization's
    concept is refused, and a hidden one looks absent."""
    if concept is None or (concept.hidden_at is not None and concept.organization_id != token.organization_id):
        return Refusal(CONCEPT_MISSING, NotFound)
    return _deny(concept.organization_id == token.organization_id, _l("This token belongs to another organization."))


def _active(actor: Any) -> bool:
    """Signed in, neither suspended nor silenced: may write."""
    return _signed_in(actor) and not actor.is_read_only


def _moderator(actor: Any) -> bool:
    """A moderator (or admin) whose account is active: a suspension pauses every staff power,
    seeing hidden content included."""
    return _active(actor) and actor.is_moderator


def _admin(actor: Any) -> bool:
    return _active(actor) and actor.is_admin


def _staff(check: Callable[[Any], bool], reason: str) -> Rule:
    """A staff-only action: refused with `reason`, or, for staff whose account is suspended, with
    that reason."""
    def rule(a: Any, _obj: Any) -> Refusal | None:
        if check(a):
            return None
        if _signed_in(a) and a.is_suspended and (a.is_moderator if check is _moderator else a.is_admin):
            return Refusal(_l("Your account is suspended until %(date)s: staff powers are paused until then.", date=_date(a.suspended_until)))
        return Refusal(reason)
    return rule


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
    return request.environ.setdefault(MEMO_KEY, Memo())


def membership_role(actor: Any, organization_id: int | None) -> str | None:
    """'owner', 'member' or None: an accepted membership (an invitation not yet accepted counts for
    nothing). Looked up once a request (see Memo)."""
    if not _signed_in(actor) or organization_id is None:
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


def _date(value: Any) -> str:
    return format_when(value)


def _deny(condition: bool, reason: str, error: type[DomainError] = PermissionDenied) -> Refusal | None:
    """A refusal unless `condition` holds."""
    return None if condition else Refusal(reason, error)


def _writer(actor: Any, log_in: str, doing: str) -> Refusal | None:
    """Signed in and not suspended, with a message that says which: "Log in to <log_in>." and
    "... suspended until <date>, so you cannot <doing> until then."."""
    if not _signed_in(actor):
        return Refusal(_l("Log in to %(log_in)s.", log_in=log_in))
    if actor.is_suspended:
        return Refusal(_l("Your account is suspended until %(date)s, so you cannot %(doing)s until then.", date=_date(actor.suspended_until), doing=doing))
    if actor.is_silenced:
        return Refusal(_l("Your account is read-only until %(date)s, so you cannot %(doing)s until then.", date=_date(actor.silenced_until), doing=doing))
    return None


def _board_writer(actor: Any) -> Refusal | None:
    return _writer(actor, _l("write on the board"), _l("post or edit"))


# --- visibility ---------------------------------------------------------------------------------

def _concept_view(a: Any, concept: Any) -> Refusal | None:
    """A hidden concept exists for moderators and the owning organization's members only."""
    if _token(a):
        return _token_concept(a, concept)
    if concept is None:
        return Refusal(CONCEPT_MISSING, NotFound)
    if concept.hidden_at is None or _moderator(a) or is_member(a, concept.organization_id):
        return None
    return Refusal(CONCEPT_MISSING, NotFound)


def _topic_view(a: Any, topic: Any) -> Refusal | None:
    """Moderators see every topic. Others: not a hidden topic, and a concept's topic only while they
    may see the concept."""
    if topic is None:
        return Refusal(TOPIC_MISSING, NotFound)
    if _moderator(a):
        return None
    if topic.hidden_at is not None:
        return Refusal(TOPIC_MISSING, NotFound)
    concept = topic.concept if topic.concept_id is not None else None
    if concept is not None and _concept_view(a, concept) is not None:
        return Refusal(TOPIC_MISSING, NotFound)
    return None


def _post_view(a: Any, post: Any) -> Refusal | None:
    """A post's content: in a topic the actor may see, and, once deleted or hidden, for moderators
    only (others see the placeholder), except that a post held for review shows to its author."""
    if post is None:
        return Refusal(POST_MISSING, NotFound)
    if _topic_view(a, post.topic) is not None:
        return Refusal(POST_MISSING, NotFound)
    if _moderator(a):
        return None
    if post.deleted_at is not None:
        return Refusal(_l("This post was deleted."), NotFound)
    if post.hidden_at is not None and not (
            post.hidden_reason == "held" and _signed_in(a) and a.id == post.author_id):
        # A post held for review (a blocked word or domain) stays visible to its author, marked
        # "awaits review"; a hidden one is not (they are told why in a notification).
        return Refusal(_l("This post was hidden by a moderator."), NotFound)
    return None


def concept_filter(actor: Any) -> Any:
    """The "concept.view" rule as an SQL condition on Concept."""
    if _token(actor):
        return Concept.organization_id == actor.organization_id
    if _moderator(actor):
        return true()
    if _signed_in(actor):
        own = select(Membership.organization_id).where(Membership.user_id == actor.id,
                                                       Membership.pending.is_(False))
        return or_(Concept.hidden_at.is_(None), Concept.organization_id.in_(own))
    return Concept.hidden_at.is_(None)


def topic_filter(actor: Any) -> Any:
    """The "topic.view" rule as an SQL condition on Topic (no join needed)."""
    if _moderator(actor):
        return true()
    return and_(Topic.hidden_at.is_(None), or_(
        Topic.concept_id.is_(None), Topic.concept_id.in_(select(Concept.id).where(concept_filter(actor)))))


# --- the board ----------------------------------------------------------------------------------

def _post_create(a: Any, topic: Any) -> Refusal | None:
    """Reply in a topic (obj: the Topic)."""
    return (_board_writer(a) or _topic_view(a, topic)
            or _deny(not topic.locked, LOCKED_MESSAGE, Conflict))


def _post_edit(a: Any, post: Any) -> Refusal | None:
    refused = _board_writer(a) or (_topic_view(a, post.topic) if post is not None else Refusal(POST_MISSING, NotFound))
    if refused:
        return refused
    if post.deleted_at is not None:
        return Refusal(_l("This post was deleted; it can no longer be edited."), Conflict)
    if not (a.id == post.author_id or a.is_moderator):
        return Refusal(_l("Only the author or a moderator can edit this post."))
    if post.hidden_at is not None and post.hidden_reason != "held" and not _moderator(a):
        # A moderator's hide (or one by members' flags) stays until a moderator restores the post:
        # an edit by its author must not turn it into a post awaiting review.
        return Refusal(_l("This post is hidden until a moderator restores it; it cannot be edited meanwhile."),
                       Conflict)
    if post.topic.locked and not a.is_moderator:
        return Refusal(_l("This topic is locked: its posts can no longer be edited."), Conflict)
    return None


def _post_delete(a: Any, post: Any) -> Refusal | None:
    refused = _board_writer(a) or (_topic_view(a, post.topic) if post is not None else Refusal(POST_MISSING, NotFound))
    if refused:
        return refused
    if post.deleted_at is not None:
        return Refusal(_l("This post is already deleted."), Conflict)
    return _deny(a.id == post.author_id or a.is_moderator, _l("Only the author or a moderator can delete this post."))


def _mark_answered(a: Any, obj: Any) -> Refusal | None:
    """obj: the topic, or a post of it."""
    refused = _board_writer(a)
    if refused:
        return refused
    topic = getattr(obj, "topic", obj)
    return _deny(topic is not None and topic.concept_id is not None
                 and is_member(a, topic.concept.organization_id),
                 _l("Only members of the concept's organization can mark answers."))


def _topic_create(a: Any, board: Any) -> Refusal | None:
    """Start a topic on a board (obj: the Board, or None before one is chosen). A board says who
    may: everyone, or staff only (Announcements)."""
    refused = _board_writer(a)
    if refused or board is None or getattr(board, "topic_starters", "everyone") != "staff":
        return refused
    return _staff(_moderator, _l("Only moderators and admins start topics on %(name)s.", name=board.name))(a, board)


def _topic_pin(a: Any, topic: Any) -> Refusal | None:
    return _deny(_active(a) and topic is not None and (a.is_admin or (
        topic.concept_id is not None and is_member(a, topic.concept.organization_id))),
        _l("Only admins (and, on a concept's discussion, its organization) pin topics."))


# --- feedback -----------------------------------------------------------------------------------

def _feedback(what: str) -> Rule:
    """Votes and answers come from signed-in people in good standing outside the owning
    organization, while the concept is open for feedback."""
    def rule(a: Any, concept: Any) -> Refusal | None:
        refused = _concept_view(a, concept)
        if refused:
            return refused
        if concept.hidden_at is not None:
            # Staff (and the organization) still see a hidden concept; nobody's answer may count on it.
            return Refusal(_l("A moderator hid this concept: it takes no votes or answers until it is restored."),
                           Conflict)
        if not concept.feedback_open:
            return Refusal(CLOSED_MESSAGE, Conflict)
        refused = _writer(a, _l("give feedback on this concept"), _l("give feedback"))
        if refused:
            return refused
        if is_member(a, concept.organization_id):
            return Refusal(_l("Members of %(name)s cannot %(what)s their own concepts.", name=concept.organization.name, what=what))
        return None
    return rule


def _feedback_results(a: Any, concept: Any) -> Refusal | None:
    """The demand summary and its exports: for the owning organization's members and site admins, or
    everyone who may see the concept if the organization publishes its summaries; its API tokens."""
    refused = _concept_view(a, concept)
    if refused or _token(a):
        return refused
    return _deny(is_member(a, concept.organization_id) or _admin(a) or bool(concept.organization.publish_price_summary),
                 _l("Only members of %(name)s can see the demand summary of this concept.", name=concept.organization.name))


def _feedback_export(a: Any, concept: Any) -> Refusal | None:
    """The raw answers (prices.csv, votes.csv, kano.csv, posts.csv, export.xlsx, summary.json): the
    owning organization's members, its API tokens and site admins. Publishing the summary never
    publishes the rows."""
    refused = _concept_view(a, concept)
    if refused or _token(a):
        return refused
    return _deny(_signed_in(a) and (is_member(a, concept.organization_id) or _admin(a)),
                 _l("Only members of %(organization)s (or its API tokens) can download the answers of this "
                   "concept.", organization=concept.organization.name))


def _feedback_names(a: Any, concept: Any) -> Refusal | None:
    """Who sees the names of people who chose to be credited: the owning organization only (its
    members and tokens), never a visitor nor a site admin outside it."""
    if _token(a):
        return _token_concept(a, concept)
    return _deny(concept is not None and is_member(a, concept.organization_id),
                 _l("Only the organization sees the names of the people who chose to be credited."))


def _act_on_person(a: Any, person: Any) -> Refusal | None:
    """Moderators act on people, never on themselves; only an admin acts on a moderator or an admin."""
    return (_deny(_moderator(a), _l("Only moderators and admins act on the queue and on people."))
            or _deny(person is None or person.id != a.id, _l("You cannot act on your own account."), ValidationError)
            or _deny(person is None or not person.is_moderator or _admin(a),
                     _l("Only an admin acts on a moderator or an admin.")))


# --- suggestions and reactions (forum/services/suggestions.py, reactions.py) --------------------

def _suggestion_view(a: Any, suggestion: Any) -> Refusal | None:
    """A suggestion is seen where its concept is, and, as its post: held for review, only by its
    author and moderators; hidden or deleted, only by moderators."""
    if suggestion is None:
        return Refusal(_l("There is no such suggestion."), NotFound)
    refused = _concept_view(a, suggestion.concept)
    if refused or suggestion.post is None:
        return refused
    if _post_view(a, suggestion.post) is not None:
        return Refusal(_l("There is no such suggestion."), NotFound)
    return None


def _suggestion_support(a: Any, suggestion: Any) -> Refusal | None:
    refused = _suggestion_view(a, suggestion) or _feedback(_l("support suggestions on"))(a, suggestion.concept)
    if refused:
        return refused
    return _deny(suggestion.status == "open" and (suggestion.post is None or suggestion.post.hidden_at is None),
                 _l("This suggestion is no longer open for support."), Conflict)


def _suggestion_decide(a: Any, suggestion: Any) -> Refusal | None:
    """Adopt, decline or merge: the concept's organization, while the suggestion is open."""
    refused = _suggestion_view(a, suggestion)
    if refused:
        return refused
    if not (_active(a) and is_member(a, suggestion.concept.organization_id)):
        return Refusal(_l("Only members of the concept's organization decide on suggestions."))
    return _deny(suggestion.status == "open", _l("This suggestion has already been decided."), Conflict)


def _post_react(a: Any, post: Any) -> Refusal | None:
    """React on a post one may see: signed in, in good standing, not on one's own post."""
    refused = _writer(a, _l("react to posts"), _l("react to posts")) or _post_view(a, post)
    if refused:
        return refused
    if post.hidden_at is not None or post.deleted_at is not None:
        return Refusal(_l("This post takes no reactions."), Conflict)
    return _deny(post.author_id != a.id, _l("You cannot react to your own post."), Conflict)


RULES: dict[str, Rule] = {
    # Accounts and roles
    "user.set_role": lambda a, user: (
        _staff(_admin, _l("Only an admin can change roles."))(a, user)
        or _deny(user is not None and a.id != user.id, _l("Nobody changes their own role."))),
    "admin.access": _staff(_admin, _l("Only admins can open this page.")),
    # A profile is public writing: a suspension stops it like any other.
    "profile.edit": lambda a, user: (
        _deny(_signed_in(a) and user is not None and a.id == user.id, _l("You can only edit your own profile."))
        or _deny(_active(a), _l("Your account is suspended, so your public profile cannot be changed for now."))),
    "settings.language": lambda a, user: _deny(_signed_in(a) and user is not None and a.id == user.id, _l("You can only choose your own language.")),  # noqa: E501 - not public writing: a suspension does not stop it
    "moderation.access": _staff(_moderator, _l("Only moderators can open this page.")),
    # Moderation (forum/services/moderation.py): moderators act on content and people; admins ban,
    # edit the blocked words and domains, and the site settings.
    "moderation.act": lambda a, _obj: _deny(_moderator(a), _l("Only moderators and admins act on the queue and on people.")),
    # Acting on a person (obj: the person): warn, silence, suspend, set the trust level, hide the profile.
    "moderation.act_on_person": _act_on_person,
    "moderation.ban": lambda a, person: (_deny(_admin(a), _l("Only admins ban, or lift a ban."))
                                         or (_act_on_person(a, person) if person is not None else None)),
    "moderation.blocked_terms": lambda a, _obj: _deny(_admin(a), _l("Only admins edit the blocked words and domains.")),
    "admin.settings": lambda a, _obj: _deny(_admin(a), _l("Only admins change the site settings.")),
    # Flagging is writing: silenced and suspended people cannot.
    "flag.create": lambda a, _obj: _writer(a, _l("flag"), _l("flag anything")),
    # One's own data: settings, the archive, deletion. Personal, so a suspension does not stop it.
    "account.manage": lambda a, user: _deny(
        _signed_in(a) and a.deleted_at is None and (user is None or a.id == user.id),
        _l("Log in to manage your account.")),
    # A profile page shows more than the name when its owner made it public (they always see theirs).
    "profile.view": lambda a, user: (
        Refusal(_l("There is no user with that name."), NotFound) if user is None or user.deleted_at is not None
        else _deny(user.profile_public or (_signed_in(a) and (a.id == user.id or a.is_moderator)),
                   _l("This profile is private."))),
    # Organizations
    "org.create": lambda a, _obj: _deny(
        _active(a), _l("Sign in with an account in good standing to create an organization.")),
    "org.edit": lambda a, org: _deny(_active(a) and membership_role(a, _org_id(org)) == "owner",
                                     _l("Only the organization's owners can edit it.")),
    "org.manage_members": lambda a, org: _deny(_active(a) and membership_role(a, _org_id(org)) == "owner",
                                               _l("Only the organization's owners can add or remove members.")),
    "org.verify": _staff(_admin, _l("Only an admin can verify organizations.")),
    "org.member": lambda a, obj: _deny(is_member(a, _org_id(obj)), _l("Only the organization's members can do this.")),
    # Co-creation feedback (obj: the Concept). "feedback.give" votes on features, "feedback.answer"
    # answers the Kano and price questions: the same rule, each refusal worded for what was tried.
    "feedback.give": _feedback(_l("vote on")),
    "feedback.answer": _feedback(_l("answer questions about")),
    "feedback.results": _feedback_results,
    "feedback.export": _feedback_export,
    "feedback.names": _feedback_names,
    # The bulletin board (obj: a Board, Topic or Post as named). A concept's topic belongs to
    # the concept's organization: its members pin it and mark official answers on it.
    "board.manage": _staff(_admin, _l("Only admins set up boards.")),
    "topic.view": _topic_view,
    "topic.create": _topic_create,
    # Pinned announcements (obj: the Board).
    "topic.announce": _staff(_admin, _l("Only admins post announcements.")),
    "topic.pin": _topic_pin,
    "topic.lock": _staff(_moderator, _l("Only moderators lock and unlock topics.")),
    "post.view": _post_view,
    "post.create": _post_create,
    "post.edit": _post_edit,
    "post.delete": _post_delete,
    "post.history": lambda a, p: _deny(_signed_in(a) and p is not None and (a.id == p.author_id or _moderator(a)),
                                       _l("Only the author and moderators can see a post's earlier versions.")),
    "post.mark_answered": _mark_answered,
    # Concepts and their features (obj: the Organization for create, else the Concept or Feature).
    # Only the owning organization's members write; site admins and moderators do not edit
    # an organization's concepts (moderators hide them through moderation instead).
    "concept.view": _concept_view,
    "concept.create": lambda a, org: _deny(_active(a) and is_member(a, _org_id(org)),
                                           _l("Only members of an organization can post concepts for it.")),
    "concept.edit": lambda a, c: _deny(_active(a) and is_member(a, _org_id(c)),
                                       _l("Only members of the organization can edit this concept.")),
    # Research set-up (price ladder, best-worst sets, profile questions): the organization's members.
    # Answering them is "feedback.answer"; reading the figures is "feedback.results".
    "research.manage": lambda a, c: _deny(_active(a) and c is not None and is_member(a, _org_id(c)),
                                          _l("Only members of the concept's organization set up its research "
                                             "questions.")),
    # Decision updates ("you said, we did"): the concept's organization posts them.
    "decision.create": lambda a, c: _deny(_active(a) and c is not None and is_member(a, _org_id(c)),
                                          _l("Only members of the concept's organization post its decisions.")),
    # Follows and notifications: personal, so any signed-in person (a suspension stops writing
    # in public, not following or reading one's notifications).
    # Suggestions from consumers (obj: the Concept for create, else the Suggestion).
    "suggestion.view": _suggestion_view,
    "suggestion.create": _feedback(_l("suggest features for")),
    "suggestion.support": _suggestion_support,
    "suggestion.decide": _suggestion_decide,
    "post.react": _post_react,
    # Webhooks: the organization's owners (obj: the Organization).
    "webhook.manage": lambda a, org: _deny(_active(a) and membership_role(a, _org_id(org)) == "owner",
                                           _l("Only the organization's owners manage its webhooks.")),
    "follow.manage": lambda a, _obj: _deny(_signed_in(a), _l("Log in to follow concepts and topics.")),
    "notifications.view": lambda a, _obj: _deny(_signed_in(a), _l("Log in to see your notifications.")),
}


def refusal(actor: Any, action: str, obj: Any = None) -> Refusal | None:
    """Why `actor` may not do `action` on `obj`, or None when they may."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"No policy rule for {action!r}")
    return rule(actor._get_current_object() if isinstance(actor, LocalProxy) else actor, obj)  # current_user: once


def can(actor: Any, action: str, obj: Any = None) -> bool:
    return refusal(actor, action, obj) is None


def require(actor: Any, action: str, obj: Any = None) -> None:
    """Raise the refusal's domain error, with its reason, unless the actor may."""
    refused = refusal(actor, action, obj)
    if refused is not None:
        raise refused.exception()
