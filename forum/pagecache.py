"""The page cache: pages that many people read are rendered once per change, not once per view.

A cached page is keyed by what it shows: a topic page by its room's event number and page, a
concept page by its room's event number (forum/services/events.py). Every change a page shows
records an event in its room, in the transaction of the change, so the key moves with the commit
and the very next request renders afresh: nothing is ever invalidated by hand, and no stale page is
served after a write. Entries also expire after `PAGE_CACHE_TTL` seconds (default 300), which bounds
how long a change made outside the room (a renamed author, say) can take to show.

What is cached is the page as a visitor sees it, or, for signed-in people, a *shell* shared by
everyone in the same viewer class (the page's permissions: moderator or not, may reply, may edit...)
with markers where the personal parts go: `<!--sb:user_nav-->` (the header's account menu and
unread count), `<!--sb:flashes-->`, and the page's own (your votes, your follow button). The view
passes a renderer for each; they are filled in per request, cheaply, and CSRF tokens in the shell
are a placeholder replaced by the person's own token. A person who wrote posts on a topic page gets
a copy of their own (their posts carry their edit and delete buttons).

Visitors' pages set no cookie. The cache lives in process memory (a bounded LRU) by default, and in
Redis when `CACHE_REDIS_URL` is set, so that every process shares it. `FastPath`, in front of Flask,
answers the hits on topic and concept pages, for visitors and signed-in readers, with one statement.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, g, render_template, request, session
from flask.json.tag import TaggedJSONSerializer
from flask_login import current_user

from forum import i18n

CSRF_PLACEHOLDER = "sb-csrf-0f3c9e5d7a1b"
_TOKENS = re.compile(r"<!--sb:([a-z_]+)-->|" + re.escape(CSRF_PLACEHOLDER))
DEFAULT_TTL = 300
CACHED_ENDPOINTS = frozenset({"board.topic", "concepts.show", "main.healthz", "static"})

Renderer = Callable[[], str]


# --- stores -------------------------------------------------------------------------------------

class MemoryStore:
    """A size-bounded LRU in this process's memory, with per-entry expiry."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[float, int, dict[str, Any]]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item[2]

    def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
        # Twice the page: an entry also keeps, once read, its encoded bytes (a visitor's page) or
        # its cut at the markers (a shell), both about the page's size.
        size = 2 * len(value.get("html") or "") + 64
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (time.monotonic() + ttl, size, value)
            self._size += size
            while self._size > self.max_bytes and self._items:
                self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        _, size, _ = self._items.pop(key)
        self._size -= size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


class RedisStore:
    """Entries in Redis under a prefix, with Redis's own expiry: shared by every process."""

    def __init__(self, url: str, prefix: str = "sb:page:") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.prefix = prefix

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            value = self.client.get(self.prefix + key)
        except Exception:  # noqa: BLE001 - a cache that is down is a cache miss, never an error
            current_app.logger.warning("page cache: Redis get failed")
            return None
        return json.loads(value) if value is not None else None

    def set(self, key: str, value: dict[str, Any], ttl: int) -> None:
        try:
            self.client.set(self.prefix + key, json.dumps(value).encode(), ex=max(1, int(ttl)))
        except Exception:  # noqa: BLE001
            current_app.logger.warning("page cache: Redis set failed")

    def clear(self) -> None:
        for key in self.client.scan_iter(self.prefix + "*"):
            self.client.delete(key)


def init_app(app: Flask) -> None:
    url = app.config.get("CACHE_REDIS_URL")
    if url:
        store: Any = RedisStore(url, prefix=app.config.get("CACHE_KEY_PREFIX", "sb:page:"))
    else:
        store = MemoryStore(int(app.config.get("PAGE_CACHE_MAX_BYTES", 64 * 1024 * 1024)))
    app.extensions["pagecache"] = store

    from forum.extensions import limiter

    @limiter.request_filter
    def _reading_a_cached_page() -> bool:
        """Reading a cached page has no rate limit to count: skip the limiter's bookkeeping."""
        return request.method in ("GET", "HEAD") and request.endpoint in CACHED_ENDPOINTS

    @app.context_processor
    def _shell_flag() -> dict[str, Any]:
        return {"sb_shell": g.get("_sb_shell", False)}


