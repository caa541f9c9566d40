"""The table of moderation actions, and the one way to take them.

Each action says what it applies to (a post, a concept or a profile in the queue, an appeal, a
person on the people page), the policy rule that decides who may take it, its effect, the words the
moderator chooses it by, the words the person concerned is told and the words each flagger is told.
The queue, a post's page and a person's page all list and take actions from this one table, so they
cannot diverge.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from forum import policy
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _, _l, later
from forum.models import ReviewItem, Suspension, User
from forum.services import events, notifications
from forum.services.ids import parse_id
from forum.services.moderation import effects, people
from forum.services.moderation.auditing import audit
from forum.services.moderation.flags import item_about, resolve
from forum.services.tx import commit_and_publish

CONTENT = ("post", "concept", "user")      # queue items about a thing
ON_AUTHOR = CONTENT + ("person",)           # the author of a thing, or the person of the people page


@dataclass
class Step:
    """One action being taken: who, on what, why, and the form's extra fields."""

    actor: Any
    action: Action
    kind: str                 # post, concept, user (a profile), appeal, person
    obj: Any                  # the thing (a Post, Concept, User or Suspension)
    person: User | None       # whom it concerns (the author, the profile's or appeal's owner)
    item: ReviewItem | None   # the open queue item it closes, if any
    reason: str
    fields: dict[str, Any] = field(default_factory=dict)

    def told(self, **words: Any) -> Any:
        """The action's words to the person concerned, filled in when read: in their language."""
        return later(self.action.told, what=effects.describe(self.kind, self.obj), reason=self.reason, **words)


Effect = Callable[[Step], list[events.Event]]


@dataclass(frozen=True)
class Action:
    name: str
    applies_to: tuple[str, ...]
    rule: str                 # the policy rule; its object is the person for on_person actions
    effect: Effect
    label: Any                # how the moderator chooses it
    told: Any                 # what the person concerned is told (%(what)s, %(reason)s, %(date)s)
    outcome: Any = ""         # what each flagger is told when it closes their item
    upheld: bool = True       # the flags were right
    on_person: bool = False   # acts on a person (their author), not on the thing
    needs_item: bool = False  # only on an open queue item
    ends_sessions: bool = False  # the person's open pages reconnect as who they are now
    resolution: str = ""      # the queue item's resolution (default: the name)
    person_label: Any = None  # how it reads on the people page, where there is no author


# --- the effects ------------------------------------------------------------------------------

def _dismiss(step: Step) -> list[events.Event]:
    if effects.hidden_reason(step.kind, step.obj) in ("flags", "held"):
        return effects.unhide(step.actor, step.kind, step.obj, step.reason)
    audit(step.actor, "flags.dismiss", step.kind, step.obj.id, subject_id=getattr(step.person, "id", None),
          reason=step.reason)
    return []


def _hide(step: Step) -> list[events.Event]:
    kind, obj = _thing(step)
    if kind == "post" and obj.deleted_at is not None:
        raise Conflict(_("This post is already deleted."))
    if effects.hidden_reason(kind, obj) and step.item is None:
        raise Conflict(_("It is already hidden."))
    return effects.hide(step.actor, kind, obj, "moderator", step.reason, step.told())


def _restore(step: Step) -> list[events.Event]:
    kind, obj = _thing(step)
    if not effects.hidden_reason(kind, obj):
        raise Conflict(_("It is not hidden."))
    return effects.unhide(step.actor, kind, obj, step.reason)


def _thing(step: Step) -> tuple[str, Any]:
    """On the people page the thing hidden or restored is the person's profile."""
    return ("user", step.person) if step.kind == "person" else (step.kind, step.obj)


def _delete(step: Step) -> list[events.Event]:
    return effects.delete_post(step.actor, step.obj, step.reason, step.told())


def _edit(step: Step) -> list[events.Event]:
    recorded = effects.edit_post(step.actor, step.obj, step.fields.get("body"), step.reason, step.told())
    if step.obj.hidden_reason in ("flags", "held"):
        recorded += effects.unhide(step.actor, "post", step.obj, step.reason, tell=False)
    return recorded


def _lock(step: Step) -> list[events.Event]:
    topic = step.obj.topic
    return effects.lock_topic(step.actor, topic, step.reason, step.obj.author_id,
                              step.told(title=notifications.quote(topic.title)))


def _warn(step: Step) -> list[events.Event]:
    return people.warn(step.actor, step.person, step.reason, step.told())


def _restrict(step: Step) -> list[events.Event]:
    return people.restrict(step.actor, step.person, step.action.name, step.reason, step.fields.get("until"),
                           step.action.told)


def _trust(step: Step) -> list[events.Event]:
    people.set_trust_level(step.actor, step.person, step.fields.get("level"), step.reason, commit=False)
    return []


