"""Moderation: flags and the review queue, acting on content and on people, trust levels and the
limits on new accounts, blocked words and domains, site settings, and the audit log.

Every function that changes data takes the actor, asks the policy, writes its rows, the audit entry,
the notification to the person concerned and the live events in one transaction, commits, and then
publishes the events.

Restrictions are timestamps on the user row (`silenced_until`, `suspended_until`) compared with the
clock on every check, so they end on their date with no job running.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from forum import policy
from forum.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationError
from forum.extensions import db, limiter
from forum.models import (
    FLAG_REASONS,
    BlockedTerm,
    Concept,
    Feature,
    FeatureVote,
    Flag,
    KanoAnswer,
    ModerationAction,
    ModeratorWarning,
    Post,
    PostRevision,
    PriceResponse,
    ReviewItem,
    SiteSetting,
    Suspension,
    Topic,
    User,
    utcnow,
)
from forum.models.board import recount_posts
from forum.models.moderation import REVIEW_KINDS, SYSTEM_REASONS
from forum.services import events, notifications, search
from forum.services.tx import commit_and_publish

REASON_MAX = 500
NOTE_MAX = 500
WARNING_MAX = 1000
APPEAL_MAX = 2000
TERM_MAX = 120
BAN_UNTIL = datetime(9999, 12, 31)
TRUST_LEVELS = {0: "new", 1: "basic", 2: "member", 3: "regular", 4: "leader"}


# =============================================================================================
# Site settings
# =============================================================================================

@dataclass(frozen=True)
class Setting:
    key: str
    default: float | int
    label: str
    help: str
    group: str
    minimum: float = 0
    maximum: float = 10_000


SETTINGS: tuple[Setting, ...] = (
    Setting("flag_threshold", 6.0, "Flag weight that hides an item",
            "When the flags on an item weigh this much together, it is hidden at once, pending review. "
            "A new account's flag weighs 0.5 to 1.5; a regular's up to 6.", "flags", 0.5, 1000),
    Setting("tl1_days", 1, "Basic: days since joining", "Trust level 1 needs an account this old…", "trust", 0, 3650),
    Setting("tl1_posts", 1, "Basic: posts written", "…and this many visible posts.", "trust", 0, 100_000),
    Setting("tl2_days", 14, "Member: days since joining", "Trust level 2 needs an account this old…", "trust", 0, 3650),
    Setting("tl2_posts", 10, "Member: posts written",
            "…this many visible posts, and no post removed after flags in that time.", "trust", 0, 100_000),
    Setting("tl3_days", 60, "Regular: days since joining", "Trust level 3 needs an account this old…", "trust", 0, 3650),
    Setting("tl3_posts", 50, "Regular: posts written",
            "…this many visible posts, no post removed after flags in that time, and at least one "
            "flag of theirs upheld.", "trust", 0, 100_000),
    Setting("new_posts_per_hour", 10, "New accounts: posts per hour", "Topics and replies.", "limits", 1, 10_000),
    Setting("new_votes_per_hour", 30, "New accounts: votes and answers per hour",
            "Feature votes, Kano and price answers.", "limits", 1, 10_000),
    Setting("new_flags_per_day", 5, "New accounts: flags per day", "", "limits", 1, 10_000),
    Setting("flags_per_day", 30, "Everyone else: flags per day", "", "limits", 1, 10_000),
    Setting("new_link_cap", 2, "New accounts: links per post", "In each of their first posts (below).",
            "limits", 0, 1000),
    Setting("new_link_posts", 5, "New accounts: first posts with the link cap", "", "limits", 0, 1000),
    Setting("new_vote_delay_minutes", 60, "New accounts: minutes before votes count",
            "A brand-new account's feature votes join the public tallies after this wait.", "limits", 0, 100_000),
)
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}


def settings() -> dict[str, float | int]:
    """Every setting's current value (defaults overridden by the admins' values); one query a request."""
    cache = g.get("_site_settings") if has_app_context() else None
    if cache is not None:
        return cache
    values: dict[str, float | int] = {s.key: s.default for s in SETTINGS}
    for key, value in db.session.execute(select(SiteSetting.key, SiteSetting.value)):
        if key in SETTINGS_BY_KEY and isinstance(value, int | float):
            values[key] = value
    if has_app_context():
        g._site_settings = values
    return values


def setting(key: str) -> Any:
    return settings()[key]


def _forget_settings() -> None:
    if has_app_context():
        g.pop("_site_settings", None)
        g.pop("_blocked_terms", None)


def update_settings(actor: Any, values: dict[str, Any]) -> dict[str, float | int]:
    """Admins change the settings; each change is audited with its old and new value."""
    if not policy.can(actor, "admin.settings"):
        raise PermissionDenied("Only admins change the site settings.")
    current = settings()
    errors: dict[str, list[str]] = {}
    parsed: dict[str, float | int] = {}
    for spec in SETTINGS:
        raw = values.get(spec.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            number = float(str(raw).strip())
        except ValueError:
            errors[spec.key] = ["Enter a number."]
            continue
        if not math.isfinite(number) or not spec.minimum <= number <= spec.maximum:
            errors[spec.key] = [f"Enter a number from {spec.minimum:g} to {spec.maximum:g}."]
            continue
        parsed[spec.key] = number if isinstance(spec.default, float) else int(number)
        if isinstance(spec.default, int) and number != int(number):
            errors[spec.key] = ["Enter a whole number."]
    if errors:
        raise ValidationError("Please correct the marked settings.", errors)
    now = utcnow()
    for key, value in parsed.items():
        if value == current[key]:
            continue
        row = db.session.get(SiteSetting, key)
        if row is None:
            db.session.add(SiteSetting(key=key, value=value, updated_at=now, updated_by_id=actor.id))
        else:
            row.value, row.updated_at, row.updated_by_id = value, now, actor.id
        audit(actor, "settings.change", "setting", 0, reason=key, before=str(current[key]), after=str(value))
    db.session.commit()
    _forget_settings()
    return settings()


# =============================================================================================
# The audit log
# =============================================================================================

#: Public wording of each kind of action (the public log shows these, never who or what).
ACTION_LABELS = {
    "post.hide": "Post hidden", "post.restore": "Post restored", "post.delete": "Post deleted",
    "post.edit": "Post edited", "post.approve": "Held post approved",
    "topic.lock": "Topic locked", "topic.unlock": "Topic unlocked", "topic.pin": "Topic pinned",
    "topic.unpin": "Topic unpinned",
    "concept.hide": "Concept hidden", "concept.restore": "Concept restored",
    "profile.hide": "Profile hidden", "profile.restore": "Profile restored",
    "flags.dismiss": "Flags dismissed",
    "user.warn": "Warning given", "user.silence": "Member silenced", "user.suspend": "Member suspended",
    "user.ban": "Member banned", "user.lift": "Restriction lifted early", "user.trust": "Trust level set",
    "appeal.uphold": "Appeal turned down", "appeal.grant": "Appeal granted",
    "org.verify": "Organization verified", "org.unverify": "Organization unverified",
    "settings.change": "Site setting changed", "blocked.add": "Blocked word or domain added",
    "blocked.remove": "Blocked word or domain removed",
    "role.consumer": "Role set to consumer", "role.moderator": "Moderator appointed", "role.admin": "Admin appointed",
    "board.create": "Board created", "board.edit": "Board edited",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace(".", " ").capitalize())


def audit(actor: Any, action: str, target_type: str, target_id: int, *, subject_id: int | None = None,
          reason: str = "", before: str | None = None, after: str | None = None) -> ModerationAction:
    """Append an entry to the audit log in the current transaction (actor None: the system)."""
    entry = ModerationAction(actor_id=getattr(actor, "id", None), action=action, target_type=target_type,
                             target_id=target_id, subject_id=subject_id, reason=(reason or "")[:REASON_MAX],
                             before=before, after=after)
    db.session.add(entry)
    return entry


def _parse_day(value: Any) -> datetime | None:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        return None
    try:
        return datetime.strptime(text[:10], "%Y-%m-%d")
    except ValueError:
        raise ValidationError("Enter dates as YYYY-MM-DD.") from None


def audit_log(actor: Any, *, person: str = "", action: str = "", since: str = "", until: str = "",
              q: str = "", page: int = 1, per_page: int = 50):
    """The audit log for moderators and admins, newest first, filtered by person (who acted or whom
    it concerned), action, date range and words in the reason."""
    policy.require(actor, "moderation.access")
    stmt = (select(ModerationAction)
            .options(joinedload(ModerationAction.actor), joinedload(ModerationAction.subject))
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()))
    person = (person or "").strip().lstrip("@").lower()[:32]
    if person:
        ids = list(db.session.scalars(select(User.id).where(User.username_key == person)))
        if not ids:
            ids = [-1]
        stmt = stmt.where(or_(ModerationAction.actor_id.in_(ids), ModerationAction.subject_id.in_(ids)))
    if action:
        stmt = stmt.where(ModerationAction.action == action[:40])
    start, end = _parse_day(since), _parse_day(until)
    if start is not None:
        stmt = stmt.where(ModerationAction.created_at >= start)
    if end is not None:
        stmt = stmt.where(ModerationAction.created_at < end + timedelta(days=1))
    q = (q or "").strip()[:100]
    if q:
        stmt = stmt.where(func.lower(ModerationAction.reason).contains(q.lower(), autoescape=True))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def audit_actions() -> list[str]:
    """The kinds of action present in the log (for the filter)."""
    return sorted(db.session.scalars(select(ModerationAction.action).distinct()))


def public_log(days: int = 30) -> dict[str, Any]:
    """What kinds of action were taken and how often: counts only, nothing personal."""
    since = utcnow() - timedelta(days=days)
    recent = func.sum(case((ModerationAction.created_at >= since, 1), else_=0))
    rows = db.session.execute(select(ModerationAction.action, func.count(), recent)
                              .group_by(ModerationAction.action)).all()
    counts = sorted(({"action": a, "label": action_label(a), "total": int(total), "recent": int(r or 0)}
                     for a, total, r in rows), key=lambda row: (-row["total"], row["label"]))
    open_items = db.session.scalar(select(func.count(ReviewItem.id)).where(ReviewItem.resolved_at.is_(None))) or 0
    resolved = db.session.scalar(select(func.count(ReviewItem.id)).where(ReviewItem.resolved_at.is_not(None))) or 0
    flags = db.session.execute(select(Flag.resolution, func.count()).group_by(Flag.resolution)).all()
    by_resolution = {res or "open": int(n) for res, n in flags}
    return {"counts": counts, "days": days, "open_items": open_items, "resolved_items": resolved,
            "flags_upheld": by_resolution.get("upheld", 0), "flags_dismissed": by_resolution.get("dismissed", 0),
            "flags_open": by_resolution.get("open", 0)}


# =============================================================================================
# Trust levels, and the limits on new accounts
# =============================================================================================

def _visible_posts(user_id: int, since: datetime | None = None) -> int:
    stmt = select(func.count(Post.id)).where(Post.author_id == user_id, Post.deleted_at.is_(None),
                                              Post.hidden_at.is_(None))
    return db.session.scalar(stmt) or 0


def _removed_after_flags(user_id: int, since: datetime) -> int:
    """Posts of theirs that moderators hid or deleted after flags, since a date."""
    return db.session.scalar(
        select(func.count(ReviewItem.id)).join(Post, Post.id == ReviewItem.post_id)
        .where(Post.author_id == user_id, ReviewItem.resolution.in_(("hide", "delete", "edit")),
               ReviewItem.resolved_at >= since)) or 0


def flag_record(user_id: int) -> tuple[int, int]:
    """(upheld, dismissed) flags a person has raised."""
    rows = dict(db.session.execute(
        select(Flag.resolution, func.count()).where(Flag.reporter_id == user_id,
                                                    Flag.resolution.in_(("upheld", "dismissed")))
        .group_by(Flag.resolution)).tuples().all())
    return int(rows.get("upheld", 0)), int(rows.get("dismissed", 0))


def earned_level(user: User, now: datetime | None = None) -> int:
    """The level a person's record earns by the rules (see the README): 0 to 3."""
    now = now or utcnow()
    rules = settings()
    age_days = (now - user.created_at).total_seconds() / 86400
    posts = _visible_posts(user.id)
    level = 0
    if age_days >= rules["tl1_days"] and posts >= rules["tl1_posts"]:
        level = 1
    else:
        return level
    if age_days >= rules["tl2_days"] and posts >= rules["tl2_posts"] and not _removed_after_flags(
            user.id, now - timedelta(days=rules["tl2_days"])):
        level = 2
    else:
        return level
    upheld, _ = flag_record(user.id)
    if age_days >= rules["tl3_days"] and posts >= rules["tl3_posts"] and upheld >= 1 and not _removed_after_flags(
            user.id, now - timedelta(days=rules["tl3_days"])):
        level = 3
    return level