def ttl_until(moment: Any) -> int:
    """The default lifetime, shortened so that an entry is gone by `moment` (a naive UTC datetime)."""
    default = int(current_app.config.get("PAGE_CACHE_TTL", DEFAULT_TTL))
    if moment is None:
        return default
    from forum.models import utcnow

    return max(0, min(default, int((moment - utcnow()).total_seconds())))


def room_seq_column(room: Any) -> Any:
    """The room's newest event number as a scalar subquery, to read a page's key in one query."""
    from sqlalchemy import func, select

    from forum.models import RoomSequence

    return func.coalesce(select(RoomSequence.last_seq).where(RoomSequence.room == room)
                         .scalar_subquery(), 0)


def reader_columns(organization_id: Any, follow_column: str, followed_id: Any, user_id: Any = None) -> list[Any]:
    """The signed-in reader's own facts that a page shows, as columns of the page's key query (bound
    to `:user_id`), so that a signed-in hit costs one statement besides loading the person: their
    membership of the page's organization (`member_role`), whether they follow what the page shows
    (`following`; `follow_column` is "concept_id" or "topic_id") and their unread notifications
    (`unread`). `prime_reader` hands them to the policy and the header. `user_id`: the column or
    parameter that names the reader (by default `:user_id`)."""
    from sqlalchemy import bindparam, exists, func, select

    from forum.models import Follow, Membership, Notification

    user_id = bindparam("user_id") if user_id is None else user_id
    role = (select(Membership.role).where(Membership.organization_id == organization_id,
                                          Membership.user_id == user_id, Membership.pending.is_(False))
            .scalar_subquery())
    following = exists().where(Follow.user_id == user_id, getattr(Follow, follow_column) == followed_id)
    unread = (select(func.count(Notification.id)).where(Notification.user_id == user_id,
                                                         Notification.read_at.is_(None)).scalar_subquery())
    return [role.label("member_role"), following.label("following"), unread.label("unread")]


#: What the fast path reads of a signed-in person with a page's key (forum/models/users.py).
READER_FIELDS = ("id", "username", "display_name", "role", "suspended_until", "silenced_until", "deleted_at",
                 "warning_pending", "locale")


def reader_user_columns() -> list[Any]:
    from forum.models import User

    return [getattr(User, name).label(f"user_{name}") for name in READER_FIELDS]


def reader_from_row(row: Any) -> Any:
    """The person of a key row with `reader_user_columns`, as a User the session never sees: the
    policy and the keys read the same properties (is_read_only, is_moderator...) as on a loaded one."""
    from forum.models import User

    user = User(**{name: getattr(row, f"user_{name}") for name in READER_FIELDS})
    user.__dict__["_membership_cache"] = {row.organization_id: row.member_role} if row.organization_id else {}
    return user


def reader_id() -> int | None:
    """The `:user_id` of a key query with `reader_columns`: the signed-in person, or nobody."""
    return current_user.id if current_user.is_authenticated else None


def prime_reader(user: Any, organization_id: int | None, row: Any) -> None:
    """Remember what a key query with `reader_columns` read, for this request: the policy's
    membership check and the header's unread count ask no further query."""
    if organization_id is not None:
        user.__dict__.setdefault("_membership_cache", {})[organization_id] = row.member_role
    from forum.web import remember_unread

    remember_unread(row.unread)


def store() -> Any:
    return current_app.extensions["pagecache"]


# --- serving ------------------------------------------------------------------------------------

def _key(parts: Iterable[Any], locale: str | None = None) -> str:
    """A cache key: the reader's language first (a page in Chinese is another page), then `parts`."""
    return "|".join(map(str, (locale or i18n.locale_code(), *parts)))


def shell_key(key: tuple[Any, ...], path: str, viewer: tuple[Any, ...]) -> tuple[Any, ...]:
    """A signed-in page's shell: what it shows, its address, and the reader's class."""
    return ("shell", *key, path, *viewer)


def nav_key(user: Any, unread: int) -> tuple[Any, ...]:
    """The header's account menu of a person without staff powers."""
    return ("nav", user.id, user.username, user.name, user.role, unread)


def _entry_for(cache: Any, full: tuple[Any, ...], user_id: int, locale: str | None = None) -> dict[str, Any] | None:
    """A signed-in reader's copy of a page: the shared shell, or their own where the page shows
    their posts (with their buttons)."""
    entry = cache.get(_key(full, locale))
    if entry is not None and user_id in entry["authors"]:
        entry = cache.get(_key((*full, "own", user_id), locale))
    return entry


