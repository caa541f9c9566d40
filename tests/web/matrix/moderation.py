"""Role matrix: the moderators' panel (/moderation), the admins' site settings, the public
moderation log, and the pages of flagging, warnings and appeals.

build() makes its own board post by the consumer (objects["mod_post"]), an open queue item with one
flag on it by the member, a blocked word, and a warning and a flag that belong to nobody in the
matrix (so others get 404).
"""
from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.models import BlockedTerm, Board, Flag, ModeratorWarning, Post, ReviewItem, Topic, User
from tests.web.matrix import Case, same, signed_in

STAFF = same(403, visitor="login", moderator=200, admin=200)
STAFF_WRITE = same(403, visitor="login", moderator="redirect", admin="redirect")
ADMIN_ONLY = same(403, visitor="login", admin=200)
ADMIN_WRITE = same(403, visitor="login", admin="redirect")


def build(objects: dict[str, Any]) -> dict[str, Any]:
    consumer, member = objects["consumer"], objects["member"]
    board = Board(slug="moderation-matrix", name="Moderation matrix", position=9)
    db.session.add(board)
    db.session.flush()
    topic = Topic(board_id=board.id, title="Moderation matrix topic", author_id=consumer.id, post_count=1)
    db.session.add(topic)
    db.session.flush()
    post = Post(topic_id=topic.id, author_id=consumer.id, body_source="Flag me", body_html="<p>Flag me</p>",
                excerpt="Flag me")
    db.session.add(post)
    db.session.flush()
    item = ReviewItem(kind="post", post_id=post.id, reason="flags", weight=1.0, open_key=f"post:{post.id}")
    db.session.add(item)
    db.session.flush()
    db.session.add(Flag(post_id=post.id, reporter_id=member.id, reason="spam", weight=1.0, review_item_id=item.id))
    stranger = User(username="stranger", username_key="stranger", email="stranger@example.test",
                    password_hash="x", trust_level=1)
    db.session.add(stranger)
    db.session.flush()
    warning = ModeratorWarning(user_id=stranger.id, message="Be kind.")
    other_flag = Flag(post_id=post.id, reporter_id=stranger.id, reason="spam", weight=1.0)
    term = BlockedTerm(kind="word", value="matrixspam")
    db.session.add_all([warning, other_flag, term])
    db.session.commit()
    return {"mod_post": post, "mod_item": item, "stranger_warning": warning, "stranger_flag": other_flag,
            "blocked_term": term, "stranger": stranger}


REASON = {"reason": "Checked by the role matrix"}

CASES = {
    # The panel: moderators and admins only.
    ("moderation.index", "GET"): Case(lambda o: "/moderation/", STAFF),
    ("moderation.item", "GET"): Case(lambda o: f"/moderation/items/{o['mod_item'].id}", STAFF),
    ("moderation.act", "POST"): Case(lambda o: f"/moderation/items/{o['mod_item'].id}/act", STAFF_WRITE,
                                     data=lambda o: {"action": "dismiss", **REASON}),
    ("moderation.post", "GET"): Case(lambda o: f"/moderation/posts/{o['mod_post'].id}", STAFF),
    ("moderation.act_on_post", "POST"): Case(lambda o: f"/moderation/posts/{o['mod_post'].id}/act", STAFF_WRITE,
                                             data=lambda o: {"action": "hide", **REASON}),
    ("moderation.people", "GET"): Case(lambda o: "/moderation/people", STAFF),
    ("moderation.person", "GET"): Case(lambda o: f"/moderation/people/{o['stranger'].username}", STAFF),
    ("moderation.act_on_person", "POST"): Case(lambda o: f"/moderation/people/{o['stranger'].username}/act",
                                               STAFF_WRITE, data=lambda o: {"action": "warn", **REASON}),
    ("moderation.audit", "GET"): Case(lambda o: "/moderation/audit", STAFF),
    ("moderation.blocked", "GET"): Case(lambda o: "/moderation/blocked", STAFF),
    # Admins edit the blocked words and domains.
    ("moderation.add_blocked", "POST"): Case(lambda o: "/moderation/blocked", ADMIN_WRITE,
                                             data=lambda o: {"kind": "domain", "value": "spam.example"}),
    ("moderation.remove_blocked", "POST"): Case(lambda o: f"/moderation/blocked/{o['blocked_term'].id}/delete",
                                                ADMIN_WRITE),
    # The public log: everyone.
    ("moderation.public_log", "GET"): Case(lambda o: "/moderation/log", same(200)),
    # Site settings: admins.
    ("admin.settings", "GET"): Case(lambda o: "/admin/settings", ADMIN_ONLY),
    ("admin.update_settings", "POST"): Case(lambda o: "/admin/settings", ADMIN_WRITE,
                                            data=lambda o: {"flag_threshold": "7"}),
    # A person's own side of moderation.
    ("conduct.flag", "POST"): Case(
        lambda o: "/flag", signed_in("redirect"),
        data=lambda o: {"kind": "post", "target_id": o["mod_post"].id, "reason": "spam"},
        note="the author is told they cannot flag their own post (a redirect with a message)"),
    ("conduct.my_flags", "GET"): Case(lambda o: "/flags", signed_in(200)),
    ("conduct.withdraw_flag", "POST"): Case(lambda o: f"/flags/{o['stranger_flag'].id}/withdraw", signed_in(404)),
    ("conduct.warnings", "GET"): Case(lambda o: "/warnings", signed_in(200)),
    ("conduct.acknowledge", "POST"): Case(lambda o: f"/warnings/{o['stranger_warning'].id}/acknowledge",
                                          signed_in(404)),
    ("conduct.appeal", "GET"): Case(lambda o: "/appeal", signed_in(403), note="only a suspended person appeals"),
    ("conduct.appeal", "POST"): Case(lambda o: "/appeal", signed_in(403), data=lambda o: {"text": "Please"}),
}
