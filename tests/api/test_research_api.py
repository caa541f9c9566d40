"""The research figures as the API gives them, recomputed from the exports; the segment floor on the
page, the API and the exports."""
from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import datetime
from decimal import Decimal

import pytest

from forum.analytics import gabor_granger, maxdiff
from forum.extensions import db
from forum.services import api_tokens, research, research_setup
from tests.conftest import login, make_user
from tests.services.test_feedback import make_concept

FEATURES = ("Keeps bread fresh", "App alerts", "Crumb tray", "Bamboo lid", "Two loaves", "Humidity dial",
            "Slicing guide", "Quiet hinge")
LIMITS = [None, 10, 15, 15, 20, 20, 20, 25, 30, 30, 15, 10]  # each respondent's highest "yes"


@pytest.fixture
def world(people):
    owner = people["owner"]
    concept = make_concept(people["org"], features=FEATURES)
    research_setup.set_ladder(owner, concept, "10, 15, 20, 25, 30")
    research_setup.set_maxdiff(owner, concept, True)
    question = research_setup.add_question(owner, concept, "How often do you buy bread?", "Daily\nWeekly\nRarely")
    daily, weekly, rarely = question.choices
    rng = random.Random(4)
    folks = []
    for index, limit in enumerate(LIMITS):
        person = make_user(f"resp{index}")
        folks.append(person)
        ladder = concept.ladder
        answers, price = [], rng.choice(ladder)
        while price is not None:
            answers.append((price, limit is not None and price <= limit))
            price = gabor_granger.next_price(ladder, answers)
        research.answer_gabor_granger(person, concept, [(p, yes, datetime(2026, 1, 1)) for p, yes in answers])
        for _ in range(2 + index % 3):  # some answer more sets than others
            current = research.next_set(person, concept)
            ids = [f.id for f in current.features]
            best, worst = rng.sample(ids, 2)
            research.answer_maxdiff(person, concept, current.number, current.shown, best, worst)
        choice = daily if index < 7 else weekly if index < 10 else rarely  # 7, 3, 2 people
        research.answer_segments(person, concept, {question.id: choice.id})
    _token, raw = api_tokens.create_for_cli(people["org"].slug, "tests")
    return {"concept": concept, "question": question, "choices": (daily, weekly, rarely), "people": folks,
            "auth": {"Authorization": f"Bearer {raw}"}}


