"""A cached page's shell (forum/pagecache.py): rendered once with a placeholder for every CSRF token
and a marker for every personal part, then filled in for each reader.

The shell is cut once at its CSRF placeholders, its text kept as UTF-8 bytes, and the few pieces
that hold personal parts' markers are cut again at them. Filling it renders the parts and joins the
pieces with the reader's token in one step: the page is neither searched nor encoded per request.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from flask import g
from flask_wtf.csrf import generate_csrf

CSRF_PLACEHOLDER = "sb-csrf-0f3c9e5d7a1b"
_PLACEHOLDER = CSRF_PLACEHOLDER.encode()
#: A personal part's marker in a shell (the group: the part's name).
_MARK = b"<!--sb:"
_MARKERS = re.compile(rb"<!--sb:([a-z_]+)-->")

Renderer = Callable[[], str]


class Part(NamedTuple):
    """A personal part of a page: its cache key (what it shows, naming the person), or None when it
    cannot be keyed (the page then gets no ETag), and how to render it."""
    key: tuple[Any, ...] | None
    render: Renderer


def render_shell(render: Callable[[], Any]) -> tuple[str, list[int]]:
    """Render with CSRF tokens as a placeholder and personal parts as markers. `render` returns the
    HTML, or (HTML, ids of the people whose own posts the page shows)."""
    had_token = "csrf_token" in g
    saved = g.pop("csrf_token", None)
    g.csrf_token = CSRF_PLACEHOLDER
    g._sb_shell = True
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


def render_part(render: Renderer) -> str:
    """A personal part, its CSRF tokens as the placeholder (filled in with the page)."""
    had_token = "csrf_token" in g
    saved = g.pop("csrf_token", None)
    g.csrf_token = CSRF_PLACEHOLDER
    try:
        return str(render())
    finally:
        g.pop("csrf_token", None)
        if had_token:
            g.csrf_token = saved


def cut(html: str) -> tuple[list[bytes], dict[int, list[Any]]]:
    """The page cut at its CSRF placeholders (its text between them, encoded once) and, for each
    such piece that holds personal parts' markers, that piece cut at them: text at even places, at
    odd places the name of a part."""
    pieces = [text.encode() for text in html.split(CSRF_PLACEHOLDER)]
    marked: dict[int, list[Any]] = {}
    for index, piece in enumerate(pieces):
        if _MARK in piece:
            marked[index] = cut_piece = _MARKERS.split(piece)
            cut_piece[1::2] = [name.decode() for name in cut_piece[1::2]]
    return pieces, marked


def fill(html: str, parts: Mapping[str, Part], entry: dict[str, Any] | None = None, csrf: bool = True) -> bytes:
    """The page's bytes with its personal parts rendered and (with `csrf`) the person's CSRF token in
    place of every placeholder, else the placeholder. The cut is remembered on a cached `entry` (in
    process memory): only the parts are rendered, and the page is joined with the token at once."""
    found = entry.get("cut") if entry is not None else None
    if found is None:
        found = cut(html)
        if entry is not None:
            entry["cut"] = found
    pieces, marked = found
    token = None
    if marked:
        pieces = pieces[:]
        for index, marked_piece in marked.items():
            filled = marked_piece[:]
            for place in range(1, len(filled), 2):
                part = parts.get(filled[place])
                filled[place] = rendered = part.render().encode() if part is not None else b""
                if csrf and _PLACEHOLDER in rendered:
                    token = token or generate_csrf().encode()
                    filled[place] = rendered.replace(_PLACEHOLDER, token)
            pieces[index] = b"".join(filled)
    if len(pieces) == 1:
        return pieces[0]
    return (token or (generate_csrf().encode() if csrf else _PLACEHOLDER)).join(pieces)
