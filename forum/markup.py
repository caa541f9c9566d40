"""Markdown rendering and HTML sanitizing: the only module that talks to
``markdown`` and ``bleach``.

Every sanitizer rule of the forum lives here, so a later switch (to nh3, say)
touches one file. Nothing here imports Flask: a CLI command or a test can use
it without an application.

Pipeline of :func:`render`, applied at write time to posts and concept
descriptions (store the result, mark it safe in templates):

1. Markdown with ``fenced_code``, ``tables``, ``sane_lists`` and ``nl2br``
   (a newline in a post is a line break, as users of a forum expect).
   Markdown's raw-HTML handling is switched off, so any HTML the author types
   (``<script>``, ``<iframe>``, ``<img onerror=...>``, comments...) is escaped
   and shows as the literal text the author typed; it is never a tag.
2. A tree pass over Markdown's output: headings are demoted by two levels
   (``#`` -> ``h3``, ``##`` -> ``h4``, ... capped at ``h6``) so a post never
   outranks the page's own headings; images become links to the image (text:
   the alt text, else "image") because loading a third-party image would leak
   every reader's IP address to whoever hosts it.
3. ``bleach.Cleaner`` with an explicit allow-list of tags, attributes and URL
   protocols (http, https, mailto), plus linkify of bare ``http(s)://`` and
   ``www.`` URLs (never inside ``pre``/``code``). Every link gets
   ``rel="nofollow ugc noopener"``; a link whose URL was refused is unwrapped
   to its text.

Bump :data:`RULES_VERSION` whenever the output for a given source could
change; ``flask rerender`` re-renders stored posts whose version is older.
"""

from __future__ import annotations

import html
import re
import threading
from functools import partial
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

import bleach
import markdown
from bleach.linkifier import TLDS, LinkifyFilter
from markdown.treeprocessors import Treeprocessor

from forum.markup_limits import TooComplex, check

__all__ = ["RULES_VERSION", "TooComplex", "check", "excerpt", "mentions", "mentions_in_html", "render"]

#: Version of the rendering/sanitizing rules. Bump on any change to this file
#: that changes the HTML produced for some source.
RULES_VERSION = 2

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr",
        # h1/h2 are never produced: headings are demoted by two levels.
        "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "del", "sup", "sub",
        "code", "pre", "blockquote",
        "ul", "ol", "li",
        "a",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip

ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

LINK_REL = "nofollow ugc noopener"

_MARKDOWN_EXTENSIONS = ("fenced_code", "tables", "sane_lists", "nl2br")
_MARKDOWN_CONFIG = {
    # Emit align="..." on th/td instead of style="text-align: ...", so no
    # style attribute ever needs to be allowed.
    "tables": {"use_align_attribute": True},
}

_CODE_CLASS_RE = re.compile(r"language-[\w-]+", re.ASCII)
_ALIGN_VALUES = frozenset({"left", "center", "right"})

_HEADING_DEMOTION = 2


def _allow_cell_attr(tag: str, name: str, value: str) -> bool:
    return name == "align" and value in _ALIGN_VALUES


def _allow_code_attr(tag: str, name: str, value: str) -> bool:
    return name == "class" and _CODE_CLASS_RE.fullmatch(value) is not None


ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "th": _allow_cell_attr,
    "td": _allow_cell_attr,
    "code": _allow_code_attr,
}

# Bare URLs that get linkified: an explicit http(s) scheme or a "www." host.
# (bleach's default also links "setup.py" or "example.com" and accepts
# "https://bank.com@evil.example" style userinfo; we do neither.)
_LINKIFY_URL_RE = re.compile(
    r"""(?<!\()\(*+  # opening parentheses, trimmed again by bleach; taken once per run (no O(n²))
    \b(?<![@.])(?:https?://|(?=www\.))
    ([\w-]+\.)+(?:{tlds})(?::[0-9]+)?(?!\.\w)\b
    (?:[/?][^\s\{{\}}\|\\\^`<>"]*)?
    """.format(tlds="|".join(sorted(TLDS))),
    re.IGNORECASE | re.VERBOSE | re.UNICODE,
)


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------


