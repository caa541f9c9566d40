"""No post eats the CPU: the Markdown shapes that make Python-Markdown quadratic are bounded with a
clear message, and a post is rendered once per write. (Times are printed by bench/markup.py.)"""
from __future__ import annotations

import pytest

from forum import markup
from forum.extensions import db
from forum.models import Post
from forum.services import posting
from tests.conftest import login

SIZE = 20_000


def fill(unit: str) -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


PATHOLOGICAL = {
    "setext =": (fill("a\n=\n"), "lines"),
    "setext -": (fill("a\n-\n"), "lines"),
    "atx": (fill("# a\n"), "headings"),
    "rules": (fill("---\n"), "headings"),
    "nested quotes": (">" * SIZE, "nest"),
    "nested quotes per line": (fill("> " * 50 + "a\n"), "nest"),
    "headings in blocks": (fill("# a\n\n"), "headings"),
    "paragraphs": (fill("a\n\n"), "paragraphs"),
    "lines in blocks": (fill(("a\n" * 50) + "\n"), "lines"),
    "emphasis": (fill("*a"), "formatting characters"),
    "brackets": ("[" * SIZE, "formatting characters"),
    "angle brackets": ("<" * SIZE, "formatting characters"),
    "bare urls": (fill("http://a.com "), "web addresses"),
    "fences": (fill("```\na\n```\n"), "code blocks"),
    # "~~~a" opens a block but never closes one: each line made Python-Markdown scan to the end.
    "unclosed ~~~a fences": ("~~~a\n" * 200 + fill("padding words "), "without a line that closes it"),
    "unclosed ```a fences": (fill("```a\nb\n"), "without a line that closes it"),
}


def test_lines_that_look_like_fences_but_close_nothing_are_text_to_the_bounds():
    """A "~~~a" line does not close a "~~~" block for Python-Markdown, so what follows is text and
    counts against the text bounds (it used to pass as code)."""
    source = "~~~\n" + "~~~a\n" + "*a " * 1100 + "\n"
    with pytest.raises(markup.TooComplex, match="formatting characters"):
        markup.check(source)
    markup.check("~~~a\n" + "*a " * 1100 + "\n~~~\n")  # a real block: code, not formatting
    assert "<pre><code" in markup.render("~~~a\nx\n~~~\n")


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_shapes_are_refused_with_a_message(name):
    source, words = PATHOLOGICAL[name]
    with pytest.raises(markup.TooComplex) as refused:
        markup.check(source)
    assert words in str(refused.value)


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_render_never_runs_markdown_on_a_refused_shape(name, monkeypatch):
    """Stored text from before the bounds (or any caller that skipped check) is shown as plain
    text: the quadratic parser never sees it."""
    calls = []
    monkeypatch.setattr(markup, "_markdown", lambda source: calls.append(source) or "")
    html = markup.render(PATHOLOGICAL[name][0])
    assert calls == [] and html.startswith("<p>")


def test_a_long_real_post_is_accepted():
    section = ("## What we tried\n\nWe measured the *kettle* at **three** settings, see "
               "https://example.com/report and [the notes](https://example.com/notes). "
               + "It boiled evenly, the handle stayed cool, and the timer was easy to read. " * 6 + "\n\n"
               "- fast boil\n- keep warm\n    - at 80 degrees\n- timer\n\n"
               "> The lid rattles.\n> > Only at full power.\n\n"
               "| setting | minutes |\n|---|---|\n| fast | 3 |\n| slow | 7 |\n\n"
               "```python\nfor step in range(10):\n    print(step < 5 and step > 2)\n```\n\n")
    source = (section * 20)[:SIZE]
    assert len(source) > 15_000
    markup.check(source)
    assert "<h4>What we tried</h4>" in markup.render(source)


def test_code_in_fences_does_not_count_as_lines_or_formatting():
    code = "".join(f"value_{i} = [x * 2 for x in items_{i}]  # *not* emphasis\n" for i in range(300))
    markup.check("Here is the script:\n\n```\n" + code + "```\n")


def test_mentions_are_read_from_the_rendered_html():
    html = markup.render("Hi @Carol, `@notme` and mail bob@example.com")
    assert markup.mentions_in_html(html) == ["carol"]


def test_a_reply_is_rendered_once(app, people, monkeypatch):
    """The mention scan used to render the post a second time (3 s more for a bad post)."""
    topic = posting.create_topic(people["consumer"], _board(), "A topic", "First post")
    calls = []
    real = markup._markdown
    monkeypatch.setattr(markup, "_markdown", lambda source: calls.append(source) or real(source))
    posting.reply(people["owner"], topic, "Thanks @carol, see **this**")
    assert len(calls) == 1


def test_a_pathological_reply_gets_a_clear_400_and_is_not_saved(app, people, client):
    topic = posting.create_topic(people["consumer"], _board(), "A topic", "First post")
    login(client, people["owner"])
    response = client.post(f"/t/{topic.id}/reply", data={"body": fill("a\n=\n")})
    assert response.status_code == 400
    assert "at most 100 lines" in response.get_data(as_text=True)
    assert db.session.query(Post).filter_by(topic_id=topic.id).count() == 1


def test_a_pathological_concept_description_is_refused(app, people):
    from forum.errors import ValidationError
    from forum.services import concepts

    with pytest.raises(ValidationError) as refused:
        concepts.create(people["owner"], people["org"], "Kettle", "A kettle", fill("# a\n\n"))
    assert "headings" in refused.value.errors["description"][0]


def _board():
    from forum.models import Board

    board = Board(name="General", slug="general", description="", position=0)
    db.session.add(board)
    db.session.commit()
    return board


ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_the_bounds_refuse_in_the_writers_language(app, people, client):
    """The bounds live in a module without Flask: their messages are marked there and translated
    where a writer is refused (a reply, a concept's description, a decision, a moderator's edit)."""
    topic = posting.create_topic(people["consumer"], _board(), "A topic", "First post")
    login(client, people["owner"])
    page = client.post(f"/t/{topic.id}/reply", data={"body": fill("a\n=\n")}, headers=ZH).get_data(as_text=True)
    assert "一个段落、列表、引用或表格最多 100 行。请用空行把较长的部分分开。" in page
    assert "at most 100 lines" not in page
    english = client.post(f"/t/{topic.id}/reply", data={"body": "*a " * 1100}).get_data(as_text=True)
    assert "A post has at most 1,000 formatting characters" in english and "this one has 1,100." in english


def test_every_writer_of_markdown_meets_the_bounds_in_their_language(app, people):
    from forum.errors import ValidationError
    from forum.services import concepts, decisions, moderation

    topic = posting.create_topic(people["consumer"], _board(), "A topic", "First post")
    post = db.session.query(Post).filter_by(topic_id=topic.id).one()
    concept = concepts.create(people["owner"], people["org"], "Kettle", "A kettle", "Boils.")
    with app.test_request_context(headers=ZH):
        with pytest.raises(ValidationError) as description:
            concepts.create(people["owner"], people["org"], "Toaster", "A toaster", fill("# a\n\n"))
        with pytest.raises(ValidationError) as decision:
            decisions.create(people["owner"], concept, "We build it", "http://a.com " * 300)
        with pytest.raises(ValidationError) as edit:
            moderation.act_on_post(people["admin"], post, "edit", "Tidying", body=">" * 40)
    assert description.value.errors["description"] == ["一篇帖子最多含 50 个标题和分隔线。"]
    assert decision.value.errors["body"][0] == "一篇帖子最多含 200 个网址；这篇有 300 个。"
    assert edit.value.errors["body"] == ["引用和列表最多嵌套 8 层。"]
