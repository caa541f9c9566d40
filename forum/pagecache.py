"""The page cache and HTTP caching: pages that many people read are rendered once per change.

A cached page is keyed by what it shows (its key row, forum/services/page_keys.py: a room's event
number and what the page shows from outside that room), by the reader's language and by the page's
`perms`: the permissions it depends on, computed once through the policy (`permissions`) and passed
to its template, which asks nothing else about the reader. Every change a page shows records an
event in its room in the transaction of the change, so the key moves with the commit and the next
request renders afresh. Entries also expire after `PAGE_CACHE_TTL` seconds.

Everything here runs inside Flask, after the session and Flask-Login have loaded the person and every
`before_request` hook has run. A page answers with an ETag built from its key (and, signed in, the
keys of the reader's own parts), and a request that already holds it gets 304 from the key check
alone. Visitors' pages are `public` with a short shared lifetime (`PAGE_SHARED_MAX_AGE`,
`PAGE_STALE_WHILE_REVALIDATE`), so nginx (deploy/nginx.conf) keeps them; a slightly old page
catches up over the socket from the room number it carries. Signed-in pages are `private, no-cache`.

Signed-in readers share a *shell* per class of reader, with markers where the personal parts go:
`<!--sb:user_nav-->` (the account menu and unread count), `<!--sb:flashes-->` and the page's own
(`Part`s: your votes, your follow button). CSRF tokens in a shell are a placeholder replaced by the
person's own token (forum/pagecache_shell.py cuts and fills shells). A person whose posts the page
shows gets a copy of their own.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.local import LocalProxy

from forum import i18n, policy
from forum.extensions import db, limiter
from forum.models import utcnow
from forum.pagecache_shell import CSRF_PLACEHOLDER, Part, Renderer, fill, render_part, render_shell
from forum.pagecache_stores import LayeredStore, MemoryStore, RedisStore
from forum.services import notifications

DEFAULT_TTL = 300
#: The cached pages: GET views that read and write nothing (a stale stored summary they find is
#: stored in a transaction of its own, forum/services/demand/snapshot.py).
#: Each one's key (forum/services/page_keys.py): its kind and the view argument it is read for.
PAGE_KEYS = {"board.topic": ("topic", "topic_id"), "concepts.show": ("concept", "slug"),
             "concepts.index": ("listing", None), "feedback.results": ("results", "slug")}
PAGE_ENDPOINTS = frozenset(PAGE_KEYS)
CACHED_ENDPOINTS = PAGE_ENDPOINTS | {"main.healthz", "static"}
VARY = "Cookie, Accept-Language, Accept-Encoding"
_HTML = "text/html; charset=utf-8"


def init_app(app: Flask) -> None:
    url = app.config.get("CACHE_REDIS_URL")
    near = MemoryStore(int(app.config.get("PAGE_CACHE_MAX_BYTES", 64 * 1024 * 1024)))
    store: Any = near
    if url:
        store = LayeredStore(near, RedisStore(url, prefix=app.config.get("CACHE_KEY_PREFIX", "sb:page:")))
    app.extensions["pagecache"] = store
    app.extensions["pagecache_release"] = _release(app)
    with app.app_context():
        autocommit = db.engine.dialect.name != "sqlite"

    @app.before_request
    def _read_without_transaction() -> None:
        """A cached page on PostgreSQL reads in autocommit, as SQLite reads outside a transaction:
        each statement sees the newest committed data (READ COMMITTED already gives each statement
        its own snapshot), without the BEGIN and ROLLBACK round trips. Registered before the hook
        that loads the person, so that their statement goes the same way."""
        if autocommit and request.endpoint in PAGE_ENDPOINTS and request.method in ("GET", "HEAD"):
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    @limiter.request_filter
    def _reading_a_cached_page() -> bool:
        """Reading a cached page has no rate limit to count: skip the limiter's bookkeeping."""
        req = request._get_current_object()  # type: ignore[attr-defined] - the request, not its proxy
        return req.method in ("GET", "HEAD") and req.endpoint in CACHED_ENDPOINTS

    @app.context_processor
    def _shell_flag() -> dict[str, Any]:
        return {"sb_shell": g.get("_sb_shell", False)}


def _release(app: Flask) -> str:
    """A digest of the templates: a new release never answers 304 for a page an old one rendered."""
    digest = hashlib.sha256()
    folder = Path(app.template_folder or "templates")
    if not folder.is_absolute():
        folder = Path(app.root_path) / folder
    for path in sorted(folder.rglob("*.html")):
        digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def store() -> Any:
    return current_app.extensions["pagecache"]


def ttl_until(moment: Any) -> int:
    """The default lifetime, shortened so that an entry is gone by `moment` (a naive UTC datetime)."""
    default = int(current_app.config.get("PAGE_CACHE_TTL", DEFAULT_TTL))
    if moment is None:
        return default
    return max(0, min(default, int((moment - utcnow()).total_seconds())))