def promote(user: User) -> bool:
    """Raise a person to the level they have earned (never lowers, never touches a level set by hand,
    never while restricted). Does not commit. True when it changed."""
    if user is None or user.trust_level_locked or user.is_read_only or user.trust_level >= 3:
        return False
    level = earned_level(user)
    if level > user.trust_level:
        user.trust_level = level
        return True
    return False


def is_new(user: Any) -> bool:
    """A new account (trust level 0): the limits below apply. Staff are never new."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.trust_level == 0 and not user.is_moderator)


RATE_ACTIONS = {
    "post": ("new_posts_per_hour", None, "hour", "post"),
    "vote": ("new_votes_per_hour", None, "hour", "vote or answer"),
    "flag": ("new_flags_per_day", "flags_per_day", "day", "flag"),
}


def _when(seconds: int) -> str:
    if seconds >= 5400:
        return f"{math.ceil(seconds / 3600)} hours"
    if seconds >= 90:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{max(1, seconds)} seconds"


def check_rate(actor: Any, action: str) -> None:
    """Count one `action` (post, vote, flag) against the actor's per-action limit; raise RateLimited
    (a 429 with a clear message) when it is used up. New accounts have the tight limits."""
    if not limiter.enabled or not has_app_context() or not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    new_key, other_key, per, verb = RATE_ACTIONS[action]
    key = new_key if is_new(actor) else other_key
    if key is None:
        return
    from limits import parse

    amount = int(setting(key))
    item = parse(f"{amount}/{per}")
    strategy = limiter.limiter
    if strategy.hit(item, "trust", action, str(actor.id)):
        return
    reset = strategy.get_window_stats(item, "trust", action, str(actor.id)).reset_time
    seconds = max(1, math.ceil(reset - datetime.now().timestamp()))
    who = "New members" if key == new_key else "Members"
    times = "once" if amount == 1 else f"{amount} times"
    raise RateLimited(f"{who} can {verb} {times} per {per}. You can {verb} again in {_when(seconds)}.",
                      seconds)


_HREF_RE = re.compile(r"""<a\s[^>]*href="([^"]*)\"""", re.IGNORECASE)


def links_in(html: str) -> list[str]:
    return _HREF_RE.findall(html or "")


def check_links(actor: Any, html: str, *, new_post: bool = True) -> None:
    """New accounts may put only a few links in each of their first posts."""
    if not is_new(actor):
        return
    rules = settings()
    if new_post:
        written = db.session.scalar(select(func.count(Post.id)).where(Post.author_id == actor.id)) or 0
        if written >= rules["new_link_posts"]:
            return
    cap = int(rules["new_link_cap"])
    found = len(links_in(html))
    if found > cap:
        allowed = "no links" if cap == 0 else ("one link" if cap == 1 else f"{cap} links")
        message = (f"New members can include {allowed} in each of their first {int(rules['new_link_posts'])} "
                   f"posts; this one has {found}. Remove some links, or post again once you have been "
                   "here a little longer.")
        raise ValidationError(message, {"body": [message]})


def vote_counts_condition(now: datetime | None = None) -> Any:
    """SQL condition on User: their feature votes count in public tallies (not a brand-new account
    still inside its wait)."""
    now = now or utcnow()
    delay = timedelta(minutes=float(setting("new_vote_delay_minutes")))
    return or_(User.trust_level > 0, User.created_at <= now - delay)


# =============================================================================================
# Blocked words and domains
# =============================================================================================

def blocked_terms() -> list[BlockedTerm]:
    return list(db.session.scalars(select(BlockedTerm).options(joinedload(BlockedTerm.created_by))
                                   .order_by(BlockedTerm.kind, BlockedTerm.value)))


def _term_sets() -> tuple[list[str], list[str]]:
    cache = g.get("_blocked_terms") if has_app_context() else None
    if cache is None:
        words, domains = [], []
        for kind, value in db.session.execute(select(BlockedTerm.kind, BlockedTerm.value)):
            (words if kind == "word" else domains).append(value)
        cache = (words, domains)
        if has_app_context():
            g._blocked_terms = cache
    return cache


def _host(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".")


def blocked_match(source: str, html: str) -> tuple[str, str] | None:
    """(reason code, what matched) when a post's text holds a blocked word or links to a blocked
    domain (or any of its subdomains); None when it is clean."""
    words, domains = _term_sets()
    if words:
        text = source.lower()
        for word in words:
            if re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text):
                return "blocked_word", word
    if domains:
        for href in links_in(html):
            host = _host(href)
            for domain in domains:
                if host == domain or host.endswith("." + domain):
                    return "blocked_domain", domain
    return None


def _normalize_term(kind: str, value: Any) -> str:
    text = " ".join((value if isinstance(value, str) else "").split()).lower()
    if kind == "domain":
        text = text.removeprefix("http://").removeprefix("https://").split("/")[0].removeprefix("www.")
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", text):
            raise ValidationError("Enter a domain such as example.com.", {"value": ["Enter a domain such as example.com."]})
    elif not text:
        raise ValidationError("Enter a word or phrase.", {"value": ["Enter a word or phrase."]})
    if len(text) > TERM_MAX:
        raise ValidationError(f"At most {TERM_MAX} characters.", {"value": [f"At most {TERM_MAX} characters."]})
    return text


def add_blocked_term(actor: Any, kind: Any, value: Any) -> BlockedTerm:
    policy.require(actor, "moderation.blocked_terms")
    if kind not in ("word", "domain"):
        raise ValidationError("Choose a word or a domain.", {"kind": ["Choose a word or a domain."]})
    text = _normalize_term(kind, value)
    if db.session.scalar(select(BlockedTerm.id).where(BlockedTerm.kind == kind, BlockedTerm.value == text)):
        raise Conflict(f"“{text}” is already on the list.")
    term = BlockedTerm(kind=kind, value=text, created_by_id=actor.id)
    db.session.add(term)
    db.session.flush()
    audit(actor, "blocked.add", "blocked_term", term.id, reason=f"{kind}: {text}")
    commit_and_publish(conflict=f"“{text}” is already on the list.")
    _forget_settings()
    return term


def remove_blocked_term(actor: Any, term_id: int) -> None:
    policy.require(actor, "moderation.blocked_terms")
    term = db.session.get(BlockedTerm, term_id)
    if term is None:
        raise NotFound("That word or domain is not on the list.")
    audit(actor, "blocked.remove", "blocked_term", term.id, reason=f"{term.kind}: {term.value}")
    db.session.delete(term)
    db.session.commit()
    _forget_settings()


# =============================================================================================
# Screening posts as they are written (called by the posting service, inside its transaction)
# =============================================================================================

def screen_post(actor: Any, post: Post, *, new_post: bool) -> str | None:
    """Before a post is stored: count it against the limits (raises); after: hold it for review when it
    holds a blocked word or domain. Call after the post is flushed. Returns the hold reason or None.
    Does not commit."""
    match = blocked_match(post.body_source, post.body_html)
    if match is None:
        if post.hidden_reason == "held" and not new_post:
            # An edit removed what held it: it still waits for a moderator (who may approve it).
            return "held"
        return None
    reason, detail = match
    if post.hidden_at is None or post.hidden_reason != "held":
        post.hidden_at = utcnow()
        post.hidden_reason = "held"
        post.hidden_by_id = None
        db.session.flush()
        db.session.execute(recount_posts(post.topic_id))
    _open_item("post", post_id=post.id, reason=reason, detail=detail)
    return reason


def screen_before_write(actor: Any, html: str, *, new_post: bool) -> None:
    """The limits that refuse a post outright: the per-action rate limit and the link cap."""
    check_links(actor, html, new_post=new_post)
    if new_post:
        check_rate(actor, "post")


# =============================================================================================
# Flags and the queue
# =============================================================================================

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


def _target(kind: str, target_id: Any) -> Any:
    try:
        ident = int(target_id)
    except (TypeError, ValueError):
        raise NotFound("There is nothing to flag at that address.") from None
    if not 0 < ident < 2**31:
        raise NotFound("There is nothing to flag at that address.")
    model = {"post": Post, "concept": Concept, "user": User}.get(kind)
    if model is None:
        raise ValidationError("Flag a post, a concept or a profile.")
    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound("There is nothing to flag at that address.")
    return obj


def _owner_id(kind: str, obj: Any) -> int | None:
    if kind == "post":
        return obj.author_id
    if kind == "concept":
        return obj.created_by_id
    return obj.id


def _open_item(kind: str, *, post_id: int | None = None, concept_id: int | None = None,
               user_id: int | None = None, suspension_id: int | None = None, reason: str = "flags",
               detail: str = "") -> ReviewItem:
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


def _describe(kind: str, obj: Any) -> str:
    if kind == "post":
        return f"your post in {notifications.quote(obj.topic.title)}"
    if kind == "concept":
        return f"your concept {notifications.quote(obj.title)}"
    return "your profile"


def _url(kind: str, obj: Any) -> str:
    if kind == "post":
        return notifications.post_url(obj)
    if kind == "concept":
        return notifications.concept_url(obj)
    return f"/u/{obj.username}"


def flag(actor: Any, kind: Any, target_id: Any, reason: Any, note: Any = "") -> Flag:
    """Flag a post, a concept or a profile. One flag per person per thing. When the weight of an item's
    flags reaches the threshold it is hidden at once, pending review; a single new account never
    hides anything on its own."""
    policy.require(actor, "flag.create")
    obj = _target(kind if isinstance(kind, str) else "", target_id)
    if kind == "post" and (obj.deleted_at is not None or not policy.can(actor, "post.view", obj)):
        raise NotFound("There is nothing to flag at that address.")
    if kind == "concept" and not policy.can(actor, "concept.view", obj):
        raise NotFound("There is nothing to flag at that address.")
    if _owner_id(kind, obj) == actor.id:
        raise ValidationError("You cannot flag your own writing or profile.")
    if reason not in FLAG_REASONS:
        raise ValidationError("Choose why you flag it.", {"reason": ["Choose one of the reasons."]})
    note = " ".join((note if isinstance(note, str) else "").split())
    if reason == "other" and not note:
        raise ValidationError("Say what is wrong.", {"note": ["Tell the moderators what is wrong."]})
    if len(note) > NOTE_MAX:
        raise ValidationError(f"A note has at most {NOTE_MAX} characters.", {"note": [f"At most {NOTE_MAX} characters."]})
    column = {"post": Flag.post_id, "concept": Flag.concept_id, "user": Flag.user_id}[kind]
    if db.session.scalar(select(Flag.id).where(Flag.reporter_id == actor.id, column == obj.id)):
        raise Conflict("You have already flagged this. You can withdraw it on your flags page.")
    check_rate(actor, "flag")
    weight = flag_weight(actor)
    item = _open_item(kind, **{f"{kind}_id": obj.id})
    row = Flag(reporter_id=actor.id, reason=reason, note=note, weight=weight, review_item_id=item.id,
               created_at=utcnow(), **{f"{kind}_id": obj.id})
    db.session.add(row)
    item.weight = (item.weight or 0.0) + weight
    recorded: list[events.Event] = []
    db.session.flush()
    if _should_hide(item):
        recorded += _hide(None, kind, obj, "flags", "Flags from members reached the threshold.")
    commit_and_publish(*recorded, conflict="You have already flagged this.")
    return row


def _open_flags(item: ReviewItem) -> list[Flag]:
    return [f for f in item.flags if f.resolved_at is None]


def _should_hide(item: ReviewItem) -> bool:
    flags = _open_flags(item)
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
        raise NotFound("There is no such flag of yours.")
    if row.resolved_at is not None:
        raise Conflict("A moderator has already reviewed this flag.")
    item = row.item
    recorded: list[events.Event] = []
    db.session.delete(row)
    db.session.flush()
    if item is not None:
        db.session.refresh(item)
        item.weight = max(0.0, sum(f.weight for f in _open_flags(item)))
        if not _open_flags(item) and item.reason == "flags":
            item.resolved_at, item.resolution, item.open_key = utcnow(), "withdrawn", None
            kind, obj = _item_target(item)
            if obj is not None and _hidden_reason(kind, obj) == "flags":
                recorded += _unhide(None, kind, obj, "Every flag was withdrawn.")
    commit_and_publish(*recorded)


def my_flag(actor: Any, kind: str, target_id: int) -> Flag | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    column = {"post": Flag.post_id, "concept": Flag.concept_id, "user": Flag.user_id}[kind]
    return db.session.scalar(select(Flag).where(Flag.reporter_id == actor.id, column == target_id))


def my_flags(actor: Any, page: int = 1, per_page: int = 25):
    """The flags a person raised, newest first, with what became of them."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Log in first.")
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
        raise NotFound("There is no such item in the queue.")
    return item


