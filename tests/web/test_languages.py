"""Two languages: the page follows Accept-Language, the footer's chooser and the Settings; it says
which in <html lang>; dates and amounts are in its style; the page cache never mixes them; emails
and notifications go out in the language their reader chose."""
from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, OutboxMessage, Topic, User, utcnow
from forum.services import posting
from tests.conftest import login, make_user
from tests.web.test_concepts import make_concept

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}


def text(response) -> str:
    return response.get_data(as_text=True)


def words(html: str) -> str:
    """What a reader sees: the page without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<body", 1)[1]))


def test_the_front_page_follows_the_browsers_language(client):
    english = text(client.get("/"))
    chinese = text(client.get("/", headers=ZH))
    assert '<html lang="en">' in english and "Browse concepts" in english
    assert '<html lang="zh-Hans">' in chinese and "浏览概念" in chinese and "Browse concepts" not in chinese
    assert "在产品问世之前塑造它" in words(chinese)  # the heading, the lede, the footer: all of it


def test_an_unknown_language_falls_back_to_english(client):
    page = text(client.get("/", headers={"Accept-Language": "fr-FR,de;q=0.8"}))
    assert '<html lang="en">' in page and "Browse concepts" in page


def test_the_footer_chooser_remembers_the_language_and_goes_back(client):
    page = text(client.get("/concepts/"))
    assert 'href="/language?next=/concepts/' in page  # a visitor's page (cached, no token): a link
    chooser = client.get("/language?next=/concepts/")
    assert chooser.status_code == 200 and 'name="lang" value="zh_Hans"' in text(chooser)
    response = client.post("/language", data={"lang": "zh_Hans", "next": "/concepts/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/concepts/")
    assert "lang=zh_Hans" in response.headers["Set-Cookie"]
    after = text(client.get("/concepts/"))  # no Accept-Language: the cookie decides
    assert '<html lang="zh-Hans">' in after and "概念" in words(after)
    client.post("/language", data={"lang": "en", "next": "/"})
    assert '<html lang="en">' in text(client.get("/", headers=ZH))  # the choice beats the browser


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_the_chooser_only_goes_back_to_this_site(client, target):
    response = client.post("/language", data={"lang": "zh_Hans", "next": target})
    assert response.status_code == 302 and response.headers["Location"] in ("/", "http://localhost/")


def test_the_chooser_refuses_a_language_it_does_not_offer(client):
    response = client.post("/language", data={"lang": "klingon", "next": "/"})
    assert response.status_code == 400 and "Set-Cookie" not in response.headers


def test_the_chooser_needs_the_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/language", data={"lang": "zh_Hans", "next": "/"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400 and "lang=zh_Hans" not in response.headers.get("Set-Cookie", "")


def test_settings_store_the_language_on_the_person(app, people):
    carol = people["consumer"]
    client = app.test_client()
    login(client, carol)
    settings = text(client.get("/settings"))
    assert 'name="lang" value="zh_Hans"' in settings
    client.post("/language", data={"lang": "zh_Hans", "next": "/settings"})
    db.session.expire_all()
    assert db.session.get(User, carol.id).locale == "zh_Hans"
    # Another device, no cookie, an English browser: after signing in the forum speaks Chinese.
    other = app.test_client()
    login(other, carol)
    page = other.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="zh-Hans">' in text(page)
    assert other.get_cookie("lang").value == "zh_Hans"  # remembered on this device too, from signing in
    client.post("/language", data={"lang": "browser", "next": "/settings"})
    db.session.expire_all()
    assert db.session.get(User, carol.id).locale is None


def test_a_concept_page_in_chinese_with_dates_and_amounts_in_its_style(app, people):
    concept = make_concept(people, title="Pocket espresso maker", features=["Grinder"], price_question_enabled=True)
    client = app.test_client()
    english = text(client.get(f"/concepts/{concept.slug}"))
    chinese = text(client.get(f"/concepts/{concept.slug}", headers=ZH))
    today = utcnow()
    assert f'<time datetime="{today:%Y-%m-%d}' in chinese
    assert f"{today.year}年{today.month}月{today.day}日" in chinese
    assert f"{today:%b} {today.day}, {today.year}" in english
    assert "Pocket espresso maker" in chinese  # what people write stays as written
    assert "功能" in words(chinese) and "Features" not in words(chinese)


def test_the_page_cache_never_serves_one_language_to_the_other(app, people):
    """A visitor's topic and concept pages are cached (and served before Flask by the fast path):
    the Chinese reader gets the Chinese page, the English reader the English one, both from cache."""
    concept = make_concept(people, title="Cached kettle", features=["Timer"])
    topic = db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))
    for url in (f"/concepts/{concept.slug}", f"/t/{topic.id}"):
        client = app.test_client()
        client.get(url)
        english = client.get(url)
        assert english.headers["X-Page-Cache"] == "hit" and '<html lang="en">' in text(english)
        chinese = client.get(url, headers=ZH)
        assert '<html lang="zh-Hans">' in text(chinese)
        again = client.get(url, headers=ZH)
        assert again.headers["X-Page-Cache"] == "hit" and '<html lang="zh-Hans">' in text(again)
        assert '<html lang="en">' in text(client.get(url))


def test_a_signed_in_readers_cached_page_is_in_their_language(app, people):
    concept = make_concept(people, title="Cached toaster", features=["Crumb tray"])
    url = f"/concepts/{concept.slug}"
    english_reader, chinese_reader = make_user("en_reader"), make_user("zh_reader", locale="zh_Hans")
    first, second = app.test_client(), app.test_client()
    login(first, english_reader)
    login(second, chinese_reader)
    first.get(url)
    assert '<html lang="en">' in text(first.get(url))
    second.get(url)
    page = second.get(url)
    assert page.headers["X-Page-Cache"] == "hit" and '<html lang="zh-Hans">' in text(page)
    assert "退出登录" in text(page)  # the personal parts too (the header's menu)


def test_a_notification_and_its_email_are_in_the_readers_language(app, people):
    reader = make_user("zh_author", locale="zh_Hans", email_verified_at=utcnow())
    concept = make_concept(people, title="Quiet fan")
    topic = db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))
    question = posting.reply(reader, topic, "Is it quiet?")
    client = app.test_client()
    login(client, people["owner"])  # an English-speaking owner answers
    client.post(f"/t/{topic.id}/reply", data={"body": "Very quiet.", "reply_to_id": question.id})
    note = db.session.scalar(select(Notification).where(Notification.user_id == reader.id))
    assert note is not None and "回复了你的帖子" in note.message
    email = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == reader.id))
    assert email is not None and "你好" in email.body_text and "回复了你的帖子" in email.subject


def test_live_announcements_carry_the_pages_language(client):
    chinese = text(client.get("/", headers=ZH))
    carried = json.loads(html.unescape(re.search(r'<body data-i18n="([^"]*)"', chinese)[1]))
    assert carried["new_post_by"] == "%(name)s 发表了新帖子"
    assert carried["here_now"] == ["%(num)s 人在此", "%(num)s 人在此"]
    english = json.loads(html.unescape(re.search(r'<body data-i18n="([^"]*)"', text(client.get("/")))[1]))
    assert english["here_now"] == ["%(num)s here now", "%(num)s here now"] and english["stages"]["idea"] == "idea"