def _render_shell(render: Callable[[], Any], shell: bool) -> tuple[str, list[int]]:
    """Render with CSRF tokens as a placeholder (and, for a shell, personal parts as markers).
    `render` returns the HTML, or (HTML, ids of the people whose own posts the page shows)."""
    had_token = "csrf_token" in g
    saved = g.pop("csrf_token", None)
    g.csrf_token = CSRF_PLACEHOLDER
    g._sb_shell = shell
    try:
        result = render()
    finally:
        g.pop("_sb_shell", None)
        g.pop("csrf_token", None)
        if had_token:
            g.csrf_token = saved
    if isinstance(result, tuple):
        html, authors = result
        return str(html), sorted({int(a) for a in authors if a is not None})
    return str(result), []


def _segments(html: str) -> list[str]:
    """The page cut at its markers and CSRF placeholders: text at even places, at odd places the
    name of a part, or "" for the person's CSRF token."""
    pieces, start = [], 0
    for match in _TOKENS.finditer(html):
        pieces += [html[start:match.start()], match[1] or ""]
        start = match.end()
    pieces.append(html[start:])
    return pieces


def _fill(html: str, parts: dict[str, Renderer], entry: dict[str, Any] | None = None,
          csrf_token: Callable[[], str] | None = None) -> str:
    """The page with its personal parts rendered and the person's CSRF token in place. The cut is
    remembered on a cached `entry` (in process memory: once per entry, not per view)."""
    segments = entry.get("segments") if entry is not None else None
    if segments is None:
        segments = _segments(html)
        if entry is not None:
            entry["segments"] = segments
    token: list[str] = []

    def csrf() -> str:
        if not token:
            from flask_wtf.csrf import generate_csrf

            token.append((csrf_token or generate_csrf)())
        return token[0]

    out = []
    for index, piece in enumerate(segments):
        if not index % 2:
            out.append(piece)
        elif not piece:
            out.append(csrf())
        else:
            renderer = parts.get(piece)
            text = renderer() if renderer is not None else ""
            out.append(text.replace(CSRF_PLACEHOLDER, csrf()) if CSRF_PLACEHOLDER in text else text)
    return "".join(out)


def _user_nav() -> str:
    """The header's account menu. For people without staff powers it depends on nothing but their
    name and unread count: cached under those. Staff menus show the moderation queue's length."""
    user = current_user
    if not user.is_authenticated or user.is_moderator:
        return render_template("_user_nav.html")
    from forum.web import _unread_count

    return fragment(nav_key(user, _unread_count()), lambda: render_template("_user_nav.html"))


def _flashes() -> str:
    return render_template("_flashes.html") if session.get("_flashes") else ""


def _standard_parts() -> dict[str, Renderer]:
    return {"user_nav": _user_nav, "flashes": _flashes}


def page(key: tuple[Any, ...], render: Callable[[], Any], *, viewer: tuple[Any, ...] = (),
         parts: dict[str, Renderer] | None = None, ttl: int | Callable[[], int] | None = None) -> Response:
    """Serve a page from the cache under `key` (what it shows) and the viewer's class, rendering it
    with `render` on a miss. `parts` render the page's personal markers for signed-in people. `ttl`
    (seconds, or a function asked after rendering) bounds the entry's life; 0 keeps it out."""
    config = current_app.config
    signed_in = bool(current_user.is_authenticated)
    fillers = {**_standard_parts(), **(parts or {})}
    if not config.get("PAGE_CACHE", True) or (not signed_in and "_flashes" in session):
        html, _ = _render_shell(render, shell=False)
        return _response(_fill(html, fillers), "off")
    if signed_in:
        full: tuple[Any, ...] = shell_key(key, request.path, viewer)
    else:
        full = ("visitor", *key, request.full_path)
    cache = store()
    shared_key = _key(full)
    own_key = _key((*full, "own", current_user.id)) if signed_in else shared_key
    status = "hit"
    entry = _entry_for(cache, full, current_user.id) if signed_in else cache.get(shared_key)
    if entry is None or entry["html"] is None:
        status = "miss"
        html, authors = _render_shell(render, shell=signed_in)
        entry = {"html": html, "authors": authors}
        lifetime = ttl() if callable(ttl) else ttl
        lifetime = int(lifetime if lifetime is not None else config.get("PAGE_CACHE_TTL", DEFAULT_TTL))
        if lifetime > 0:
            if signed_in and current_user.id in authors:
                cache.set(own_key, entry, lifetime)
                if cache.get(shared_key) is None:  # others learn that this page has an own copy
                    cache.set(shared_key, {"html": None, "authors": authors}, lifetime)
            else:
                cache.set(shared_key, entry, lifetime)
    html = entry["html"]
    if signed_in or CSRF_PLACEHOLDER in html:
        html = _fill(html, fillers, entry)
    return _response(html, status)