def _item_target(item: ReviewItem) -> tuple[str, Any]:
    if item.kind == "post":
        return "post", item.post
    if item.kind == "concept":
        return "concept", item.concept
    if item.kind == "user":
        return "user", item.user
    return "appeal", item.suspension


def _hidden_reason(kind: str, obj: Any) -> str:
    if kind == "post":
        return obj.hidden_reason if obj.hidden_at is not None else ""
    if kind == "concept":
        return "hidden" if obj.hidden_at is not None else ""
    if kind == "user":
        return "hidden" if obj.profile_hidden_at is not None else ""
    return ""


# --- the effects -------------------------------------------------------------------------------

def _post_event(post: Post, kind: str, staff: dict[str, Any] | None = None, **payload: Any) -> events.Event:
    """A post's live event for its topic's room; `staff` (e.g. why it was hidden) goes to moderators only."""
    return events.record(events.topic_room(post.topic_id), kind,
                         {"post_id": post.id, "topic_id": post.topic_id, **payload}, staff=staff)


def _hide(actor: Any, kind: str, obj: Any, why: str, reason: str) -> list[events.Event]:
    """Hide a post, a concept or a profile (why: 'flags' or 'moderator'); audit it and tell its author."""
    now = utcnow()
    recorded: list[events.Event] = []
    owner = _owner_id(kind, obj)
    if kind == "post":
        obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = now, why, getattr(actor, "id", None)
        db.session.flush()
        db.session.execute(recount_posts(obj.topic_id))
        search.index_post(obj)
        recorded.append(_post_event(obj, "post.hidden", staff={"reason": reason}))
    elif kind == "concept":
        obj.hidden_at = now
        search.index_concept(obj)
        recorded.append(events.record(events.concept_room(obj.id), "concept.hidden", {"concept_id": obj.id}))
    else:
        obj.profile_hidden_at = now
    audit(actor, f"{'profile' if kind == 'user' else kind}.hide", kind, obj.id, subject_id=owner, reason=reason)
    if owner is not None:
        if why == "flags":
            text = f"Members flagged {_describe(kind, obj)}, so it is hidden until a moderator reviews it."
        else:
            text = f"A moderator hid {_describe(kind, obj)}. Reason: {reason}"
        notifications.notify(owner, "moderation", text, _url(kind, obj), getattr(actor, "id", None))
    return recorded


