"""`flask rerender` brings stored HTML up to date with the current markup rules."""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Board, Concept, Post, PostRevision
from forum.services import posting, search

UNSAFE = '<p>Hi <script>alert(1)</script><a href="javascript:alert(2)">click</a></p>'


def test_rerender_fixes_html_stored_with_old_or_unsafe_rules(app, people):
    board = Board(slug="general", name="General")
    db.session.add(board)
    db.session.commit()
    topics = [posting.create_topic(people["consumer"], board, f"Topic {n}", f"Hello **{n}**") for n in range(3)]
    post = db.session.scalar(select(Post).where(Post.topic_id == topics[0].id))
    posting.edit_post(people["consumer"], post, "Hello [click](javascript:alert(2)) <script>alert(1)</script>")
    concept = Concept(organization_id=people["org"].id, slug="kettle", title="Kettle",
                      description_source="A *quiet* kettle", description_html=UNSAFE)
    db.session.add(concept)
    # HTML as an older (or broken) renderer stored it.
    post.body_html = UNSAFE
    post.excerpt = "stale"
    db.session.scalar(select(PostRevision)).body_html = UNSAFE
    db.session.commit()
    post_id, concept_id = post.id, concept.id
    search.index_post(post)  # the index took its text from the stale HTML
    db.session.commit()
    assert search.search(None, "stale").total == 0 and search.search(None, "Hi").total == 1
    untouched = {p.id: p.body_html for p in db.session.scalars(select(Post).where(Post.id != post_id))}

    result = app.test_cli_runner().invoke(args=["rerender", "--batch-size", "2"])

    assert result.exit_code == 0, result.output
    assert "posts: 3 checked, 1 updated" in result.output
    assert "post revisions: 1 checked, 1 updated" in result.output
    assert "concept descriptions: 1 checked, 1 updated" in result.output
    db.session.expire_all()
    fixed = db.session.get(Post, post_id)
    assert "<script>" not in fixed.body_html and "javascript:" not in fixed.body_html
    assert "&lt;script&gt;" in fixed.body_html  # the author's text shows as text
    assert fixed.excerpt.startswith("Hello click")
    assert search.search(None, "Hi").total == 0  # the search index follows the new text
    assert search.search(None, "kettle").total == 1  # and the re-rendered concept is in it
    assert "<script>" not in db.session.scalar(select(PostRevision)).body_html
    assert db.session.get(Concept, concept_id).description_html == "<p>A <em>quiet</em> kettle</p>"
    assert {p.id: p.body_html for p in db.session.scalars(select(Post).where(Post.id != post_id))} == untouched

    again = app.test_cli_runner().invoke(args=["rerender"])
    assert "posts: 3 checked, 0 updated" in again.output
