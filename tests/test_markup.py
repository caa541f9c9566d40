"""forum.markup: what reaches a reader's page.

The security tests parse the rendered HTML the way a browser would read it
(stdlib html.parser, entities decoded) and check every tag, attribute and URL,
rather than looking for substrings.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from forum import markup
from forum.markup import excerpt, mentions, render

# What a reader's page may contain, spelled out independently of the module.
SAFE_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "del", "sup", "sub",
    "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
SAFE_ATTRS = {
    "a": {"href", "title", "rel"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}
SAFE_SCHEMES = {"http", "https", "mailto"}


class Page(HTMLParser):
    """Everything a browser would build from a fragment of HTML."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []
        self.declarations: list[str] = []
        self.text_parts: list[str] = []
        self._stack: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in {"br", "hr"}:
            self._stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        self.text_parts.append(data)

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        self.declarations.append(decl)

    def unknown_decl(self, data):
        self.declarations.append(data)

    def handle_pi(self, data):
        self.declarations.append(data)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def names(self) -> list[str]:
        return [tag for tag, _ in self.tags]

    def find(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see: it ignores control chars, whitespace
    and case (entities are already decoded by the parser)."""
    squashed = re.sub(r"[\x00-\x20\x7f-\xa0\s]+", "", url).lower()
    match = re.match(r"([a-z][a-z0-9+.\-]*):", squashed)
    return match.group(1) if match else None


def assert_inert(html: str) -> Page:
    """Nothing in ``html`` can run code or load anything by itself."""
    page = Page(html)
    for tag, attrs in page.tags:
        assert tag in SAFE_TAGS, f"unexpected <{tag}> in {html!r}"
        extra = set(attrs) - SAFE_ATTRS.get(tag, set())
        assert not extra, f"unexpected attributes {extra} on <{tag}> in {html!r}"
        for name, value in attrs.items():
            assert not name.startswith("on")
            if name == "href":
                assert value, f"empty href in {html!r}"
                scheme = url_scheme(value)
                assert scheme in SAFE_SCHEMES | {None}, f"{value!r} in {html!r}"
                # Not even once more decoded (double-encoded entities).
                assert url_scheme(unescape(value)) in SAFE_SCHEMES | {None}, value
            if tag == "code" and name == "class":
                assert re.fullmatch(r"language-[\w-]+", value or "")
            if name == "align":
                assert value in {"left", "center", "right"}
    assert not page.comments, f"comment survived in {html!r}"
    assert not page.declarations, f"declaration survived in {html!r}"
    # Belt and braces on the raw string: every "<name" is one of ours.
    for name in re.findall(r"<\s*/?\s*([A-Za-z][^\s/>]*)", html):
        assert name.lower() in SAFE_TAGS, f"raw <{name}> in {html!r}"
    return page


# --------------------------------------------------------------------------
# Active content never reaches the page
# --------------------------------------------------------------------------

SCRIPT_PAYLOADS = {
    "raw script": "<script>alert(1)</script>",
    "script between paragraphs": "Text\n\n<script>alert(1)</script>\n\nmore",
    "script inline": "inline <script>alert(1)</script> here",
    "script in html block": "<div>\n<script>alert(1)</script>\n</div>",
    "script in blockquote": "> <script>alert(1)</script>",
    "script in list item": "- item <script>alert(1)</script>",
    "script in emphasis": "**<script>alert(1)</script>**",
    "script in link text": "[<script>alert(1)</script>](https://example.com)",
    "script in table cell": "| a |\n|---|\n| <script>alert(1)</script> |",
    "script src": '<script src="https://evil.example/x.js"></script>',
    "script breaking out of fenced code": (
        "```\n</code></pre><script>alert(1)</script>\n```"
    ),
    "script breaking out of code span": "`</code><script>alert(1)</script>`",
    "script in indented code": "    <script>alert(1)</script>",
}

HANDLER_PAYLOADS = {
    "img onerror": "<img src=x onerror=alert(1)>",
    "a onclick": '<a onclick="alert(1)" href="#">x</a>',
    "div onmouseover": "<div onmouseover='alert(1)'>hover</div>",
    "input autofocus": "<input onfocus=alert(1) autofocus>",
    "details ontoggle": "<details open ontoggle=alert(1)>",
    "body onload": "<body onload=alert(1)>",
    "handler in table header": "| <img src=x onerror=alert(1)> |\n|---|\n| x |",
    "quote breakout in link url": '[x](https://ok.example/"onmouseover="alert(1))',
    "quote breakout in link title": (
        '[x](https://ok.example "t\\" onclick=\\"alert(1)")'
    ),
    "quote breakout in autolink": '<https://ok.example/"onclick="alert(1)>',
    "quote breakout in bare url": 'https://ok.example/"><script>alert(1)</script>',
    "handler in fence attributes": "```{.python onclick=alert(1)}\nx\n```",
    "quote in fence language": '```python" onclick="alert(1)\nx\n```',
}

BAD_URL_PAYLOADS = {
    "md javascript": "[x](javascript:alert(1))",
    "md JavaScript mixed case": "[x](JaVaScRiPt:alert(1))",
    "md decimal entity": "[x](&#106;avascript:alert(1))",
    "md hex entities": "[x](&#x6a;avascript&#x3a;alert(1))",
    "md padded entity, no semicolon": "[x](&#0000106avascript:alert(1))",
    "md all entities, no semicolons": (
        "[x](&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1))"
    ),
    "md named colon entity": "[x](javascript&colon;alert(1))",
    "md newline entity": "[x](java&NewLine;script:alert(1))",
    "md tab entity": "[x](java&#9;script:alert(1))",
    "md tab": "[x](java\tscript:alert(1))",
    "md leading space": "[x]( javascript:alert(1))",
    "md leading control char": "[x](\x01javascript:alert(1))",
    "md leading entity space": "[x](&#x20;javascript:alert(1))",
    "md angle-bracketed url": "[x](<javascript:alert(1)>)",
    "md with title": '[x](javascript:alert(1) "title")',
    "md autolink": "<javascript:alert(1)>",
    "md reference": "[x][r]\n\n[r]: javascript:alert(1)",
    "md reference, mixed case, title": '[x][r]\n\n[r]: <JAVASCRIPT:alert(1)> "t"',
    "md implicit reference": "[x]\n\n[x]: jAvAsCrIpT:alert(1)",
    "md image": "![x](javascript:alert(1))",
    "md image in link": "[![x](javascript:alert(1))](javascript:alert(2))",
    "md vbscript": "[x](vbscript:msgbox(1))",
    "md VBScript reference": "[x][v]\n\n[v]: VBScript:msgbox(1)",
    "md data html": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md data image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "md data autolink": "<data:text/html,<script>alert(1)</script>>",
    "html javascript": '<a href="javascript:alert(1)">x</a>',
    "html JavaScript mixed case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "html entity": '<a href="&#106;avascript:alert(1)">x</a>',
    "html hex entities": '<a href="&#x6A;&#x61;vascript&#58;alert(1)">x</a>',
    "html whitespace": '<a href=" \n javascript:alert(1)">x</a>',
    "html vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "html data": '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "html meta refresh": (
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'
    ),
    "html base": '<base href="javascript:alert(1)//">',
    "html form action": "<form action=javascript:alert(1)><button>x</button></form>",
}

EMBED_PAYLOADS = {
    "svg onload": "<svg onload=alert(1)>",
    "svg script": "<svg><script>alert(1)</script></svg>",
    "svg xlink": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "svg in markdown list": "- <svg/onload=alert(1)>",
    "math mxss": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "object": '<object data="javascript:alert(1)"></object>',
    "embed": '<embed src="javascript:alert(1)">',
    "style tag": "<style>body{background:url(javascript:alert(1))}</style>",
    "style attribute url": '<p style="background:url(javascript:alert(1))">x</p>',
    "style attribute expression": '<div style="width: expression(alert(1))">x</div>',
    "link stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "import in style": "<style>@import 'https://evil.example/x.css';</style>",
}

MALFORMED_PAYLOADS = {
    "nested script name": "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "double open bracket": "<<script>script>alert(1)<</script>/script>",
    "unclosed a tag": '<a href="javascript:alert(1)"',
    "unclosed a element": '<a href="javascript:alert(1)">click',
    "unclosed img": '<img src="x" onerror="alert(1)"',
    "slashes for spaces": "<img/src/onerror=alert(1)>",
    "empty comment then script": "<!--><script>alert(1)</script>-->",
    "bogus comment end": "<!-- --!><script>alert(1)</script> -->",
    "conditional comment": "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "processing instruction": "<?xml version='1.0'?><script>alert(1)</script>",
    "null byte in name": "<scri\x00pt>alert(1)</script>",
    "uppercase": "<SCRIPT>alert(1)</SCRIPT>",
    "attribute without quotes or space": '<a href="x"onclick="alert(1)">x</a>',
    "backtick attribute": "<img src=`x` onerror=`alert(1)`>",
}


def _cases(*groups: dict[str, str]):
    return [
        pytest.param(source, id=name)
        for group in groups
        for name, source in group.items()
    ]


@pytest.mark.parametrize(
    "source",
    _cases(
        SCRIPT_PAYLOADS,
        HANDLER_PAYLOADS,
        BAD_URL_PAYLOADS,
        EMBED_PAYLOADS,
        MALFORMED_PAYLOADS,
    ),
)
def test_payload_renders_inert(source):
    assert_inert(render(source))


@pytest.mark.parametrize("source", _cases(SCRIPT_PAYLOADS, MALFORMED_PAYLOADS))
def test_no_script_element(source):
    page = assert_inert(render(source))
    assert "script" not in page.names()


@pytest.mark.parametrize("source", _cases(BAD_URL_PAYLOADS))
def test_refused_url_leaves_no_link(source):
    page = assert_inert(render(source))
    # The refused link is unwrapped to its words, not left as a dead <a>.
    assert all(attrs.get("href") for attrs in page.find("a"))
    for attrs in page.find("a"):
        assert url_scheme(attrs["href"]) in SAFE_SCHEMES | {None}


def test_raw_html_is_shown_as_the_text_typed():
    page = assert_inert(render("Use <b>bold</b> and <script>alert(1)</script> please"))
    assert page.names() == ["p"]
    assert page.text == "Use <b>bold</b> and <script>alert(1)</script> please"


def test_html_block_is_shown_as_text():
    page = assert_inert(
        render("<div>\n<iframe src=https://evil.example></iframe>\n</div>")
    )
    assert "<iframe src=https://evil.example></iframe>" in page.text


def test_entities_typed_by_the_author_stay_text():
    page = assert_inert(render("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &copy;"))
    assert page.text == "<script>alert(1)</script> & ©"


# --------------------------------------------------------------------------
# Ordinary Markdown renders as written
# --------------------------------------------------------------------------


def test_fenced_code_keeps_the_characters():
    html = render("```python\nif a < b && c > d:\n    pass\n```")
    page = assert_inert(html)
    assert page.names() == ["pre", "code"]
    assert page.find("code") == [{"class": "language-python"}]
    assert "if a &lt; b &amp;&amp; c &gt; d:" in html
    assert page.text == "if a < b && c > d:\n    pass\n"


def test_code_span_keeps_the_characters():
    page = assert_inert(render("Write `a<b && <i>` here"))
    assert "code" in page.names()
    assert "i" not in page.names()
    assert "a<b && <i>" in page.text


def test_urls_in_code_are_not_linked():
    page = assert_inert(
        render("```\nhttps://example.com\n```\n\n`https://example.org`")
    )
    assert page.find("a") == []
    assert "https://example.com" in page.text
    assert "https://example.org" in page.text


def test_table():
    page = assert_inert(
        render("| Left | Mid | Right |\n|:-----|:---:|------:|\n| 1 | 2 | 3 |")
    )
    names = page.names()
    for tag in ("table", "thead", "tbody", "tr", "th", "td"):
        assert tag in names
    assert [a.get("align") for a in page.find("th")] == ["left", "center", "right"]
    assert [a.get("align") for a in page.find("td")] == ["left", "center", "right"]
    assert "Left" in page.text
    assert "3" in page.text


def test_link_has_href_and_rel():
    page = assert_inert(render("See [site](https://example.com)."))
    (link,) = page.find("a")
    assert link["href"] == "https://example.com"
    assert {"nofollow", "ugc", "noopener"} <= set(link["rel"].split())
    assert page.text == "See site."


def test_link_title_kept():
    (link,) = assert_inert(render('[site](https://example.com "The site")')).find("a")
    assert link["title"] == "The site"


def test_reference_link():
    page = assert_inert(render("Read [the docs][d].\n\n[d]: https://example.com/docs"))
    (link,) = page.find("a")
    assert link["href"] == "https://example.com/docs"
    assert "nofollow" in link["rel"].split()


def test_relative_and_fragment_links_allowed():
    page = assert_inert(render("[profile](/users/bob) and [top](#top)"))
    assert [a["href"] for a in page.find("a")] == ["/users/bob", "#top"]


def test_bare_url_becomes_a_link():
    page = assert_inert(render("Docs at https://example.com/a?b=1 today"))
    (link,) = page.find("a")
    assert link["href"] == "https://example.com/a?b=1"
    assert set(link["rel"].split()) == {"nofollow", "ugc", "noopener"}
    assert page.text == "Docs at https://example.com/a?b=1 today"


def test_www_url_becomes_a_link_but_file_names_do_not():
    page = assert_inert(render("Go to www.python.org and edit setup.py"))
    assert [a["href"] for a in page.find("a")] == ["http://www.python.org"]


def test_angle_autolink():
    (link,) = assert_inert(render("<https://example.com/x>")).find("a")
    assert link["href"] == "https://example.com/x"
    assert "ugc" in link["rel"].split()


def test_mailto_link():
    page = assert_inert(
        render("[write us](mailto:team@example.com) or <help@example.com>")
    )
    hrefs = [a["href"] for a in page.find("a")]
    assert hrefs == ["mailto:team@example.com", "mailto:help@example.com"]
    assert all("nofollow" in a["rel"].split() for a in page.find("a"))


def test_lists():
    page = assert_inert(render("- one\n- two\n\n1. first\n2. second"))
    assert page.names() == ["ul", "li", "li", "ol", "li", "li"]


def test_emphasis():
    page = assert_inert(render("*soft* and **loud** and _also_"))
    assert page.names() == ["p", "em", "strong", "em"]
    assert page.text == "soft and loud and also"


def test_blockquote():
    page = assert_inert(render("> quoted\n> words\n\nreply"))
    assert page.names()[:2] == ["blockquote", "p"]
    assert "quoted" in page.text


def test_newline_is_a_line_break():
    page = assert_inert(render("line one\nline two"))
    assert page.names() == ["p", "br"]


def test_horizontal_rule():
    assert "hr" in assert_inert(render("above\n\n---\n\nbelow")).names()


def test_headings_are_demoted_below_page_headings():
    page = assert_inert(
        render("# One\n\n## Two\n\n### Three\n\n#### Four\n\n###### Six")
    )
    assert page.names() == ["h3", "h4", "h5", "h6", "h6"]
    setext = assert_inert(render("Title\n=====\n\nSub\n---"))
    assert setext.names() == ["h3", "h4"]


def test_images_become_links_never_img():
    page = assert_inert(render('![a cat](https://img.example/cat.png "Cat")'))
    assert "img" not in page.names()
    (link,) = page.find("a")
    assert link["href"] == "https://img.example/cat.png"
    assert "nofollow" in link["rel"].split()
    assert page.text == "a cat"


def test_image_without_alt_still_readable():
    page = assert_inert(render("![](https://img.example/cat.png)"))
    assert page.text == "image"
    assert page.find("a")[0]["href"] == "https://img.example/cat.png"


def test_image_inside_link_keeps_one_link():
    page = assert_inert(
        render("[![logo](https://img.example/l.png)](https://example.com)")
    )
    assert [a["href"] for a in page.find("a")] == ["https://example.com"]
    assert page.text == "logo"


def test_empty_source():
    assert render("") == ""
    assert render("   \n") == ""


def test_another_process_renders_the_same_html():
    """Another worker (or `flask rerender`) with other hash seeds gives byte-identical HTML, so a
    post's stored HTML, cached pages and their ETags agree across processes."""
    source = ("# Hi\n\nSome **text** with https://example.com, [a link](https://example.org \"T\"), "
              "![img](https://img.example/a.png) and `code`\n\n| a | b |\n|:-|-:|\n| 1 | 2 |")
    here = render(source)
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", "import sys; from forum.markup import render; "
                              "sys.stdout.write(render(sys.stdin.read()))"], input=source, text=True,
                             capture_output=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed},
                             cwd=Path(__file__).resolve().parent.parent)
        assert out.stdout == here, f"hash seed {seed} renders differently"


