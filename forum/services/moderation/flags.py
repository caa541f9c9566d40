"""Flags and the review queue: a member flags a post, a concept or a profile; flags weigh by the
flagger's trust and record; enough weight hides the thing at once, pending review; moderators work
through the open items, and closing one tells every flagger what became of it."""
from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from forum import policy
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _, _l
from forum.models import FLAG_REASONS, Concept, Flag, Post, ReviewItem, Suspension, User, utcnow
from forum.models.moderation import REVIEW_KINDS, SYSTEM_REASONS
from forum.services import events, notifications
from forum.services.moderation.effects import describe, hidden_reason, hide, item_target, owner_id, unhide, url
from forum.services.moderation.trust import check_rate, flag_record
from forum.services.site_settings import setting
from forum.services.tx import commit_and_publish

NOTE_MAX = 500
FLAG_COLUMNS = {"post": Flag.post_id, "concept": Flag.concept_id, "user": Flag.user_id}


def flag_weight(user: User) -> float:
    """How much a person's flag counts (as Discourse does): their trust level sets the base (a new
    account 1, a leader 5), and their record scales it from 0.5x (every earlier flag dismissed) to
    1.5x (every one upheld), starting at 1x with no record."""
    base = {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0, 4: 5.0}.get(user.trust_level, 1.0)
    if user.is_moderator:
        base = max(base, 4.0)
    upheld, dismissed = flag_record(user.id)
    accuracy = (upheld + 1) / (upheld + dismissed + 2)
    return round(base * (0.5 + accuracy), 3)


def _nothing_there() -> NotFound:
    return NotFound(_("There is nothing to flag at that address."))


def _target(actor: Any, kind: str, target_id: Any) -> Any:
    """The thing to flag, as far as the actor may see it."""
    try:
        ident = int(target_id)
    except (TypeError, ValueError):
        raise _nothing_there() from None
    if not 0 < ident < 2**31:
        raise _nothing_there()
    model = {"post": Post, "concept": Concept, "user": User}.get(kind)
    if model is None:
        raise ValidationError(_("Flag a post, a concept or a profile."))
    obj = db.session.get(model, ident)
    if obj is None:
        raise _nothing_there()
    if kind == "post" and (obj.deleted_at is not None or not policy.can(actor, "post.view", obj)):
        raise _nothing_there()
    if kind == "concept" and not policy.can(actor, "concept.view", obj):
        raise _nothing_there()
    return obj


def open_item(kind: str, *, post_id: int | None = None, concept_id: int | None = None,
              user_id: int | None = None, suspension_id: int | None = None, reason: str = "flags",
              detail: str = "") -> ReviewItem:
    """The open queue item about a thing, made if there is none. Does not commit."""
    target = post_id or concept_id or user_id or suspension_id
    key = f"{kind}:{target}"
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.open_key == key))
    if item is None:
        item = ReviewItem(kind=kind, post_id=post_id, concept_id=concept_id, user_id=user_id,
                          suspension_id=suspension_id, reason=reason, detail=detail[:500], weight=0.0,
                          open_key=key, created_at=utcnow())
        db.session.add(item)
        db.session.flush()
    elif reason != "flags" and item.reason == "flags":
        item.reason, item.detail = reason, detail[:500]
    return item


def _check_note(reason: Any, note: Any) -> str:
    if reason not in FLAG_REASONS:
        raise ValidationError(_("Choose why you flag it."), {"reason": [_("Choose one of the reasons.")]})
    note = " ".join((note if isinstance(note, str) else "").split())
    if reason == "other" and not note:
        raise ValidationError(_("Say what is wrong."), {"note": [_("Tell the moderators what is wrong.")]})
    if len(note) > NOTE_MAX:
        raise ValidationError(_("A note has at most %(n)d characters.", n=NOTE_MAX),
                              {"note": [_("At most %(n)d characters.", n=NOTE_MAX)]})
    return note


def flag(actor: Any, kind: Any, target_id: Any, reason: Any, note: Any = "") -> Flag:
    """Flag a post, a concept or a profile. One flag per person per thing. When the weight of an item's
    flags reaches the threshold it is hidden at once, pending review; a single new account never
    hides anything on its own."""
    policy.require(actor, "flag.create")
    kind = kind if isinstance(kind, str) else ""
    obj = _target(actor, kind, target_id)
    if owner_id(kind, obj) == actor.id:
        raise ValidationError(_("You cannot flag your own writing or profile."))
    note = _check_note(reason, note)
    if db.session.scalar(select(Flag.id).where(Flag.reporter_id == actor.id, FLAG_COLUMNS[kind] == obj.id)):
        raise Conflict(_("You have already flagged this. You can withdraw it on your flags page."))
    check_rate(actor, "flag")
    weight = flag_weight(actor)
    item = open_item(kind, **{f"{kind}_id": obj.id})
    row = Flag(reporter_id=actor.id, reason=reason, note=note, weight=weight, review_item_id=item.id,
               created_at=utcnow(), **{f"{kind}_id": obj.id})
    db.session.add(row)
    item.weight = (item.weight or 0.0) + weight
    recorded: list[events.Event] = []
    db.session.flush()
    if _should_hide(item) and not hidden_reason(kind, obj):  # what is hidden stays hidden as it is
        told = _l("Members flagged %(what)s, so it is hidden until a moderator reviews it.",
                  what=describe(kind, obj))
        recorded += hide(None, kind, obj, "flags", _("Flags from members reached the threshold."), told)
    commit_and_publish(*recorded, conflict=_("You have already flagged this."))
    return row


