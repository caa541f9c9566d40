"""Trust levels, and the limits on new accounts: what a person's record earns them, how often they
may post, vote and flag, how many links they may put in their first posts, and when a brand-new
account's votes start to count."""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from limits import parse
from sqlalchemy import func, or_, select

from forum.errors import RateLimited, ValidationError
from forum.extensions import db, limiter
from forum.i18n import _, _l, ngettext
from forum.models import Feature, FeatureVote, Flag, Post, ReviewItem, User, utcnow
from forum.services.site_settings import setting, settings

TRUST_LEVELS = {0: _l("new"), 1: _l("basic"), 2: _l("member"), 3: _l("regular"), 4: _l("leader")}


def visible_posts(user_id: int) -> int:
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
    posts = visible_posts(user.id)

    def meets(level: int) -> bool:
        return age_days >= rules[f"tl{level}_days"] and posts >= rules[f"tl{level}_posts"] and (
            level == 1 or not _removed_after_flags(user.id, now - timedelta(days=rules[f"tl{level}_days"])))

    if not meets(1):
        return 0
    if not meets(2):
        return 1
    return 3 if meets(3) and flag_record(user.id)[0] >= 1 else 2


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


# action -> (setting for new accounts, setting for everyone else or None, the window)
RATE_ACTIONS = {
    "post": ("new_posts_per_hour", None, "hour"),
    "vote": ("new_votes_per_hour", None, "hour"),
    "flag": ("new_flags_per_day", "flags_per_day", "day"),
}


def _wait(seconds: int) -> str:
    if seconds >= 5400:
        return ngettext("%(num)d hour", "%(num)d hours", math.ceil(seconds / 3600))
    if seconds >= 90:
        return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
    return ngettext("%(num)d second", "%(num)d seconds", max(1, seconds))


def _used_up(action: str, new: bool, amount: int, per: str, wait: str) -> str:
    """The message of a used-up limit, one whole sentence per case so that it translates."""
    who = _("New members") if new else _("Members")
    times = _("once") if amount == 1 else _("%(n)s times", n=amount)
    window = _("per hour") if per == "hour" else _("per day")
    if action == "post":
        return _("%(who)s can post %(times)s %(window)s. You can post again in %(wait)s.",
                 who=who, times=times, window=window, wait=wait)
    if action == "vote":
        return _("%(who)s can vote or answer %(times)s %(window)s. You can vote or answer again in %(wait)s.",
                 who=who, times=times, window=window, wait=wait)
    return _("%(who)s can flag %(times)s %(window)s. You can flag again in %(wait)s.",
             who=who, times=times, window=window, wait=wait)


def check_rate(actor: Any, action: str) -> None:
    """Count one `action` (post, vote, flag) against the actor's per-action limit; raise RateLimited
    (a 429 with a clear message) when it is used up. New accounts have the tight limits."""
    if not limiter.enabled or not has_app_context() or not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    new_key, other_key, per = RATE_ACTIONS[action]
    key = new_key if is_new(actor) else other_key
    if key is None:
        return
    amount = int(setting(key))
    item = parse(f"{amount}/{per}")
    strategy = limiter.limiter
    if strategy.hit(item, "trust", action, str(actor.id)):
        return
    reset = strategy.get_window_stats(item, "trust", action, str(actor.id)).reset_time
    seconds = max(1, math.ceil(reset - datetime.now().timestamp()))
    raise RateLimited(_used_up(action, key == new_key, amount, per, _wait(seconds)), seconds)


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
        allowed = _("no links") if cap == 0 else ngettext("one link", "%(num)d links", cap)
        message = _("New members can include %(allowed)s in each of their first %(posts)d posts; this one "
                    "has %(found)d. Remove some links, or post again once you have been here a little longer.",
                    allowed=allowed, posts=int(rules["new_link_posts"]), found=found)
        raise ValidationError(message, {"body": [message]})


def vote_counts_condition(now: datetime | None = None) -> Any:
    """SQL condition on User: their feature votes count in public tallies (not a brand-new account
    still inside its wait)."""
    now = now or utcnow()
    delay = timedelta(minutes=float(setting("new_vote_delay_minutes")))
    return or_(User.trust_level > 0, User.created_at <= now - delay)


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