class _ForumTreeprocessor(Treeprocessor):
    """Demote headings; turn images into plain links (or text in a link)."""

    def run(self, root: Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        for el in list(root.iter()):
            if isinstance(el.tag, str) and re.fullmatch(r"h[1-6]", el.tag):
                level = min(int(el.tag[1]) + _HEADING_DEMOTION, 6)
                el.tag = f"h{level}"
            elif el.tag == "img":
                self._replace_image(el, parents)

    @staticmethod
    def _replace_image(el: Element, parents: dict) -> None:
        src = el.get("src", "")
        label = el.get("alt") or el.get("title") or "image"
        title = el.get("title")
        el.attrib.clear()
        inside_link = False
        ancestor = parents.get(el)
        while ancestor is not None:
            if ancestor.tag == "a":
                inside_link = True
                break
            ancestor = parents.get(ancestor)
        if inside_link or not src:
            # Keep only the words: a link can't hold another link.
            el.tag = "span"
        else:
            el.tag = "a"
            el.set("href", src)
            if title:
                el.set("title", title)
        el.text = label


#: Python-Markdown scans to the end of a paragraph for every "[" that opens no link, which is
#: quadratic: 20,000 "[" took minutes. A paragraph with more brackets than any real one has them
#: escaped (shown as typed, no links from brackets; bare URLs are still linked).
MAX_BRACKETS_PER_PARAGRAPH = 100
_FENCE_LINE_RE = re.compile(r"^ {0,3}(```|~~~)")


def _defuse_brackets(source: str) -> str:
    if source.count("[") <= MAX_BRACKETS_PER_PARAGRAPH:
        return source
    out: list[str] = []
    paragraph: list[str] = []
    fence: str | None = None

    def flush() -> None:
        text = "".join(paragraph)
        if text.count("[") > MAX_BRACKETS_PER_PARAGRAPH:
            text = "".join(line if line.startswith(("    ", "\t")) else line.replace("[", "\\[")
                           for line in text.splitlines(keepends=True))
        out.append(text)
        paragraph.clear()

    for line in source.splitlines(keepends=True):
        marker = _FENCE_LINE_RE.match(line)
        if fence is not None:
            out.append(line)
            if marker and marker.group(1) == fence:
                fence = None
        elif marker:
            flush()
            fence = marker.group(1)
            out.append(line)
        elif not line.strip():
            flush()
            out.append(line)
        else:
            paragraph.append(line)
    flush()
    return "".join(out)


def _markdown(source: str) -> str:
    # A fresh instance per call: Markdown objects keep per-document state.
    md = markdown.Markdown(
        extensions=list(_MARKDOWN_EXTENSIONS),
        extension_configs=_MARKDOWN_CONFIG,
        output_format="html",
    )
    # No raw HTML: without these two, "<tag>" and HTML blocks are plain text
    # that the serializer escapes.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    # After the inline pass (priority 20), before prettify (10).
    md.treeprocessors.register(_ForumTreeprocessor(md), "forum", 15)
    return md.convert(_defuse_brackets(source or ""))


def _plain(source: str) -> str:
    """Linear fallback for stored text past the bounds (written before they existed): the words,
    escaped, one paragraph per blank-line-separated part, line breaks kept."""
    parts = [p for p in re.split(r"\n[ \t]*\n", source.replace("\r\n", "\n")) if p.strip()]
    return "\n".join("<p>" + html.escape(p.strip()).replace("\n", "<br>\n") + "</p>" for p in parts)


# --------------------------------------------------------------------------
# bleach
# --------------------------------------------------------------------------


_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):")
_URL_NOISE_RE = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")


def _href_is_safe(href: str) -> bool:
    """Second opinion after bleach's protocol check: decode entities until
    nothing changes (so double-encoded "javascript&amp;colon;" counts too),
    drop what browsers ignore, and refuse any scheme not on the list."""
    for _round in range(5):
        decoded = html.unescape(href)
        if decoded == href:
            break
        href = decoded
    match = _SCHEME_RE.match(_URL_NOISE_RE.sub("", href).lower())
    return match is None or match.group(1) in ALLOWED_PROTOCOLS


