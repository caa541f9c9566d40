"""The concept list and the demand summary come from the page cache: the second view is a hit, a
change shows on the very next request, visibility holds (nobody gets a copy showing what they may
not see), and a warm page costs a handful of SQL statements."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import ReviewItem, Topic
from forum.services import concepts, feedback, moderation, organizations, posting
from tests.conftest import login, make_user
from tests.statements import statements_run
from tests.web.test_concepts import make_concept

PRICE = {"too_cheap": 10, "cheap": 20, "expensive": 30, "too_expensive": 40}


def text(response) -> str:
    return response.get_data(as_text=True)


def _cached(client, url: str) -> str:
    """The page, after making sure the cache holds it (the second request is a hit)."""
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["X-Page-Cache"] == "hit", url
    return text(response)


def _fresh(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return text(response)


def _tile(page: str, label: str) -> str:
    return re.search(rf"<dt>{label}</dt><dd>([^<]*)</dd>", page)[1]


def _hide(people, concept) -> None:
    """Someone flags the concept, a moderator hides it (the moderation service, as on its pages)."""
    row = moderation.flag(make_user("flagger"), "concept", concept.id, "spam")
    moderation.act_on_item(people["moderator"], db.session.get(ReviewItem, row.review_item_id), "hide",
                           "Advertising, plainly.")


@pytest.fixture
def concept(people):
    concept = make_concept(people, title="Cached summary kettle", features=["Whisper mode", "Keep warm"],
                           price_question_enabled=True)
    people["org"].publish_price_summary = True
    db.session.commit()
    return concept


@pytest.fixture
def topic(concept):
    return db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))


@pytest.fixture(params=["visitor", "consumer", "member"])
def reader(request, app, people):
    client = app.test_client()
    if request.param == "consumer":
        login(client, make_user("reader"))
    elif request.param == "member":
        login(client, people["member"])
    return client


# --- the demand summary ---------------------------------------------------------------------------

def _tokens_blank(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)


def test_the_summary_changes_on_the_next_request_after_a_vote_and_a_price_answer(reader, people, concept):
    url = f"/concepts/{concept.slug}/results"
    page = _cached(reader, url)
    assert "Nobody has taken part yet" in page and "No price answers yet" in page
    feedback.cast_vote(make_user("voter"), concept.features[1], "up")
    page = _fresh(reader, url)
    assert _tile(page, "People in all") == "1" and _tile(page, "Voted") == "1"
    assert "1 person voted" in page
    # The same page again, from the cache (CSRF tokens are signed with the second they were made in).
    assert _tokens_blank(_cached(reader, url)) == _tokens_blank(page)
    feedback.answer_price(make_user("pricer"), concept, PRICE)
    page = _fresh(reader, url)
    assert _tile(page, "Named prices") == "1" and _tile(page, "Usable answers").startswith("1")
    assert "No price answers yet" not in page and "<polyline" in page


def test_the_summary_changes_on_the_next_request_after_a_post_in_the_discussion(reader, people, concept, topic):
    url = f"/concepts/{concept.slug}/results"
    assert "Does it whistle?" not in _cached(reader, url)
    question = posting.reply(make_user("asker"), topic, "Does it whistle?")
    page = _fresh(reader, url)
    assert "Does it whistle?" in page.split("Unanswered questions")[1] and _tile(page, "Commented") == "1"
    _cached(reader, url)
    posting.reply(people["member"], topic, "It hums, quietly.", question.id)  # an official answer
    page = _fresh(reader, url)
    assert "It hums, quietly." in page.split("Official answers")[1]
    assert "Does it whistle?" in page.split("Most replied")[1].split("Unanswered questions")[0]


def test_the_summary_changes_on_the_next_request_after_an_edit(reader, people, concept):
    url = f"/concepts/{concept.slug}/results"
    assert "Demand summary: Cached summary kettle" in _cached(reader, url)
    concepts.update(people["owner"], concept, "Renamed summary kettle", "A summary", "Text", "", "EUR",
                    True, False, True)
    assert "Demand summary: Renamed summary kettle" in _fresh(reader, url)


def test_nobody_gets_a_summary_from_the_cache_that_they_may_not_see(app, people, concept):
    url = f"/concepts/{concept.slug}/results"
    member, visitor, consumer = app.test_client(), app.test_client(), app.test_client()
    login(member, people["member"])
    login(consumer, make_user("outsider"))
    assert "Workbook (.xlsx)" in _cached(member, url)  # members get the downloads
    for client in (visitor, consumer):
        assert "Workbook (.xlsx)" not in _cached(client, url)  # others share no copy with members
    organizations.update(people["owner"], people["org"], people["org"].name, "", "", publish_price_summary=False)
    assert "Workbook (.xlsx)" in _fresh(member, url)
    for client in (visitor, consumer):
        response = client.get(url)
        assert response.status_code == 403 and "Workbook" not in text(response)
    # A hidden concept's summary is gone for everyone who may not see the concept, cached or not.
    organizations.update(people["owner"], people["org"], people["org"].name, "", "", publish_price_summary=True)
    _cached(visitor, url)
    _hide(people, concept)
    assert visitor.get(url).status_code == 404 and consumer.get(url).status_code == 404


def test_since_your_last_visit_is_personal_and_counts_what_is_new(app, people, concept, topic):
    url = f"/concepts/{concept.slug}/results"
    owner, member = app.test_client(), app.test_client()
    login(owner, people["owner"])
    login(member, people["member"])
    assert "Since your last visit" not in _fresh(owner, url)  # a first visit: nothing to compare with
    owner.post(f"{url}/visit")  # what the page's script does once the page is shown
    feedback.cast_vote(make_user("v1"), concept.features[0], "up")
    posting.reply(make_user("v2"), topic, "Is it loud?")
    page = _fresh(owner, url)
    strip = page.split('class="since-strip"')[1].split("</section>")[0]
    assert "<strong>1</strong> new comment" in strip and "<strong>1</strong> new or changed vote" in strip
    response = member.get(url)  # the shared page, without the owner's strip
    assert response.headers["X-Page-Cache"] == "hit" and "Since your last visit" not in text(response)
    assert "<!--sb:" not in page + text(response)
    owner.post(f"{url}/visit")
    feedback.answer_price(make_user("v3"), concept, PRICE)
    strip = _fresh(owner, url).split('class="since-strip"')[1].split("</section>")[0]
    assert "<strong>0</strong> new comments" in strip and "<strong>1</strong> new or changed price answer" in strip


def test_a_warm_summary_costs_a_few_statements(app, people, concept):
    for i in range(3):
        voter = make_user(f"warm{i}")
        feedback.cast_vote(voter, concept.features[0], "up")
        feedback.answer_price(voter, concept, {k: v + i for k, v in PRICE.items()})
    url = f"/concepts/{concept.slug}/results"
    visitor, member, consumer = app.test_client(), app.test_client(), app.test_client()
    login(member, people["member"])
    login(consumer, make_user("warm_reader"))
    for client in (visitor, member, consumer):
        client.get(url)
        with statements_run(app) as seen:
            response = client.get(url)
        assert response.status_code == 200 and response.headers["X-Page-Cache"] == "hit"
        assert len(seen) <= (1 if client is visitor else 10), seen


# --- the concept list -----------------------------------------------------------------------------

def test_the_list_changes_on_the_next_request_after_a_new_concept_an_edit_and_a_stage_change(reader, people,
                                                                                          concept):
    url = "/concepts/"
    page = _cached(reader, url)
    assert "Cached summary kettle" in page and "Brand new toaster" not in page
    toaster = make_concept(people, title="Brand new toaster")
    assert "Brand new toaster" in _fresh(reader, url)
    _cached(reader, url)
    concepts.update(people["owner"], toaster, "Renamed toaster", "A summary", "Text", "", "EUR", True, False, False)
    page = _fresh(reader, url)
    assert "Renamed toaster" in page and "Brand new toaster" not in page
    stage_url = "/concepts/?stage=prototype"
    assert "Renamed toaster" not in _cached(reader, stage_url)
    concepts.change_stage(people["owner"], toaster, "prototype")
    assert "Renamed toaster" in _fresh(reader, stage_url)
    assert "Cached summary kettle" not in _fresh(reader, stage_url)  # a filter is part of the key


def test_the_list_changes_on_the_next_request_after_a_post_and_an_organization_change(reader, people, concept,
                                                                                     topic):
    url = "/concepts/"
    card = _cached(reader, url).split("Cached summary kettle")[1]
    assert "0 posts" in card and "✓ Verified" in card
    posting.reply(make_user("poster"), topic, "Lovely idea")
    assert "1 post<" in _fresh(reader, url).split("Cached summary kettle")[1]
    _cached(reader, url)
    organizations.set_verified(people["admin"], people["org"], False)
    assert "Not yet verified" in _fresh(reader, url).split("Cached summary kettle")[1]
    organizations.update(people["owner"], people["org"], "Kettle Works Renamed", "", "")
    assert "Kettle Works Renamed" in _fresh(reader, url)


def test_nobody_gets_a_list_from_the_cache_showing_a_concept_they_may_not_see(app, people, concept):
    make_concept(people, title="Visible blender")
    _hide(people, concept)
    moderator, member, visitor, consumer = (app.test_client() for _ in range(4))
    login(moderator, people["moderator"])
    login(member, people["member"])
    login(consumer, make_user("list_reader"))
    for client in (moderator, member):  # staff see every concept; members their organization's
        page = _cached(client, "/concepts/")
        assert "Cached summary kettle" in page and "Hidden" in page
    for client in (visitor, consumer):
        page = _cached(client, "/concepts/")
        assert "Visible blender" in page and "Cached summary kettle" not in page


def test_a_warm_list_costs_a_few_statements(app, people, concept):
    visitor, consumer = app.test_client(), app.test_client()
    login(consumer, make_user("warm_lister"))
    for client, most in ((visitor, 1), (consumer, 10)):
        for url in ("/concepts/", "/concepts/?sort=active&tag=kitchen"):
            client.get(url)
            with statements_run(app) as seen:
                response = client.get(url)
            assert response.status_code == 200 and response.headers["X-Page-Cache"] == "hit"
            assert len(seen) <= most, seen
