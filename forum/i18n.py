"""Languages: English and Simplified Chinese, through Flask-Babel.

Every string a person reads is marked: `_("...")` (gettext) in Python at request time,
`_l("...")` (lazy_gettext) for strings defined at import time (form labels, tables),
`{{ _("...") }}` in templates. Catalogs live in forum/translations and are compiled by the
setup that both README commands run (scripts/_venv.sh); `scripts/i18n.sh` extracts and updates them.

The reader's language: the `lang` cookie (the footer's chooser), else the language a signed-in
person chose in Settings, else the best match of the browser's Accept-Language, else English.
Dates, numbers and amounts are formatted here, by Babel, for that language: one style everywhere.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import get_currency_name
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_babel import (
    Babel,
    LazyString,
    force_locale,
    format_currency,
    format_date,
    format_decimal,
    format_percent,
    format_time,
    format_timedelta,
    get_locale,
    get_translations,
    gettext,
    lazy_gettext,
    lazy_ngettext,
    ngettext,
)
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept

# Locale code -> the language's own name (shown in the language chooser).
LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}
# Locale code -> the BCP 47 tag of <html lang> and Content-Language.
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}
DEFAULT_LOCALE = "en"
LANGUAGE_COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()

_ = gettext
_l = lazy_gettext
__all__ = ["LANGUAGES", "babel", "select_locale", "init_app", "_", "_l", "ngettext", "lazy_gettext",
           "lazy_ngettext", "in_language", "site_language", "later", "later_when", "format_when", "locale_code",
           "when", "money", "number", "percent", "normalise", "day_month", "duration", "currency_choice"]


def normalise(tag: str | None) -> str | None:
    """A supported locale code for a language tag (zh-CN, zh_Hans, en-GB...), or None."""
    if not tag or len(tag) > 35:
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
    """The reader's chosen language (cookie, then their Settings), else the best match of
    Accept-Language, else English."""
    if not has_request_context():  # the CLI, background senders: English unless forced (in_language)
        return DEFAULT_LOCALE
    cookies = request.cookies  # `in` first: Werkzeug's get() raises and catches an error for a missing key
    chosen = normalise(cookies[LANGUAGE_COOKIE]) if LANGUAGE_COOKIE in cookies else None
    if chosen:
        return chosen
    stored = normalise(getattr(current_user._get_current_object(), "locale", None))  # type: ignore[attr-defined]
    return stored or _best_of(request.accept_languages)


#: The supported locales, parsed once: Flask-Babel takes a Locale as it is (it parses a code anew).
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}
#: Their codes by the Locale objects above (which live as long as the process): no identifier is
#: rebuilt from a Locale each time a request's language is asked for.
_CODES = {id(locale): code for code, locale in _LOCALES.items()}


def _selected_locale() -> Locale:
    return _LOCALES[select_locale()]


def _best_of(accept: LanguageAccept) -> str:
    for tag, _quality in accept:
        found = normalise(tag)
        if found:
            return found
    return DEFAULT_LOCALE


def locale_code() -> str:
    """The language of this request ("en" or "zh_Hans"), or the one a block forces (in_language);
    English outside an app context."""
    if not has_app_context():
        return DEFAULT_LOCALE
    locale = get_locale()
    if locale is None:
        return DEFAULT_LOCALE
    return _CODES.get(id(locale)) or str(locale)


def in_language(locale: str | None, *, asked_here: bool = False) -> Any:
    """A block in a reader's language: the one stored on their account (Settings), else the site's
    default (BABEL_DEFAULT_LOCALE), never the language of whoever caused it (a moderator, an owner):
    `with in_language(user.locale): text = str(lazy_message)`. `asked_here`: the reader is the
    person making this request (their confirmation link, their password reset), so without a stored
    choice this request's language is theirs."""
    chosen = normalise(locale)
    if chosen is None:
        chosen = locale_code() if asked_here else site_language()
    return force_locale(chosen)


def site_language() -> str:
    """The site's default language (BABEL_DEFAULT_LOCALE): for readers who chose none."""
    configured = current_app.config.get("BABEL_DEFAULT_LOCALE") if has_app_context() else None
    return normalise(configured) or DEFAULT_LOCALE


def later(template: Any, **values: Any) -> LazyString:
    """A message filled in when it is read, in the language of that moment: `template` is a lazy
    message (`_l("...")`) with %(name)s holes; values may be lazy too (`later_when(moment)`). For
    words written for someone else (a notification, an email) in their language, not the writer's."""
    return LazyString(_fill, template, values)


def _fill(template: Any, values: dict[str, Any]) -> str:
    text = str(template)
    return text % {name: str(value) if isinstance(value, LazyString) else value
                   for name, value in values.items()} if values else text