# --- what a page depends on about its reader ------------------------------------------------------

def reader() -> Any:
    """The person reading (an anonymous user for a visitor): Flask-Login's current_user, looked up
    once rather than through its proxy at every attribute."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def page_key_request() -> tuple[str | None, Any]:
    """The cached page this request reads, as its key's kind and argument (page_keys.load_reader
    reads the key with the person), or (None, None)."""
    found = PAGE_KEYS.get(request.endpoint or "") if request.method in ("GET", "HEAD") else None
    if found is None:
        return None, None
    kind, name = found
    return kind, (request.view_args or {}).get(name) if name else None


def permissions(actor: Any, declared: Mapping[str, tuple[str, Any]]) -> dict[str, Any]:
    """A page's `perms`: each declared name -> whether the policy lets `actor` do the action on the
    object, plus `signed_in`. The page's template reads these; its cache key is built from them."""
    if isinstance(actor, LocalProxy):
        actor = actor._get_current_object()
    perms: dict[str, Any] = {name: policy.can(actor, action, obj) for name, (action, obj) in declared.items()}
    perms["signed_in"] = bool(actor.is_authenticated)
    return perms


def unread_count() -> int:
    """The reader's unread notifications, once per request (or as a page's key row read them)."""
    count = g.get("_sb_unread")
    if count is None:
        count = g._sb_unread = notifications.unread_count(reader())
    return count


def remember_unread(count: int | None) -> None:
    g._sb_unread = int(count or 0)


def nav_key(user: Any) -> tuple[Any, ...] | None:
    """The header's account menu: for people without staff powers it shows their name and unread
    count only. Staff menus show the moderation queue's length: not keyed."""
    if user.is_moderator:
        return None
    return ("nav", user.id, user.username, user.name, user.role, unread_count())


def _user_nav(key: tuple[Any, ...] | None) -> str:
    """The account menu: a signed-in person's under their `nav_key` (None: not keyed)."""
    if key is None:
        return render_template("_user_nav.html")
    return fragment(key, lambda: render_template("_user_nav.html"))


def _suspended_until(user: Any) -> Any:
    """Until when the reader is suspended (their pages carry a standing notice), or None."""
    return user.suspended_until if user.is_authenticated and user.is_suspended else None


def _flashes(suspended_until: Any) -> str:
    """Flash messages, and a suspended person's standing notice (with how to appeal)."""
    return render_template("_flashes.html") if suspended_until or session.get("_flashes") else ""


def _standard_parts(user: Any) -> dict[str, Part]:
    """The account menu and the flash messages, keyed and rendered with what is known of the reader."""
    nav = nav_key(user) if user.is_authenticated else None
    suspended = _suspended_until(user)
    return {"user_nav": Part(nav if user.is_authenticated else ("nav",), lambda: _user_nav(nav)),
            "flashes": Part(("flashes", suspended), lambda: _flashes(suspended))}


# --- rendering ------------------------------------------------------------------------------------

#: Digests made in this process, by what they digest: a page asked again is not spelled out and
#: hashed again. Emptied when it holds DIGESTS_KEPT.
_DIGESTS: dict[Any, str] = {}
DIGESTS_KEPT = 4096


def _digest(material: tuple[Any, ...]) -> str:
    """What a key holds (a tuple of plain values, each place always of one type) as 32 hexadecimal
    digits, the same in every process: a cache key, an ETag."""
    try:
        found = _DIGESTS.get(material)
    except TypeError:  # something unhashable in it: digested every time
        return hashlib.sha256(repr(material).encode()).hexdigest()[:32]
    if found is None:
        if len(_DIGESTS) >= DIGESTS_KEPT:
            _DIGESTS.clear()
        found = _DIGESTS[material] = hashlib.sha256(repr(material).encode()).hexdigest()[:32]
    return found


def _locale() -> str:
    return i18n.locale_code()


def _lifetime(ttl: int | Callable[[], int] | None) -> int:
    value = ttl() if callable(ttl) else ttl
    return int(value if value is not None else current_app.config.get("PAGE_CACHE_TTL", DEFAULT_TTL))


def _etag(shared: str, parts: Mapping[str, Part], user: Any) -> str | None:
    """The page's validator: its full key's digest (`shared`) and, signed in, the keys of the
    reader's own parts and their CSRF secret (hashed). None when a part cannot be keyed."""
    if not user.is_authenticated:
        return shared
    keys = tuple(sorted((name, part.key) for name, part in parts.items()))
    if any(key is None for _name, key in keys):
        return None
    return _digest((shared, keys, user.id, user.session_token, session.get("csrf_token")))