def _lift(step: Step) -> list[events.Event]:
    """From an appeal: lift the suspension appealed against (if still in force) and grant the appeal.
    From the people page: lift the restriction chosen."""
    if step.kind != "appeal":
        return people.lift(step.actor, _restriction(step), step.reason, step.told())
    row = step.obj
    recorded = people.lift(step.actor, row, step.reason, step.told()) if row.active() else []
    audit(step.actor, "appeal.grant", "suspension", row.id, subject_id=row.user_id, reason=step.reason)
    return recorded


def _restriction(step: Step) -> Suspension:
    try:
        ident = parse_id(step.fields.get("suspension_id"))
    except (TypeError, ValueError):
        ident = None
    row = db.session.get(Suspension, ident) if ident is not None else None
    if row is None or row.user_id != step.person.id:
        raise NotFound(_("There is no such restriction of this person."))
    return row


def _uphold(step: Step) -> list[events.Event]:
    row = step.obj
    audit(step.actor, "appeal.uphold", "suspension", row.id, subject_id=row.user_id, reason=step.reason)
    notifications.notify(row.user_id, "moderation", step.told(), "", step.actor.id)
    return []


# --- the table --------------------------------------------------------------------------------

ACTS = "moderation.act"
ON_PERSON = "moderation.act_on_person"
LIFT = "moderation.lift"

TABLE: tuple[Action, ...] = (
    Action("dismiss", CONTENT, ACTS, _dismiss, _l("Dismiss the flags (nothing wrong)"),
           _l("A moderator reviewed %(what)s: it is visible again. %(reason)s"),
           _l("a moderator reviewed it and found no problem."), upheld=False, needs_item=True),
    Action("hide", CONTENT, ACTS, _hide, _l("Hide it"), _l("A moderator hid %(what)s. Reason: %(reason)s"),
           _l("a moderator hid it.")),
    Action("restore", CONTENT, ACTS, _restore, _l("Restore it (make it visible again)"),
           _l("A moderator reviewed %(what)s: it is visible again. %(reason)s"),
           _l("a moderator reviewed it and made it visible again."), upheld=False),
    Action("delete", ("post",), ACTS, _delete, _l("Delete the post"),
           _l("A moderator deleted %(what)s. Reason: %(reason)s"), _l("a moderator deleted it.")),
    Action("edit", ("post",), ACTS, _edit, _l("Edit the post (the original is kept)"),
           _l("A moderator edited %(what)s. Reason: %(reason)s"), _l("a moderator edited it.")),
    Action("lock", ("post",), "topic.lock", _lock, _l("Lock the topic"),
           _l("A moderator locked the topic %(title)s. Reason: %(reason)s"), _l("a moderator locked the topic.")),
    Action("warn", ON_AUTHOR, ON_PERSON, _warn, _l("Warn the author (they must acknowledge it)"),
           _l("A moderator warned you: %(reason)s"), _l("a moderator warned its author."), on_person=True,
           person_label=_l("Warn (they must acknowledge it)")),
    Action("silence", ON_AUTHOR, ON_PERSON, _restrict, _l("Silence the author (read-only until the date below)"),
           _l("A moderator has made your account read-only until %(date)s. Reason: %(reason)s"),
           _l("a moderator silenced its author for a while."), on_person=True, ends_sessions=True,
           person_label=_l("Silence: read-only until the date")),
    Action("suspend", ON_AUTHOR, ON_PERSON, _restrict, _l("Suspend the author until the date below"),
           _l("A moderator has suspended your account until %(date)s. Reason: %(reason)s"),
           _l("a moderator suspended its author."), on_person=True, ends_sessions=True,
           person_label=_l("Suspend until the date")),
    Action("ban", ON_AUTHOR, "moderation.ban", _restrict, _l("Ban the author (admins)"),
           _l("An admin has banned your account. Reason: %(reason)s"), _l("an admin banned its author."),
           on_person=True, ends_sessions=True, person_label=_l("Ban (admins)")),
    Action("trust", ("person",), ON_PERSON, _trust, _l("Set the trust level"), "", on_person=True),
    Action("hide_profile", ("person",), ON_PERSON, _hide, _l("Hide the profile"),
           _l("A moderator hid %(what)s. Reason: %(reason)s"), _l("a moderator hid it."), on_person=True,
           resolution="hide"),
    Action("restore_profile", ("person",), ON_PERSON, _restore, _l("Restore the profile"),
           _l("A moderator reviewed %(what)s: it is visible again. %(reason)s"),
           _l("a moderator reviewed it and made it visible again."), upheld=False, on_person=True,
           resolution="restore"),
    Action("uphold", ("appeal",), LIFT, _uphold, _l("Turn the appeal down (the suspension stays)"),
           _l("A moderator reviewed your appeal and kept the suspension. %(reason)s"), needs_item=True),
    Action("lift", ("appeal", "person"), LIFT, _lift, _l("Grant the appeal (lift the suspension)"),
           _l("A moderator lifted the restriction on your account. %(reason)s"), upheld=False,
           ends_sessions=True),
)
ACTIONS = {action.name: action for action in TABLE}