def _unhide(actor: Any, kind: str, obj: Any, reason: str, *, tell: bool = True) -> list[events.Event]:
    recorded: list[events.Event] = []
    owner = _owner_id(kind, obj)
    held = kind == "post" and obj.hidden_reason == "held"
    if kind == "post":
        obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = None, "", None
        db.session.flush()
        db.session.execute(recount_posts(obj.topic_id))
        search.index_post(obj)
        recorded.append(_post_event(obj, "post.restored"))
        if held:
            # Published now: the people it replies to or mentions hear about it at last.
            notifications.notify_new_post(obj)
    elif kind == "concept":
        obj.hidden_at = None
        search.index_concept(obj)
        recorded.append(events.record(events.concept_room(obj.id), "concept.restored", {"concept_id": obj.id}))
    else:
        obj.profile_hidden_at = None
    action = "post.approve" if held else f"{'profile' if kind == 'user' else kind}.restore"
    audit(actor, action, kind, obj.id, subject_id=owner, reason=reason)
    if tell and owner is not None:
        what = "published" if held else "visible again"
        notifications.notify(owner, "moderation", f"A moderator reviewed {_describe(kind, obj)}: it is {what}. "
                             f"{reason}", _url(kind, obj), getattr(actor, "id", None))
    return recorded