def _link_callback(attrs: dict, new: bool = False) -> dict | None:
    href = attrs.get((None, "href"))
    if not href or not _href_is_safe(href):
        # The sanitizer refused the URL (javascript:, data:, ...) or there
        # never was one: keep the words, drop the link.
        return None
    attrs[(None, "rel")] = LINK_REL
    return attrs


_local = threading.local()


def _cleaner() -> bleach.Cleaner:
    # bleach.Cleaner is not thread-safe (the parser keeps state): one per
    # thread (per greenlet under gevent's monkey-patching).
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[
                partial(
                    LinkifyFilter,
                    callbacks=[_link_callback],
                    skip_tags={"pre", "code"},
                    parse_email=False,
                    url_re=_LINKIFY_URL_RE,
                )
            ],
        )
        _local.cleaner = cleaner
    return cleaner


def _text_cleaner() -> bleach.Cleaner:
    cleaner = getattr(_local, "text_cleaner", None)
    if cleaner is None:
        cleaner = bleach.Cleaner(
            tags=set(), attributes={}, strip=True, strip_comments=True
        )
        _local.text_cleaner = cleaner
    return cleaner


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def render(source: str) -> str:
    """Markdown source -> sanitized HTML, safe to insert into a page as is.

    Writers call :func:`check` first, so that a post past the bounds gets a clear message. A
    source past them that reaches this function anyway (stored before the bounds existed) is shown
    as plain text: rendering never goes quadratic."""
    if not source:
        return ""
    try:
        check(source)
    except TooComplex:
        return _cleaner().clean(_plain(source)).strip()
    return _cleaner().clean(_markdown(source)).strip()


_MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]{3,32})(?![A-Za-z0-9_])", re.ASCII)


class _MentionCollector(HTMLParser):
    """Collects @mentions from text outside code spans and code blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.code_depth = 0
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("code", "pre"):
            self.code_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre") and self.code_depth:
            self.code_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.code_depth:
            self.names.extend(m.group(1).lower() for m in _MENTION_RE.finditer(data))


def mentions_in_html(rendered: str) -> list[str]:
    """Distinct usernames @mentioned in HTML that :func:`render` produced, lowercased, in order
    of first appearance. Email addresses and anything in code spans or code blocks don't count.
    Writers pass the HTML they just rendered: a post is rendered once per write."""
    if not rendered:
        return []
    collector = _MentionCollector()
    collector.feed(rendered)
    collector.close()
    return list(dict.fromkeys(collector.names))


def mentions(source: str) -> list[str]:
    """The @mentions of Markdown ``source`` (renders it: writers use :func:`mentions_in_html`)."""
    return mentions_in_html(render(source)) if source else []


_BLOCK_TAG_RE = re.compile(
    r"<(?=/?(?:p|br|hr|h[1-6]|li|ul|ol|pre|blockquote|tr|td|th|table|div)\b)",
    re.IGNORECASE,
)
_WHITESPACE_RE = re.compile(r"\s+")


def excerpt(html_or_source: str, length: int = 200) -> str:
    """Plain text of rendered HTML (or of source), whitespace collapsed and cut
    on a word boundary to at most ``length`` characters ending in "…".

    The result is plain text, not HTML: let the template escape it.
    """
    if not html_or_source or length < 1:
        return ""
    # Separate blocks ("<p>a</p><p>b</p>" -> "a b") before dropping the tags.
    spaced = _BLOCK_TAG_RE.sub(" <", html_or_source)
    text = html.unescape(_text_cleaner().clean(spaced))
    text = _WHITESPACE_RE.sub(" ", text).strip()
    if len(text) <= length:
        return text
    cut = text[: length - 1]  # room for the ellipsis
    if not text[length - 1].isspace():
        space = cut.rfind(" ")
        if space > 0:
            cut = cut[:space]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "…"
