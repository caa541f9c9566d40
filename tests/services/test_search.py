"""Full-text search: what a person finds, how it is ranked and shown, and what they never find.

Runs on both engines: SQLite FTS5 by default, PostgreSQL full-text search with TEST_DATABASE_URL.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.markup import render
from forum.models import Board, Concept, Post, SearchDocument, Tag, Topic, utcnow
from forum.services import search
from forum.services.search import index_concept, index_post


def make_concept(org, title: str, description: str = "", summary: str = "", slug: str | None = None,
                 tags: tuple[str, ...] = ()) -> Concept:
    concept = Concept(organization_id=org.id, slug=slug or title.lower().replace(" ", "-"), title=title,
                      summary=summary, description_source=description,
                      description_html=render(description))
    concept.tags = [Tag(name=t) for t in tags]
    db.session.add(concept)
    db.session.flush()
    index_concept(concept)
    db.session.commit()
    return concept


def make_topic(title: str, author, concept: Concept | None = None) -> Topic:
    board = None
    if concept is None:
        board = db.session.scalar(select(Board).where(Board.slug == "general"))
        if board is None:
            board = Board(slug="general", name="General")
            db.session.add(board)
            db.session.flush()
    topic = Topic(title=title, author_id=author.id, board_id=board.id if board else None,
                  concept_id=concept.id if concept else None)
    db.session.add(topic)
    db.session.commit()
    return topic


def make_post(topic: Topic, author, body: str, reply_to: Post | None = None) -> Post:
    post = Post(topic_id=topic.id, author_id=author.id, body_source=body, body_html=render(body),
                reply_to_id=reply_to.id if reply_to else None)
    db.session.add(post)
    db.session.flush()
    index_post(post)
    db.session.commit()
    return post


def titles(results) -> list[str]:
    return [item.title for item in results.items]


def urls(results) -> list[str]:
    return [item.url for item in results.items]


def test_finds_new_concepts_and_posts_with_links(people):
    org, consumer = people["org"], people["consumer"]
    make_concept(org, "Sourdough subscription box", "Fresh **sourdough** every week.", slug="sourdough-box")
    topic = make_topic("Bread talk", consumer)
    post = make_post(topic, consumer, "My starter is called Bubbles and loves rye flour.")

    found = search.search(None, "sourdough")
    assert found.total == 1
    assert urls(found) == ["/concepts/sourdough-box"]
    assert found.items[0].kind == "concept"

    found = search.search(None, "bubbles")
    assert urls(found) == [f"/t/{topic.id}#p{post.id}"]
    assert found.items[0].title == "Bread talk"
    assert found.items[0].kind == "post"
    assert found.items[0].created_at.year == post.created_at.year


def test_concept_tags_and_summary_are_searchable(people):
    make_concept(people["org"], "Modular desk", summary="Birch desk you can extend", tags=("furniture",))
    assert titles(search.search(None, "furniture")) == ["Modular desk"]
    assert titles(search.search(None, "birch")) == ["Modular desk"]


def test_stemming_finds_other_forms_of_a_word(people):
    make_concept(people["org"], "Refill station", "Bring your bottles to any of our refill stations.")
    assert search.search(None, "bottle").total == 1
    assert search.search(None, "refilling").total == 1 or search.search(None, "refills").total == 1


def test_edited_content_is_found_by_its_new_words_only(people):
    consumer = people["consumer"]
    topic = make_topic("Earbuds", consumer)
    post = make_post(topic, consumer, "The battery lasts a morning.")
    assert search.search(None, "battery").total == 1

    post.body_source = "The case is made of walnut."
    post.body_html = render(post.body_source)
    index_post(post)
    db.session.commit()
    assert search.search(None, "battery").total == 0
    assert search.search(None, "walnut").total == 1

    concept = make_concept(people["org"], "Old name")
    concept.title = "Shiny new name"
    index_concept(concept)
    db.session.commit()
    assert search.search(None, "old").total == 0
    assert titles(search.search(None, "shiny")) == ["Shiny new name"]


def test_title_match_ranks_above_body_only_match(people):
    org = people["org"]
    # Created first and mentions the word more often in its body: still below the title match.
    make_concept(org, "Kitchen scale", "Weighs flour for a granola recipe. Granola lovers, granola!",
                 slug="scale")
    make_concept(org, "Granola jar", "A jar that keeps cereal crisp.", slug="jar")
    found = search.search(None, "granola")
    assert titles(found) == ["Granola jar", "Kitchen scale"]


def test_title_only_match_still_shows_the_start_of_the_text(people):
    make_concept(people["org"], "Granola jar", "A jar that keeps cereal crisp.", slug="jar")
    item = search.search(None, "granola").items[0]
    assert "cereal" in str(item.snippet_html)
    assert "<mark>Granola</mark>" in str(item.title_html)


def test_opening_post_carries_topic_title_but_replies_do_not(people):
    consumer, owner = people["consumer"], people["owner"]
    topic = make_topic("Espresso grinders", consumer)
    first = make_post(topic, consumer, "Which one do you use?")
    make_post(topic, owner, "A hand one, every morning.")
    found = search.search(None, "espresso")
    assert urls(found) == [f"/t/{topic.id}#p{first.id}"]
    # Replies still show the topic's title as their heading.
    assert titles(search.search(None, "hand")) == ["Espresso grinders"]


def test_matches_are_highlighted_and_everything_else_escaped(people):
    consumer = people["consumer"]
    topic = make_topic("Safety", consumer)
    make_post(topic, consumer, "Watch out: <script>alert(1)</script> and the kettle & mug are hot, 1 < 2.")
    found = search.search(None, "kettle")
    snippet = str(found.items[0].snippet_html)
    assert "<mark>kettle</mark>" in snippet
    # Typed tags show as text (SQLite) or are left out of the snippet (PostgreSQL's parser drops
    # tag-like tokens): never markup either way.
    assert "<script>" not in snippet and "</script>" not in snippet
    assert "&amp; mug" in snippet
    assert "1 &lt; 2" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>") == 1


def test_title_is_highlighted(people):
    make_concept(people["org"], "Quiet <b>blender</b>", "It hums.", slug="blender")
    item = search.search(None, "blender").items[0]
    assert str(item.title_html) == "Quiet &lt;b&gt;<mark>blender</mark>&lt;/b&gt;"
    assert item.title == "Quiet <b>blender</b>"


def test_stored_sentinels_cannot_forge_marks(people):
    consumer = people["consumer"]
    topic = make_topic("Odd text", consumer)
    make_post(topic, consumer, "teapot \ue000<img src=x>\ue001 here")
    snippet = str(search.search(None, "teapot").items[0].snippet_html)
    assert "<img" not in snippet
    assert snippet.count("<mark>") == 1


def test_hidden_deleted_and_hidden_topic_content_is_never_found(people):
    org, consumer, moderator = people["org"], people["consumer"], people["moderator"]
    hidden_concept = make_concept(org, "Zebra lamp", slug="zebra")
    hidden_concept.hidden_at = utcnow()
    index_concept(hidden_concept)
    db.session.commit()

    topic = make_topic("Zebra crossing", consumer)
    deleted = make_post(topic, consumer, "zebra one")
    hidden = make_post(topic, consumer, "zebra two")
    visible = make_post(topic, consumer, "zebra three")
    deleted.deleted_at = utcnow()
    hidden.hidden_at = utcnow()
    index_post(deleted)
    index_post(hidden)
    db.session.commit()

    for actor in (None, consumer, moderator):
        assert urls(search.search(actor, "zebra")) == [f"/t/{topic.id}#p{visible.id}"]

    # A hidden topic takes its posts with it, even without re-indexing them.
    topic.hidden_at = utcnow()
    db.session.commit()
    assert search.search(consumer, "zebra").total == 0

    # A hidden concept takes its discussion with it.
    discussion = make_topic("Zebra lamp", consumer, concept=hidden_concept)
    make_post(discussion, consumer, "Does the zebra glow?")
    assert search.search(consumer, "glow").total == 0


def test_hiding_without_reindexing_is_still_filtered(people):
    """A moderator's hide takes effect at once: the query checks the live rows."""
    consumer = people["consumer"]
    topic = make_topic("Teapots", consumer)
    post = make_post(topic, consumer, "A cracked teapot.")
    concept = make_concept(people["org"], "Teapot cosy", slug="cosy")
    post.hidden_at = utcnow()
    concept.hidden_at = utcnow()
    db.session.commit()
    assert search.search(None, "teapot").total == 0


