"""Abuse cases found in review: a pathological post, huge ids, odd JSON, renames, suspended
profiles, probing private price answers. Each test failed before its fix."""
from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from sqlalchemy import event

from forum.errors import ValidationError
from forum.extensions import db
from forum.models import Membership, Organization, User, utcnow
from forum.services import concepts, organizations
from tests.conftest import login, make_org, make_user


def _concept(people, **kw):
    kw.setdefault("price_question_enabled", True)
    concept = concepts.create(people["owner"], people["org"], kw.pop("title", "Smart Kettle"), "A kettle",
                              "It boils.", **kw)
    concepts.add_feature(people["owner"], concept, "Timer", "")
    return concept


class _TookTooLong(BaseException):
    """A BaseException, so the app's catch-all 500 handler does not swallow it."""


# --- 1. Markdown rendering is quadratic on unclosed brackets: one post ties up a worker for minutes -----

def test_preview_of_unclosed_brackets_finishes_quickly(app, people, client):
    """20,000 '[' (the BODY_MAX) take ~4 minutes in forum.markup.render (Python-Markdown's link
    pattern backtracks); "![" * 10000 ~2 minutes. Any signed-in person can send it to /preview,
    a reply or a concept description; under gevent one such request stalls the whole process."""
    login(client, people["consumer"])

    def on_alarm(signum, frame):
        raise _TookTooLong()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 5)
    try:
        response = client.post("/preview", json={"body": "[" * 20_000},
                               headers={"Accept": "application/json"})
    except _TookTooLong:
        pytest.fail("POST /preview with 20,000 '[' took over 5 seconds (it takes minutes)")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert response.status_code in (200, 400)


# --- 2. Out-of-range ids in URL paths reach the database: 500 on SQLite and PostgreSQL ---------------

@pytest.mark.parametrize("method,path", [
    ("GET", "/t/99999999999999999999"),
    ("GET", "/p/99999999999999999999"),
    ("GET", "/t/2147483648"),  # 500 on PostgreSQL (integer out of range)
    ("POST", "/notifications/99999999999999999999/read"),
    ("POST", "/p/99999999999999999999/delete"),
])
def test_out_of_range_id_in_path_is_404(app, people, client, method, path):
    login(client, people["admin"])
    response = client.open(path, method=method)
    assert response.status_code == 404, f"{method} {path}: {response.status_code}"


def test_out_of_range_feature_id_in_vote_path_is_404(app, people, client):
    concept = _concept(people)
    login(client, people["consumer"])
    response = client.post(f"/concepts/{concept.slug}/features/99999999999999999999/vote", data={"value": "up"})
    assert response.status_code == 404


# --- 3. Purchase intent: str.isdigit() accepts '²', int('²') raises -> 500 --------------------------------

@pytest.mark.parametrize("intent", ["²", "1" * 5000])
def test_odd_purchase_intent_is_a_clear_400(app, people, client, intent):
    concept = _concept(people)
    login(client, people["consumer"])
    response = client.post(f"/concepts/{concept.slug}/price", data={
        "too_cheap": "5", "cheap": "10", "expensive": "20", "too_expensive": "30", "intent_cheap": intent})
    assert response.status_code == 400, response.status_code


# --- 4. A JSON body that is not an object: Flask-WTF builds ImmutableMultiDict(list) -> 500 ---------------

@pytest.mark.parametrize("body", [[1, 2], "text", 5])
def test_non_object_json_body_is_400(app, people, client, body):
    concept = _concept(people)
    feature = concept.features[0]
    login(client, people["consumer"])
    for url in ("/preview", f"/concepts/{concept.slug}/features/{feature.id}/vote", "/follow", "/orgs/new"):
        response = client.post(url, json=body, headers={"Accept": "application/json"})
        assert response.status_code < 500, f"POST {url} with JSON {body!r}: {response.status_code}"


# --- 5. Organization page: one query per member (m.user is lazy-loaded) ----------------------------------

def _statements(client, url):
    count = [0]

    def tick(*args, **kwargs):
        count[0] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", tick)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", tick)
    assert response.status_code == 200
    return count[0]


def test_org_page_queries_do_not_grow_with_members(app, people, client):
    org = people["org"]
    few = _statements(client, f"/orgs/{org.slug}")
    for i in range(40):
        user = make_user(f"member{i}")
        db.session.add(Membership(organization_id=org.id, user_id=user.id, role="member"))
    db.session.commit()
    many = _statements(client, f"/orgs/{org.slug}")
    assert many <= few + 2, f"/orgs/<slug>: {few} statements with 3 members, {many} with 43"


# --- 6. Organizations: the verified mark survives any rename; names can be copied by renaming -----------

def test_renaming_a_verified_org_needs_verifying_again(app, people):
    owner = make_user("mallory")
    org = make_org(owner, name="Honest Bakery", verified=True)
    organizations.update(owner, org, "Apple Inc", "", "")
    assert not org.is_verified, "a verified organization renamed itself and kept the ✓ Verified mark"


def test_an_org_cannot_rename_itself_to_another_orgs_name(app, people):
    owner = make_user("mallory")
    copycat = make_org(owner, name="Tiny Shop", verified=False)
    with pytest.raises(ValidationError) as refused:
        organizations.update(owner, copycat, people["org"].name, "", "")
    assert refused.value.errors["name"] == ["An organization with that name already exists."]
    db.session.rollback()
    assert db.session.get(Organization, copycat.id).name == "Tiny Shop"


# --- 7. Suspension: "stops writing in public", but the public profile stays writable -------------------

def test_suspended_person_cannot_rewrite_public_profile(app, people, client):
    user = people["consumer"]
    user.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    login(client, user)
    client.post("/settings/profile", data={"display_name": "CHEAP PILLS", "bio": "buy at spam.example"})
    db.session.expire_all()
    assert db.session.get(User, user.id).bio == "", "a suspended account changed its public bio"


# --- 8. Unpublished price summary: the price page tells a respondent where they sit ---------------------

def test_unpublished_price_distribution_cannot_be_probed(app, people, client):
    """With publish_price_summary off, a respondent still sees "higher than or equal to N% of answers"
    for each of the four prices and can re-submit (60 a minute) to binary-search every percentile of
    the organization's private answers."""
    concept = _concept(people)
    assert not people["org"].publish_price_summary
    from forum.services import feedback

    for i in range(6):
        feedback.answer_price(make_user(f"resp{i}"), concept, {
            "too_cheap": str(5 + i), "cheap": str(10 + i), "expensive": str(20 + i), "too_expensive": str(30 + i)})
    login(client, people["consumer"])
    seen = []
    for probe in ("6", "8", "10"):
        client.post(f"/concepts/{concept.slug}/price", data={
            "too_cheap": probe, "cheap": "100", "expensive": "200", "too_expensive": "300"})
        page = client.get(f"/concepts/{concept.slug}/price").get_data(as_text=True)
        seen.append([line for line in page.splitlines() if "% of answers" in line][:1])
    assert not any(seen), f"the private distribution shows through: {seen}"
