"""Follows and in-app notifications.

The hooks other services call (follow, notify_new_post, notify_stage_change) add rows to the
current session and never commit: the calling service commits with its own change. The functions
behind the notifications page and the follow buttons (set_following, listing, mark_read,
mark_all_read) are whole services: they check, write and commit.

Who hears about what:
- a reply: the author of the post it replies to;
- an @mention: every mentioned user that exists;
- an official post (official_organization_id set): the followers of its concept and of its topic;
- a stage change: the followers of the concept.
Never the actor themself, and at most one notification per person per post (a reply that also
mentions you is one "reply" notification; calling notify_new_post again, e.g. after an edit that
adds a mention, only reaches people not yet told). Nobody is told about something they cannot see:
while a post, its topic or its concept is hidden, only moderators would be, and the post's
deleted state stops all of it. Suspended people are still notified: a suspension stops writing,
not reading, and they should find their replies waiting when it ends.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from forum import policy
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _, _l, in_language
from forum.markup import mentions_in_html
from forum.models import Concept, Follow, Notification, Post, StageChange, Topic, User, utcnow
from forum.services import events, mail, unread
from forum.services.ids import parse_id
from forum.services.tx import commit_and_publish

MESSAGE_MAX = 300
#: A stage in a notification's sentence ("… moved to the prototype stage").
STAGE_NAMES = {"idea": _l("idea"), "concept": _l("concept"), "prototype": _l("prototype"),
               "launched": _l("launched")}
MENTIONS_MAX = 20  # people one post can notify by @mention


# --------------------------------------------------------------------------------------------
# Follows
# --------------------------------------------------------------------------------------------

def _target(concept: Any, topic: Any) -> tuple[str, Any]:
    if (concept is None) == (topic is None):
        raise ValueError("Follow exactly one of a concept or a topic.")
    return ("concept", concept) if concept is not None else ("topic", topic)


def _follow_row(user: Any, kind: str, obj: Any) -> Follow | None:
    column = Follow.concept_id if kind == "concept" else Follow.topic_id
    return db.session.scalar(select(Follow).where(Follow.user_id == user.id, column == obj.id))


def follow(user: Any, *, concept: Any = None, topic: Any = None) -> Follow:
    """Make `user` follow a concept or a topic (idempotent). Does not commit."""
    kind, obj = _target(concept, topic)
    if obj.id is None or user.id is None:
        db.session.flush()
    existing = _follow_row(user, kind, obj)
    if existing is not None:
        return existing
    row = Follow(user_id=user.id, concept_id=obj.id if kind == "concept" else None,
                 topic_id=obj.id if kind == "topic" else None)
    db.session.add(row)
    return row


def unfollow(user: Any, *, concept: Any = None, topic: Any = None) -> bool:
    """Stop following (idempotent). Does not commit. True if a follow was removed."""
    kind, obj = _target(concept, topic)
    existing = _follow_row(user, kind, obj)
    if existing is None:
        return False
    db.session.delete(existing)
    return True


def is_following(user: Any, *, concept: Any = None, topic: Any = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    kind, obj = _target(concept, topic)
    if obj.id is None:
        return False
    return _follow_row(user, kind, obj) is not None


def _int_or_none(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).strip().isdigit():
        raise ValidationError(_("That is not something you can follow."),
                              {field: [_("That is not something you can follow.")]})
    try:
        return parse_id(value)
    except ValueError:
        raise NotFound(_("There is nothing to follow at that address.")) from None


def set_following(actor: Any, following: bool, *, concept_id: Any = None,
                  topic_id: Any = None) -> Concept | Topic:
    """The follow / unfollow buttons: start or stop following a concept or a topic. Commits.
    Returns the concept or topic. Hidden things cannot be followed (404) except by moderators."""
    policy.require(actor, "follow.manage")
    concept_id = _int_or_none(concept_id, "concept_id")
    topic_id = _int_or_none(topic_id, "topic_id")
    if (concept_id is None) == (topic_id is None):
        raise ValidationError(_("Choose one concept or one topic to follow."))
    if concept_id is not None:
        obj: Any = db.session.get(Concept, concept_id)
        target = {"concept": obj}
    else:
        obj = db.session.get(Topic, topic_id)
        target = {"topic": obj}
    if not policy.can(actor, "concept.view" if concept_id is not None else "topic.view", obj):
        raise NotFound(_("There is nothing to follow at that address."))
    if following:
        follow(actor, **target)
    else:
        unfollow(actor, **target)
    commit_and_publish()
    return obj


# --------------------------------------------------------------------------------------------
# Making notifications
# --------------------------------------------------------------------------------------------

def post_url(post: Post) -> str:
    """The post's permanent link: it redirects to the page of a long thread that holds the post."""
    return f"/p/{post.id}"


