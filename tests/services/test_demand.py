"""Demand numbers a product team can trust: the page, the API, summary.json and the exports agree
figure by figure under one rule of whose answer counts; raw answers are never public; a waiting vote
says when it counts; the stored summary is JSON; a GET writes nothing."""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import flask
import pytest
from flask import g
from sqlalchemy import create_engine, func, select, update

from forum.analytics import pricing
from forum.extensions import db
from forum.models import Concept, ConceptSummary, Feature, Membership, PriceResponse, SummaryVisit, utcnow
from forum.services import api_tokens, demand, feedback, posting, privacy
from tests.conftest import PASSWORD, login, make_org, make_user

ANSWERS = [("10", "20", "30", "40"), ("12", "22", "35", "45"), ("8", "18", "28", "50"), ("11", "21", "33", "44"),
           ("9", "25", "31", "48")]
EXPORTS = ["export/prices.csv", "export/votes.csv", "export/kano.csv", "export/posts.csv", "export.xlsx",
           "export/summary.json"]


def _concept(org, slug="steady-mug") -> Concept:
    concept = Concept(organization_id=org.id, slug=slug, title=slug.replace("-", " ").title(), currency="EUR",
                      feedback_open=True, price_question_enabled=True, kano_enabled=True)
    db.session.add(concept)
    db.session.add_all([Feature(concept=concept, title="Keeps warm", position=0),
                        Feature(concept=concept, title="Spill lid", position=1)])
    db.session.commit()
    return concept


def _answer(person, concept, prices, votes) -> None:
    tc, c, e, te = prices
    feedback.answer_price(person, concept, {"too_cheap": tc, "cheap": c, "expensive": e, "too_expensive": te})
    for feature, value in zip(concept.features, votes, strict=True):
        feedback.cast_vote(person, feature, value)


@pytest.fixture
def mixed(people):
    """Six counted people, plus one of each kind the rule leaves out: a brand-new account inside its
    wait, a suspended person, a member of the organization (who answered before joining), and an
    account deleted with its answers withdrawn."""
    concept = _concept(people["org"])
    for i, prices in enumerate(ANSWERS):
        _answer(make_user(f"fan{i}"), concept, prices, ("up", "down" if i % 3 else "up"))
    odd = make_user("odd")  # an answer out of order (kept, invalid), as older versions could store
    db.session.add(PriceResponse(concept_id=concept.id, user_id=odd.id, too_cheap=Decimal(14), cheap=Decimal(13),
                                 expensive=Decimal(30), too_expensive=Decimal(40)))
    db.session.commit()
    feedback.cast_vote(odd, concept.features[0], "up")
    feedback.cast_vote(odd, concept.features[1], "down")
    newbie = make_user("newbie", trust_level=0)
    _answer(newbie, concept, ("5", "6", "7", "8"), ("down", "down"))
    suspended = make_user("sus")
    _answer(suspended, concept, ("5", "6", "7", "8"), ("down", "down"))
    suspended.suspended_until = utcnow() + timedelta(days=3)
    demand.invalidate_for_user(suspended.id)
    joiner = make_user("joiner")
    _answer(joiner, concept, ("5", "6", "7", "8"), ("down", "down"))
    db.session.add(Membership(organization_id=people["org"].id, user_id=joiner.id, role="member"))
    demand.invalidate_for_user(joiner.id)
    db.session.commit()
    leaver = make_user("leaver")
    _answer(leaver, concept, ("5", "6", "7", "8"), ("down", "down"))
    privacy.delete_account(leaver, PASSWORD, "withdraw")
    g.pop("_sb_seqs", None)
    return {**people, "concept": concept, "newbie": newbie}


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _page_tallies(html: str, concept) -> dict[str, tuple[int, int]]:
    out = {}
    for feature in concept.features:
        row = html.split(f'id="fb-feature-{feature.id}"')[1].split("</li>")[0]
        up = int(re.search(r'data-count="up">(\d+)', row).group(1))
        down = int(re.search(r'data-count="down">(\d+)', row).group(1))
        out[feature.title] = (up, down)
    return out