def page(key: tuple[Any, ...], render: Callable[[], Any], *, perms: Mapping[str, Any],
         parts: Mapping[str, Part] | None = None, ttl: int | Callable[[], int] | None = None) -> Response:
    """The page under `key` (what it shows) for a reader whose class is `perms`, from the cache or
    rendered with `render` (which passes `perms` to its template). `parts` are the page's personal
    parts. `ttl` (seconds, or a function asked after rendering) bounds the entry's life; 0 keeps it
    out. Answers 304 to a request that holds the page's ETag."""
    app, asked = current_app._get_current_object(), request._get_current_object()  # type: ignore[attr-defined]
    user = reader()
    signed_in = bool(user.is_authenticated)
    fillers = _standard_parts(user)
    if parts:
        fillers.update(parts)
    flashes = bool(session.get("_flashes"))
    if not app.config.get("PAGE_CACHE", True) or (flashes and not signed_in):
        html, _ = render_shell(render)
        return _response(fill(html, fillers), "off", None, signed_in=True)
    viewer = tuple(sorted(perms.items()))
    release = app.extensions["pagecache_release"]
    if signed_in:
        full: tuple[Any, ...] = ("shell", _locale(), release, *key, asked.path, *viewer)
    else:
        full = ("visitor", _locale(), release, *key, asked.full_path, *viewer)
    shared = _digest(full)
    etag = None if flashes else _etag(shared, fillers, user)
    if etag is not None and asked.if_none_match.contains_weak(etag):
        return _response(None, "not-modified", etag, signed_in)
    html, status = (_signed_in_page if signed_in else _visitor_page)(shared, render, fillers, ttl)
    return _response(html, status, etag, signed_in)


def _visitor_page(cache_key: str, render: Callable[[], Any], fillers: Mapping[str, Part],
                  ttl: Any) -> tuple[str, str]:
    """A visitor's page: rendered once, its parts filled in once, then served as stored."""
    cache = store()
    entry = cache.get(cache_key)
    status = "hit"
    if entry is None:
        status = "miss"
        shell, _ = render_shell(render)
        entry = {"html": fill(shell, fillers, csrf=False).decode(), "authors": []}
        lifetime = _lifetime(ttl)
        if lifetime > 0:
            cache.set(cache_key, entry, lifetime)
    html = entry["html"]
    if CSRF_PLACEHOLDER in html:  # a form for visitors: their own token (and so a session cookie)
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return html, status


def _signed_in_page(shared_key: str, render: Callable[[], Any], fillers: Mapping[str, Part],
                    ttl: Any) -> tuple[bytes, str]:
    """The shared shell of the reader's class (or their own copy where the page shows their posts,
    with their buttons), filled with their parts."""
    cache = store()
    user_id = reader().id
    own_key = f"{shared_key}|own|{user_id}"
    entry = cache.get(shared_key)
    if entry is not None and user_id in entry["authors"]:
        entry = cache.get(own_key)
    if entry is not None and entry["html"] is not None:
        return fill(entry["html"], fillers, entry), "hit"
    html, authors = render_shell(render)
    entry = {"html": html, "authors": authors}
    lifetime = _lifetime(ttl)
    if lifetime > 0:
        if user_id in authors:
            cache.set(own_key, entry, lifetime)
            if cache.get(shared_key) is None:  # others learn that this page has an own copy
                cache.set(shared_key, {"html": None, "authors": authors}, lifetime)
        else:
            cache.set(shared_key, entry, lifetime)
    return fill(html, fillers, entry), "miss"


def fragment(key: tuple[Any, ...], render: Renderer, ttl: int | Callable[[], int] | None = None) -> str:
    """A personal part, cached under `key` (what it shows: the person, the room's number...), the
    reader's language and whether they are signed in: rendered once per change, not on every view.
    CSRF tokens in it are the placeholder, filled in with the page."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("PAGE_CACHE", True):
        return render_part(render)
    cache = store()
    cache_key = _digest(("part", _locale(), bool(reader().is_authenticated), *key))
    entry = cache.get(cache_key)
    if entry is None:
        entry = {"html": render_part(render), "authors": []}
        lifetime = _lifetime(ttl)
        if lifetime > 0:
            cache.set(cache_key, entry, lifetime)
    return entry["html"]


# --- the answer -------------------------------------------------------------------------------------

def _response(html: str | bytes | None, status: str, etag: str | None, signed_in: bool) -> Response:
    """The answer, its headers given to the constructor (a weak ETag: our digest is hexadecimal)."""
    headers = [("Content-Type", _HTML), ("X-Page-Cache", status), ("Vary", VARY)]
    if etag is not None:
        headers.append(("ETag", f'W/"{etag}"'))
    if signed_in or etag is None:
        headers.append(("Cache-Control", "private, no-cache"))
    else:
        config = current_app.config
        headers.append(("Cache-Control", f"public, max-age=0, s-maxage={int(config.get('PAGE_SHARED_MAX_AGE', 5))}, "
                        f"stale-while-revalidate={int(config.get('PAGE_STALE_WHILE_REVALIDATE', 30))}"))
    return Response(html, 304 if html is None else 200, headers)