def concept_url(concept: Concept) -> str:
    return f"/concepts/{concept.slug}"


def _quote(title: str, limit: int = 120) -> str:
    title = " ".join((title or "").split())
    if len(title) > limit:
        title = title[: limit - 1].rstrip() + "…"
    return f"“{title}”"


def _message(text: Any) -> str:
    text = str(text)
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def _add(user_ids: list[int], kind: str, actor_id: int | None, message: Any, url: str,
         post_id: int | None = None) -> list[Notification]:
    """`message` may be lazy (_l): each person's copy is written in the language they chose."""
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    rows = []
    for uid in user_ids:
        with in_language(getattr(users.get(uid), "locale", None)):
            text = _message(message)
        rows.append(Notification(user_id=uid, kind=kind, actor_id=actor_id, message=text, url=url,
                                 post_id=post_id))
    db.session.add_all(rows)
    events.unread_changed(*user_ids)  # pushed to their open pages after the commit
    _email(list(users.values()), "decision" if kind == "decision" else "notification", message, url)
    return rows


def _email(users: list[User], kind: str, message: Any, url: str) -> None:
    """The same news by email, to those whose settings ask for it (queued in this transaction)."""

    for user in users:
        with in_language(user.locale):
            text = _message(message)
        mail.queue(user, kind, text, "notification", message=text, link=mail.absolute(url))


def _followers(concept_id: int | None = None, topic_id: int | None = None) -> list[int]:
    conditions = []
    if concept_id is not None:
        conditions.append(Follow.concept_id == concept_id)
    if topic_id is not None:
        conditions.append(Follow.topic_id == topic_id)
    if not conditions:
        return []
    return list(db.session.scalars(select(Follow.user_id).where(or_(*conditions)).distinct()))


def _moderator_ids(user_ids: set[int]) -> set[int]:
    if not user_ids:
        return set()
    return set(db.session.scalars(select(User.id).where(
        User.id.in_(user_ids), User.role.in_(("moderator", "admin")))))


def notify_new_post(post: Post) -> list[Notification]:
    """After a post is added: its reply target's author, @mentioned users, and, for an official
    post, the followers of the concept (and of the topic) hear about it (never the author
    themself). Does not commit. Returns the notifications it added."""
    if post.id is None:
        db.session.flush()
    if post.deleted_at is not None:
        return []
    reasons = _reasons_to_hear(post)
    reasons.pop(post.author_id, None)  # never the actor themself
    if not reasons:
        return []
    # At most one notification per person per post, across calls too.
    already = set(db.session.scalars(select(Notification.user_id).where(
        Notification.post_id == post.id, Notification.user_id.in_(reasons))))
    for uid in already:
        reasons.pop(uid)
    if not policy.can(None, "post.view", post):  # not public: moderators only
        allowed = _moderator_ids(set(reasons))
        reasons = {uid: reason for uid, reason in reasons.items() if uid in allowed}
    rows: list[Notification] = []
    url = post_url(post)
    for uid, (kind, message) in reasons.items():
        rows.extend(_add([uid], kind, post.author_id, message, url, post_id=post.id))
    return rows


def _reasons_to_hear(post: Post) -> dict[int, tuple[str, Any]]:
    """Who hears of a new post and why (kind, message), one reason per person, strongest first:
    reply > mention > official."""
    topic = post.topic if post.topic is not None else db.session.get(Topic, post.topic_id)
    actor = post.author if post.author_id is not None else None
    actor_name = actor.name if actor is not None else _l("Someone")
    where = _quote(topic.title)
    reasons: dict[int, tuple[str, Any]] = {}  # dict keeps one per person, the first
    target = post.reply_to if post.reply_to_id is not None else None
    if target is not None and target.author_id is not None and target.deleted_at is None:
        reasons.setdefault(target.author_id, ("reply", _l("%(name)s replied to your post in %(where)s", name=actor_name, where=where)))
    names = mentions_in_html(post.body_html)[:MENTIONS_MAX]
    if names:
        for uid in db.session.scalars(select(User.id).where(User.username_key.in_(names))):
            reasons.setdefault(uid, ("mention", _l("%(name)s mentioned you in %(where)s", name=actor_name, where=where)))
    if post.official_organization_id is not None:
        org = post.official_organization
        speaker = org.name if org is not None else actor_name
        for uid in _followers(topic.concept_id, topic.id):
            reasons.setdefault(uid, ("official", _l("%(name)s replied officially in %(where)s", name=speaker, where=where)))
    return reasons