def rows(client, world, table: str) -> list[dict[str, str]]:
    response = client.get(f"/api/v1/concepts/{world['concept'].slug}/export/{table}.csv", headers=world["auth"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def summary(client, world, segment: str | None = None):
    query = f"?segment={segment}" if segment else ""
    return client.get(f"/api/v1/concepts/{world['concept'].slug}/summary{query}", headers=world["auth"])


def test_gabor_granger_recomputed_from_the_export_equals_the_api(client, world):
    api = summary(client, world).get_json()["gabor_granger"]
    table = rows(client, world, "gabor_granger")
    assert list(table[0]) == ["respondent", "price", "answer", "answered_at", "segment:How often do you buy bread?"]
    highest: dict[str, Decimal | None] = {}
    for row in table:
        highest.setdefault(row["respondent"], None)
        if row["answer"] == "yes":
            price = Decimal(row["price"])
            highest[row["respondent"]] = max(price, highest[row["respondent"]] or price)
    again = gabor_granger.demand(world["concept"].ladder, Counter(highest.values()))
    assert [r["buyers"] for r in api["ladder"]] == [r.buyers for r in again.ladder]
    assert [r["share"] for r in api["ladder"]] == [r.share for r in again.ladder]
    assert [r["share_low"] for r in api["ladder"]] == [r.share_low for r in again.ladder]
    assert [r["revenue_index"] for r in api["ladder"]] == [r.revenue_index for r in again.ladder]
    assert api["revenue_optimal_price"] == again.revenue_optimal_price
    assert [e["elasticity"] for e in api["elasticities"]] == [e.elasticity for e in again.elasticities]
    # by hand: limits None,10,15,15,20,20,20,25,30,30,15,10 -> buyers at 10..30: 11, 9, 6, 3, 2 of 12
    assert [r["buyers"] for r in api["ladder"]] == [11, 9, 6, 3, 2] and api["ladder"][0]["n"] == 12
    assert api["currency"] == "EUR" and api["revenue_optimal_price"] == 15


def test_maxdiff_recomputed_from_the_export_equals_the_api(client, world):
    api = summary(client, world).get_json()["maxdiff"]
    table = rows(client, world, "maxdiff")
    assert list(table[0])[:6] == ["respondent", "set", "shown", "best", "worst", "answered_at"]
    index = {title: i for i, title in enumerate(FEATURES)}
    best, worst, sets = [0] * len(FEATURES), [0] * len(FEATURES), Counter()
    for row in table:
        members = tuple(sorted(index[t] for t in row["shown"].split(" | ")))
        sets[members] += 1
        best[index[row["best"]]] += 1
        worst[index[row["worst"]]] += 1
    again = {FEATURES[i]: s for i, s in enumerate(maxdiff.scores(len(FEATURES), best, worst, sets))}
    assert api["respondents"] == len({row["respondent"] for row in table}) == 12
    for item in api["items"]:
        mine = again[item["title"]]
        assert (item["shown"], item["best"], item["worst"]) == (mine.shown, mine.best, mine.worst)
        assert item["count_score"] == pytest.approx(mine.count_score)
        assert item["share"] == pytest.approx(mine.share, abs=1e-6)
    assert sum(item["share"] for item in api["items"]) == pytest.approx(100.0)


def test_segments_and_their_floor_in_the_api(client, world):
    question, (daily, weekly, rarely) = world["question"], world["choices"]
    body = summary(client, world).get_json()
    assert body["segments"] == [{"id": question.id, "question": "How often do you buy bread?", "choices": [
        {"id": daily.id, "label": "Daily", "n": 7}, {"id": weekly.id, "label": "Weekly", "n": 3},
        {"id": rarely.id, "label": "Rarely", "n": 2}]}]
    small = summary(client, world, f"{question.id}:{weekly.id}")
    assert small.status_code == 422 and "5" in small.get_json()["message"]
    assert "gabor_granger" not in small.get_json()
    bad = summary(client, world, "nonsense")
    assert bad.status_code == 400
    big = summary(client, world, f"{question.id}:{daily.id}").get_json()
    # the first seven respondents: limits None,10,15,15,20,20,20 -> buyers 6, 5, 3, 0, 0 of 7
    assert [r["buyers"] for r in big["gabor_granger"]["ladder"]] == [6, 5, 3, 0, 0]
    assert big["maxdiff"]["respondents"] == 7


def test_segment_cells_are_empty_under_the_floor_in_every_export(client, world):
    column = "segment:How often do you buy bread?"
    for table in ("gabor_granger", "maxdiff", "votes", "prices"):
        for row in rows(client, world, table):
            assert row[column] in ("Daily", ""), (table, row[column])
    labels = Counter(row[column] for row in rows(client, world, "gabor_granger"))
    assert labels["Daily"] > 0 and set(labels) == {"Daily", ""}


def test_the_rule_of_who_counts_holds_for_the_research_figures(client, world):
    suspended = world["people"][1]  # limit 10
    suspended.suspended_until = datetime(2099, 1, 1)
    db.session.commit()
    api = summary(client, world).get_json()
    assert api["gabor_granger"]["ladder"][0]["n"] == 11
    assert api["maxdiff"]["respondents"] == 11
    respondents = {row["respondent"] for row in rows(client, world, "gabor_granger")}
    assert len(respondents) == 11


def test_the_summary_page_reads_one_segment_and_explains_the_floor(client, people, world):
    question, (daily, weekly, _rarely) = world["question"], world["choices"]
    login(client, people["owner"])
    slug = world["concept"].slug
    page = client.get(f"/concepts/{slug}/results").get_data(as_text=True)
    assert "Would they buy it?" in page and "What matters most" in page
    assert f"segment={question.id}:{daily.id}" in page or f"segment={question.id}%3A{daily.id}" in page
    assert f"segment={question.id}:{weekly.id}" not in page and f"segment={question.id}%3A{weekly.id}" not in page
    one = client.get(f"/concepts/{slug}/results?segment={question.id}:{daily.id}")
    assert one.status_code == 200
    assert "Showing only the 7 counted people" in one.get_data(as_text=True)
    refused = client.get(f"/concepts/{slug}/results?segment={question.id}:{weekly.id}")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "fewer than 5 counted people" in text and "Showing only" not in text
