"""The one table of moderation actions, walked through the queue and through a post's page: both offer
each action by the same words, and taking it tells the author and the moderator the same thing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, Post, ReviewItem, utcnow
from forum.services import moderation, posting
from tests.conftest import login, make_user

POST_ACTIONS = [action for action in moderation.TABLE if "post" in action.applies_to]
UNTIL = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")


def _post_by_a_new_author(board, name: str, *, flagged_by=None, hidden: bool = False) -> Post:
    """A post by its own author in its own topic (all such topics share a title, so the words match)."""
    author = make_user(name)
    topic = posting.create_topic(author, board, "Which kettle lasts?", f"Asking for {name}.")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    if flagged_by is not None:
        moderation.flag(flagged_by, "post", post.id, "spam")
    if hidden:  # hidden by a moderator earlier
        post.hidden_at, post.hidden_reason = utcnow(), "moderator"
        db.session.commit()
    return post


def _offered(page: str) -> dict[str, str]:
    """The actions a decision form offers: value -> the words beside it."""
    found = re.findall(r'name="(?:action|then)" value="([a-z_]+)"[^>]*>\s*([^<]+?)\s*</label>', page)
    return dict(found)


def _told(user_id: int) -> str:
    row = db.session.scalar(select(Notification).where(Notification.user_id == user_id,
                                                       Notification.kind == "moderation")
                            .order_by(Notification.id.desc()))
    return row.message if row is not None else ""


def _take(client, url: str, action: str) -> str:
    response = client.post(url, data={"action": action, "reason": "Seen by the table walk", "until": UNTIL,
                                      "body": "Corrected by the table walk"}, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    flashes = re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', response.get_data(as_text=True), re.S)
    return " ".join(" ".join(f.split()) for f in flashes)


@pytest.mark.parametrize("action", POST_ACTIONS, ids=lambda a: a.name)
def test_the_queue_and_the_post_page_take_each_action_with_the_same_words(client, people, board, action):
    admin, flagger = people["admin"], people["member"]
    hidden = action.name == "restore"
    queued = _post_by_a_new_author(board, "quinn", flagged_by=flagger, hidden=hidden)
    direct = _post_by_a_new_author(board, "paula", flagged_by=None, hidden=hidden)
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == queued.id))
    login(client, admin)

    on_queue = _offered(client.get(f"/moderation/items/{item.id}").get_data(as_text=True))
    on_page = _offered(client.get(f"/moderation/posts/{direct.id}").get_data(as_text=True))
    assert on_queue[action.name] == str(action.label)
    if action.needs_item:  # dismissing flags needs flags: a post page offers it only with an open item
        assert action.name not in on_page
        return
    assert on_page[action.name] == on_queue[action.name]

    flash_queue = _take(client, f"/moderation/items/{item.id}/act", action.name)
    flash_page = _take(client, f"/moderation/posts/{direct.id}/act", action.name)
    assert flash_queue == flash_page and "has been told" in flash_queue
    told_queue, told_page = _told(queued.author_id), _told(direct.author_id)
    assert told_queue == told_page and "Seen by the table walk" in told_queue
    db.session.expire_all()
    assert db.session.get(ReviewItem, item.id).resolution == action.name


def test_a_post_page_with_an_open_item_offers_everything_the_queue_does(client, people, board):
    post = _post_by_a_new_author(board, "rhea", flagged_by=people["member"])
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    login(client, people["moderator"])
    on_queue = _offered(client.get(f"/moderation/items/{item.id}").get_data(as_text=True))
    on_page = _offered(client.get(f"/moderation/posts/{post.id}").get_data(as_text=True))
    assert on_queue == on_page and "dismiss" in on_page
    assert "ban" not in on_page  # a moderator is offered only what the policy lets them take
