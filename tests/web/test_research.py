"""The research questions as people use them, without JavaScript: plain forms, one step at a time."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import GaborGrangerAnswer, GaborGrangerResponse, MaxDiffAnswer, SegmentAnswer
from forum.services import research_setup
from tests.conftest import login, make_user
from tests.services.test_feedback import make_concept

FEATURES = ("Keeps bread fresh", "App alerts", "Crumb tray", "Bamboo lid", "Two loaves", "Humidity dial",
            "Slicing guide", "Quiet hinge")


@pytest.fixture
def concept(people):
    concept = make_concept(people["org"], features=FEATURES)
    research_setup.set_ladder(people["owner"], concept, "10, 15, 20, 25, 30")
    research_setup.set_maxdiff(people["owner"], concept, True)
    research_setup.add_question(people["owner"], concept, "How often do you buy bread?", "Daily\nWeekly\nRarely")
    return concept


def asked_price(html: str) -> str:
    return re.search(r'name="price" type="hidden" value="([^"]+)"', html).group(1)


def test_members_set_up_the_questions_on_the_settings_page(client, people):
    concept = make_concept(people["org"], slug="plain", features=FEATURES[:5])
    login(client, people["member"])
    page = client.get(f"/concepts/{concept.slug}/research").get_data(as_text=True)
    assert "Would you buy it at this price?" in page and "Profile questions" in page
    bad = client.post(f"/concepts/{concept.slug}/research/ladder", data={"ladder": "10, ten, 30"})
    assert bad.status_code == 400 and "“ten” is not a price" in bad.get_data(as_text=True)
    assert client.post(f"/concepts/{concept.slug}/research/ladder", data={"ladder": "30, 10 20"}).status_code == 303
    assert client.post(f"/concepts/{concept.slug}/research/maxdiff", data={"enabled": "y"}).status_code == 303
    page = client.get(f"/concepts/{concept.slug}/research").get_data(as_text=True)
    assert 'value="10, 20, 30"' in page and '<input checked id="enabled"' in page


@pytest.mark.parametrize("limit", [Decimal(0), Decimal(10), Decimal(20), Decimal(30)])
def test_a_walk_up_and_down_the_ladder_finds_the_highest_price(client, people, concept, limit):
    """Whatever rung the walk starts at, a person who buys up to `limit` ends with `limit`."""
    login(client, people["consumer"])
    asked = []
    response = client.get(f"/concepts/{concept.slug}/would-you-buy")
    while response.status_code == 200:
        price = asked_price(response.get_data(as_text=True))
        asked.append(price)
        response = client.post(f"/concepts/{concept.slug}/would-you-buy",
                               data={"price": price, "answer": "yes" if Decimal(price) <= limit else "no"})
        assert response.status_code == 303
        if "would-you-buy" in response.headers["Location"]:
            response = client.get(response.headers["Location"])
    assert response.headers["Location"].endswith(f"/concepts/{concept.slug}#research")
    stored = db.session.scalar(select(GaborGrangerResponse))
    assert stored.highest_price == (limit or None)
    assert db.session.scalar(select(func.count(GaborGrangerAnswer.id))) == len(asked) <= 5
    page = client.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    assert ("You said you would buy it at up to €" + str(int(limit))) in page if limit \
        else "You said you would not buy it at these prices." in page


def test_a_stale_answer_goes_back_to_the_question_asked(client, people, concept):
    login(client, people["consumer"])
    price = asked_price(client.get(f"/concepts/{concept.slug}/would-you-buy").get_data(as_text=True))
    other = "10" if price != "10" else "30"
    response = client.post(f"/concepts/{concept.slug}/would-you-buy", data={"price": other, "answer": "yes"},
                           follow_redirects=True)
    assert "already answered" in response.get_data(as_text=True)
    assert asked_price(response.get_data(as_text=True)) == price  # the same question again
    missing = client.post(f"/concepts/{concept.slug}/would-you-buy", data={"price": price})
    assert missing.status_code == 400 and "Answer yes or no." in missing.get_data(as_text=True)
    assert db.session.scalar(select(func.count(GaborGrangerResponse.id))) == 0


def test_best_worst_sets_one_after_another(client, people, concept):
    login(client, people["consumer"])
    answered = 0
    while True:
        html = client.get(f"/concepts/{concept.slug}/best-worst").get_data(as_text=True)
        if "You have answered all" in html:
            break
        number = re.search(r'name="number" value="(\d+)"', html).group(1)
        shown = re.search(r'name="shown" value="([\d,]+)"', html).group(1)
        ids = shown.split(",")
        assert len(ids) == 4  # eight features: sets of four
        response = client.post(f"/concepts/{concept.slug}/best-worst",
                               data={"number": number, "shown": shown, "best": ids[0], "worst": ids[1]})
        assert response.status_code == 303
        answered += 1
    assert answered == 4 == db.session.scalar(select(func.count(MaxDiffAnswer.id)))
    page = client.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    assert "You have answered 4 of 4 sets." in page
    client.post(f"/concepts/{concept.slug}/best-worst/restart")
    assert db.session.scalar(select(func.count(MaxDiffAnswer.id))) == 0


def test_the_same_feature_cannot_be_best_and_worst(client, people, concept):
    login(client, people["consumer"])
    html = client.get(f"/concepts/{concept.slug}/best-worst").get_data(as_text=True)
    shown = re.search(r'name="shown" value="([\d,]+)"', html).group(1)
    first = shown.split(",")[0]
    response = client.post(f"/concepts/{concept.slug}/best-worst",
                           data={"number": "1", "shown": shown, "best": first, "worst": first})
    assert response.status_code == 400
    assert "Pick a different feature as the least important." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(MaxDiffAnswer.id))) == 0


def test_profile_answers_from_the_page(client, people, concept):
    login(client, people["consumer"])
    question = concept.segment_questions[0]
    html = client.get(f"/concepts/{concept.slug}/about-you").get_data(as_text=True)
    assert "How often do you buy bread?" in html and "Rather not say" in html
    weekly = question.choices[1].id
    assert client.post(f"/concepts/{concept.slug}/about-you",
                       data={f"q{question.id}": str(weekly)}).status_code == 303
    assert db.session.scalar(select(SegmentAnswer.choice_id)) == weekly
    bad = client.post(f"/concepts/{concept.slug}/about-you", data={f"q{question.id}": "999999"})
    assert bad.status_code == 400


def test_members_are_not_asked_and_visitors_see_the_questions_listed(client, people, concept):
    page = client.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    assert "Would you buy it?" in page and "What matters most?" in page
    # a visitor is offered to log in to answer (as for the Kano and price questions), not the form itself
    assert f'href="/concepts/{concept.slug}/would-you-buy"' not in page
    assert f'href="/login?next=/concepts/{concept.slug}/would-you-buy"' in page
    login(client, people["member"])
    assert client.get(f"/concepts/{concept.slug}/would-you-buy").status_code == 403
    assert client.get(f"/concepts/{concept.slug}/best-worst").status_code == 403
    page = client.get(f"/concepts/{concept.slug}").get_data(as_text=True)
    assert f"/concepts/{concept.slug}/research" in page  # the set-up link for members


def test_research_answers_are_in_the_archive_and_leave_with_withdrawn_feedback(client, people, concept):
    import io
    import json
    import zipfile

    from forum.services import research
    from tests.services.test_research import walk

    consumer = people["consumer"]
    research.answer_gabor_granger(consumer, concept, walk(("20", True), ("25", False)))
    current = research.next_set(consumer, concept)
    ids = [f.id for f in current.features]
    research.answer_maxdiff(consumer, concept, current.number, current.shown, ids[0], ids[1])
    question = concept.segment_questions[0]
    research.answer_segments(consumer, concept, {question.id: question.choices[0].id})
    login(client, consumer)
    with zipfile.ZipFile(io.BytesIO(client.get("/account/export").data)) as zf:
        walks = json.loads(zf.read("research_would_you_buy.json"))
        sets = json.loads(zf.read("research_best_worst.json"))
        profile = json.loads(zf.read("research_profile.json"))
    assert [(w["price"], w["answer"]) for w in walks] == [("20.00", "yes"), ("25.00", "no")]
    assert sets[0]["best"] == current.features[0].title and len(sets[0]["shown"]) == 4
    assert profile == [{"concept": concept.slug, "question": "How often do you buy bread?", "answer": "Daily"}]
    from tests.conftest import PASSWORD

    assert client.post("/account/delete", data={"password": PASSWORD, "feedback": "withdraw"}).status_code == 302
    for model in (GaborGrangerResponse, MaxDiffAnswer, SegmentAnswer):
        assert db.session.scalar(select(func.count(model.id))) == 0


def test_the_demand_chart_marks_the_revenue_optimum_and_the_bars_follow_the_shares():
    from forum.web import research_charts

    ladder = [{"price": p, "n": 10, "buyers": b, "share": b / 10, "share_low": max(0, b / 10 - 0.2),
               "share_high": min(1, b / 10 + 0.2), "revenue_index": p * b / 10}
              for p, b in ((5, 9), (10, 8), (15, 7), (20, 2))]
    chart = research_charts.demand_chart({"ladder": ladder, "revenue_optimal_price": 15}, lambda v: f"€{v:g}", 720)
    texts = [s["text"] for s in chart["shapes"] if s["kind"] == "text"]
    assert "Optimum €15" in texts and {"€5", "€10", "€15", "€20"} <= set(texts)
    [marker] = [s for s in chart["shapes"] if "point-optimum" in s["attrs"].get("class", "") and s["kind"] == "line"]
    dots = [s["attrs"]["cx"] for s in chart["shapes"] if s["kind"] == "circle"]
    assert marker["attrs"]["x1"] == sorted(set(dots))[2]  # at the third price, 15
    bars = research_charts.maxdiff_bars([{"title": "A", "share": 60.0}, {"title": "B", "share": 30.0},
                                         {"title": "C", "share": None}], 360)
    widths = [s["attrs"]["width"] for s in bars["shapes"] if "bar-share" in s["attrs"].get("class", "")]
    assert len(widths) == 2 and widths[0] == pytest.approx(2 * widths[1])


def test_a_new_accounts_research_answers_say_when_they_count(client, people, concept):
    """Would-you-buy and best-worst answers wait like votes do, and say so at the end of each walk."""
    newbie = make_user("newbie", trust_level=0)
    login(client, newbie)
    counts_at = (newbie.created_at + timedelta(hours=1)).strftime("%H:%M")
    waiting = f"Your answers are saved and count from {counts_at} (new accounts wait an hour)."
    response = client.get(f"/concepts/{concept.slug}/would-you-buy")
    while response.status_code == 200:
        response = client.post(f"/concepts/{concept.slug}/would-you-buy",
                               data={"price": asked_price(response.get_data(as_text=True)), "answer": "no"},
                               follow_redirects=True)
        if "would-you-buy" not in response.request.path:
            break
    assert waiting in response.get_data(as_text=True)
    html = client.get(f"/concepts/{concept.slug}/best-worst").get_data(as_text=True)
    while "You have answered all" not in html:
        number = re.search(r'name="number" value="(\d+)"', html).group(1)
        shown = re.search(r'name="shown" value="([\d,]+)"', html).group(1)
        ids = shown.split(",")
        html = client.post(f"/concepts/{concept.slug}/best-worst", follow_redirects=True,
                           data={"number": number, "shown": shown, "best": ids[0], "worst": ids[1]}
                           ).get_data(as_text=True)
        assert (waiting in html) == ("You have answered all" in html)  # said once, after the last set