def notify_invitation(membership: Any, inviter: Any, organization: Any) -> list[Notification]:
    """Tell a person they are invited to an organization; they answer on their invitations page."""
    if membership.role == "owner":
        message = _l("%(name)s invited you to join %(org)s as an owner. Accept or decline it.",
                     name=inviter.name, org=organization.name)
    else:
        message = _l("%(name)s invited you to join %(org)s as a member. Accept or decline it.",
                     name=inviter.name, org=organization.name)
    return _add([membership.user_id], "invitation", inviter.id, message, "/invitations")


def notify(user_id: int, kind: str, message: Any, url: str = "", actor_id: int | None = None) -> Notification:
    """Tell one person something directly (a moderator's decision, a flag's outcome). Does not commit.
    `message` is lazy (`_l`, `later`): it is read in the person's language, not the actor's."""
    return _add([user_id], kind, actor_id, message, url)[0]


def quote(title: str, limit: int = 120) -> str:
    return _quote(title, limit)


def notify_stage_change(concept: Concept, change: StageChange,
                        exclude: set[int] | None = None) -> list[Notification]:
    """A concept moved to another stage: its followers hear about it (except `exclude`). Does not commit."""
    if concept.id is None:
        db.session.flush()
    recipients = set(_followers(concept_id=concept.id)) - (exclude or set())
    recipients.discard(change.changed_by_id)
    if not policy.can(None, "concept.view", concept):  # not public: moderators only
        recipients = _moderator_ids(recipients)
    if not recipients:
        return []
    message = _l("%(title)s moved to the %(stage)s stage", title=_quote(concept.title),
                 stage=STAGE_NAMES.get(change.to_stage, change.to_stage))
    return _add(sorted(recipients), "stage", change.changed_by_id, message, concept_url(concept))


def notify_decision(concept: Concept, decision: Any, recipients: set[int]) -> list[Notification]:
    """A decision update: everyone who shaped the concept hears it (never its author). Does not commit."""
    recipients = set(recipients)
    recipients.discard(decision.author_id)
    if not policy.can(None, "concept.view", concept):  # not public: moderators only
        recipients = _moderator_ids(recipients)
    if not recipients:
        return []
    message = _l("A concept you helped shape has a decision: %(quote)s: %(title)s", quote=_quote(concept.title),
                 title=decision.title)
    return _add(sorted(recipients), "decision", decision.author_id, message,
                f"{concept_url(concept)}#decision-{decision.id}")


# --------------------------------------------------------------------------------------------
# Reading them
# --------------------------------------------------------------------------------------------

def unread_count(user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return unread_count_of(user.id)


def unread_count_of(user_id: int) -> int:
    return unread.count(user_id)


def listing(actor: Any, page: int = 1, per_page: int = 20):
    """The actor's notifications, newest first (a Flask-SQLAlchemy Pagination)."""
    policy.require(actor, "notifications.view")
    stmt = (select(Notification).where(Notification.user_id == actor.id)
            .options(selectinload(Notification.actor))
            .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def get_own(actor: Any, notification_id: int) -> Notification:
    """One of the actor's notifications; anybody else's is 404 (not even its existence shows)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or actor is None or notification.user_id != actor.id:
        raise NotFound(_("There is no such notification."))
    return notification


def mark_read(actor: Any, notification_id: int) -> Notification:
    notification = get_own(actor, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        commit_and_publish()
        _push_unread(actor.id)
    return notification


def mark_all_read(actor: Any) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    commit_and_publish()
    _push_unread(actor.id)
    return result.rowcount or 0


def _push_unread(user_id: int) -> None:
    """The person's other open pages show the new count."""
    events.push_unread(user_id)