def actions_for(kind: str) -> list[Action]:
    """The actions that apply to a kind of thing, in the table's order."""
    return [action for action in TABLE if kind in action.applies_to]


# --- taking an action ---------------------------------------------------------------------------

def _person(action: Action, kind: str, obj: Any) -> User | None:
    """Whom an action concerns: the person of the people page, the owner of a thing or an appeal."""
    if kind == "person":
        return obj
    owner = effects.owner_id(kind, obj)
    person = db.session.get(User, owner) if owner is not None else None
    if person is None and action.on_person:
        raise Conflict(_("The author's account no longer exists."))
    return person


def subject(action: Action, kind: str, obj: Any) -> Any:
    """What the action's policy rule is asked about: the person for actions on people, else the thing."""
    return _person(action, kind, obj) if action.on_person else obj


def _fits(action: Action, kind: str, obj: Any, item: ReviewItem | None) -> bool:
    """Restore only what is hidden; hide only what is visible (or confirm a hide the flags made)."""
    if kind not in CONTENT or action.name not in ("hide", "restore"):
        return True
    hidden = bool(effects.hidden_reason(kind, obj))
    return hidden if action.name == "restore" else (not hidden or item is not None)


def offered(actor: Any, kind: str, obj: Any, item: ReviewItem | None = None) -> list[Action]:
    """The actions the actor may take on a thing, as the policy decides (what a form lists)."""
    found = []
    for action in actions_for(kind):
        if action.needs_item and item is None or not _fits(action, kind, obj, item):
            continue
        try:
            if policy.can(actor, action.rule, subject(action, kind, obj)):
                found.append(action)
        except Conflict:
            continue
    return found


def take(actor: Any, name: Any, kind: str, obj: Any, reason: Any, *, item: ReviewItem | None = None,
         then: Any = None, **fields: Any) -> None:
    """Take the action `name` on a thing, with a reason the person concerned is told; close the open
    queue item about it (each flagger is told the outcome), commit and publish. `then`: an action
    on the thing's author taken with it, in the same transaction (hide it, and suspend its author)."""
    recorded, ended = _step(actor, name, kind, obj, reason, item, fields)
    if then:
        more, also_ended = _step(actor, then, kind, obj, reason, None, fields, on_person=True)
        recorded, ended = recorded + more, ended | also_ended
    commit_and_publish(*recorded)
    for person_id in ended:
        events.end_live_sessions(person_id)


def _step(actor: Any, name: Any, kind: str, obj: Any, reason: Any, item: ReviewItem | None,
          fields: dict[str, Any], on_person: bool | None = None) -> tuple[list[events.Event], set[int]]:
    """One action's effect, not committed: its events and whose sessions it ends."""
    action = ACTIONS.get(name) if isinstance(name, str) else None
    if action is None or kind not in action.applies_to or (action.needs_item and item is None) \
            or (on_person is not None and action.on_person != on_person):
        raise ValidationError(_("Choose one of the actions offered."))
    person = _person(action, kind, obj)
    policy.require(actor, action.rule, person if action.on_person else obj)
    step = Step(actor, action, kind, obj, person, item, people.check_reason(reason), fields)
    recorded = action.effect(step)
    if item is not None:
        resolve(actor, item, action.resolution or action.name, action.upheld, action.outcome)
    return recorded, {person.id} if action.ends_sessions and person is not None else set()


def act_on_item(actor: Any, item: ReviewItem, action: Any, reason: Any, *, body: Any = None,
                until: Any = None, then: Any = None) -> ReviewItem:
    """A moderator's decision on a queue item, always with a reason the person concerned is told."""
    policy.require(actor, ACTS)
    if item.resolved_at is not None:
        raise Conflict(_("This item was already dealt with."))
    kind, obj = effects.item_target(item)
    if obj is None:
        raise Conflict(_("What this item was about no longer exists."))
    take(actor, action, kind, obj, reason, item=item, body=body, until=until, then=then)
    return item


def act_on_post(actor: Any, post: Any, action: Any, reason: Any, *, body: Any = None, until: Any = None,
                then: Any = None) -> None:
    """A moderator acts on a post straight from its page: the same actions as the queue; if the post
    has an open queue item, the decision closes it too."""
    policy.require(actor, ACTS)
    take(actor, action, "post", post, reason, item=item_about("post", post), body=body, until=until, then=then)


def act_on_person(actor: Any, user: User, action: Any, reason: Any, *, until: Any = None,
                  level: Any = None, suspension_id: Any = None) -> None:
    """The people page: warn, silence, suspend, ban, lift a restriction, set the trust level, hide or
    restore the profile (which closes the open queue item about the profile, if any)."""
    policy.require(actor, ACTS)
    profile = action in ("hide_profile", "restore_profile")
    take(actor, action, "person", user, reason, item=item_about("user", user) if profile else None,
         until=until, level=level, suspension_id=suspension_id)