def open_flags(item: ReviewItem) -> list[Flag]:
    return [f for f in item.flags if f.resolved_at is None]


def _should_hide(item: ReviewItem) -> bool:
    flags = open_flags(item)
    if not flags or item.weight < float(setting("flag_threshold")):
        return False
    reporters = {f.reporter_id for f in flags}
    if len(reporters) == 1:
        reporter = flags[0].reporter
        if reporter is None or reporter.trust_level == 0:
            return False  # one new account never hides anything alone
    return True


def withdraw_flag(actor: Any, flag_id: int) -> None:
    """The flagger takes a flag back while it is open. If no flags remain, the item leaves the queue
    and anything the flags hid comes back."""
    row = db.session.get(Flag, flag_id)
    if row is None or actor is None or row.reporter_id != actor.id:
        raise NotFound(_("There is no such flag of yours."))
    if row.resolved_at is not None:
        raise Conflict(_("A moderator has already reviewed this flag."))
    item = row.item
    recorded: list[events.Event] = []
    db.session.delete(row)
    db.session.flush()
    if item is not None:
        db.session.refresh(item)
        item.weight = max(0.0, sum(f.weight for f in open_flags(item)))
        if not open_flags(item) and item.reason == "flags":
            item.resolved_at, item.resolution, item.open_key = utcnow(), "withdrawn", None
            kind, obj = item_target(item)
            if obj is not None and hidden_reason(kind, obj) == "flags":
                recorded += unhide(None, kind, obj, _("Every flag was withdrawn."))
    commit_and_publish(*recorded)


def my_flags(actor: Any, page: int = 1, per_page: int = 25):
    """The flags a person raised, newest first, with what became of them."""
    policy.require(actor, "flag.list_own")
    stmt = (select(Flag).where(Flag.reporter_id == actor.id)
            .options(joinedload(Flag.item).joinedload(ReviewItem.post).joinedload(Post.topic),
                     joinedload(Flag.item).joinedload(ReviewItem.concept),
                     joinedload(Flag.item).joinedload(ReviewItem.user))
            .order_by(Flag.created_at.desc(), Flag.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def waiting_count() -> int:
    """Open items in the queue (the header's count for moderators), once a request."""
    if has_request_context() and "_queue_count" in g:
        return g._queue_count
    count = db.session.scalar(select(func.count(ReviewItem.id)).where(ReviewItem.resolved_at.is_(None))) or 0
    if has_request_context():
        g._queue_count = count
    return count


def queue(actor: Any, *, kind: str = "", reason: str = "", page: int = 1, per_page: int = 25):
    """Open items, oldest first, each with all its flags; filtered by kind and by reason."""
    policy.require(actor, "moderation.access")
    stmt = (select(ReviewItem).where(ReviewItem.resolved_at.is_(None))
            .options(selectinload(ReviewItem.flags).joinedload(Flag.reporter),
                     joinedload(ReviewItem.post).joinedload(Post.author),
                     joinedload(ReviewItem.post).joinedload(Post.topic),
                     joinedload(ReviewItem.concept), joinedload(ReviewItem.user),
                     joinedload(ReviewItem.suspension).joinedload(Suspension.user))
            .order_by(ReviewItem.created_at, ReviewItem.id))
    if kind in REVIEW_KINDS:
        stmt = stmt.where(ReviewItem.kind == kind)
    if reason in SYSTEM_REASONS:
        stmt = stmt.where(ReviewItem.reason == reason)
    elif reason in FLAG_REASONS:
        stmt = stmt.where(ReviewItem.id.in_(select(Flag.review_item_id).where(
            Flag.reason == reason, Flag.resolved_at.is_(None))))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def get_item(actor: Any, item_id: int) -> ReviewItem:
    policy.require(actor, "moderation.access")
    item = db.session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(_("There is no such item in the queue."))
    return item


def item_about(kind: str, obj: Any) -> ReviewItem | None:
    """The open queue item about a thing, if any."""
    return db.session.scalar(select(ReviewItem).where(ReviewItem.open_key == f"{kind}:{obj.id}"))


def resolve(actor: Any, item: ReviewItem, resolution: str, upheld: bool, outcome: Any) -> None:
    """Close an item: its open flags are upheld or dismissed and each flagger is told the outcome."""
    now = utcnow()
    item.resolved_at, item.resolved_by_id, item.resolution, item.open_key = now, actor.id, resolution, None
    kind, obj = item_target(item)
    what = {"post": _l("the post"), "concept": _l("the concept"), "user": _l("the profile")}.get(kind)
    for row in open_flags(item):
        row.resolved_at, row.resolved_by_id = now, actor.id
        row.resolution = "upheld" if upheld else "dismissed"
        if row.reporter_id is not None and obj is not None and what is not None:
            notifications.notify(row.reporter_id, "flag", _l("Thank you for your flag on %(what)s you reported: "
                                  "%(outcome)s", what=what, outcome=outcome), url(kind, obj), actor.id)