def test_restored_content_is_found_again(people):
    consumer = people["consumer"]
    topic = make_topic("Kites", consumer)
    post = make_post(topic, consumer, "A red kite.")
    post.hidden_at = utcnow()
    index_post(post)
    db.session.commit()
    assert db.session.scalar(select(func.count(SearchDocument.id))) == 0
    post.hidden_at = None
    index_post(post)
    db.session.commit()
    assert search.search(None, "kite").total == 1


NO_WORD = ['"', '""', "*", "( ) : * ^ -", "-", "\\", "💥", "&", "\ue000"]
FOUND = ["NEAR(", "title:foo", "foo AND"]       # words of the concept, among operators
NOT_FOUND = ["^x", "'; DROP TABLE posts; --", "a\x00b", "<mark>"]
STOP_WORDS = ["AND (", "OR", "NOT"]             # PostgreSQL's English dictionary drops them


@pytest.mark.parametrize("query", NO_WORD + FOUND + NOT_FOUND + STOP_WORDS)
def test_hostile_query_syntax_never_fails(people, query):
    """Operators and punctuation are never syntax: a query with no word gets the notice, the words of
    the concept find it, other words find nothing, and no snippet carries markup from the query."""
    make_concept(people["org"], "Plain thing", "and or not near title foo")
    results = search.search(None, query)
    assert bool(results.notice) == (query in NO_WORD)
    if query in FOUND or (query in STOP_WORDS and db.session.get_bind().dialect.name == "sqlite"):
        assert titles(results) == ["Plain thing"] and results.total == 1
    else:
        assert titles(results) == [] and results.total == 0
    assert all("<script" not in str(item.snippet_html) for item in results.items)


