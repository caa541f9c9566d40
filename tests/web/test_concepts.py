"""The concept pages as people use them: posting, editing, features, stages, the list."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from forum.extensions import db
from forum.models import Concept, Feature, StageChange, Tag, Topic
from forum.services import concepts
from tests.conftest import login, make_org, make_user

FORM = {"organization": "acme-gadgets", "title": "Pocket espresso maker",
        "summary": "Barista coffee on a hike.", "description": "Because **instant** coffee is sad.",
        "tags": "Coffee, Outdoor", "stage": "idea", "currency": "EUR", "feedback_open": "y"}


def rows() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Concept, Feature, StageChange, Tag, Topic))


def make_concept(people, title="Pocket espresso maker", features=(), org=None, **kw) -> Concept:
    concept = concepts.create(people["owner"], org or people["org"], title, summary=kw.pop("summary", "A summary"),
                              description="Some **bold** text.", **kw)
    for name in features:
        concepts.add_feature(people["owner"], concept, name, f"About {name}")
    return concept


def text(response) -> str:
    return response.get_data(as_text=True)


# --- posting ----------------------------------------------------------------------------------

def test_member_posts_a_concept(login_as):
    client = login_as("member")
    page = client.get("/concepts/new")
    assert page.status_code == 200 and "Post a concept" in text(page)
    response = client.post("/concepts/new", data=FORM)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/concepts/pocket-espresso-maker")
    page = client.get("/concepts/pocket-espresso-maker")
    body = text(page)
    assert "Pocket espresso maker" in body and "<strong>instant</strong>" in body
    assert "#coffee" in body and "#outdoor" in body
    assert "Posted as an idea on" in body


def test_consumer_without_organization_gets_a_hint(login_as):
    client = login_as("consumer")
    page = client.get("/concepts/new")
    assert page.status_code == 200
    assert "You need to belong to an organization to post a concept" in text(page)
    assert client.post("/concepts/new", data=FORM).status_code == 403


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_staff_who_are_not_members_cannot_post(login_as, role):
    client = login_as(role)
    assert "You need to belong to an organization" in text(client.get("/concepts/new"))
    assert client.post("/concepts/new", data=FORM).status_code == 403


def test_member_of_another_org_cannot_post_for_this_one(client, people):
    outsider = make_user("otto")
    make_org(outsider, name="Other Co")
    login(client, outsider)
    before = rows()
    response = client.post("/concepts/new", data=FORM)  # names acme-gadgets, not their org
    assert response.status_code == 400
    assert "Choose the organization" in text(response)
    assert rows() == before


def test_visitor_is_sent_to_log_in(client):
    response = client.get("/concepts/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "Give the concept a title."),
    ("title", "t" * 121, "A title has at most 120 characters"),
    ("summary", "s" * 201, "at most 200 characters"),
    ("stage", "beta", "Choose a stage"),
    ("currency", "BTC", "“BTC” is not a currency we support"),
    ("tags", "a,b,c,d,e,f,g,h,i", "A concept has at most 8 tags"),
    ("tags", "x" * 40, "A tag has at most 32 characters"),
])
def test_bad_input_is_shown_next_to_the_field(login_as, field, value, message):
    client = login_as("member")
    before = rows()
    response = client.post("/concepts/new", data={**FORM, field: value})
    assert response.status_code == 400
    body = text(response)
    assert message in body
    assert f'id="{field}-error"' in body  # next to its field
    assert "Barista coffee on a hike." in body or field == "summary"  # what they typed is kept
    assert rows() == before


# --- editing ------------------------------------------------------------------------------------

def test_member_edits_concept(people, login_as):
    concept = make_concept(people, tags="coffee")
    client = login_as("member")
    page = client.get(f"/concepts/{concept.slug}/edit")
    assert page.status_code == 200 and 'value="coffee"' in text(page)
    response = client.post(f"/concepts/{concept.slug}/edit", data={
        "title": "Pocket espresso, second take", "summary": "Now lighter", "description": "_new_",
        "tags": "coffee, travel", "currency": "CHF", "price_question_enabled": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Concept, concept.id)
    assert stored.title == "Pocket espresso, second take" and stored.currency == "CHF"
    assert stored.price_question_enabled and not stored.kano_enabled and not stored.feedback_open
    assert [t.name for t in stored.tags] == ["coffee", "travel"]


def test_bad_edit_is_refused_with_400(people, login_as):
    concept = make_concept(people)
    client = login_as("owner")
    response = client.post(f"/concepts/{concept.slug}/edit", data={
        "title": "", "summary": "", "description": "", "tags": "", "currency": "ZZZ"})
    assert response.status_code == 400
    assert "Give the concept a title." in text(response) and "“ZZZ” is not a currency" in text(response)
    db.session.expire_all()
    assert db.session.get(Concept, concept.id).title == "Pocket espresso maker"


@pytest.mark.parametrize("role", ["consumer", "moderator", "admin"])
def test_others_get_403_on_edit(people, login_as, role):
    concept = make_concept(people, features=["Hand pump"])
    feature_id = concept.features[0].id
    client = login_as(role)
    base = f"/concepts/{concept.slug}"
    assert client.get(base + "/edit").status_code == 403
    assert client.post(base + "/edit", data={"title": "Hijack", "currency": "EUR"}).status_code == 403
    assert client.post(base + "/stage", data={"stage": "launched"}).status_code == 403
    assert client.post(base + "/features", data={"title": "Sneaky"}).status_code == 403
    assert client.post(f"{base}/features/{feature_id}/retire").status_code == 403
    page = text(client.get(base))
    assert "Edit concept" not in page and "Add a feature" not in page and "Change stage" not in page


# --- features and stages ---------------------------------------------------------------------------

def test_features_add_reorder_retire_restore(people, login_as):
    concept = make_concept(people)
    client = login_as("member")
    base = f"/concepts/{concept.slug}"
    for title in ("Fits a pocket", "Hand pump", "Ceramic basket"):
        assert client.post(base + "/features", data={"title": title, "description": ""}).status_code == 302
    ids = {f.title: f.id for f in db.session.scalars(select(Feature))}
    body = text(client.get(base))
    assert body.index("Fits a pocket") < body.index("Hand pump") < body.index("Ceramic basket")

    client.post(f"{base}/features/{ids['Ceramic basket']}/move", data={"direction": "up"})
    body = text(client.get(base))
    assert body.index("Ceramic basket") < body.index("Hand pump")

    assert client.post(f"{base}/features/{ids['Fits a pocket']}/move", data={"direction": "sideways"}).status_code == 400

    response = client.post(f"{base}/features/{ids['Hand pump']}/retire")
    assert response.status_code == 302
    body = text(client.get(base))
    assert "Retired features (1)" in body
    active_part, retired_part = body.split('id="features-h"')[1].split("Retired features (1)")
    assert "Hand pump" not in active_part and "Hand pump" in retired_part
    assert "Retired on" in body

    client.post(f"{base}/features/{ids['Hand pump']}/restore")
    body = text(client.get(base))
    assert "Retired features" not in body
    assert sorted(db.session.scalars(select(Feature.position))) == [0, 1, 2]


def test_edit_feature_and_bad_feature_input(people, login_as):
    concept = make_concept(people, features=["Hand pump"])
    feature = concept.features[0]
    client = login_as("owner")
    url = f"/concepts/{concept.slug}/features/{feature.id}/edit"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"title": "Hand pump, 9 bar", "description": "No batteries"}).status_code == 302
    response = client.post(url, data={"title": "", "description": ""})
    assert response.status_code == 400 and "Give the feature a title." in text(response)
    before = rows()
    response = client.post(f"/concepts/{concept.slug}/features", data={"title": "ok", "description": "d" * 1001})
    assert response.status_code == 400
    assert "A feature description has at most 1000 characters" in text(response)
    assert rows() == before
    db.session.expire_all()
    assert db.session.get(Feature, feature.id).title == "Hand pump, 9 bar"


def test_feature_of_another_concept_is_404(people, login_as):
    one = make_concept(people, title="One")
    two = make_concept(people, title="Two", features=["Only two"])
    client = login_as("owner")
    assert client.post(f"/concepts/{one.slug}/features/{two.features[0].id}/retire").status_code == 404


def test_stage_change_shows_on_the_timeline(people, login_as):
    concept = make_concept(people)
    client = login_as("member")
    response = client.post(f"/concepts/{concept.slug}/stage", data={"stage": "prototype",
                                                                    "note": "Twenty units printed."})
    assert response.status_code == 302
    body = text(client.get(f"/concepts/{concept.slug}"))
    today = db.session.scalar(select(StageChange.created_at).where(StageChange.to_stage == "prototype"))
    shown = re.sub(r"<[^>]+>", "", body)  # the date is a <time> element
    assert f"Moved to prototype on {today:%b} {today.day}, {today.year}" in shown  # Babel's English date
    assert "Twenty units printed." in body
    response = client.post(f"/concepts/{concept.slug}/stage", data={"stage": "prototype"})
    assert response.status_code == 400 and "already at the prototype stage" in text(response)
    response = client.post(f"/concepts/{concept.slug}/stage", data={"stage": "gamma"})
    assert response.status_code == 400 and "Choose a stage" in text(response)


# --- showing ------------------------------------------------------------------------------------

def test_unverified_mark_everywhere(people, client):
    fjord = make_org(make_user("oskar"), name="Fjord Workshop", verified=False)
    concepts.create(db.session.get(type(people["owner"]), fjord.created_by_id), fjord, "Modular desk")
    make_concept(people, title="Verified thing")
    for url in ("/concepts/", "/concepts/modular-desk", "/", "/orgs/fjord-workshop"):
        body = text(client.get(url))
        assert "Modular desk" in body, url
        assert "Not yet verified" in body, url
    verified = text(client.get("/concepts/verified-thing"))
    assert "✓ Verified" in verified and "Not yet verified" not in verified


def test_unknown_concept_is_404(client):
    assert client.get("/concepts/nothing-here").status_code == 404


def test_hidden_concept_is_404_for_visitors(people, client):
    concept = make_concept(people, title="Hidden thing")
    concept.hidden_at = concept.created_at
    db.session.commit()
    assert client.get("/concepts/hidden-thing").status_code == 404
    assert "Hidden thing" not in text(client.get("/concepts/"))
    login(client, people["moderator"])
    assert client.get("/concepts/hidden-thing").status_code == 200


def test_concept_page_runs_a_bounded_number_of_queries(people, client, app):
    small = make_concept(people, title="Small", features=[f"Feature {i}" for i in range(3)])
    big = make_concept(people, title="Big", features=[f"Feature {i}" for i in range(60)])
    retired = big.features[5]
    concepts.retire_feature(people["owner"], retired)
    concepts.change_stage(people["owner"], big, "concept")
    concepts.change_stage(people["owner"], big, "prototype")
    login(client, people["member"])  # the heaviest view: editing tools on every feature

    def queries(slug: str) -> int:
        statements = []

        def count(*args):
            statements.append(args[2])

        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/concepts/{slug}")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return len(statements)

    queries(small.slug)  # warm up; the first view of each concept computes and stores its summary
    queries(big.slug)
    assert queries(small.slug) == queries(big.slug)
    assert "Feature 59" in text(client.get(f"/concepts/{big.slug}"))


# --- the list -----------------------------------------------------------------------------------

def test_list_filters(people, client):
    other = make_org(make_user("otto"), name="Other Co")
    otto = db.session.get(type(people["owner"]), other.created_by_id)
    make_concept(people, title="Alpha earbuds", tags="audio", stage="prototype")
    make_concept(people, title="Beta blender", tags="kitchen")
    concepts.create(otto, other, "Gamma grill", tags="kitchen, outdoor", stage="launched")

    def titles(query: str) -> list[str]:
        response = client.get("/concepts/" + query)
        assert response.status_code == 200
        body = text(response)
        return [t for t in ("Alpha earbuds", "Beta blender", "Gamma grill") if t in body]

    assert titles("") == ["Alpha earbuds", "Beta blender", "Gamma grill"]
    assert titles("?stage=prototype") == ["Alpha earbuds"]
    assert titles("?org=other-co") == ["Gamma grill"]
    assert titles("?tag=Kitchen") == ["Beta blender", "Gamma grill"]
    assert titles("?tag=kitchen&org=acme-gadgets") == ["Beta blender"]
    assert titles("?tag=nothing") == []
    assert "No concepts match these filters" in text(client.get("/concepts/?tag=nothing"))


def test_list_bad_values_give_a_message_not_an_error(people, client):
    make_concept(people, title="Alpha earbuds")
    for query, message in (("?stage=beta", "There is no stage called “beta”"),
                           ("?sort=cheapest", "cannot be sorted by “cheapest”")):
        response = client.get("/concepts/" + query)
        assert response.status_code == 200
        assert message in text(response) and "Alpha earbuds" in text(response)
    for query in ("?page=abc", "?org=Not%20A%20Slug", "?tag=%01", "?tag=" + "t" * 300):
        response = client.get("/concepts/" + query)
        assert response.status_code == 200, query
    for query in ("?page=abc&org=%00", "?tag=%00%01", "?stage=%00&sort=%00"):
        response = client.get("/concepts/" + query)
        assert response.status_code == 400 and "null character" in text(response), query
    assert "No concepts match these filters" in text(client.get("/concepts/?tag=%3Cscript%3E"))


def test_odd_addresses_are_404_not_500(people, client):
    concept = make_concept(people, features=["Hand pump"])
    assert client.get("/concepts/%00").status_code == 400
    for url in ("/concepts/" + "x" * 500, "/concepts/UPPER",
                f"/concepts/{concept.slug}/features/99999999999999999999/edit"):
        assert client.get(url).status_code in (302, 404), url
    login(client, people["owner"])
    assert client.get(f"/concepts/{concept.slug}/features/99999999999999999999/edit").status_code == 404


def test_control_characters_are_dropped_from_text(people, login_as):
    client = login_as("member")
    response = client.post("/concepts/new", data={**FORM, "title": "Null\x00 byte toaster"})
    assert response.status_code == 400 and "null character" in text(response)
    assert db.session.scalar(select(Concept)) is None
    response = client.post("/concepts/new", data={**FORM, "title": "Bell\x07 toaster",
                                                  "description": "Line one\nLine\x07 two"})
    assert response.status_code == 302
    stored = db.session.scalar(select(Concept))
    assert stored.title == "Bell toaster" and stored.description_source == "Line one\nLine two"


def test_list_sorts(people, client):
    first = make_concept(people, title="First posted")
    second = make_concept(people, title="Second posted")
    third = make_concept(people, title="Third posted")
    base = first.created_at
    first.created_at, second.created_at, third.created_at = base, base + timedelta(1), base + timedelta(2)
    first.last_activity_at = base + timedelta(10)
    second.last_activity_at, third.last_activity_at = base + timedelta(1), base + timedelta(2)
    second.topic.post_count = 12
    third.topic.post_count = 3
    db.session.commit()

    def order(sort: str) -> list[str]:
        body = text(client.get(f"/concepts/?sort={sort}"))
        return sorted(("First posted", "Second posted", "Third posted"), key=body.index)

    assert order("newest") == ["Third posted", "Second posted", "First posted"]
    assert order("active") == ["First posted", "Third posted", "Second posted"]
    assert order("discussed") == ["Second posted", "Third posted", "First posted"]


def test_list_paginates(people, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for i in range(5):
        make_concept(people, title=f"Numbered concept {i}", tags="audio")
    page1 = text(client.get("/concepts/?tag=audio"))
    assert "Page 1 of 3" in page1 and "page=2" in page1 and "tag=audio" in page1
    page3 = text(client.get("/concepts/?tag=audio&page=3"))
    assert "Numbered concept 0" in page3 and "Numbered concept 4" not in page3
    assert "Numbered concept" not in text(client.get("/concepts/?page=99")).split("concept-list")[-1]


def test_front_page_and_org_page_list_concepts(people, client):
    make_concept(people, title="Front page concept")
    assert "Front page concept" in text(client.get("/"))
    assert "Front page concept" in text(client.get(f"/orgs/{people['org'].slug}"))
