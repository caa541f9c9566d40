"""The bounds on what a post may hold, so that rendering it stays linear in its length.

Python-Markdown's block parser re-joins the rest of a block after every heading, rule or quote it
finds in it, and its inline pass rebuilds a paragraph's text after every match: both quadratic.
20,000 characters of "a\n=\n" took 3 seconds, "# a\n" and "---\n" 1 to 2, 20,000 nested ">" half a
second. Bounding these inputs keeps every accepted post within a small multiple of a plain paragraph
of the same length (bench/markup.py prints the ratios). forum/markup.py checks them before rendering.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

MAX_LINES = 400            # lines outside fenced code blocks
MAX_BLOCK_LINES = 100      # lines in one paragraph, list, quote or table (blank lines separate them)
MAX_BLOCKS = 200           # paragraphs, lists, quotes, tables and fenced code blocks
MAX_HEADINGS = 50          # headings and horizontal rules
MAX_DEPTH = 8              # quotes in quotes, lists in lists
MAX_MARKS = 1_000          # formatting characters: * _ ` [ ] < > & \ | (in fenced code: < > & only)
MAX_LINKS = 200            # bare URLs (each costs the linkifier a pass)
MAX_UNCLOSED_FENCES = 10   # lines that open a fenced code block no line closes (each: a scan to the end)

_MARKS = "*_`[]<>&\\|"
_ENTITY_MARKS = "<>&"
_ATX_RE = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT_RE = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_RULE_RE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE_RE = re.compile(r"[ \t]*((?:>[ \t]?)+)")
_LIST_MARKER_RE = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def N_(message: str) -> str:
    """Marks a message for the catalog (babel.cfg extracts N_) without translating it: this module
    knows no Flask. Whoever shows the refusal translates it (`TooComplex.message`, `.values`)."""
    return message


class TooComplex(ValueError):
    """The Markdown is past one of the bounds above; the message says which, in plain words.

    ``message`` is the catalog's msgid (English, with %(name)s placeholders) and ``values`` fill it:
    the services translate it for the reader (`gettext(exc.message, **values)`); ``str(exc)`` is the
    English sentence."""

    def __init__(self, message: str, **values: int) -> None:
        self.message = message
        self.values = values
        super().__init__(message % {name: f"{value:,}" for name, value in values.items()})


def _indent_width(line: str) -> int:
    width = 0
    for ch in line:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


# Python-Markdown's fenced_code (its FENCED_BLOCK_RE): an opening line is the fence at the start of
# the line, then a {attrs}, or a language and hl_lines="..."; the block ends at the first later line
# that is exactly the same fence (then spaces). An opening line no later line closes is plain text,
# and costs the extension a scan to the end of the post.
_MD_FENCE_OPEN_RE = re.compile(
    r"(~{3,}|`{3,})[ ]*(?:\{(?P<attrs>[^\n]*)\}|(?:\.?[\w#.+-]*[ ]*)?"
    r"(?:hl_lines=(?P<quot>\"|')(?:.*?)(?P=quot)[ ]*)?)$")
_MD_FENCE_CLOSE_RE = re.compile(r"(~{3,}|`{3,})[ ]*$")
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


def _fenced_blocks(lines: list[str]) -> tuple[dict[int, int], int]:
    """The fenced code blocks as Python-Markdown finds them ({first line: last line}), and how many
    opening lines no line closes."""
    closers: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        closing = _MD_FENCE_CLOSE_RE.match(line)
        if closing:
            closers.setdefault(closing.group(1), []).append(index)
    blocks: dict[int, int] = {}
    unclosed = index = 0
    while index < len(lines):
        opening = _MD_FENCE_OPEN_RE.match(lines[index])
        if opening:
            later = closers.get(opening.group(1), [])
            at = bisect.bisect_right(later, index)
            attrs = opening.group("attrs")
            if at < len(later) and not (attrs and ("{" in attrs or "}" in attrs)):
                blocks[index] = later[at]
                index = later[at] + 1
                continue
            unclosed += 1
        index += 1
    return blocks, unclosed


@dataclass
class _Tally:
    """What a post holds so far, outside fenced code blocks (marks: inside them too)."""

    text_lines: int = 0
    blocks: int = 0
    headings: int = 0
    marks: int = 0
    block_lines: int = 0


def _new_block(tally: _Tally) -> None:
    tally.blocks += 1
    if tally.blocks > MAX_BLOCKS:
        raise TooComplex(N_("A post has at most %(limit)s paragraphs, lists, quotes and code blocks."),
                         limit=MAX_BLOCKS)


def _text_line(tally: _Tally, line: str, starts_block: bool) -> None:
    """Count one line outside code blocks against the bounds."""
    tally.text_lines += 1
    if tally.text_lines > MAX_LINES:
        raise TooComplex(N_("A post has at most %(limit)s lines outside code blocks."), limit=MAX_LINES)
    if starts_block:
        _new_block(tally)
    tally.block_lines += 1
    if tally.block_lines > MAX_BLOCK_LINES:
        raise TooComplex(N_("A paragraph, list, quote or table has at most %(limit)s lines. "
                            "Separate long parts with a blank line."), limit=MAX_BLOCK_LINES)
    if _ATX_RE.match(line) or _RULE_RE.match(line) or (tally.block_lines > 1 and _SETEXT_RE.match(line)):
        tally.headings += 1
        if tally.headings > MAX_HEADINGS:
            raise TooComplex(N_("A post has at most %(limit)s headings and horizontal rules."), limit=MAX_HEADINGS)
    quote = _QUOTE_RE.match(line)
    depth = quote.group(1).count(">") if quote else 0
    rest = line[quote.end():] if quote else line
    if _LIST_MARKER_RE.match(rest.lstrip(" \t")):
        depth += _indent_width(rest) // 4 + 1
    if depth > MAX_DEPTH:
        raise TooComplex(N_("Quotes and lists nest at most %(limit)s levels deep."), limit=MAX_DEPTH)
    tally.marks += sum(rest.count(ch) for ch in _MARKS)


def _totals(tally: _Tally, source: str) -> None:
    if tally.marks > MAX_MARKS:
        raise TooComplex(N_("A post has at most %(limit)s formatting characters (* _ ` [ ] < > & \\ |); "
                            "this one has %(count)s."), limit=MAX_MARKS, count=tally.marks)
    links = source.count("://") + source.count("www.")
    if links > MAX_LINKS:
        raise TooComplex(N_("A post has at most %(limit)s web addresses; this one has %(count)s."),
                         limit=MAX_LINKS, count=links)


def check(source: str) -> None:
    """Raise :class:`TooComplex` when ``source`` is past a bound. One pass over the lines."""
    if not source:
        return
    lines = _LINE_BREAK_RE.split(source)  # the line breaks Python-Markdown knows, no others
    fenced, unclosed = _fenced_blocks(lines)
    if unclosed > MAX_UNCLOSED_FENCES:
        raise TooComplex(N_("A post has at most %(limit)s lines that open a code block (``` or ~~~) "
                            "without a line that closes it."), limit=MAX_UNCLOSED_FENCES)
    tally = _Tally()
    code_until = -1
    previous_blank = True
    for number, line in enumerate(lines):
        if number <= code_until:
            tally.marks += sum(line.count(ch) for ch in _ENTITY_MARKS)
            previous_blank = previous_blank or number == code_until
            continue
        if not line.strip():
            previous_blank, tally.block_lines = True, 0
        elif number in fenced:
            code_until = fenced[number]
            _new_block(tally)
            tally.block_lines = 0
        else:
            _text_line(tally, line, previous_blank)
            previous_blank = False
    _totals(tally, source)
