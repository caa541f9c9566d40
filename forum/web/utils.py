"""Small helpers shared by the views."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import after_this_request, current_app, g, request
from flask_babel import force_locale
from flask_wtf import FlaskForm

from forum.errors import DomainError
from forum.extensions import db
from forum.i18n import locale_code


def safe_next(target: str | None, default: str = "/") -> str:
    """A path on this site, or `default`. Refuses //host, scheme:, backslashes and control characters."""
    if not target:
        return default
    if any(ch in target for ch in "\\\r\n\t\x00") or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def apply_errors(form: FlaskForm, exc: DomainError) -> None:
    """Put a service's per-field messages onto the form, beside the fields the person typed in."""
    for field_name, messages in exc.errors.items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
        else:
            form.form_errors.append(" ".join(messages))
    if not exc.errors:
        form.form_errors.append(exc.message)


def wants_json() -> bool:
    if request.is_json or request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def page_arg() -> int:
    """?page=N as a positive int; nonsense gives page 1 rather than an error."""
    args = request.args
    if "page" not in args:  # asked first: Werkzeug's get() raises and catches an HTTP error for a missing key
        return 1
    try:
        return max(1, min(int(args["page"]), 100000))
    except (TypeError, ValueError):
        return 1


def after_response(work: Callable[..., Any], *args: Any) -> None:
    """Run `work(*args)` once the response has been sent (Werkzeug's `call_on_close`), in an app
    context of its own: what the answer must not reveal by its timing (whether an address has an
    account, or a visit recorded without a write inside a page view) is done after the answer, in
    its own short transaction (on SQLite it queues for the write lock as a POST does). A failure is
    logged; the person's answer was already the same either way."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    language = locale_code()  # the asker's: an email it sends them is in it

    def run() -> None:
        with app.app_context(), force_locale(language):
            g.writes_after_response = True
            try:
                work(*args)
            except Exception:  # noqa: BLE001 - logged; nothing to tell a person who already has the answer
                app.logger.exception("Work after the response failed: %s", getattr(work, "__name__", work))
                db.session.rollback()
            finally:
                db.session.remove()

    @after_this_request
    def _defer(response: Any) -> Any:
        response.call_on_close(run)
        return response
