"""Role matrix: the bulletin board (boards, topics, posts, preview, board management).

build() makes a board with a topic whose first post is by objects["consumer"], and its own small
concept (owned by objects["org"]) whose discussion holds a consumer's question and an official
reply by objects["member"], so that marking answers can be checked without the concepts area.
"""
from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.models import Board, Concept, Post, Topic, utcnow
from tests.web.matrix import Case, same, signed_in

AUTHOR_OR_MOD = same(403, visitor="login", consumer=200, moderator=200, admin=200)
AUTHOR_OR_MOD_WRITE = same(403, visitor="login", consumer="redirect", moderator="redirect", admin="redirect")
ADMIN_ONLY = same(403, visitor="login", admin=200)


def _post(topic: Topic, author: Any, body: str, **fields: Any) -> Post:
    post = Post(topic_id=topic.id, author_id=author.id, body_source=body, body_html=f"<p>{body}</p>",
                excerpt=body, **fields)
    db.session.add(post)
    topic.post_count += 1
    topic.last_post_at = utcnow()
    topic.last_post_user_id = author.id
    return post


def build(objects: dict[str, Any]) -> dict[str, Any]:
    consumer, member, org = objects["consumer"], objects["member"], objects["org"]
    board = Board(slug="matrix-board", name="Matrix board", description="For the role matrix", position=1)
    db.session.add(board)
    db.session.flush()
    topic = Topic(board_id=board.id, title="A topic by a consumer", author_id=consumer.id)
    db.session.add(topic)
    db.session.flush()
    post = _post(topic, consumer, "First post by the consumer")
    concept = Concept(organization_id=org.id, slug="board-matrix-concept", title="Board matrix concept",
                      created_by_id=objects["owner"].id)
    db.session.add(concept)
    db.session.flush()
    concept_topic = Topic(concept_id=concept.id, title=concept.title, author_id=objects["owner"].id)
    db.session.add(concept_topic)
    db.session.flush()
    question = _post(concept_topic, consumer, "Does it come in blue?")
    db.session.flush()
    answer = _post(concept_topic, member, "Yes, in two blues.", reply_to_id=question.id,
                   official_organization_id=org.id)
    db.session.commit()
    return {"board": board, "topic": topic, "post": post, "board_concept": concept,
            "board_concept_topic": concept_topic, "board_question": question, "board_answer": answer}


CASES = {
    ("board.index", "GET"): Case(lambda o: "/boards", same(200)),
    ("board.show", "GET"): Case(lambda o: f"/boards/{o['board'].slug}", same(200)),
    ("board.topic", "GET"): Case(lambda o: f"/t/{o['topic'].id}", same(200)),
    ("board.post", "GET"): Case(lambda o: f"/p/{o['post'].id}", same("redirect")),
    ("board.new_topic", "GET"): Case(lambda o: f"/boards/{o['board'].slug}/new", signed_in(200)),
    ("board.new_topic", "POST"): Case(
        lambda o: f"/boards/{o['board'].slug}/new", signed_in("redirect"),
        data=lambda o: {"board": str(o["board"].id), "title": "A new topic", "body": "Hello there"}),
    ("board.reply", "GET"): Case(lambda o: f"/t/{o['topic'].id}/reply?to={o['post'].id}", signed_in(200)),
    ("board.reply", "POST"): Case(lambda o: f"/t/{o['topic'].id}/reply", signed_in("redirect"),
                                  data=lambda o: {"body": "A reply", "reply_to_id": str(o["post"].id)}),
    ("board.edit_post", "GET"): Case(lambda o: f"/p/{o['post'].id}/edit", AUTHOR_OR_MOD),
    ("board.edit_post", "POST"): Case(lambda o: f"/p/{o['post'].id}/edit", AUTHOR_OR_MOD_WRITE,
                                      data=lambda o: {"body": "Edited text", "title": "A topic, renamed"}),
    ("board.delete_post", "POST"): Case(lambda o: f"/p/{o['post'].id}/delete", AUTHOR_OR_MOD_WRITE),
    ("board.history", "GET"): Case(lambda o: f"/p/{o['post'].id}/history", AUTHOR_OR_MOD),
    ("board.mark_answered", "POST"): Case(
        lambda o: f"/p/{o['board_question'].id}/answer",
        same(403, visitor="login", member="redirect", owner="redirect"),
        data=lambda o: {"answer_id": str(o["board_answer"].id)}),
    ("board.pin", "POST"): Case(lambda o: f"/t/{o['topic'].id}/pin", same(403, visitor="login", admin="redirect"),
                                data=lambda o: {"pinned": "1"}),
    ("board.lock", "POST"): Case(lambda o: f"/t/{o['topic'].id}/lock",
                                 same(403, visitor="login", moderator="redirect", admin="redirect"),
                                 data=lambda o: {"locked": "1"}),
    ("board.preview", "POST"): Case(lambda o: "/preview", signed_in(200), data=lambda o: {"body": "**Bold**"}),
    ("board.manage", "GET"): Case(lambda o: "/boards/manage", ADMIN_ONLY),
    ("board.manage", "POST"): Case(lambda o: "/boards/manage", same(403, visitor="login", admin="redirect"),
                                   data=lambda o: {"name": "Brand new board", "slug": "", "description": "",
                                                   "position": "3"}),
    ("board.edit_board", "GET"): Case(lambda o: f"/boards/manage/{o['board'].id}", ADMIN_ONLY),
    ("board.edit_board", "POST"): Case(lambda o: f"/boards/manage/{o['board'].id}",
                                       same(403, visitor="login", admin="redirect"),
                                       data=lambda o: {"name": "Renamed board", "slug": "renamed-board",
                                                       "description": "", "position": "2"}),
}
