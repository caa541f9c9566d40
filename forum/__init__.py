"""Sounding Board: a customer co-creation forum."""
from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import DEV_SITE_URL, INSTANCE_DIR, Config
from forum import i18n, models, pagecache, realtime  # noqa: F401 - models: registers every model
from forum.cli import register_cli
from forum.extensions import compress, csrf, db, limiter, login_manager, migrate, socketio
from forum.i18n import _l
from forum.services.ids import MAX_ID
from forum.serving import register_access_log, register_static
from forum.web import register_security_headers, register_web
from forum.web.bodies import ForumRequest, StrictJSONProvider

ROOT = Path(__file__).resolve().parent.parent


class BoundedIntegerConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (or when forced)."""

    #: SHA-1, as Flask's default, given as hashlib's own constructor rather than Flask's lazy wrapper:
    #: the same signature, but the standard library's hmac then signs in C (OpenSSL) instead of Python.
    digest_method = staticmethod(hashlib.sha1)

    def __init__(self) -> None:
        self._serializers: dict[Any, Any] = {}

    def get_signing_serializer(self, app: Flask) -> Any:
        """Flask's own serializer, built once per secret key (and fallbacks) instead of per request."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        """Then, with every cookie on the response: one that sets a cookie (this session, Flask-Login's
        remember-me) is never stored by a shared cache, whatever the page said."""
        super().save_session(app, session, response)
        if "public" in response.headers.get("Cache-Control", "") and "Set-Cookie" in response.headers:
            response.headers["Cache-Control"] = "private, no-cache"


SQLITE_BUSY_TIMEOUT_MS = 5000
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: foreign keys on, WAL so readers do not block the writer, a busy timeout."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _gate_sqlite_writers(app: Flask) -> None:
    """The write gate below, on the app's SQLite engines only. On PostgreSQL its hooks had nothing
    to do, and an engine without connection events skips SQLAlchemy's event dispatch around every
    transaction and statement."""
    with app.app_context():
        engines = [engine for engine in db.engines.values() if engine.dialect.name == "sqlite"]
    for engine in engines:
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _release_gate)
        event.listen(engine, "rollback", _release_gate)
        event.listen(engine, "checkin", _release_record)  # the engine's pool
        event.listen(engine, "invalidate", _release_invalidated)


def _sqlite_begin(conn: Any) -> None:
    """SQLite: a request that changes something (POST, ...) takes the write lock when its
    transaction begins (BEGIN IMMEDIATE), so it waits its turn, in order, and sees one consistent
    database from its first read to its commit. Everything else (GET pages, the CLI, tests) keeps
    the driver's default: reads without a transaction (they never wait for writers in WAL mode),
    and a deferred BEGIN before the first change."""
    # After a busy answer, the error page only reads: it must not queue for the lock again. A second
    # connection opened inside a request that holds the lock does not queue behind itself either.
    # Work done after the response (forum.web.utils.after_response sets g.writes_after_response)
    # writes too: it queues at the same gate, never in SQLite's busy handler, which would freeze
    # the gevent worker while it waits.
    writer = ((has_request_context() and request.method in WRITE_METHODS)
              or (has_app_context() and g.get("writes_after_response")))
    immediate = writer and not g.get("database_busy") and not g.get("_write_gate_held")
    if immediate:
        # Writers of this process queue on a lock instead of polling SQLite's busy handler, which
        # is not first come, first served: under 50 writers some waited past the timeout while
        # later ones went through.
        if not _WRITE_GATE.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        conn.info["write_gate"] = True
        g._write_gate_held = True
        try:
            conn.connection.dbapi_connection.isolation_level = None  # the driver begins nothing itself
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_gate(conn)
            raise
    else:
        conn.connection.dbapi_connection.isolation_level = ""  # the driver's deferred BEGIN


_WRITE_GATE = threading.Lock()


def _release_gate(conn: Any, *args: Any) -> None:
    """The transaction ended (commit, rollback; or the connection went back to the pool or was
    dropped without either): the next writer's turn. A connection the server dropped has no info
    to read; the pool's "invalidate" event releases its turn."""
    if conn is not None and not getattr(conn, "invalidated", False) and conn.info.pop("write_gate", False):
        _WRITE_GATE.release()
        if has_app_context():
            g.pop("_write_gate_held", None)


def _release_record(dbapi_connection: Any, record: Any) -> None:
    _release_gate(record)


