"""A post's body: how long it may be and the one path that renders its Markdown. Posting, moderators'
edits, privacy rewrites and decisions all render through here."""
from __future__ import annotations

from forum import markup
from forum.i18n import _, number

BODY_MAX = 20_000
EXCERPT_LENGTH = 240


def render_body(source: str) -> tuple[str, str]:
    """(sanitized HTML, plain-text excerpt) of a post's Markdown: the one rendering path."""
    html = markup.render(source)
    return html, markup.excerpt(html, EXCERPT_LENGTH)


def too_complex(source: str) -> str | None:
    """Why ``source`` is past the Markdown bounds (forum/markup_limits.py), in the reader's language;
    None when it is within them. The bounds' messages are marked there with N_ (a module without
    Flask) and translated here."""
    try:
        markup.check(source)
    except markup.TooComplex as exc:
        return _(exc.message, **{name: number(value) for name, value in exc.values.items()})
    return None