def fragment(key: tuple[Any, ...], render: Callable[[], str], ttl: int | Callable[[], int] | None = None) -> str:
    """A personal part, cached under `key` (which names the person and the room's number): a
    person's votes and answers are rendered once per change, not on every view. CSRF tokens in it
    are the placeholder, filled in with the page. `ttl` (seconds, or a function asked on a miss)
    bounds its life."""
    config = current_app.config
    if not config.get("PAGE_CACHE", True):
        return _render_shell(render, shell=False)[0]
    cache = store()
    cache_key = _key(("part", *key))
    entry = cache.get(cache_key)
    if entry is None:
        entry = {"html": _render_shell(render, shell=False)[0], "authors": []}
        lifetime = ttl() if callable(ttl) else ttl
        lifetime = int(lifetime if lifetime is not None else config.get("PAGE_CACHE_TTL", DEFAULT_TTL))
        if lifetime > 0:
            cache.set(cache_key, entry, lifetime)
    return entry["html"]


def _response(html: str, status: str) -> Response:
    response = Response(html, mimetype="text/html")
    response.headers["X-Page-Cache"] = status
    return response


# --- the fast path --------------------------------------------------------------------------------

class FastPath:
    """WSGI middleware: a GET of a topic or concept page that the cache holds is answered from the
    cache before Flask is involved.

    * A visitor (no cookie): one query for the key (the same statement the views use, with the
      policy's visibility rule), then the stored bytes.
    * A signed-in reader (a session cookie): the session is checked as Flask and Flask-Login check
      it (signature, age, the "basic" protection's identifier), then one query reads the person (by
      their session token), the page's key and the reader's own facts (the views' statement), the
      policy decides with the same rules and the same keys (`reader_view` in the view's module) as
      the view, and the page is assembled from the cached shell and the reader's cached parts (menu,
      votes, follow button) with their own CSRF token.

    Both send the site's headers and the request's JSON log line. Anything else goes to Flask, which
    renders and stores what was missing for the next request: a query string other than ?page=N,
    HTTPS or a proxy's headers, a flash message or a remember-me sign-in to handle, a session without
    a CSRF token yet, a warning to acknowledge, staff (their menu counts the moderation queue), a
    page or part the cache does not hold, and any error."""

    _TOPIC = re.compile(r"^/t/([1-9][0-9]{0,17})$")
    _CONCEPT = re.compile(r"^/concepts/([a-z0-9][a-z0-9-]{0,199})$")
    _PAGE = re.compile(r"^page=([0-9]{1,9}|last)$")

    def __init__(self, wsgi_app: Any, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.engine: Any = None
        self._session: Any = None
        self._csrf: Any = None
        self._queries: dict[Any, tuple[str, dict[str, Any], list[str]]] = {}
        self._free: list[Any] = []
        self._opened = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("wsgi.url_scheme") == "http" \
                and "HTTP_X_FORWARDED_PROTO" not in environ and "HTTP_X_FORWARDED_FOR" not in environ \
                and self.app.config.get("PAGE_CACHE", True):
            started = time.perf_counter()
            try:
                hit = self._hit(environ)
            except Exception:  # noqa: BLE001 - the slow path will answer, and log what goes wrong
                hit = None
                self.release()  # a connection that went stale (a database restart)
            if hit is not None:
                route, body, signed_in = hit
                headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                           ("Vary", "Cookie"), ("X-Page-Cache", "hit"), *_security_headers()]
                if signed_in:
                    headers.append(("Cache-Control", "private, no-store"))
                start_response("200 OK", headers)
                if self.app.config.get("ACCESS_LOG", True):
                    from forum.serving import access_line

                    access_line("GET", route, 200, (time.perf_counter() - started) * 1000)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _first(self, statement: Any, params: dict[str, Any]) -> Any:
        """The first row of a key statement, or None. On PostgreSQL the statement is compiled once and
        run on the driver's cursor, prepared (SQLAlchemy's per-execution work is half the cost of a
        key check there); psycopg returns the same Python values SQLAlchemy would. SQLite's values
        (dates stored as text) need SQLAlchemy's conversions: it runs through the engine."""
        engine = self._engine()
        if engine.dialect.name != "postgresql":
            with engine.connect() as conn:
                return conn.execute(statement, params).first()
        query = self._queries.get(statement)
        if query is None:
            compiled = statement.compile(dialect=engine.dialect)
            query = self._queries[statement] = (str(compiled), compiled.construct_params(_check=False),
                                                list(statement.selected_columns.keys()))
        sql, defaults, names = query
        # Connections of its own, kept open between requests: at most FAST_PATH_CONNECTIONS; past
        # that (a crowd arriving at once) the engine's pool lends one, and bounds the rest.
        own = True
        if self._free:
            connection = self._free.pop()
        elif self._opened < int(self.app.config.get("FAST_PATH_CONNECTIONS", 8)):
            self._opened += 1
            try:
                connection = self._driver_connect(engine)
            except Exception:
                self._opened -= 1
                raise
        else:
            own, connection = False, engine.raw_connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, {**defaults, **params}, prepare=True)
                values = cursor.fetchone()
        except Exception:
            if own:  # a connection that failed is dropped
                self._opened -= 1
                connection.close()
            raise
        finally:
            if not own:
                connection.close()  # back to the engine's pool
        if own:
            self._free.append(connection)
        return None if values is None else _Row(names, values)

    def release(self) -> None:
        """Close the connections the fast path keeps (after a failure, or at shutdown)."""
        if self.engine is not None:
            self.engine.dispose()
        while self._free:
            self._opened -= 1
            self._free.pop().close()

    def _driver_connect(self, engine: Any) -> Any:
        import psycopg

        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(url, autocommit=True)

    def _engine(self) -> Any:
        if self.engine is None:
            from sqlalchemy import create_engine

            from forum.extensions import db

            # Its own small pool without the app's ping-on-checkout, in autocommit: on PostgreSQL the
            # key check is then one round trip (no BEGIN before it, no ROLLBACK after it) and its
            # statement stays prepared on the server. A stale connection fails the query, and the
            # request takes the slow path. It only ever reads one row.
            with self.app.app_context():
                self.engine = create_engine(db.engine.url, pool_pre_ping=False, isolation_level="AUTOCOMMIT")
        return self.engine

    def _hit(self, environ: dict[str, Any]) -> tuple[str, bytes, bool] | None:
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        topic = self._TOPIC.match(path)
        concept = None if topic else self._CONCEPT.match(path)
        if not (topic or concept) or (query and not (topic and self._PAGE.match(query))):
            return None
        cookie = environ.get("HTTP_COOKIE")
        session_data = None
        if cookie:
            session_data = self._reader_session(environ, cookie)
            if session_data is None:
                return None
        full_path = f"{path}?{query}"
        if topic:
            from forum.web import board

            topic_id = int(topic[1])
            page = 1
            if query:
                value = query.split("=", 1)[1]
                page = board.LAST_PAGE if value == "last" else max(1, min(int(value), 100000))
            route = "/t/<int:topic_id>"
            if session_data is not None:
                return self._reader_page(route, path, full_path, environ, session_data, board.reader_key_by_token(),
                                         {"topic_id": topic_id}, "topic.view",
                                         lambda row: board._shown(row, topic_id),
                                         lambda row, user: board.reader_view(row, user, topic_id, page, full_path))
            row = self._first(board._visitor_key(), {"topic_id": topic_id})
            if row is None:
                return None
            key = ("visitor", *board._topic_key(topic_id, row.seq, page, row), full_path)
        else:
            from forum.web import concepts

            route = "/concepts/<slug>"
            if session_data is not None:
                return self._reader_page(route, path, full_path, environ, session_data, concepts.reader_key_by_token(),
                                         {"slug": concept[1]}, "concept.view", concepts._shown,
                                         lambda row, user: concepts.reader_view(row, user, full_path))
            row = self._first(concepts._visitor_key(), {"slug": concept[1]})
            if row is None:
                return None
            key = ("visitor", *concepts._concept_key(row.id, row.seq, row.name, row.verified_at, row.post_count,
                                                     row.last_post_at), full_path)
        entry = self.app.extensions["pagecache"].get(_key(key, i18n.environ_locale(environ)))
        if entry is None or not entry.get("html") or CSRF_PLACEHOLDER in entry["html"]:
            return None
        body = entry.get("body")
        if body is None:  # encoded once per entry (in process memory)
            body = entry["body"] = entry["html"].encode()
        return route, body, False

    def _reader_session(self, environ: dict[str, Any], cookie: str) -> dict[str, Any] | None:
        """The Flask session of a signed-in reader the fast path may serve, or None (Flask will)."""
        from werkzeug.http import parse_cookie

        app = self.app
        value = parse_cookie(cookie).get(app.config["SESSION_COOKIE_NAME"])
        if not value:
            return None
        if self._session is None:
            from itsdangerous import URLSafeTimedSerializer

            # Flask's own session serializer, but reading JSON without asking for an app context.
            interface = app.session_interface
            keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or []), app.secret_key]
            self._session = URLSafeTimedSerializer(keys, salt=interface.salt, serializer=_SessionJSON(),
                                                   signer_kwargs={"key_derivation": interface.key_derivation,
                                                                  "digest_method": interface.digest_method})
            secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
            self._csrf = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
        try:
            data = self._session.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()))
        except Exception:  # noqa: BLE001 - a bad or old cookie: Flask decides what to do with it
            return None
        field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        if not data.get("_user_id") or not data.get(field) or "_flashes" in data or "_remember" in data \
                or data.get("_id") != _login_identifier(environ):
            return None
        return data

    def _reader_page(self, route: str, path: str, full_path: str, environ: dict[str, Any], session_data: dict[str, Any],
                     statement: Any,
                     params: dict[str, Any], view_rule: str, shown: Callable[[Any], Any],
                     view: Callable[[Any, Any], tuple[Any, Any, dict[str, Any]]]) -> tuple[str, bytes, bool] | None:
        from forum import policy

        row = self._first(statement, {**params, "token": session_data["_user_id"]})
        if row is None:
            return None
        user = reader_from_row(row)
        if user.warning_pending or user.is_moderator or user.deleted_at is not None \
                or policy.refusal(user, view_rule, shown(row)) is not None:
            return None
        key, viewer, part_keys = view(row, user)
        locale = i18n.environ_locale(environ, row.user_locale)
        cache = self.app.extensions["pagecache"]
        entry = _entry_for(cache, shell_key(key, path, viewer), user.id, locale)
        nav = cache.get(_key(("part", *nav_key(user, int(row.unread or 0))), locale))
        if entry is None or entry["html"] is None or nav is None:
            return None
        parts = {"user_nav": nav["html"], "flashes": ""}
        segments = entry.get("segments") or _segments(entry["html"])
        for name in set(segments[1::2]) - {"", *parts}:  # the parts this page shows
            part = cache.get(_key(("part", *part_keys[name]), locale)) if name in part_keys else None
            if part is None:
                return None
            parts[name] = part["html"]
        field = self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        html = _fill(entry["html"], {name: (lambda text=text: text) for name, text in parts.items()}, entry,
                     csrf_token=lambda: self._csrf.dumps(session_data[field]))
        return route, html.encode(), True


class _Row:
    """A key row from the driver's cursor, read by column name as SQLAlchemy's rows are."""

    __slots__ = ("_values",)

    def __init__(self, names: list[str], values: tuple[Any, ...]) -> None:
        self._values = dict(zip(names, values, strict=True))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


class _SessionJSON(TaggedJSONSerializer):
    """Flask's tagged JSON for sessions (tuples, bytes, dates...), with the standard json module."""

    def dumps(self, value: Any) -> str:
        return json.dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: Any) -> Any:
        return self._untag_scan(json.loads(value))


def _login_identifier(environ: dict[str, Any]) -> str:
    """Flask-Login's session identifier (its "basic" session protection), for a request with no
    proxy headers: a SHA-512 of the remote address and the user agent, computed as it computes it."""
    from hashlib import sha512

    address = environ.get("REMOTE_ADDR")
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return sha512(f"{address}|{agent}".encode()).hexdigest()


def _security_headers() -> tuple[tuple[str, str], ...]:
    from forum.web import SECURITY_HEADERS

    return SECURITY_HEADERS
