"""The API's errors speak the caller's language as pages do (Accept-Language, or the language cookie
and Settings of a browser session): `error` and `message` are words for people. What a program reads
stays as it is: the status code, the `error`/`message` field names, the Retry-After header."""
from __future__ import annotations

import pytest

from forum.errors import DomainError
from forum.extensions import db, limiter
from forum.services.demand.segments import BelowFloor
from tests.api.test_api import bearer, token_for, world  # noqa: F401 - the fixture
from tests.api.test_research_api import world as research_world  # noqa: F401 - the fixture
from tests.conftest import login, make_org, make_user

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _error(response, status: int) -> dict[str, str]:
    assert response.status_code == status and response.is_json, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error", "message"}  # the published shape
    return body


def test_every_error_of_the_api_is_in_chinese_for_a_chinese_caller(client, world):  # noqa: F811
    slug = world["concept"].slug
    other = token_for(make_org(make_user("otto"), name="Other Works"))
    cases = [
        (client.get("/api/v1/concepts/no-such-concept", headers=ZH), 404, "未找到"),
        (client.get(f"/api/v1/concepts/{slug}/summary", headers=ZH), 401, "需要身份验证"),
        (client.get(f"/api/v1/concepts/{slug}/summary", headers={**ZH, "Authorization": "Basic abc"}), 401, None),
        (client.get(f"/api/v1/concepts/{slug}/summary", headers={**ZH, **bearer("sb_nope")}), 401, None),
        (client.get(f"/api/v1/concepts/{slug}/export/prices.csv", headers={**ZH, **bearer(other)}), 403, "不允许"),
        (client.get("/api/v1/no-such-route", headers=ZH), 404, "未找到"),
        (client.post("/api/v1/concepts", headers=ZH), 405, "不允许的请求方式"),
    ]
    for response, status, title in cases:
        body = _error(response, status)
        assert title is None or body["error"] == title, body
        assert _chinese(body["error"]) and _chinese(body["message"]), body
        assert response.headers["Content-Language"] == "zh-Hans"


def test_a_domain_errors_title_is_translated_too(client, research_world):  # noqa: F811
    question, (_daily, weekly, _rarely) = research_world["question"], research_world["choices"]
    url = f"/api/v1/concepts/{research_world['concept'].slug}/summary"
    small = _error(client.get(f"{url}?segment={question.id}:{weekly.id}",
                              headers={**ZH, **research_world["auth"]}), 422)
    assert small["error"] == "细分群体太小" and "5" in small["message"] and _chinese(small["error"])
    english = _error(client.get(f"{url}?segment={question.id}:{weekly.id}", headers=research_world["auth"]), 422)
    assert english["error"] == "Segment too small"
    bad = _error(client.get(f"{url}?segment=nonsense", headers={**ZH, **research_world["auth"]}), 400)
    assert bad["error"] == "请检查你的输入" and "nonsense" in bad["message"]


def test_a_signed_in_callers_chosen_language_applies_as_on_pages(client, world):  # noqa: F811
    world["consumer"].locale = "zh_Hans"  # chosen in Settings
    db.session.commit()
    login(client, world["consumer"])
    body = _error(client.get(f"/api/v1/concepts/{world['concept'].slug}/export/prices.csv",
                             headers={"Accept-Language": "en"}), 403)
    assert body["error"] == "不允许" and _chinese(body["message"])


def test_the_rate_limit_says_when_in_the_callers_language(app, client, world):  # noqa: F811
    raw = token_for(world["org"])
    app.config["RATELIMIT_API"] = "1 per minute"
    limiter.enabled = True
    try:
        client.get("/api/v1/concepts", headers=bearer(raw))
        limited = client.get("/api/v1/concepts", headers={**ZH, **bearer(raw)})
        english = client.get("/api/v1/concepts", headers=bearer(raw))
    finally:
        limiter.enabled = False
    body = _error(limited, 429)
    assert body["error"] == "请放慢速度" and _chinese(body["message"]) and "秒" in body["message"]
    assert limited.headers["Retry-After"].isdigit()
    assert "seconds" in _error(english, 429)["message"]


@pytest.mark.parametrize("error", sorted({*DomainError.__subclasses__(), BelowFloor, DomainError},
                                         key=lambda e: e.__name__), ids=lambda e: e.__name__)
def test_every_domain_errors_title_has_a_chinese_translation(app, error):
    """The titles are English codes in a module without Flask; the web layer and the API translate
    them where they answer, so each must be in the catalog."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("zh_Hans"):
        assert _chinese(gettext(error.title)), error.title
