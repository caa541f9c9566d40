"""What one person causes another to read (a moderator's decision, a flag's outcome, an owner's answer
to a suggestion, an email) is written in the READER's language: the one stored on their account in
Settings, else the site's default; never in the language of whoever caused it. What a person asks for
themselves (their confirmation link, their password reset) follows the browser they asked from."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, OutboxMessage, Post, ReviewItem, utcnow
from forum.services import moderation, posting, suggestions
from tests.conftest import login, make_user
from tests.services.test_feedback import make_concept

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
UNTIL = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")


def _told(user, kind: str | None = None) -> list[str]:
    query = select(Notification.message).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def _mail(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)
                                   .order_by(OutboxMessage.id)))


def _flagged_post(board, author, flagger) -> tuple[Post, ReviewItem]:
    topic = posting.create_topic(author, board, "Which kettle lasts?", "Mine rusted in a month.")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    moderation.flag(flagger, "post", post.id, "spam")
    return post, db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))


def test_a_moderator_browsing_in_english_tells_chinese_readers_in_chinese(app, people, board):
    author = make_user("zh_writer", locale="zh_Hans", email_verified_at=utcnow())
    flagger = make_user("zh_flagger", locale="zh_Hans")
    _post, item = _flagged_post(board, author, flagger)
    moderator = app.test_client()
    login(moderator, people["moderator"])
    done = moderator.post(f"/moderation/items/{item.id}/act", headers=EN, follow_redirects=True,
                          data={"action": "hide", "reason": "Advertising", "then": "suspend", "until": UNTIL})
    assert done.status_code == 200 and "has been told" in done.get_data(as_text=True)  # the moderator: English
    hidden, suspended = _told(author, "moderation")
    assert hidden == "版主隐藏了你在 “Which kettle lasts?” 中的帖子。原因：Advertising"  # the reason: as written
    assert suspended.startswith("版主已暂停你的账户，直到 ") and "年" in suspended and "Reason" not in suspended
    [outcome] = _told(flagger, "flag")
    assert outcome == "感谢你对所举报的该帖子的举报：版主隐藏了它。"
    emails = _mail(author)
    assert emails and all("版主" in m.subject and "你好" in m.body_text for m in emails)


def test_a_moderator_browsing_in_chinese_tells_a_reader_without_a_choice_in_the_sites_language(
        app, people, board):
    author = make_user("plain_writer", email_verified_at=utcnow())  # no language chosen in Settings
    _post, item = _flagged_post(board, author, people["member"])
    moderator = app.test_client()
    login(moderator, people["moderator"])
    done = moderator.post(f"/moderation/items/{item.id}/act", headers=ZH, follow_redirects=True,
                          data={"action": "hide", "reason": "Advertising", "then": "suspend", "until": UNTIL})
    assert done.status_code == 200 and "已通知当事人" in done.get_data(as_text=True)  # the moderator: Chinese
    hidden, suspended = _told(author, "moderation")
    assert hidden == "A moderator hid your post in “Which kettle lasts?”. Reason: Advertising"
    assert suspended.startswith("A moderator has suspended your account until ") and "年" not in suspended
    assert _told(people["member"], "flag") == ["Thank you for your flag on the post you reported: "
                                               "a moderator hid it."]
    assert all("Hello" in m.body_text and "你好" not in m.body_text for m in _mail(author))


def test_an_owner_answers_a_suggestion_in_the_supporters_language(app, people):
    concept = make_concept(people["org"])
    writer = make_user("zh_suggester", locale="zh_Hans")
    suggestion = suggestions.suggest(writer, concept, "Pause my subscription", "I travel in summer.")
    owner = app.test_client()
    login(owner, people["owner"])
    assert owner.post(f"/concepts/{concept.slug}/suggestions/{suggestion.id}/decline", headers=EN,
                      data={"reason": "Too costly for a bread box."}).status_code == 303
    assert _told(writer) == ["你支持的建议“Pause my subscription”被拒绝了：Too costly for a bread box."]


def test_what_people_ask_for_themselves_follows_the_browser_they_asked_from(app, client):
    assert client.post("/register", headers=ZH, data={"username": "newbie", "email": "newbie@example.com",
                                                      "password": "a long new passphrase"}).status_code == 302
    [confirm] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == "newbie@example.com"))
    assert confirm.subject == "确认你的邮箱地址"
    someone = make_user("settled", email="settled@example.com", email_verified_at=utcnow())
    client.post("/reset-password", headers=ZH, data={"email": "settled@example.com"}, follow_redirects=True)
    [reset] = _mail(someone)
    assert reset.subject == "重置你的 Sounding Board 密码"
    # Someone else using their address from a Chinese browser: the owner reads the site's language.
    client.post("/register", headers=ZH, data={"username": "intruder", "email": "settled@example.com",
                                               "password": "a long new passphrase"})
    assert _mail(someone)[-1].subject == "Someone tried to register with your address"
