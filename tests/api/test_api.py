"""The JSON API and exports: tokens, pseudonyms, the summary contract, streamed exports."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from forum.analytics import pricing
from forum.extensions import db, limiter
from forum.models import (
    ApiToken,
    Concept,
    Feature,
    FeatureVote,
    KanoAnswer,
    Organization,
    PriceResponse,
    User,
    utcnow,
)
from forum.services import api_tokens
from tests.conftest import login, make_org, make_user

PRICES = [  # too_cheap, cheap, expensive, too_expensive, intent_cheap, intent_expensive
    ("10", "20", "30", "40", 4, 2),
    ("12", "22.50", "35", "45", 5, 3),
    ("8", "18", "28", "50", None, None),
    ("15", "14", "30", "40", None, None),  # invalid: too cheap above the bargain price
]


def _concept(org: Organization, slug: str = "smart-mug", **fields) -> Concept:
    concept = Concept(organization_id=org.id, slug=slug, title=slug.replace("-", " ").title(),
                      currency="EUR", price_question_enabled=True, kano_enabled=True, **fields)
    db.session.add(concept)
    db.session.add_all([Feature(concept=concept, title="Keeps warm", position=0),
                        Feature(concept=concept, title="App", position=1)])
    db.session.commit()
    return concept


@pytest.fixture
def world(people):
    concept = _concept(people["org"])
    voters = [make_user(f"voter{i}", display_name=f"Voter Number {i}") for i in range(4)]
    warm, app_feature = concept.features
    for user, values in zip(voters, PRICES, strict=True):
        tc, c, e, te, ic, ie = values
        db.session.add(PriceResponse(concept_id=concept.id, user_id=user.id, too_cheap=Decimal(tc),
                                     cheap=Decimal(c), expensive=Decimal(e), too_expensive=Decimal(te),
                                     intent_cheap=ic, intent_expensive=ie))
    # Keeps warm: 3 for, 1 against; App: 1 for, 1 against
    for user, value in zip(voters, (1, 1, 1, -1), strict=True):
        db.session.add(FeatureVote(feature_id=warm.id, user_id=user.id, value=value))
    for user, value in zip(voters[:2], (1, -1), strict=True):
        db.session.add(FeatureVote(feature_id=app_feature.id, user_id=user.id, value=value))
    # Kano on "Keeps warm": like/dislike = One-dimensional (x2), like/neutral = Attractive
    for user, pair in zip(voters[:3], (("like", "dislike"), ("like", "dislike"), ("like", "neutral")), strict=True):
        db.session.add(KanoAnswer(feature_id=warm.id, user_id=user.id, functional=pair[0], dysfunctional=pair[1]))
    db.session.commit()
    return {**people, "concept": concept, "voters": voters}


def token_for(org: Organization, name: str = "script") -> str:
    return api_tokens.create_for_cli(org.slug, name)[1]


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# --- tokens ------------------------------------------------------------------------------------

def test_cli_creates_a_token_printed_last_and_stored_hashed(app, world):
    result = app.test_cli_runner().invoke(
        args=["api-token", "create", "--org", world["org"].slug, "--name", "R export"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1].split()[-1]
    assert raw.startswith("sb_") and len(raw) > 30
    stored = db.session.scalar(select(ApiToken).where(ApiToken.name == "R export"))
    assert stored.token_hash != raw and raw not in (stored.token_hash, stored.prefix)
    assert stored.organization_id == world["org"].id
    missing = app.test_cli_runner().invoke(args=["api-token", "create", "--org", "nope", "--name", "x"])
    assert missing.exit_code == 1


def test_token_reads_its_own_organization_only_and_stops_when_revoked(client, world):
    raw = token_for(world["org"])
    own = client.get(f"/api/v1/concepts/{world['concept'].slug}/summary", headers=bearer(raw))
    assert own.status_code == 200
    token = db.session.scalar(select(ApiToken))
    assert token.last_used_at is not None
    listed = client.get("/api/v1/concepts", headers=bearer(raw)).get_json()["concepts"]
    assert [c["slug"] for c in listed] == [world["concept"].slug]

    other_owner = make_user("otto")
    other = make_org(other_owner, name="Other Works")
    other_raw = token_for(other)
    for path in ("/summary", "/export/prices.csv", "/export.xlsx", ""):
        response = client.get(f"/api/v1/concepts/{world['concept'].slug}{path}", headers=bearer(other_raw))
        assert response.status_code in (403, 404), path
        assert response.is_json and "error" in response.get_json()
    assert client.get("/api/v1/concepts", headers=bearer(other_raw)).get_json()["concepts"] == []

    api_tokens.revoke(world["owner"], world["org"], token.id)
    revoked = client.get(f"/api/v1/concepts/{world['concept'].slug}/summary", headers=bearer(raw))
    assert revoked.status_code == 401 and revoked.get_json()["error"]


def test_no_credentials_is_401_and_strangers_403_in_json(client, world):
    url = f"/api/v1/concepts/{world['concept'].slug}/summary"
    response = client.get(url)
    assert response.status_code == 401 and response.is_json
    assert "Bearer" in response.headers["WWW-Authenticate"]
    assert client.get(url, headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get(url, headers=bearer("sb_not-a-real-token")).status_code == 401
    login(client, world["consumer"])
    forbidden = client.get(url)
    assert forbidden.status_code == 403 and forbidden.get_json()["message"]
    assert client.get("/api/v1/concepts/no-such-concept").get_json()["error"] == "Not found"


def test_members_session_reads_summary_and_published_summaries_are_public(client, world):
    login(client, world["member"])
    assert client.get(f"/api/v1/concepts/{world['concept'].slug}/summary").status_code == 200
    client.post("/logout")
    world["org"].publish_price_summary = True
    db.session.commit()
    assert client.get(f"/api/v1/concepts/{world['concept'].slug}/summary").status_code == 200


def test_visitors_list_public_concepts_only(client, world):
    hidden = _concept(world["org"], slug="secret-thing", hidden_at=utcnow())
    slugs = [c["slug"] for c in client.get("/api/v1/concepts").get_json()["concepts"]]
    assert world["concept"].slug in slugs and hidden.slug not in slugs
    first = client.get("/api/v1/concepts").get_json()["concepts"][0]
    assert {"slug", "title", "organization", "stage"} <= set(first)
    assert first["organization"] == world["org"].slug
    detail = client.get(f"/api/v1/concepts/{world['concept'].slug}").get_json()
    assert [f["title"] for f in detail["features"]] == ["Keeps warm", "App"]


def test_owners_create_a_token_on_the_web_shown_once_and_revoke_it(client, world):
    login(client, world["owner"])
    page = client.post(f"/orgs/{world['org'].slug}/tokens", data={"name": "Weekly report"})
    assert page.status_code == 201
    html = page.get_data(as_text=True)
    raw = re.search(r'<code class="token-value"[^>]*>([^<]+)</code>', html).group(1)
    assert f"Bearer {raw}" in html  # the whole curl command, ready to paste
    assert client.get("/api/v1/concepts", headers=bearer(raw)).status_code == 200
    again = client.get(f"/orgs/{world['org'].slug}/tokens").get_data(as_text=True)
    assert raw not in again and "Weekly report" in again and "Never" not in again.split("Weekly report")[1][:400]
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "Weekly report"))
    client.post(f"/orgs/{world['org'].slug}/tokens/{token.id}/revoke")
    assert client.get(f"/api/v1/concepts/{world['concept'].slug}/summary", headers=bearer(raw)).status_code == 401


def test_the_api_has_its_own_rate_limit(app, client, world):
    raw = token_for(world["org"])
    app.config["RATELIMIT_API"] = "3 per minute"
    limiter.enabled = True
    try:
        codes = [client.get("/api/v1/concepts", headers=bearer(raw)).status_code for _ in range(4)]
    finally:
        limiter.enabled = False
    assert codes == [200, 200, 200, 429]


# --- the summary contract ---------------------------------------------------------------------------

def test_summary_numbers_by_hand(client, world):
    raw = token_for(world["org"])
    body = client.get(f"/api/v1/concepts/{world['concept'].slug}/summary", headers=bearer(raw)).get_json()
    assert body["participants"] == 4
    warm, app_feature = body["features"]
    assert (warm["title"], warm["votes_for"], warm["votes_against"]) == ("Keeps warm", 3, 1)
    assert (app_feature["votes_for"], app_feature["votes_against"]) == (1, 1)
    # Wilson lower bound, 3 of 4, z = 1.96: (0.75 + 0.4802 - 1.96 * sqrt(0.046875 + 0.060025)) / 1.9604
    assert warm["score"] == pytest.approx(0.3006, abs=1e-4)
    assert isinstance(warm["score"], float)
    # Kano: O, O, A -> One-dimensional; better = (A + O) / (A + O + M + I) = 3/3; worse = -(O + M)/3
    assert warm["kano"]["category"] == "O"
    assert warm["kano"]["better"] == 1.0 and warm["kano"]["worse"] == pytest.approx(-2 / 3)
    assert warm["kano"]["counts"]["O"] == 2 and warm["kano"]["counts"]["A"] == 1
    price = body["price"]
    assert (price["n"], price["invalid"], price["currency"]) == (3, 1, "EUR")
    # valid answers (tc, c, e, te): (10, 20, 30, 40), (12, 22.5, 35, 45), (8, 18, 28, 50); grid
    # 8 10 12 18 20 22.5 28 30 35 40 45 50.  PMC: not_cheap >= too_cheap: at 12 tc = 0, nc = 0 -> 12.
    # OPP: too_exp >= too_cheap: at 12 both 0 -> 12.  IPP: expensive >= cheap: at 22.5 cheap 0,
    # expensive 0 -> 22.5.  PME: too_exp >= not_exp: at 35 not_exp = 0, too_exp 0 -> 35.
    assert (price["pmc"], price["opp"], price["ipp"], price["pme"]) == (12, 12, 22.5, 35)
    assert all(isinstance(price[k], int | float) for k in ("pmc", "pme", "ipp", "opp"))
    assert price["reach_optimal_price"] is not None


def test_summary_and_prices_csv_agree(client, world):
    raw = token_for(world["org"])
    slug = world["concept"].slug
    body = client.get(f"/api/v1/concepts/{slug}/summary", headers=bearer(raw)).get_json()
    response = client.get(f"/api/v1/concepts/{slug}/export/prices.csv", headers=bearer(raw))
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset said once
    rows = rows_of(response)
    assert len(rows) == len(PRICES)  # valid or not
    cols = {name: [Decimal(r[name]) if r[name] else None for r in rows]
            for name in ("too_cheap", "cheap", "expensive", "too_expensive")}
    intents = {name: [int(r[name]) if r[name] else None for r in rows] for name in ("intent_cheap", "intent_expensive")}
    again = pricing.van_westendorp(cols["too_cheap"], cols["cheap"], cols["expensive"], cols["too_expensive"],
                                   intents["intent_cheap"], intents["intent_expensive"])
    price = body["price"]
    assert (again.pmc, again.pme, again.ipp, again.opp) == (price["pmc"], price["pme"], price["ipp"], price["opp"])
    assert (again.n, again.invalid) == (price["n"], price["invalid"])
    assert again.revenue_optimal_price == price["revenue_optimal_price"]


def test_without_a_price_question_price_is_null(client, world):
    plain = _concept(world["org"], slug="plain-idea")
    plain.price_question_enabled = False
    plain.kano_enabled = False
    db.session.commit()
    raw = token_for(world["org"])
    body = client.get(f"/api/v1/concepts/{plain.slug}/summary", headers=bearer(raw)).get_json()
    assert body["price"] is None and body["participants"] == 0
    assert all(f["kano"] is None and f["votes_for"] == 0 for f in body["features"])


# --- pseudonyms ---------------------------------------------------------------------------------

def _all_exports(client, slug: str, raw: str) -> str:
    parts = [client.get(f"/api/v1/concepts/{slug}/export/{t}.csv", headers=bearer(raw)).get_data(as_text=True)
             for t in ("prices", "votes", "kano", "posts")]
    parts.append(client.get(f"/api/v1/concepts/{slug}/export/summary.json", headers=bearer(raw)).get_data(as_text=True))
    return "\n".join(parts)


def test_exports_carry_no_identity_and_stable_pseudonyms(client, world):
    raw = token_for(world["org"])
    slug = world["concept"].slug
    text = _all_exports(client, slug, raw)
    for user in world["voters"]:
        assert user.username not in text and user.email not in text and user.display_name not in text
    prices = rows_of(client.get(f"/api/v1/concepts/{slug}/export/prices.csv", headers=bearer(raw)))
    votes = rows_of(client.get(f"/api/v1/concepts/{slug}/export/votes.csv", headers=bearer(raw)))
    ids = {str(u.id) for u in world["voters"]}
    assert not ids & {r["respondent"] for r in prices}
    # the same person has the same pseudonym in both files (4 people, 4 pseudonyms)
    assert {r["respondent"] for r in votes} == {r["respondent"] for r in prices}
    assert len({r["respondent"] for r in prices}) == 4

    second = _concept(world["org"], slug="second-mug")
    for user in world["voters"]:
        db.session.add(FeatureVote(feature_id=second.features[0].id, user_id=user.id, value=1))
    db.session.commit()
    other = rows_of(client.get(f"/api/v1/concepts/{second.slug}/export/votes.csv", headers=bearer(raw)))
    assert not {r["respondent"] for r in other} & {r["respondent"] for r in votes}


def test_people_who_chose_credit_appear_by_username(client, world):
    credited = world["voters"][0]
    login(client, credited)
    client.post("/settings/privacy", data={"credit_by_name": "y"})
    assert db.session.get(User, credited.id).credit_by_name is True
    raw = token_for(world["org"])
    prices = rows_of(client.get(f"/api/v1/concepts/{world['concept'].slug}/export/prices.csv", headers=bearer(raw)))
    names = [r["respondent"] for r in prices]
    assert credited.username in names
    assert all(u.username not in names for u in world["voters"][1:])


# --- streamed exports -------------------------------------------------------------------------------

def test_a_streamed_export_of_many_rows_parses_back_exactly(app, client, world):
    concept = world["concept"]
    now = utcnow()
    count = 6000
    db.session.execute(insert(User), [
        {"username": f"bulk{i}", "username_key": f"bulk{i}", "email": f"bulk{i}@example.test",
         "password_hash": "x", "display_name": "", "role": "consumer", "session_token": f"tok{i}",
         "credit_by_name": False, "created_at": now} for i in range(count)])
    ids = list(db.session.scalars(select(User.id).where(User.username.like("bulk%")).order_by(User.id)))
    db.session.execute(insert(PriceResponse), [
        {"concept_id": concept.id, "user_id": uid, "too_cheap": Decimal(i % 17 + 1),
         "cheap": Decimal(i % 17 + 2) + Decimal("0.5"), "expensive": Decimal(i % 23 + 20),
         "too_expensive": Decimal(i % 29 + 45), "intent_cheap": (i % 5) + 1 if i % 3 else None,
         "intent_expensive": (i % 4) + 1 if i % 3 else None,
         "created_at": now - timedelta(minutes=i), "updated_at": now - timedelta(minutes=i)}
        for i, uid in enumerate(ids)])
    db.session.commit()
    raw = token_for(world["org"])
    response = client.get(f"/api/v1/concepts/{concept.slug}/export/prices.csv", headers=bearer(raw))
    assert response.is_streamed
    rows = rows_of(response)
    stored = db.session.execute(select(PriceResponse).order_by(PriceResponse.id)).scalars().all()
    assert len(rows) == len(stored) == count + len(PRICES)

    def text(value):
        return "" if value is None else format(Decimal(value).normalize(), "f")

    for row, answer in zip(rows, stored, strict=True):
        assert [row[k] for k in ("too_cheap", "cheap", "expensive", "too_expensive")] == [
            text(answer.too_cheap), text(answer.cheap), text(answer.expensive), text(answer.too_expensive)]
        assert row["intent_cheap"] == ("" if answer.intent_cheap is None else str(answer.intent_cheap))
        assert row["answered_at"] == answer.updated_at.replace(microsecond=0).isoformat() + "Z"
    # and the workbook has the same rows
    from openpyxl import load_workbook

    book = client.get(f"/api/v1/concepts/{concept.slug}/export.xlsx", headers=bearer(raw))
    assert book.status_code == 200
    workbook = load_workbook(io.BytesIO(book.get_data()), read_only=True)
    assert workbook.sheetnames == ["summary", "prices", "votes", "kano", "posts"]
    sheet_rows = list(workbook["prices"].iter_rows(values_only=True))
    assert sheet_rows[0] == ("respondent", "too_cheap", "cheap", "expensive", "too_expensive", "intent_cheap",
                             "intent_expensive", "answered_at")
    assert len(sheet_rows) == count + len(PRICES) + 1
    assert [r[0] for r in sheet_rows[1:]] == [r["respondent"] for r in rows]
    assert [r[2] for r in sheet_rows[1:]] == [float(a.cheap) for a in stored]


def test_openapi_document_names_every_route(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/concepts", "/concepts/{slug}", "/concepts/{slug}/summary", "/concepts/{slug}/export/prices.csv",
                 "/concepts/{slug}/export/votes.csv", "/concepts/{slug}/export/kano.csv",
                 "/concepts/{slug}/export/posts.csv", "/concepts/{slug}/export.xlsx"):
        assert path in spec["paths"]


def test_a_concept_asking_three_price_questions(client, people):
    from forum.services import feedback

    concept = _concept(people["org"], slug="three-questions", price_asks_too_cheap=False)
    answers = [("20", "30", "40"), ("22.50", "35", "45"), ("18", "28", "50"), ("30", "25", "40")]
    for i, (c, e, te) in enumerate(answers):
        person = make_user(f"three{i}")
        if i < 3:
            feedback.answer_price(person, concept, {"cheap": c, "expensive": e, "too_expensive": te})
        else:  # out of order: refused by the form, so stored directly as an invalid answer
            db.session.add(PriceResponse(concept_id=concept.id, user_id=person.id, too_cheap=None,
                                         cheap=Decimal(c), expensive=Decimal(e), too_expensive=Decimal(te)))
            db.session.commit()
    login(client, people["member"])
    price = client.get(f"/api/v1/concepts/{concept.slug}/summary").get_json()["price"]
    # valid: (20, 30, 40), (22.5, 35, 45), (18, 28, 50); PMC and OPP need "too cheap": null.
    # IPP: expensive >= cheap, first at 22.5 (cheap 1 - 1 = 0, expensive 0); PME: too_exp >= not_exp
    # first at 35 (not_exp 1 - 1 = 0).
    assert (price["n"], price["invalid"], price["questions"]) == (3, 1, 3)
    assert (price["pmc"], price["opp"], price["ipp"], price["pme"]) == (None, None, 22.5, 35)
    rows = rows_of(client.get(f"/api/v1/concepts/{concept.slug}/export/prices.csv"))
    assert [r["too_cheap"] for r in rows] == ["", "", "", ""]
    page = client.get(f"/concepts/{concept.slug}/results")
    assert page.status_code == 200