def _release_invalidated(dbapi_connection: Any, record: Any, exc: Any) -> None:
    _release_gate(record)


def _ping_idle_connections(app: Flask) -> None:
    """A pooled server connection (PostgreSQL) that sat unused for DATABASE_PING_AFTER_IDLE seconds
    is pinged before a request gets it, and replaced if the server dropped it (a restart, an idle
    timeout): SQLAlchemy's documented checkout recipe. One in steady use is not pinged, so a busy
    request pays no extra round trip; should the server go away between two requests anyway,
    SQLAlchemy invalidates the pool at the first error. 0: ping at every checkout (pool_pre_ping).
    SQLite files are never pinged (there is no server to lose)."""
    after = float(app.config.get("DATABASE_PING_AFTER_IDLE", 0))
    if after <= 0:
        return  # config.py turned pool_pre_ping on instead
    with app.app_context():
        engines = [engine for engine in db.engines.values() if engine.dialect.name != "sqlite"]
    for engine in engines:
        def ping(dbapi_connection: Any, record: Any, proxy: Any, dialect: Any = engine.dialect) -> None:
            since = record.info.get("sb_idle_since")
            if since is None or time.monotonic() - since < after:
                return
            try:
                dialect.do_ping(dbapi_connection)
            except Exception as exc:  # noqa: BLE001 - the pool connects afresh (up to three times)
                raise DisconnectionError() from exc

        event.listen(engine, "checkout", ping)
        event.listen(engine, "checkin", lambda dbapi_connection, record: record.info.__setitem__(
            "sb_idle_since", time.monotonic()))


def _check_site_url(app: Flask) -> None:
    """Links in emails are built on SITE_URL alone (a request's Host header is the sender's to
    choose): production must name it, as an absolute http(s) address."""
    url = app.config.get("SITE_URL") or ""
    if not url:
        if not (app.debug or app.testing):
            raise RuntimeError("Set SITE_URL to the site's public address (e.g. https://forum.example.com): "
                               "every link in an email is built on it.")
        app.config["SITE_URL"] = url = DEV_SITE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise RuntimeError(f"SITE_URL must be an address such as https://forum.example.com, not {url!r}.")
    app.config["SITE_URL"] = url.rstrip("/")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    _configure(app, config)

    # First registered, so it runs after every other after_request hook (Flask-Login's included).
    register_security_headers(app)

    db.init_app(app)
    _gate_sqlite_writers(app)
    _ping_idle_connections(app)
    i18n.init_app(app)
    app.teardown_request(_end_write_transaction)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    _init_login(app)
    csrf.init_app(app)
    app.before_request(_protect_writes)  # where Flask-WTF's own check would run
    limiter.init_app(app)
    compress.init_app(app)
    socketio.init_app(app, async_mode=app.config["SOCKETIO_ASYNC_MODE"],
                      message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
                      channel=app.config.get("SOCKETIO_CHANNEL", "flask-socketio"),
                      manage_session=False)

    realtime.init_app(app)

    # <int:...> in every route stops at the id columns' range: a larger number is a 404, not a
    # database error.
    app.url_map.converters["int"] = BoundedIntegerConverter
    pagecache.init_app(app)  # before the views' hooks: its own runs before the person is loaded
    register_web(app)

    register_static(app)
    register_access_log(app)

    register_cli(app)
    return app


def _configure(app: Flask, config: dict[str, Any] | None) -> None:
    """The settings (Config, then the caller's), and the request, session and JSON classes."""
    app.config.from_object(Config())
    if config:
        app.config.update(config)
    _check_site_url(app)
    app.session_interface = _SessionInterface()
    app.request_class = ForumRequest
    app.json = StrictJSONProvider(app)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _protect_writes() -> None:
    """Flask-WTF's CSRF check (its protect(), with the views and blueprints it exempts) on the methods
    it checks (WTF_CSRF_METHODS); a GET is not asked for its view's exemption first."""
    config = current_app.config
    if config["WTF_CSRF_ENABLED"] and request.method in config["WTF_CSRF_METHODS"]:
        csrf.protect(apply_exemptions=True)


def _end_write_transaction(exc: BaseException | None) -> None:
    """A write request never keeps SQLite's write lock past its end, even when its session lives
    on (an app context that outlives the request, as in tests and scripts)."""
    if g.get("_write_gate_held"):
        db.session.rollback()


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message, login_manager.localize_callback = _l("Please log in to continue."), str  # lazy
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