def _delete_post(actor: Any, post: Post, reason: str) -> list[events.Event]:
    post.deleted_at = utcnow()
    db.session.execute(update(Post).where(Post.answered_by_id == post.id).values(answered_by_id=None))
    db.session.execute(recount_posts(post.topic_id))
    search.index_post(post)
    audit(actor, "post.delete", "post", post.id, subject_id=post.author_id, reason=reason)
    if post.author_id is not None:
        notifications.notify(post.author_id, "moderation", f"A moderator deleted {_describe('post', post)}. "
                             f"Reason: {reason}", notifications.post_url(post), actor.id)
    return [_post_event(post, "post.deleted", by_id=actor.id)]


def _edit_post(actor: Any, post: Post, body: Any, reason: str) -> list[events.Event]:
    from forum.services import posting

    body = (body if isinstance(body, str) else "").strip()
    if not body:
        raise ValidationError("Write the corrected text.", {"body": ["Write the corrected text."]})
    if len(body) > posting.BODY_MAX:
        raise ValidationError(f"A post has at most {posting.BODY_MAX:,} characters.")
    if body == post.body_source:
        raise ValidationError("The text is unchanged.", {"body": ["Change the text, or choose another action."]})
    now = utcnow()
    db.session.add(PostRevision(post_id=post.id, body_source=post.body_source, body_html=post.body_html,
                                editor_id=actor.id, created_at=now))
    before = post.body_source
    post.body_source = body
    post.body_html, post.excerpt = posting.render_body(body)
    post.edited_at = now
    search.index_post(post)
    audit(actor, "post.edit", "post", post.id, subject_id=post.author_id, reason=reason, before=before, after=body)
    if post.author_id is not None:
        notifications.notify(post.author_id, "moderation", f"A moderator edited {_describe('post', post)}. "
                             f"Reason: {reason}", notifications.post_url(post), actor.id)
    return [_post_event(post, "post.edited", editor_id=actor.id)]


def _lock_topic(actor: Any, topic: Topic, reason: str, subject_id: int | None) -> list[events.Event]:
    if topic.locked:
        raise Conflict("This topic is already locked.")
    topic.locked = True
    audit(actor, "topic.lock", "topic", topic.id, subject_id=subject_id, reason=reason)
    if subject_id is not None:
        notifications.notify(subject_id, "moderation", f"A moderator locked the topic {notifications.quote(topic.title)}. "
                             f"Reason: {reason}", f"/t/{topic.id}", actor.id)
    return [events.record(events.topic_room(topic.id), "topic.updated", {"topic_id": topic.id, "locked": True})]


def _check_reason(reason: Any) -> str:
    text = " ".join((reason if isinstance(reason, str) else "").split())
    if not text:
        raise ValidationError("Give a reason: the person concerned is told it.",
                              {"reason": ["Give a reason: the person concerned is told it."]})
    if len(text) > REASON_MAX:
        raise ValidationError(f"A reason has at most {REASON_MAX} characters.",
                              {"reason": [f"At most {REASON_MAX} characters."]})
    return text


def _resolve(actor: Any, item: ReviewItem, resolution: str, upheld: bool, outcome: str) -> None:
    """Close an item: its open flags are upheld or dismissed and each flagger is told the outcome."""
    now = utcnow()
    item.resolved_at, item.resolved_by_id, item.resolution, item.open_key = now, actor.id, resolution, None
    kind, obj = _item_target(item)
    for row in _open_flags(item):
        row.resolved_at, row.resolved_by_id = now, actor.id
        row.resolution = "upheld" if upheld else "dismissed"
        if row.reporter_id is not None and obj is not None and kind != "appeal":
            what = {"post": "the post", "concept": "the concept", "user": "the profile"}[kind]
            notifications.notify(row.reporter_id, "flag", f"Thank you for your flag on {what} you reported: "
                                 f"{outcome}", _url(kind, obj), actor.id)


RESTRICTING = ("silence", "suspend", "ban", "lift")
POST_ACTIONS = ("dismiss", "hide", "restore", "delete", "edit", "lock")
PERSON_ACTIONS = ("warn", "silence", "suspend", "ban")
ITEM_ACTIONS = {
    "post": POST_ACTIONS + PERSON_ACTIONS,
    "concept": ("dismiss", "hide", "restore") + PERSON_ACTIONS,
    "user": ("dismiss", "hide", "restore") + PERSON_ACTIONS,
    "appeal": ("uphold", "lift"),
}
OUTCOMES = {
    "dismiss": "a moderator reviewed it and found no problem.",
    "hide": "a moderator hid it.", "restore": "a moderator reviewed it and made it visible again.",
    "delete": "a moderator deleted it.", "edit": "a moderator edited it.",
    "lock": "a moderator locked the topic.", "warn": "a moderator warned its author.",
    "silence": "a moderator silenced its author for a while.", "suspend": "a moderator suspended its author.",
    "ban": "an admin banned its author.",
}


