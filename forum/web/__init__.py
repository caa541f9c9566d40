"""The web layer: blueprints, error pages, security headers, the template context."""
from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from forum import pagecache, policy
from forum.api import bp as api_bp
from forum.errors import DomainError
from forum.extensions import db, limiter, login_manager
from forum.i18n import _, _l, ngettext
from forum.services import concepts as concept_service
from forum.services import page_keys
from forum.web import (
    account,
    admin,
    auth,
    board,
    concepts,
    decisions,
    discovery,
    feedback,
    language,
    main,
    moderation,
    org_data,
    organizations,
    pulse,
    reactions,
    research,
    suggestions,
    webhooks,
)
from forum.web.bodies import RefusedBody, check_body
from forum.web.utils import wants_json
from forum.web.words import js_strings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")

ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Not allowed"), _l("You do not have permission to do that.")),
    404: (_l("Not found"), _l("There is nothing at this address. It may have been moved or removed.")),
    405: (_l("Method not allowed"), _l("That address does not accept this kind of request.")),
    409: (_l("Conflict"), _l("That change conflicts with the current state; reload and try again.")),
    413: (_l("Too large"), _l("What you sent is too large.")),
    415: (_l("Not a form"), _l("Send a form or a JSON object.")),
    429: (_l("Slow down"), _l("Too many requests. Please wait a moment and try again.")),
    503: (_l("Busy"), _l("The forum is busy saving other people's changes; nothing was saved. "
                     "Please try again in a moment.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened on our side. It has been logged.")),
}


def _error_response(status: int, message: str | None = None, title: str | None = None,
                    headers: dict[str, str] | None = None) -> Response:
    default_title, default_message = ERROR_TEXT.get(status, (_l("Error"), _l("Something went wrong.")))
    title = str(title or default_title)
    message = str(message or default_message)
    if wants_json():
        response = jsonify(error=title, message=message)
    else:
        response = Response(render_template("errors/error.html", status=status, title=title,
                                            message=message), mimetype="text/html")
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _retry_message() -> tuple[str, dict[str, str]]:
    seconds = 60
    try:
        current = limiter.current_limit
        if current is not None:
            seconds = max(1, math.ceil(current.reset_at - time.time()))
    except Exception:  # noqa: BLE001 - the message is a courtesy; never fail the 429 over it
        pass
    if seconds >= 90:
        message = ngettext("Too many attempts. Please try again in %(num)s minute.",
                           "Too many attempts. Please try again in %(num)s minutes.", math.ceil(seconds / 60))
    else:
        message = ngettext("Too many attempts. Please try again in %(num)s second.",
                           "Too many attempts. Please try again in %(num)s seconds.", seconds)
    return message, {"Retry-After": str(seconds)}


BUSY_RETRY_AFTER = 2  # seconds
_BUSY_MESSAGES = ("database is locked", "database table is locked", "database is busy")
# PostgreSQL: serialization failure, deadlock detected, lock not available.
_BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def busy_database(exc: BaseException) -> bool:
    """Whether a database error means "busy, try again" rather than a bug."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    return any(text in str(orig).lower() for text in _BUSY_MESSAGES)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(429, too_many)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(OperationalError, database_busy)
    app.register_error_handler(Exception, unexpected)


def domain_error(exc: DomainError) -> Response:
    retry = getattr(exc, "retry_after", None)  # a per-action limit (429) says when to come back
    return _error_response(exc.status, exc.message, _(exc.title),
                           headers={"Retry-After": str(retry)} if retry else None)


def csrf_error(exc: CSRFError) -> Response:
    return _error_response(400, _("Your form expired or was sent from another site. "
                                "Go back, reload the page and try again."), _("Form expired"))


def too_many(exc: HTTPException) -> Response:
    message, headers = _retry_message()
    return _error_response(429, message, headers=headers)


def http_error(exc: HTTPException) -> Response:
    if isinstance(exc, SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page either.
        return Response(_("This site does not answer to that host name.") + "\n", status=400,
                        mimetype="text/plain")
    if isinstance(exc, RefusedBody):
        return _error_response(exc.code or 400, exc.description)
    return _error_response(exc.code or 500, None if exc.code in ERROR_TEXT else exc.description)


def database_busy(exc: OperationalError) -> Response:
    if not busy_database(exc):
        return unexpected(exc)
    # SQLite's busy timeout ran out (or PostgreSQL chose this transaction to give way): nothing
    # was written; the same request a moment later will go through.
    g.database_busy = True
    db.session.rollback()
    current_app.logger.warning("Database busy on %s %s: answered 503", request.method, request.path)
    return _error_response(503, headers={"Retry-After": str(BUSY_RETRY_AFTER)})


def unexpected(exc: Exception) -> Response:
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return _error_response(500)


#: On every response.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


#: The same, each with its name in lower case (a response's header names are compared so).
_SECURITY_HEADERS = tuple((name.lower(), name, value) for name, value in SECURITY_HEADERS)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response: Response) -> Response:
        present = {name.lower() for name, _value in response.headers}
        for lower, name, value in _SECURITY_HEADERS:
            if lower not in present:
                response.headers.add(name, value)
        req = request._get_current_object()  # type: ignore[attr-defined] - the request, not its proxy
        if req.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
            # Every cookie we set over HTTPS is Secure (the session, the remember-me cookie).
            cookies = response.headers.getlist("Set-Cookie")
            if cookies:
                response.headers.remove("Set-Cookie")
                for cookie in cookies:
                    if "; secure" not in cookie.lower():
                        cookie += "; Secure"
                    response.headers.add("Set-Cookie", cookie)
        if "cache-control" not in present and req.endpoint != "static" and pagecache.reader().is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
        return response


#: Codes the pages show, in words: code_label(kind, code) in templates.
LABELS: dict[str, dict[str, Any]] = {
    "role": {"consumer": _l("Consumer"), "moderator": _l("Moderator"), "admin": _l("Administrator"),
             "member": _l("Member"), "owner": _l("Owner")},
    "stage": {"idea": _l("Idea"), "concept": _l("Concept"), "prototype": _l("Prototype"),
              "launched": _l("Launched")},
    "suspension": {"suspension": _l("suspension"), "silence": _l("silence"), "ban": _l("ban")},
    "item": {"post": _l("Post"), "concept": _l("Concept"), "user": _l("Profile"), "appeal": _l("Appeal")},
    "resolution": {"upheld": _l("upheld"), "dismissed": _l("dismissed"), "dismiss": _l("dismissed"),
                   "hide": _l("hidden"), "restore": _l("restored"), "delete": _l("deleted"),
                   "edit": _l("edited"), "lock": _l("locked"), "warn": _l("warned"), "silence": _l("silenced"),
                   "suspend": _l("suspended"), "ban": _l("banned"), "uphold": _l("appeal turned down"),
                   "lift": _l("appeal granted"), "withdrawn": _l("withdrawn")},
    "notification": {"reply": _l("Reply"), "mention": _l("Mention"), "official": _l("Official answer"),
                     "stage": _l("Stage change"), "invitation": _l("Invitation"), "decision": _l("Decision"),
                     "flag": _l("Flag"), "moderation": _l("Moderation"), "suggestion": _l("Suggestion"),
                     "webhook": _l("Webhooks")},
}


def label(kind: str, code: Any) -> str:
    """A code (a role, a stage...) in the reader's language; the code itself when it has no label."""
    found = LABELS.get(kind, {}).get(code)
    return str(found) if found is not None else str(code or "")


