"""Languages: English and Simplified Chinese, through Flask-Babel.

Every string a person reads is marked: `_("...")` (gettext) in Python at request time,
`_l("...")` (lazy_gettext) for strings defined at import time (form labels, tables),
`{{ _("...") }}` in templates. Catalogs live in forum/translations and are compiled by the
setup that both README commands run.
"""
from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import Babel, gettext, lazy_gettext, ngettext

# Locale code -> the language's own name (shown in the language chooser).
LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}
DEFAULT_LOCALE = "en"
LANGUAGE_COOKIE = "lang"

babel = Babel()

_ = gettext
_l = lazy_gettext
__all__ = ["LANGUAGES", "babel", "select_locale", "init_app", "_", "_l", "ngettext"]


def _normalise(tag: str | None) -> str | None:
    if not tag:
        return None
    tag = tag.replace("-", "_")
    if tag in LANGUAGES:
        return tag
    if tag.lower().startswith("zh"):
        return "zh_Hans"
    if tag.lower().startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    """The reader's chosen language (cookie), else the best match of Accept-Language, else English
    (outside a request too: the CLI, background senders)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = _normalise(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        found = _normalise(tag)
        if found:
            return found
    return DEFAULT_LOCALE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)