def later_when(moment: date | datetime, with_time: bool = True) -> LazyString:
    """A date in the forum's one style, formatted when read (in the reader's language)."""
    return LazyString(format_when, moment, with_time)


def plural_forms(singular: str, plural: str) -> list[str]:
    """A plural message's [one, other] forms in this request's language, "%(num)s" left for the
    page's script to fill in (scripts/i18n.sh extracts it like ngettext)."""
    translations = get_translations()
    return [translations.ungettext(singular, plural, count) for count in (1, 2)]


def html_lang() -> str:
    return HTML_LANG.get(locale_code(), "en")


# --- dates, numbers, amounts ------------------------------------------------------------------------

def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_when(moment: date | datetime, with_time: bool = False) -> str:
    """The forum's one date style: the locale's medium date, with the short time when asked."""
    if not with_time or not isinstance(moment, datetime):
        return format_date(moment, "medium")
    pattern = Locale.parse(locale_code()).datetime_formats["medium"]
    text = str(pattern).replace("'", "")
    return text.replace("{1}", format_date(moment, "medium")).replace("{0}", format_time(moment, "short"))


def when(moment: date | datetime | str | None, with_time: bool = False) -> Markup:
    """A date as the page shows it: `<time datetime="ISO">` with the formatted date, and the exact
    date and time in its title. Nothing for no date."""
    if moment is None or moment == "":
        return Markup("")
    if isinstance(moment, str):  # an ISO date or date and time, as JSON summaries keep them
        moment = datetime.fromisoformat(moment) if "T" in moment or " " in moment else date.fromisoformat(moment)
    if isinstance(moment, datetime):
        iso = _as_utc(moment).isoformat().replace("+00:00", "Z")
        title = format_when(moment, with_time=True)
    else:
        iso, title = moment.isoformat(), format_when(moment)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(iso, title, format_when(moment, with_time))


def day_month(day: date) -> str:
    """A day without its year, for a chart's axis: "Dec 7", "12月7日"."""
    return format_skeleton("MMMd", day, locale=locale_code())


def duration(hours: float) -> str:
    """A length of time rounded for people, in the reader's language: "40 minutes", "10 hours",
    "3 days" (hours up to two days, as the track record counts them)."""
    return format_timedelta(timedelta(hours=hours), threshold=2)


def currency_label(code: str) -> str:
    """A currency as a choice reads: its code and its name in the reader's language ("EUR · 欧元")."""
    return f"{code} · {get_currency_name(code, locale=locale_code())}"


def currency_choice(code: str) -> LazyString:
    """currency_label, worked out when the form is shown (choices are made at import time)."""
    return LazyString(currency_label, code)


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Any, currency: str = "EUR") -> str:
    """An amount in the reader's language: whole amounts without cents (€40, ¥1,200), else two
    decimals (€24.99); "–" for none."""
    if value is None:
        return "–"
    amount = _decimal(value)
    if amount == amount.to_integral_value():
        pattern = Locale.parse(locale_code()).currency_formats["standard"].pattern
        whole = pattern.split(";")[0].replace(".00", "")
        return format_currency(amount, currency, whole, currency_digits=False)
    return format_currency(amount, currency)


def number(value: Any, digits: int | None = None) -> str:
    """A number with the reader's grouping and decimal marks; "–" for none."""
    if value is None:
        return "–"
    if digits is not None:
        value = round(float(value), digits)
        return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")
    return format_decimal(value)


def percent(value: float | None) -> str:
    """A share (0..1) as a whole percentage in the reader's language; "–" for none."""
    return "–" if value is None else format_percent(value)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=_selected_locale)
    app.jinja_env.globals.update(when=when, time_tag=when, money=money, number=number, percent=percent,
                                 html_lang=html_lang, locale_code=locale_code, LANGUAGES=LANGUAGES, duration=duration,
                                 HTML_LANG=HTML_LANG)
    app.jinja_env.filters.update(money=money, number=number, percent=percent)
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.after_request
    def _content_language(response: Any) -> Any:
        if request.endpoint != "static":
            headers = response.headers
            # A 304 carries none (Werkzeug drops it with the body's headers). The names are looked
            # through here: Headers.setdefault would raise and catch an error for a missing one.
            if response.status_code != 304 and not any(name.lower() == "content-language" for name, _value in headers):
                headers.add("Content-Language", html_lang())
            vary = headers.get("Vary", "")
            if "Accept-Language" not in vary or "Cookie" not in vary:  # a cached page says both already
                response.vary.update(("Accept-Language", "Cookie"))
        return response