def act_on_item(actor: Any, item: ReviewItem, action: Any, reason: Any, *, body: Any = None,
                until: Any = None) -> ReviewItem:
    """A moderator's decision on a queue item, always with a reason the person concerned is told."""
    policy.require(actor, "moderation.act")
    if item.resolved_at is not None:
        raise Conflict("This item was already dealt with.")
    kind, obj = _item_target(item)
    if obj is None:
        raise Conflict("What this item was about no longer exists.")
    if action not in ITEM_ACTIONS[kind]:
        raise ValidationError("Choose one of the actions offered.")
    reason = _check_reason(reason)
    recorded: list[events.Event] = []
    owner = _owner_id(kind, obj) if kind != "appeal" else obj.user_id
    if kind == "appeal":
        recorded += _decide_appeal(actor, item, obj, action, reason)
    elif action == "dismiss":
        if _hidden_reason(kind, obj) in ("flags", "held"):
            recorded += _unhide(actor, kind, obj, reason)
        else:
            audit(actor, "flags.dismiss", kind, obj.id, subject_id=owner, reason=reason)
        _resolve(actor, item, "dismiss", False, OUTCOMES["dismiss"])
    elif action == "restore":
        if _hidden_reason(kind, obj) == "":
            raise Conflict("It is not hidden; dismiss the flags instead.")
        recorded += _unhide(actor, kind, obj, reason)
        _resolve(actor, item, "restore", False, OUTCOMES["restore"])
    elif action == "hide":
        if kind == "post" and obj.deleted_at is not None:
            raise Conflict("This post is already deleted.")
        recorded += _hide(actor, kind, obj, "moderator", reason)
        _resolve(actor, item, "hide", True, OUTCOMES["hide"])
    elif action == "delete":
        if obj.deleted_at is not None:
            raise Conflict("This post is already deleted.")
        recorded += _delete_post(actor, obj, reason)
        _resolve(actor, item, "delete", True, OUTCOMES["delete"])
    elif action == "edit":
        recorded += _edit_post(actor, obj, body, reason)
        if obj.hidden_reason in ("flags", "held"):
            recorded += _unhide(actor, kind, obj, reason, tell=False)
        _resolve(actor, item, "edit", True, OUTCOMES["edit"])
    elif action == "lock":
        recorded += _lock_topic(actor, obj.topic, reason, owner)
        _resolve(actor, item, "lock", True, OUTCOMES["lock"])
    else:  # acting on the author
        if owner is None:
            raise Conflict("The author's account no longer exists.")
        person = db.session.get(User, owner)
        recorded += _act_on_person(actor, person, action, reason, until)
        _resolve(actor, item, action, True, OUTCOMES[action])
    commit_and_publish(*recorded)
    if action in RESTRICTING or (kind == "appeal" and action == "lift"):
        events.end_live_sessions(owner)  # their open pages reconnect as who they are now
    return item


def act_on_post(actor: Any, post: Post, action: Any, reason: Any, *, body: Any = None) -> None:
    """A moderator acts on a post straight from its page (not from the queue). If the post has an
    open queue item, the decision closes it too."""
    policy.require(actor, "moderation.act")
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.open_key == f"post:{post.id}"))
    if item is not None and action in ITEM_ACTIONS["post"]:
        act_on_item(actor, item, action, reason, body=body)
        return
    if action not in POST_ACTIONS or action == "dismiss":
        raise ValidationError("Choose one of the actions offered.")
    reason = _check_reason(reason)
    recorded: list[events.Event] = []
    if action == "hide":
        if post.hidden_at is not None or post.deleted_at is not None:
            raise Conflict("This post is already hidden or deleted.")
        recorded += _hide(actor, "post", post, "moderator", reason)
    elif action == "restore":
        if post.hidden_at is None:
            raise Conflict("This post is not hidden.")
        recorded += _unhide(actor, "post", post, reason)
    elif action == "delete":
        if post.deleted_at is not None:
            raise Conflict("This post is already deleted.")
        recorded += _delete_post(actor, post, reason)
    elif action == "edit":
        if post.deleted_at is not None:
            raise Conflict("This post was deleted; it can no longer be edited.")
        recorded += _edit_post(actor, post, body, reason)
    elif action == "lock":
        recorded += _lock_topic(actor, post.topic, reason, post.author_id)
    commit_and_publish(*recorded)


# =============================================================================================
# Acting on people
# =============================================================================================

def _parse_until(value: Any, now: datetime) -> datetime:
    if isinstance(value, datetime):
        until = value
    else:
        text = (value if isinstance(value, str) else "").strip()
        if not text:
            raise ValidationError("Choose the date it ends.", {"until": ["Choose the date it ends."]})
        try:
            until = datetime.strptime(text[:16], "%Y-%m-%dT%H:%M") if "T" in text else \
                datetime.strptime(text[:10], "%Y-%m-%d")
        except ValueError:
            raise ValidationError("Enter the end as a date (YYYY-MM-DD).",
                                  {"until": ["Enter the end as a date (YYYY-MM-DD)."]}) from None
    if until <= now:
        raise ValidationError("The end must be in the future.", {"until": ["The end must be in the future."]})
    if until > now + timedelta(days=3650):
        raise ValidationError("At most ten years; an admin can ban instead.",
                              {"until": ["At most ten years; an admin can ban instead."]})
    return until


def _date(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}, {value:%H:%M} UTC"


def _act_on_person(actor: Any, user: User, action: str, reason: str, until: Any) -> list[events.Event]:
    """Warn, silence, suspend or ban (inside the caller's transaction)."""
    if user.id == actor.id:
        raise ValidationError("You cannot act on your own account.")
    if user.is_moderator and not actor.is_admin:
        raise PermissionDenied("Only an admin acts on a moderator or an admin.")
    now = utcnow()
    recorded: list[events.Event] = []
    if action == "warn":
        db.session.add(ModeratorWarning(user_id=user.id, moderator_id=actor.id, message=reason, created_at=now))
        user.warning_pending = True
        audit(actor, "user.warn", "user", user.id, subject_id=user.id, reason=reason)
        notifications.notify(user.id, "moderation", f"A moderator warned you: {reason}", "/warnings", actor.id)
        return recorded
    if action == "ban":
        policy.require(actor, "moderation.ban")
        end = BAN_UNTIL
        kind = "ban"
    else:
        end = _parse_until(until, now)
        kind = "silence" if action == "silence" else "suspension"
    summaries_change = kind != "silence" and not user.is_suspended
    row = Suspension(user_id=user.id, moderator_id=actor.id, kind=kind, reason=reason, ends_at=end, created_at=now)
    db.session.add(row)
    if kind == "silence":
        user.silenced_until = max(end, user.silenced_until or end) if user.is_silenced else end
        text = f"A moderator has made your account read-only until {_date(end)}. Reason: {reason}"
    else:
        user.suspended_until = max(end, user.suspended_until or end) if user.is_suspended else end
        text = ("An admin has banned your account. " if kind == "ban" else
                f"A moderator has suspended your account until {_date(end)}. ") + f"Reason: {reason}"
    db.session.flush()
    audit(actor, f"user.{'suspend' if kind == 'suspension' else kind}", "user", user.id, subject_id=user.id,
          reason=reason, after=end.isoformat())
    notifications.notify(user.id, "moderation", text, "/appeal" if kind != "silence" else "", actor.id)
    if summaries_change:
        recorded += feedback_changed(user)
    return recorded


