"""A post's body: how long it may be and the one path that renders its Markdown. Posting, moderators'
edits, privacy rewrites and decisions all render through here."""
from __future__ import annotations

from forum import markup

BODY_MAX = 20_000
EXCERPT_LENGTH = 240


def render_body(source: str) -> tuple[str, str]:
    """(sanitized HTML, plain-text excerpt) of a post's Markdown: the one rendering path."""
    html = markup.render(source)
    return html, markup.excerpt(html, EXCERPT_LENGTH)