def register_template_context(app: Flask) -> None:
    nav = [("concepts.index", _l("Concepts")), ("board.index", _l("Boards")),
           ("orgs.index", _l("Organizations")), ("search.index", _l("Search"))]
    app.jinja_env.globals.update(code_label=label, js_strings=js_strings)

    @app.context_processor
    def inject() -> dict[str, Any]:
        endpoints = app.view_functions
        return {"can": lambda action, obj=None: policy.can(current_user, action, obj),
                "refusal": lambda action, obj=None: policy.refusal(current_user, action, obj),
                "unread_count": pagecache.unread_count, "endpoints": endpoints,
                "nav_links": lambda: [(e, label) for e, label in nav if e in endpoints],
                "posts_concepts": _posts_concepts}


def _posts_concepts() -> bool:
    """Whether the reader may post a concept for some organization (the header's and the front
    page's "Post a concept"); asked once per request."""
    if "_sb_posts_concepts" not in g:
        g._sb_posts_concepts = bool(concept_service.organizations_for(current_user))
    return g._sb_posts_concepts


@login_manager.user_loader
def load_user(token: str) -> Any:
    """The person, fresh from the database on every request; on a cached page together with the
    page's key row, in one statement (forum/services/page_keys.py)."""
    return page_keys.load_reader(token, *pagecache.page_key_request())


def register_web(app: Flask) -> None:
    blueprints = [main.bp, auth.bp, account.bp, organizations.bp, admin.bp]
    blueprints.append(board.bp)
    blueprints.append(feedback.bp)
    blueprints.append(concepts.bp)
    blueprints += [discovery.search_bp, discovery.bp]
    blueprints += [moderation.bp, moderation.conduct]
    moderation.register(app)
    blueprints.append(decisions.bp)
    blueprints.append(org_data.bp)
    blueprints += [suggestions.bp, pulse.bp, reactions.bp, webhooks.bp, research.bp, language.bp]
    for bp in blueprints:
        limit_writes(bp)
        app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    register_error_handlers(app)
    register_template_context(app)
    app.before_request(check_body)
    app.before_request(refuse_null_characters)


def refuse_null_characters() -> Response | None:
    """No text a person types contains NUL, and PostgreSQL refuses it: answer 400 before any query."""
    req = request._get_current_object()  # type: ignore[attr-defined] - the request, not its proxy
    values = [req.path]
    # A request without a body has no form to read (Flask would parse an empty one). The WSGI environ
    # is asked first: a missing header costs Werkzeug a raised and caught HTTP error.
    environ = req.environ
    has_body = environ.get("HTTP_TRANSFER_ENCODING") or (environ.get("CONTENT_LENGTH") and req.content_length)
    for source in (req.args, req.form) if has_body else (req.args,):
        for _key, items in source.lists():
            values.extend(items)
            values.append(_key)
    if any("\x00" in value for value in values):
        return _error_response(400, _("The request contains a null character, which is not allowed in text."))
    return None


#: The blueprints whose writes are limited already (blueprints are module globals: once per process).
_WRITE_LIMITED: set[str] = set()


def limit_writes(bp: Any) -> None:
    """Every POST of a blueprint counts against one shared per-user (or per-address) budget."""
    if bp.name in _WRITE_LIMITED:
        return
    limiter.shared_limit(lambda: current_app.config["RATELIMIT_WRITES"], scope="writes",
                         methods=["POST"])(bp)
    _WRITE_LIMITED.add(bp.name)