def test_page_api_summary_json_and_the_exports_agree_figure_by_figure(client, mixed):
    concept = mixed["concept"]
    login(client, mixed["member"])
    page = _page_tallies(client.get(f"/concepts/{concept.slug}").get_data(as_text=True), concept)
    api = client.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()
    exported = json.loads(client.get(f"/api/v1/concepts/{concept.slug}/export/summary.json").get_data())
    prices = _csv(client.get(f"/api/v1/concepts/{concept.slug}/export/prices.csv"))
    votes = _csv(client.get(f"/api/v1/concepts/{concept.slug}/export/votes.csv"))

    # Recomputed from the files alone.
    counted = Counter((row["feature"], row["vote"]) for row in votes)
    from_files = {f.title: (counted[f.title, "for"], counted[f.title, "against"]) for f in concept.features}
    recomputed = pricing.van_westendorp(*([Decimal(row[name]) for row in prices] for name in
                                          ("too_cheap", "cheap", "expensive", "too_expensive")))
    assert from_files == {"Keeps warm": (6, 0), "Spill lid": (2, 4)}  # nobody the rule leaves out
    for summary in (api, exported):
        assert {f["title"]: (f["votes_for"], f["votes_against"]) for f in summary["features"]} == from_files
        price = summary["price"]
        assert (price["n"], price["invalid"]) == (recomputed.n, recomputed.invalid) == (5, 1)
        assert [price[k] for k in ("pmc", "pme", "ipp", "opp")] == [
            recomputed.pmc, recomputed.pme, recomputed.ipp, recomputed.opp]
        assert summary["participation"]["voted"] == len({row["respondent"] for row in votes}) == 6
        assert summary["participation"]["price"] == len(prices) == 6
    assert page == from_files


def test_the_raw_answers_need_credentials_whether_or_not_the_summary_is_published(client, people):
    published_org = make_org(make_user("pia"), name="Open Bakery")
    published_org.publish_price_summary = True
    db.session.commit()
    for org, slug in ((people["org"], "closed-mug"), (published_org, "open-mug")):
        concept = _concept(org, slug)
        _answer(make_user(f"fan-{slug}"), concept, ANSWERS[0], ("up", "up"))
        for path in EXPORTS:
            response = client.get(f"/api/v1/concepts/{concept.slug}/{path}")
            assert response.status_code == 401, (slug, path)
            assert response.get_json()["error"] == "Authentication required"
    summary = client.get("/api/v1/concepts/open-mug/summary")
    assert summary.status_code == 200 and summary.get_json()["features"][0]["votes_for"] == 1
    assert client.get("/concepts/open-mug/results").status_code == 200
    assert client.get("/api/v1/concepts/closed-mug/summary").status_code == 401
    # Another organization's token, or a signed-in consumer: refused, even where published.
    other = api_tokens.create_for_cli(people["org"].slug, "other")[1]
    for path in EXPORTS:
        assert client.get(f"/api/v1/concepts/open-mug/{path}",
                          headers={"Authorization": f"Bearer {other}"}).status_code in (403, 404)
    login(client, people["consumer"])
    assert client.get("/api/v1/concepts/open-mug/export/votes.csv").status_code == 403
    assert client.get("/api/v1/concepts/open-mug/summary").status_code == 200


def test_credited_names_reach_only_the_organization(client, people):
    concept = _concept(people["org"])
    fan = make_user("namedfan", credit_by_name=True)
    _answer(fan, concept, ANSWERS[0], ("up", "up"))
    own = api_tokens.create_for_cli(people["org"].slug, "own")[1]
    rows = _csv(client.get(f"/api/v1/concepts/{concept.slug}/export/votes.csv",
                           headers={"Authorization": f"Bearer {own}"}))
    assert {row["respondent"] for row in rows} == {"namedfan"}
    login(client, people["admin"])  # a site admin outside the organization: pseudonyms only
    rows = _csv(client.get(f"/api/v1/concepts/{concept.slug}/export/votes.csv"))
    assert rows and "namedfan" not in {row["respondent"] for row in rows}