def act_on_person(actor: Any, user: User, action: Any, reason: Any, *, until: Any = None,
                  level: Any = None, suspension_id: Any = None) -> None:
    """The people page: warn, silence, suspend, ban, lift a restriction, set the trust level, hide or
    restore the profile."""
    policy.require(actor, "moderation.act")
    reason = _check_reason(reason)
    recorded: list[events.Event] = []
    if action in PERSON_ACTIONS:
        recorded += _act_on_person(actor, user, action, reason, until)
    elif action == "lift":
        try:
            row = db.session.get(Suspension, int(suspension_id))
        except (TypeError, ValueError):
            row = None
        if row is None or row.user_id != user.id:
            raise NotFound("There is no such restriction of this person.")
        recorded += _lift(actor, row, reason)
    elif action == "trust":
        set_trust_level(actor, user, level, reason, commit=False)
    elif action in ("hide_profile", "restore_profile"):
        if user.id == actor.id:
            raise ValidationError("You cannot act on your own account.")
        hidden = user.profile_hidden_at is not None
        if (action == "hide_profile") == hidden:
            raise Conflict("The profile is already " + ("hidden." if hidden else "visible."))
        item = db.session.scalar(select(ReviewItem).where(ReviewItem.open_key == f"user:{user.id}"))
        if action == "hide_profile":
            recorded += _hide(actor, "user", user, "moderator", reason)
        else:
            recorded += _unhide(actor, "user", user, reason)
        if item is not None:
            _resolve(actor, item, "hide" if action == "hide_profile" else "restore", action == "hide_profile",
                     OUTCOMES["hide" if action == "hide_profile" else "restore"])
    else:
        raise ValidationError("Choose one of the actions offered.")
    commit_and_publish(*recorded)
    if action in RESTRICTING:
        events.end_live_sessions(user.id)  # their open pages reconnect as who they are now


def _lift(actor: Any, row: Suspension, reason: str) -> list[events.Event]:
    if not row.active():
        raise Conflict("That restriction has already ended.")
    if row.kind == "ban":
        policy.require(actor, "moderation.ban")
    user = row.user
    now = utcnow()
    row.lifted_at, row.lifted_by_id = now, actor.id
    db.session.flush()
    # The effective end is the latest of the person's other active restrictions of that kind.
    kinds = ("silence",) if row.kind == "silence" else ("suspension", "ban")
    remaining = db.session.scalar(select(func.max(Suspension.ends_at)).where(
        Suspension.user_id == user.id, Suspension.kind.in_(kinds), Suspension.lifted_at.is_(None),
        Suspension.ends_at > now))
    was_suspended = user.is_suspended
    if row.kind == "silence":
        user.silenced_until = remaining
    else:
        user.suspended_until = remaining
    audit(actor, "user.lift", "user", user.id, subject_id=user.id, reason=reason, before=row.ends_at.isoformat(),
          after=remaining.isoformat() if remaining else None)
    notifications.notify(user.id, "moderation", f"A moderator lifted the restriction on your account. {reason}",
                         "", actor.id)
    db.session.flush()
    if was_suspended and not user.is_suspended:
        return feedback_changed(user)
    return []


def feedback_changed(user: User) -> list[events.Event]:
    """A suspension started or ended early: the person's votes and price answers leave or rejoin the
    summaries. Record the new tallies for every open concept page they touched (inside the caller's
    transaction; flushes so the new state counts)."""
    from forum.services import feedback

    db.session.flush()
    recorded: list[events.Event] = []
    feature_ids = list(db.session.scalars(select(FeatureVote.feature_id).where(FeatureVote.user_id == user.id)))
    features = list(db.session.scalars(select(Feature).where(Feature.id.in_(feature_ids)))) if feature_ids else []
    orders: dict[int, list[int]] = {}
    for feature in features:
        up, down = feedback._tally(feature)
        if feature.concept_id not in orders:
            orders[feature.concept_id] = feedback.rank_order(feature.concept)
        recorded.append(events.record(events.concept_room(feature.concept_id), "tally.changed",
                                      {"feature_id": feature.id, "up": up, "down": down,
                                       "order": orders[feature.concept_id]}))
    concept_ids = list(db.session.scalars(select(PriceResponse.concept_id).where(PriceResponse.user_id == user.id)))
    for concept_id in concept_ids:
        n = db.session.scalar(select(func.count(PriceResponse.id)).join(User, User.id == PriceResponse.user_id)
                              .where(PriceResponse.concept_id == concept_id,
                                     feedback.counted(concept_id))) or 0
        recorded.append(events.record(events.concept_room(concept_id), "price.changed", {"n": n}))
    kano_concepts = set(db.session.scalars(select(Feature.concept_id).join(KanoAnswer, KanoAnswer.feature_id == Feature.id)
                                           .where(KanoAnswer.user_id == user.id)))
    for concept_id in sorted(kano_concepts):
        recorded.append(events.record(events.concept_room(concept_id), "kano.changed",
                                      {"n": feedback._kano_respondents(concept_id)}))
    try:  # stored summaries (when present) are recomputed for every concept the person answered
        from forum.services import summaries
    except ImportError:
        summaries = None
    if summaries is not None and hasattr(summaries, "invalidate_for_user"):
        recorded += summaries.invalidate_for_user(user.id)
    return recorded


def next_vote_counts_at(concept_id: int, now: datetime | None = None) -> datetime | None:
    """When the next brand-new account's vote on this concept starts counting in the tallies (the end
    of its wait), or None: a stored tally is good until then."""
    now = now or utcnow()
    delay = timedelta(minutes=float(setting("new_vote_delay_minutes")))
    first = db.session.scalar(
        select(func.min(User.created_at)).join(FeatureVote, FeatureVote.user_id == User.id)
        .join(Feature, Feature.id == FeatureVote.feature_id)
        .where(Feature.concept_id == concept_id, User.trust_level == 0, User.created_at > now - delay))
    return first + delay if first is not None else None


