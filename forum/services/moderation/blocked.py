"""Blocked words and domains, and screening posts as they are written: a post that holds a blocked
word or links to a blocked domain waits for a moderator; new accounts' posts meet their limits."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import policy
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import BlockedTerm, Post, utcnow
from forum.models.board import recount_posts
from forum.services.moderation.auditing import audit
from forum.services.moderation.flags import open_item
from forum.services.moderation.trust import check_links, check_rate, links_in
from forum.services.site_settings import forget
from forum.services.tx import commit_and_publish

TERM_MAX = 120


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


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, {"value": [message]})


def _normalize_term(kind: str, value: Any) -> str:
    text = " ".join((value if isinstance(value, str) else "").split()).lower()
    if kind == "domain":
        text = text.removeprefix("http://").removeprefix("https://").split("/")[0].removeprefix("www.")
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", text):
            raise _invalid(_("Enter a domain such as example.com."))
    elif not text:
        raise _invalid(_("Enter a word or phrase."))
    if len(text) > TERM_MAX:
        raise _invalid(_("At most %(n)d characters.", n=TERM_MAX))
    return text


def add_blocked_term(actor: Any, kind: Any, value: Any) -> BlockedTerm:
    policy.require(actor, "moderation.blocked_terms")
    if kind not in ("word", "domain"):
        message = _("Choose a word or a domain.")
        raise ValidationError(message, {"kind": [message]})
    text = _normalize_term(kind, value)
    already = _("“%(text)s” is already on the list.", text=text)
    if db.session.scalar(select(BlockedTerm.id).where(BlockedTerm.kind == kind, BlockedTerm.value == text)):
        raise Conflict(already)
    term = BlockedTerm(kind=kind, value=text, created_by_id=actor.id)
    db.session.add(term)
    db.session.flush()
    audit(actor, "blocked.add", "blocked_term", term.id, reason=f"{kind}: {text}")
    commit_and_publish(conflict=already)
    forget()
    return term


def remove_blocked_term(actor: Any, term_id: int) -> None:
    policy.require(actor, "moderation.blocked_terms")
    term = db.session.get(BlockedTerm, term_id)
    if term is None:
        raise NotFound(_("That word or domain is not on the list."))
    audit(actor, "blocked.remove", "blocked_term", term.id, reason=f"{term.kind}: {term.value}")
    db.session.delete(term)
    db.session.commit()
    forget()


# --- screening (called by the posting service, inside its transaction) --------------------------

def screen_post(actor: Any, post: Post, *, new_post: bool) -> str | None:
    """After a post is flushed: hold it for review when it holds a blocked word or domain. Returns
    the hold reason or None. Does not commit."""
    match = blocked_match(post.body_source, post.body_html)
    if match is None:
        if post.hidden_reason == "held" and not new_post:
            # An edit removed what held it: it still waits for a moderator (who may approve it).
            return "held"
        return None
    reason, detail = match
    if post.hidden_at is None:  # a post hidden by a moderator or by flags stays hidden as it is
        post.hidden_at = utcnow()
        post.hidden_reason = "held"
        post.hidden_by_id = None
        db.session.flush()
        db.session.execute(recount_posts(post.topic_id))  # held: not among the posts people see
    open_item("post", post_id=post.id, reason=reason, detail=detail)
    return reason


def screen_before_write(actor: Any, html: str, *, new_post: bool) -> None:
    """The limits that refuse a post outright: the per-action rate limit and the link cap."""
    check_links(actor, html, new_post=new_post)
    if new_post:
        check_rate(actor, "post")