def test_the_api_lists_what_the_policy_lets_each_caller_see(client, people):
    mine = _concept(people["org"], "own-mug")
    mine.hidden_at = utcnow()
    other_org = make_org(make_user("pia"), name="Open Bakery")
    _concept(other_org, "their-mug")
    db.session.commit()
    own = api_tokens.create_for_cli(people["org"].slug, "own")[1]
    listed = client.get("/api/v1/concepts", headers={"Authorization": f"Bearer {own}"}).get_json()["concepts"]
    assert [c["slug"] for c in listed] == ["own-mug"]  # its own, hidden included; nobody else's
    assert [c["slug"] for c in client.get("/api/v1/concepts").get_json()["concepts"]] == ["their-mug"]
    assert client.get("/api/v1/concepts/their-mug", headers={"Authorization": f"Bearer {own}"}).status_code == 403


def test_a_waiting_vote_says_when_it_counts_and_counts_then_on_its_own(client, people, monkeypatch):
    concept = _concept(people["org"])
    newbie = make_user("newbie", trust_level=0)
    login(client, newbie)
    response = client.post(f"/concepts/{concept.slug}/features/{concept.features[0].id}/vote",
                           data={"value": "up"}, headers={"Accept": "application/json"})
    body = response.get_json()
    counts_at = (newbie.created_at + timedelta(hours=1)).strftime("%H:%M")
    assert body["message"] == f"Your vote is saved and counts from {counts_at} (new accounts wait an hour)."
    assert body["value"] == 1 and (body["up"], body["down"]) == (0, 0)
    visitor = client.application.test_client()
    assert visitor.get(f"/api/v1/concepts/{concept.slug}/summary").status_code == 401  # not published
    people["org"].publish_price_summary = True
    db.session.commit()
    summary = visitor.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()
    assert summary["features"][0]["votes_for"] == 0
    # An hour later, with nobody acting: the stored summary has expired and the vote counts.
    later = utcnow() + timedelta(minutes=61)
    for module in (demand.rule, demand.snapshot):
        monkeypatch.setattr(module, "utcnow", lambda: later)
    summary = visitor.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()
    assert summary["features"][0]["votes_for"] == 1


ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_a_new_accounts_kano_and_price_answers_say_when_they_count_in_both_languages(client, people):
    concept = _concept(people["org"])
    newbie = make_user("newbie", trust_level=0)
    login(client, newbie)
    counts_at = (newbie.created_at + timedelta(hours=1)).strftime("%H:%M")
    prices = {"too_cheap": "5", "cheap": "9", "expensive": "15", "too_expensive": "30"}
    answer = client.post(f"/concepts/{concept.slug}/price", data=prices, headers={"Accept": "application/json"})
    assert answer.get_json()["message"] == \
        f"Your answer is saved and counts from {counts_at} (new accounts wait an hour)."
    page = client.post(f"/concepts/{concept.slug}/price", data=prices, follow_redirects=True, headers=ZH)
    assert f"你的回答已保存，将从 {counts_at} 起计入（新账户需等待一小时）。" in page.get_data(as_text=True)
    kano = {f"f{concept.features[0].id}_functional": "like", f"f{concept.features[0].id}_dysfunctional": "dislike"}
    page = client.post(f"/concepts/{concept.slug}/kano", data=kano, follow_redirects=True)
    assert f"Your answers are saved and count from {counts_at} (new accounts wait an hour)." in \
        page.get_data(as_text=True)
    page = client.post(f"/concepts/{concept.slug}/kano", data=kano, follow_redirects=True, headers=ZH)
    assert f"你的回答已保存，将从 {counts_at} 起计入（新账户需等待一小时）。" in page.get_data(as_text=True)
    # An established person is thanked as before: their answer counts now.
    regular = client.application.test_client()
    login(regular, make_user("regular"))
    answer = regular.post(f"/concepts/{concept.slug}/price", data=prices, headers={"Accept": "application/json"})
    assert answer.get_json()["message"] == "Thanks — your price answer is saved."
    page = regular.post(f"/concepts/{concept.slug}/kano", data=kano, follow_redirects=True)
    assert "Thanks — your answers about 1 feature are saved." in page.get_data(as_text=True)