def test_rules_version_is_an_int():
    assert isinstance(markup.RULES_VERSION, int)
    assert markup.RULES_VERSION >= 1


def test_module_does_not_import_flask():
    tree = ast.parse(Path(markup.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "flask" not in imported
    assert imported & {"bleach", "markdown"} == {"bleach", "markdown"}


# --------------------------------------------------------------------------
# mentions
# --------------------------------------------------------------------------


def test_mentions_in_order_distinct_lowercased():
    assert mentions("@Carol thanks, cc @bob and @CAROL, @alice_99.") == [
        "carol",
        "bob",
        "alice_99",
    ]


def test_mentions_exclude_emails():
    assert mentions("mail bob@example.com or x.y@alice.org, ping @dave") == ["dave"]


def test_mentions_exclude_code():
    source = (
        "Hey @erin, run `@decorator` then\n\n"
        "```python\n@property\ndef x(): ...\n```\n\n"
        "    @indented_code\n\n"
        "and @frank"
    )
    assert mentions(source) == ["erin", "frank"]


def test_mentions_length_bounds():
    assert mentions("@ab @abc") == ["abc"]
    assert mentions("@" + "a" * 32) == ["a" * 32]
    assert mentions("@" + "a" * 33) == []


def test_mentions_in_markdown_and_punctuation():
    assert mentions("**@grace** (@heidi) - @ivan: hi\n\n> @judy said") == [
        "grace",
        "heidi",
        "ivan",
        "judy",
    ]


def test_mentions_ignore_url_paths():
    assert mentions("see https://social.example/@karl") == []


def test_mentions_empty():
    assert mentions("") == []
    assert mentions("no mentions here @ all") == []


# --------------------------------------------------------------------------
# excerpt
# --------------------------------------------------------------------------


def test_excerpt_strips_tags_and_unescapes():
    html = render("# Title\n\nFish &amp; chips, `a < b` and <b>raw</b>\n\n- one\n- two")
    assert excerpt(html) == "Title Fish & chips, a < b and <b>raw</b> one two"


def test_excerpt_collapses_whitespace():
    assert excerpt("<p>a\n\n   b\t c</p>\n<p>d</p>") == "a b c d"


def test_excerpt_separates_blocks():
    assert excerpt("<p>one</p><p>two</p><ul><li>three</li><li>four</li></ul>") == (
        "one two three four"
    )


def test_excerpt_short_text_untouched():
    assert excerpt("<p>short text</p>", length=50) == "short text"


def test_excerpt_cuts_on_word_boundary():
    text = " ".join(["word"] * 100)
    cut = excerpt(f"<p>{text}</p>", length=42)
    assert cut.endswith("…")
    assert len(cut) <= 42
    body = cut[:-1]
    assert text.startswith(body)
    assert body.split(" ") == ["word"] * len(body.split(" "))


def test_excerpt_does_not_split_words():
    cut = excerpt("<p>alpha beta gamma delta epsilon</p>", length=14)
    assert cut == "alpha beta…"


def test_excerpt_hard_cuts_one_long_word():
    cut = excerpt("x" * 50, length=10)
    assert cut == "x" * 9 + "…"


def test_excerpt_default_length():
    cut = excerpt(render("lorem ipsum " * 100))
    assert len(cut) <= 200
    assert cut.endswith("…")


def test_excerpt_of_source_with_markup():
    cut = excerpt("<script>alert(1)</script> hello <i>there</i>")
    assert cut in {"alert(1) hello there", "hello there"}


def test_excerpt_empty():
    assert excerpt("") == ""
