"""What a request that changes something may carry: decided here, and only here.

A POST (PUT, PATCH, DELETE) body is one of:

- nothing;
- a form, ``application/x-www-form-urlencoded`` or ``multipart/form-data``, as browsers send it
  (no route takes files: a file is refused);
- ``application/json``: one object. Its text is valid UTF-8 without NUL characters or lone
  surrogates, no deeper than :data:`MAX_JSON_DEPTH`, with no NaN or Infinity. A form route reads it
  field by field through :class:`ForumForm`: a text field takes a JSON string, a check box
  ``true``/``false`` (or the strings a browser would send), ``null`` leaves the field out; any other
  value is refused, naming the field.

Anything else gets a clear refusal: 415 for another media type or a file, 400 for JSON that breaks
the rules above. So a service never sees a number, a list or an object where a person types text,
whatever the client sends, chunked or not.
"""
from __future__ import annotations

import json
import math
from typing import Any

from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.utils import cached_property
from wtforms import BooleanField

from forum.i18n import _

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
MAX_JSON_DEPTH = 32


class RefusedBody(HTTPException):
    """A request body this site does not take; the description says why, for the person."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(description=message)
        self.code = code


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, (int, float)):
        return _("a number")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("an object")
    return _("text")


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ValueError("it contains a null character, which is not allowed in text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("it contains a lone surrogate (\\ud800-\\udfff), which is not a character") from None


def _check_tree(value: Any) -> None:
    """Walk the parsed value without recursion: depth, text, numbers."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError("a number is out of range")
        elif isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"it is nested more than {MAX_JSON_DEPTH} levels deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


#: The decoder of text without options (the session cookie, read on every request).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


class StrictJSONProvider(DefaultJSONProvider):
    """``app.json``: every ``request.get_json()`` parses through :meth:`loads`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            if type(s) is str and not kwargs and not s.startswith("\ufeff"):
                value = _DECODER.decode(s)  # what json.loads does with text, without a decoder per call
            else:
                value = json.loads(s, parse_constant=_refuse_constant, **kwargs)
        except RecursionError:
            raise ValueError(f"it is nested more than {MAX_JSON_DEPTH} levels deep") from None
        _check_tree(value)
        return value


class _ReadGuard:
    """The request body as the server hands it over, where a body the server cannot decode (a
    malformed chunked encoding: gunicorn raises its own InvalidChunkSize, not an OSError) is a 400
    for the client instead of an unhandled error."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _guard(self, name: str, *args: Any) -> Any:
        try:
            return getattr(self._stream, name)(*args)
        except HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the server's reader raises, the body is bad
            raise RefusedBody(400, _("The request body could not be read (a malformed chunked encoding?).")) from exc

    def read(self, *args: Any) -> bytes:
        return self._guard("read", *args)

    def readline(self, *args: Any) -> bytes:
        return self._guard("readline", *args)

    def readlines(self, *args: Any) -> list[bytes]:
        return self._guard("readlines", *args)

    def readinto(self, buffer: Any) -> int | None:
        return self._guard("readinto", buffer)

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class ForumRequest(Request):
    @cached_property
    def stream(self) -> Any:  # type: ignore[override]
        return _ReadGuard(super().stream)

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:
            raise RefusedBody(415, _("Send JSON with the Content-Type application/json."))
        reason = str(e) if not isinstance(e, json.JSONDecodeError) else f"{e.msg} at character {e.pos}"
        if isinstance(e, UnicodeDecodeError):
            reason = _("it is not valid UTF-8")
        raise RefusedBody(400, _("The request body is not JSON this site accepts: %(reason)s.", reason=reason))


def check_body() -> None:
    """before_request: refuse a body of a kind no route takes, before any view or query sees it."""
    if request.method not in WRITE_METHODS:
        return
    if request.is_json:
        if not isinstance(request.get_json(), dict):
            raise RefusedBody(400, _('Send a JSON object, e.g. {"body": "..."}.'))
    elif request.mimetype in FORM_TYPES:
        if request.files:
            raise RefusedBody(415, _("This site does not take file uploads."))
    elif request.mimetype or request.get_data(cache=True):
        raise RefusedBody(415, _("Send a form (application/x-www-form-urlencoded or multipart/form-data) "
                               "or a JSON object (application/json)."))


def json_formdata(form: FlaskForm, payload: dict[str, Any]) -> ImmutableMultiDict:
    """The JSON object as the form data a browser would send, each value checked against its field."""
    pairs: list[tuple[str, str]] = []
    for field in form:
        name = field.short_name
        if name not in payload or payload[name] is None:
            continue
        value = payload[name]
        label = getattr(field.label, "text", name) or name
        if isinstance(field, BooleanField):
            if isinstance(value, bool):
                if value:
                    pairs.append((name, "y"))
                continue
            if isinstance(value, str):
                pairs.append((name, value))
                continue
            raise RefusedBody(400, _("“%(name)s” (%(label)s) is a check box: send true or false, not %(sent)s.",
                                     name=name, label=label, sent=_type_name(value)))
        if not isinstance(value, str):
            raise RefusedBody(400, _("“%(name)s” (%(label)s) is text: send a JSON string, not %(sent)s.",
                                     name=name, label=label, sent=_type_name(value)))
        pairs.append((name, value))
    return ImmutableMultiDict(pairs)


class ForumForm(FlaskForm):
    """The base of every form: reads JSON through :func:`json_formdata`, and once a form is
    submitted, a field that was not sent is empty (as in a browser), never the value of the object
    the form was built from (a concept's list of Tag rows is not what a person typed)."""

    class Meta:
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _Auto and _is_submitted() and not request.files and not request.form \
                    and request.is_json:
                return json_formdata(form, request.get_json())
            return FlaskForm.Meta.wrap_formdata(self, form, formdata)

    def process(self, formdata: Any = None, obj: Any = None, data: Any = None, extra_filters: Any = None,
                **kwargs: Any) -> None:
        formdata = self.meta.wrap_formdata(self, formdata)
        if formdata is not None:
            obj, data, kwargs = None, None, {}
        super().process(formdata, obj, data, extra_filters, **kwargs)