def test_the_summary_page_counts_votes_waiting_apart(client, people):
    concept = _concept(people["org"])
    _answer(make_user("fan"), concept, ANSWERS[0], ("up", "up"))
    for i in range(2):
        feedback.cast_vote(make_user(f"new{i}", trust_level=0), concept.features[0], "up")
    login(client, people["member"])
    html = client.get(f"/concepts/{concept.slug}/results").get_data(as_text=True)
    assert "2 votes waiting" in html
    assert client.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()["features"][0]["votes_for"] == 1


def test_the_stored_summary_is_json_and_another_shape_is_recomputed(client, people):
    concept = _concept(people["org"])
    _answer(make_user("fan"), concept, ANSWERS[0], ("up", "down"))
    login(client, people["member"])
    first = client.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()
    stored = json.loads(db.session.scalar(select(ConceptSummary.data).where(ConceptSummary.concept_id == concept.id)))
    assert stored["version"] == demand.snapshot.VERSION and set(stored["parts"]) >= {"votes", "kano", "prices"}
    for data in ('{"version": 1, "seq": 0}', "not json", json.dumps({**stored, "parts": {"votes": {}}})):
        db.session.execute(update(ConceptSummary).where(ConceptSummary.concept_id == concept.id).values(data=data))
        db.session.commit()
        demand.forget()
        again = client.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()
        assert again["features"] == first["features"] and again["price"] == first["price"]


def test_an_answer_committed_while_the_summary_is_computed_is_in_every_figure_or_in_none(client, people,
                                                                                        monkeypatch):
    """Another process commits a price answer after the price figures are read and before the
    participation is counted: the summary (API, summary.json, page) shows it nowhere, so the people
    who answered the price questions are still the price answers counted."""
    concept = _concept(people["org"])
    people["org"].publish_price_summary = True
    _answer(make_user("fan"), concept, ANSWERS[0], ("up", "down"))
    late = make_user("late")
    db.session.commit()
    other = create_engine(db.engine.url)  # another process's connection
    real = demand.parts.PARTS["prices"]

    def prices_then_an_answer_elsewhere(c):
        part = real(c)
        with other.begin() as conn:
            conn.execute(PriceResponse.__table__.insert().values(
                concept_id=concept.id, user_id=late.id, too_cheap=Decimal(5), cheap=Decimal(9),
                expensive=Decimal(15), too_expensive=Decimal(30), created_at=utcnow(), updated_at=utcnow()))
        return part

    monkeypatch.setitem(demand.parts.PARTS, "prices", prices_then_an_answer_elsewhere)
    try:
        summary = client.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()
    finally:
        other.dispose()
    assert summary["price"]["n"] + summary["price"]["invalid"] == 1
    assert summary["participation"]["price"] == 1 and summary["participants"] == 1
    login(client, people["member"])
    assert client.get(f"/api/v1/concepts/{concept.slug}/export/summary.json").get_json()["participation"] == \
        summary["participation"]


def test_a_comment_moves_the_participation_on_the_page_the_api_and_summary_json(client, people):
    concept = _concept(people["org"])
    people["org"].publish_price_summary = True
    _answer(make_user("fan"), concept, ANSWERS[0], ("up", "down"))
    topic = posting.concept_topic(concept)
    db.session.commit()
    before = client.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()
    assert before["participation"] == {"total": 1, "commented": 0, "voted": 1, "kano": 0, "price": 1}
    posting.reply(make_user("talker"), topic, "Would it fit a car's cup holder?")
    g.pop("_sb_seqs", None)
    after = client.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()
    assert after["participation"] == {"total": 2, "commented": 1, "voted": 1, "kano": 0, "price": 1}
    login(client, people["member"])
    assert client.get(f"/api/v1/concepts/{concept.slug}/export/summary.json").get_json()["participants"] == 2
    html = client.get(f"/concepts/{concept.slug}/results").get_data(as_text=True)
    assert "<dt>People in all</dt><dd>2</dd>" in html and "<dt>Commented</dt><dd>1</dd>" in html