def set_trust_level(actor: Any, user: User, level: Any, reason: Any, *, commit: bool = True) -> None:
    """A moderator sets a person's trust level by hand; automatic promotion then leaves it alone
    ('auto' hands it back to the rules)."""
    policy.require(actor, "moderation.act")
    reason = _check_reason(reason)
    before = user.trust_level
    if level == "auto":
        user.trust_level_locked = False
        promote(user)
    else:
        try:
            number = int(level)
        except (TypeError, ValueError):
            number = -1
        if number not in TRUST_LEVELS:
            raise ValidationError("Choose a trust level from 0 to 4.", {"level": ["Choose a trust level from 0 to 4."]})
        user.trust_level, user.trust_level_locked = number, True
    audit(actor, "user.trust", "user", user.id, subject_id=user.id, reason=reason, before=str(before),
          after=str(user.trust_level) + ("" if user.trust_level_locked else " (automatic)"))
    if commit:
        db.session.commit()


def restrictions(user: User) -> list[Suspension]:
    return list(db.session.scalars(select(Suspension).where(Suspension.user_id == user.id)
                                   .options(joinedload(Suspension.moderator))
                                   .order_by(Suspension.created_at.desc())))


def active_suspension(user: Any) -> Suspension | None:
    """The suspension (or ban) in force now, latest end first."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_suspended:
        return None
    now = utcnow()
    return db.session.scalar(select(Suspension).where(
        Suspension.user_id == user.id, Suspension.kind.in_(("suspension", "ban")),
        Suspension.lifted_at.is_(None), Suspension.ends_at > now).order_by(Suspension.ends_at.desc()).limit(1))


def suspension_notice(user: Any) -> str | None:
    """What a suspended person is told when they sign in."""
    row = active_suspension(user)
    if row is None:
        if user is not None and getattr(user, "is_authenticated", False) and user.is_silenced:
            return f"Your account is read-only until {_date(user.silenced_until)}."
        return None
    if row.is_ban:
        return f"Your account is banned. Reason: {row.reason}"
    return f"Your account is suspended until {_date(user.suspended_until)}. Reason: {row.reason}"


# --- warnings and appeals -----------------------------------------------------------------------

def pending_warnings(user: Any) -> list[ModeratorWarning]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(ModeratorWarning).where(
        ModeratorWarning.user_id == user.id, ModeratorWarning.acknowledged_at.is_(None))
        .order_by(ModeratorWarning.created_at)))


def acknowledge_warning(actor: Any, warning_id: int) -> None:
    row = db.session.get(ModeratorWarning, warning_id)
    if row is None or actor is None or not getattr(actor, "is_authenticated", False) or row.user_id != actor.id:
        raise NotFound("There is no such warning.")
    if row.acknowledged_at is None:
        row.acknowledged_at = utcnow()
    db.session.flush()
    actor.warning_pending = bool(db.session.scalar(select(func.count(ModeratorWarning.id)).where(
        ModeratorWarning.user_id == actor.id, ModeratorWarning.acknowledged_at.is_(None))))
    db.session.commit()


def appeal(actor: Any, text: Any) -> Suspension:
    """A suspended person's one appeal against the suspension in force: it lands in the queue."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Log in first.")
    row = active_suspension(actor)
    if row is None:
        raise PermissionDenied("Only a suspended account can appeal, while the suspension lasts.")
    if row.appealed_at is not None:
        raise Conflict("You have already appealed this suspension; a moderator will answer it.")
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise ValidationError("Say why the suspension should be lifted.", {"text": ["Say why it should be lifted."]})
    if len(text) > APPEAL_MAX:
        raise ValidationError(f"An appeal has at most {APPEAL_MAX} characters.",
                              {"text": [f"At most {APPEAL_MAX} characters."]})
    row.appeal, row.appealed_at = text, utcnow()
    _open_item("appeal", suspension_id=row.id, reason="appeal", detail=text[:200])
    db.session.commit()
    return row


def _decide_appeal(actor: Any, item: ReviewItem, row: Suspension, action: str, reason: str) -> list[events.Event]:
    recorded: list[events.Event] = []
    if action == "lift":
        if row.active():
            recorded += _lift(actor, row, reason)
        audit(actor, "appeal.grant", "suspension", row.id, subject_id=row.user_id, reason=reason)
    else:
        audit(actor, "appeal.uphold", "suspension", row.id, subject_id=row.user_id, reason=reason)
        notifications.notify(row.user_id, "moderation", f"A moderator reviewed your appeal and kept the "
                             f"suspension. {reason}", "", actor.id)
    _resolve(actor, item, action, action == "uphold", "")
    return recorded


# =============================================================================================
# People (the panel's person pages)
# =============================================================================================

def find_people(actor: Any, q: str = "", page: int = 1, per_page: int = 50):
    policy.require(actor, "moderation.access")
    stmt = select(User).order_by(User.username_key)
    q = (q or "").strip().lstrip("@").lower()[:32]
    if q:
        stmt = stmt.where(User.username_key.contains(q, autoescape=True))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def person_record(actor: Any, user: User) -> dict[str, Any]:
    """Everything the panel shows about one person: flags they raised, items about their writing,
    actions concerning them, restrictions and warnings."""
    policy.require(actor, "moderation.access")
    raised = list(db.session.scalars(select(Flag).where(Flag.reporter_id == user.id)
                                      .order_by(Flag.created_at.desc()).limit(50)))
    about = list(db.session.scalars(
        select(ReviewItem).outerjoin(Post, Post.id == ReviewItem.post_id)
        .outerjoin(Concept, Concept.id == ReviewItem.concept_id)
        .outerjoin(Suspension, Suspension.id == ReviewItem.suspension_id)
        .where(or_(Post.author_id == user.id, Concept.created_by_id == user.id, ReviewItem.user_id == user.id,
                   Suspension.user_id == user.id))
        .options(selectinload(ReviewItem.flags)).order_by(ReviewItem.created_at.desc()).limit(50)))
    actions = list(db.session.scalars(select(ModerationAction).where(ModerationAction.subject_id == user.id)
                                      .options(joinedload(ModerationAction.actor))
                                      .order_by(ModerationAction.created_at.desc()).limit(50)))
    warnings = list(db.session.scalars(select(ModeratorWarning).where(ModeratorWarning.user_id == user.id)
                                       .order_by(ModeratorWarning.created_at.desc())))
    upheld, dismissed = flag_record(user.id)
    return {"raised": raised, "about": about, "actions": actions, "restrictions": restrictions(user),
            "warnings": warnings, "upheld": upheld, "dismissed": dismissed, "weight": flag_weight(user),
            "earned": earned_level(user), "posts": _visible_posts(user.id)}


def user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username_key == (username or "").lower()[:32]))
    if user is None:
        raise NotFound("There is no user with that name.")
    return user