def test_operator_words_are_plain_words(people):
    make_concept(people["org"], "Near field speaker", "Pairs by NFC.", slug="nfc")
    make_concept(people["org"], "Other", "Nothing here.", slug="other")
    assert titles(search.search(None, "near")) == ["Near field speaker"]
    assert titles(search.search(None, "NEAR field")) == ["Near field speaker"]


def test_query_without_words_gets_a_notice(people):
    results = search.search(None, "*** ((( ")
    assert results.total == 0 and results.items == []
    assert "word" in results.notice
    assert search.search(None, "").notice == ""


def test_all_words_must_match_and_phrases_keep_order(people):
    org = people["org"]
    make_concept(org, "Oat milk", "Creamy oat milk from local farms.", slug="oat")
    make_concept(org, "Almond milk", "Milk from almonds; no oat.", slug="almond")
    assert set(titles(search.search(None, "milk oat"))) == {"Oat milk", "Almond milk"}
    assert titles(search.search(None, "almond milk")) == ["Almond milk"]
    assert titles(search.search(None, '"oat milk"')) == ["Oat milk"]


def test_kind_filter_and_pagination(people):
    org, consumer = people["org"], people["consumer"]
    topic = make_topic("Cups", consumer)
    for n in range(5):
        make_post(topic, consumer, f"Ceramic cup number {n}")
    make_concept(org, "Ceramic cup", slug="cup")
    everything = search.search(None, "ceramic", per_page=4)
    assert everything.total == 6 and everything.pages == 2 and len(everything.items) == 4
    assert everything.items[0].kind == "concept"  # its title matches
    second = search.search(None, "ceramic", page=2, per_page=4)
    assert len(second.items) == 2 and second.has_prev and not second.has_next
    assert not set(urls(everything)) & set(urls(second))
    assert search.search(None, "ceramic", kind="concept").total == 1
    assert search.search(None, "ceramic", kind="post").total == 5
    assert search.search(None, "ceramic", kind="bogus").total == 6
    beyond = search.search(None, "ceramic", page=9, per_page=4)
    assert beyond.total == 6 and beyond.items == []


def test_deleting_a_concept_row_removes_its_document(people):
    concept = make_concept(people["org"], "Ephemeral gadget", slug="eph")
    db.session.delete(concept)
    db.session.commit()
    assert search.search(None, "ephemeral").total == 0
    assert db.session.scalar(select(func.count(SearchDocument.id))) == 0


def test_index_functions_do_not_commit(people):
    concept = Concept(organization_id=people["org"].id, slug="uncommitted", title="Uncommitted idea")
    db.session.add(concept)
    index_concept(concept)
    db.session.rollback()
    assert db.session.scalar(select(func.count(SearchDocument.id))) == 0
    assert search.search(None, "uncommitted").total == 0


def test_reindex_all_rebuilds_the_index(people):
    consumer = people["consumer"]
    topic = make_topic("Socks", consumer)
    post = Post(topic_id=topic.id, author_id=consumer.id, body_source="Wool socks",
                body_html=render("Wool socks"))
    db.session.add(post)
    db.session.commit()
    assert search.search(None, "wool").total == 0  # never indexed
    assert search.reindex_all() == 1
    assert search.search(None, "wool").total == 1


# --- through the other services, when they exist ---------------------------------------------

def test_posting_service_keeps_the_index_current(people):
    posting = pytest.importorskip("forum.services.posting")
    boards = pytest.importorskip("forum.services.boards")
    board = boards.create(people["admin"], "Kitchen", description="Cooking")
    topic = posting.create_topic(people["consumer"], board, "Pasta machines", "Mine rolls tagliatelle.")
    assert titles(search.search(None, "tagliatelle")) == ["Pasta machines"]
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    posting.edit_post(people["consumer"], post, "Mine rolls lasagne sheets.")
    assert search.search(None, "tagliatelle").total == 0
    assert search.search(None, "lasagne").total == 1
    posting.delete_post(people["consumer"], post)
    assert search.search(None, "lasagne").total == 0


def test_concepts_service_keeps_the_index_current(people):
    concepts = pytest.importorskip("forum.services.concepts")
    concept = concepts.create(people["owner"], people["org"], "Cordless kettle",
                              summary="Boils anywhere", description="A **travel** kettle.")
    assert urls(search.search(None, "travel")) == [f"/concepts/{concept.slug}"]


def test_extras_can_be_dropped_and_rebuilt_from_the_documents(people):
    """What a migration's downgrade and upgrade do; without the index a search says so, no 500."""
    from forum.services import schema

    make_concept(people["org"], "Walnut tray", slug="tray")
    schema.drop_extras(db.engine)
    try:
        missing = search.search(None, "walnut")
        if db.engine.dialect.name == "sqlite":
            assert missing.total == 0 and "not available" in missing.notice
        else:  # PostgreSQL answers without its GIN index, only slower
            assert missing.total == 1
    finally:
        schema.create_extras(db.engine)
    assert titles(search.search(None, "walnut")) == ["Walnut tray"]