def test_the_summary_page_records_the_visit_after_it_is_sent_without_javascript(client, people, app,
                                                                            monkeypatch):
    """No write inside the page view: the visit is committed once the page has been sent, in a
    transaction of its own, and a failure to record it never fails the page."""
    from sqlalchemy import event

    from forum.web import feedback as feedback_views

    concept = _concept(people["org"])
    login(client, people["member"])
    visits = []  # (written inside the page view?, committed inside it?) of the statements on summary_visits

    def statement(conn, cursor, text, *args):
        if "summary_visits" in text and not text.lstrip().upper().startswith("SELECT"):
            visits.append("written inside the view" if flask.has_request_context() else "after the response")

    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        page = client.get(f"/concepts/{concept.slug}/results")
        assert page.status_code == 200 and "Since your last visit" not in page.get_data(as_text=True)
        assert visits == []  # the view wrote nothing
        page.close()  # the server closes the response once it is sent: then the visit is recorded
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
    assert visits == ["after the response"]
    assert db.session.scalar(select(func.count(SummaryVisit.id))) == 1
    feedback.cast_vote(make_user("fan"), concept.features[0], "up")
    again = client.get(f"/concepts/{concept.slug}/results")
    strip = again.get_data(as_text=True).split('class="since-strip"')[1].split("</section>")[0]
    assert "<strong>1</strong> new or changed vote" in strip
    again.close()
    assert client.post(f"/concepts/{concept.slug}/results/visit").status_code == 303  # the POST stays
    # Recording it fails (a locked database, say): the page is served all the same.
    monkeypatch.setattr(feedback_views.feedback, "note_visit", _refuse)
    failing = client.get(f"/concepts/{concept.slug}/results")
    assert failing.status_code == 200
    failing.close()


def _refuse(*args):
    raise RuntimeError("database is locked")


def test_a_visitor_may_not_record_a_visit(client, people):
    concept = _concept(people["org"])
    response = client.post(f"/concepts/{concept.slug}/results/visit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(SummaryVisit.id))) == 0


def test_a_streamed_export_reads_its_rows_after_the_request_outside_the_app_context(client, people):
    import threading

    concept = _concept(people["org"])
    _answer(make_user("fan"), concept, ANSWERS[0], ("up", "down"))
    own = api_tokens.create_for_cli(people["org"].slug, "own")[1]
    response = client.get(f"/api/v1/concepts/{concept.slug}/export/votes.csv",
                          headers={"Authorization": f"Bearer {own}"}, buffered=False)
    chunks: list = []
    reader = threading.Thread(target=lambda: chunks.extend(response.response))  # no app context there
    reader.start()
    reader.join(timeout=30)
    rows = list(csv.DictReader(io.StringIO("".join(c.decode() if isinstance(c, bytes) else c for c in chunks))))
    assert [(row["feature"], row["vote"]) for row in rows] == [("Keeps warm", "for"), ("Spill lid", "against")]


def test_a_statement_run_through_the_session_keeps_its_transaction_when_a_summary_is_computed(people):
    """An UPDATE run through the session (no flush) makes its transaction a writer's: computing a
    summary in it reads inside it and never ends it early, so the change is still there to commit."""
    concept = _concept(people["org"])
    db.session.execute(update(Concept).where(Concept.id == concept.id).values(title="Renamed mug"))
    demand.forget()
    demand.get(concept)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Concept, concept.id).title == "Renamed mug"
