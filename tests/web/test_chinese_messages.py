"""Messages the first scanners missed (built in a helper and returned, appended to a list, glued with
`+`, a form's per-field errors, a JSON body's refusal), now marked: a Chinese reader gets them in
Chinese. tests/test_i18n.py's wider scanners find any new one."""
from __future__ import annotations

import pytest

from forum.services import feedback
from tests.conftest import PASSWORD, login, make_user
from tests.services.test_feedback import make_concept

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def concept(people):
    return make_concept(people["org"])


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_a_price_answer_is_checked_in_chinese(client, people, concept):
    login(client, people["consumer"])
    page = _page(client.post(f"/concepts/{concept.slug}/price", headers=ZH, data={
        "too_cheap": "", "cheap": "abc", "expensive": "30", "too_expensive": "20", "intent_cheap": "9"}))
    assert "请为“太便宜”填写一个价格。" in page
    assert "“划算”必须是一个数字，例如 25 或 24.99。" in page
    assert "“开始变贵”（€30）必须低于“太贵”（€20）。" in page
    assert "按你认为划算的价格购买的可能性" in page
    assert "must be" not in page and "Enter a price" not in page


def test_where_a_price_answer_sits_is_said_in_chinese(client, people, concept):
    for i, (tc, c, e, te) in enumerate([(5, 10, 20, 30), (8, 15, 25, 35), (10, 20, 30, 40), (12, 25, 35, 50)]):
        feedback.answer_price(make_user(f"p{i}"), concept, {"too_cheap": tc, "cheap": c, "expensive": e,
                                                            "too_expensive": te})
    login(client, people["consumer"])
    client.post(f"/concepts/{concept.slug}/price", data={
        "too_cheap": "9", "cheap": "22", "expensive": "26", "too_expensive": "45"})
    page = _page(client.get(f"/concepts/{concept.slug}/price", headers=ZH))
    assert "等到 30 人作答后" in page and "people have answered" not in page
    concept.organization.publish_price_summary = True
    from forum.extensions import db

    db.session.commit()
    page = _page(client.get(f"/concepts/{concept.slug}/price", headers=ZH))
    assert "你的“划算”价格（€22）高于或等于 80% 的回答。" in page and "higher than" not in page


def test_a_half_answered_kano_feature_is_explained_in_chinese(client, people, concept):
    keeps = concept.features[0]
    login(client, people["consumer"])
    page = _page(client.post(f"/concepts/{concept.slug}/kano", headers=ZH,
                             data={f"f{keeps.id}_functional": "like"}))
    assert f"请回答如果它没有“{keeps.title}”你会有什么感受" in page
    assert "Answer how you would feel" not in page


def test_following_and_a_json_refusal_speak_chinese(client, people, concept):
    login(client, people["consumer"])
    page = _page(client.post("/follow", headers=ZH, data={"concept_id": concept.id}, follow_redirects=True))
    assert f"你正在关注“{concept.title}”。有官方回复和阶段变化时，我们会通知你。" in page
    refused = client.post("/preview", json={"body": 5}, headers=ZH)
    assert refused.status_code == 400
    assert "是文本：请发送 JSON 字符串，而不是一个数字。" in refused.get_json()["message"]


def test_the_data_archive_and_the_sole_owners_refusal_speak_chinese(client, people):
    import io
    import zipfile

    from forum.services import organizations

    login(client, people["owner"])
    response = client.get("/account/export", headers=ZH)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        readme = archive.read("README.txt").decode()
    assert readme.startswith("你在 Sounding Board 上的数据，截至 ") and "profile.json: 你的账户" in readme
    assert "API 令牌只列出，不含其密钥。" in readme and "Other people" not in readme
    organizations.add_member(people["owner"], people["org"], make_user("wanda").username)
    refused = client.post("/account/delete", headers=ZH, data={"password": PASSWORD,
                                                              "feedback": "keep"})
    assert refused.status_code == 409
    assert f"你是 {people['org'].name} 唯一的所有者。" in _page(refused)


@pytest.mark.parametrize("role, word", [("owner", "所有者"), ("member", "成员")])
def test_an_invitation_names_the_role_in_chinese(client, people, role, word):
    invitee = make_user(f"invitee_{role}")
    login(client, people["owner"])
    page = _page(client.post(f"/orgs/{people['org'].slug}/members", headers=ZH, follow_redirects=True,
                             data={"username": invitee.username, "role": role}))
    assert invitee.username in page and word in page
    assert "an owner" not in page and "a member" not in page
