"""HTTP caching of the cached pages (forum/pagecache.py): an ETag from the page's key, 304 from the
key check alone, `public` with a short shared lifetime for visitors and `private, no-cache` for
signed-in readers, the right Vary, never a cookie on a publicly cacheable answer, and gzip from the
app itself."""
from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Topic
from forum.services import accounts, notifications, posting
from tests.conftest import login, make_user
from tests.statements import statements_run
from tests.web.test_concepts import make_concept


@pytest.fixture
def concept(people):
    concept = make_concept(people, title="Etag toaster", features=["Crumb tray"], price_question_enabled=True)
    people["org"].publish_price_summary = True
    db.session.commit()
    return concept


@pytest.fixture
def topic(concept):
    return db.session.scalar(select(Topic).where(Topic.concept_id == concept.id))


@pytest.fixture(params=["topic", "concept", "list", "summary"])
def url(request, concept, topic):
    return {"topic": f"/t/{topic.id}", "concept": f"/concepts/{concept.slug}", "list": "/concepts/",
            "summary": f"/concepts/{concept.slug}/results"}[request.param]


def _conditional(app, client, url, etag, **headers):
    with statements_run(app) as seen:
        response = client.get(url, headers={"If-None-Match": etag, **headers})
    return response, seen


def test_a_visitor_page_is_public_for_a_short_while_and_answers_304_from_its_key(app, url):
    client = app.test_client()
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    control = first.headers["Cache-Control"]
    assert control.startswith("public") and "s-maxage=5" in control and "stale-while-revalidate=30" in control
    assert "max-age=0" in control  # a browser asks again every time: a 304 when nothing moved
    assert {v.strip() for v in first.headers["Vary"].split(",")} >= {"Cookie", "Accept-Language", "Accept-Encoding"}
    assert "Set-Cookie" not in first.headers
    again, statements = _conditional(app, client, url, etag)
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == control
    assert len(statements) == 1, statements  # the key check, nothing else: no render, no cache read


def test_a_post_changes_the_visitor_etag(app, people, concept, topic, url):
    client = app.test_client()
    etag = client.get(url).headers["ETag"]
    posting.reply(make_user("poster"), topic, "A new word on the toaster")
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag


def test_the_readers_language_is_part_of_the_etag(app, url):
    client = app.test_client()
    english = client.get(url, headers={"Accept-Language": "en"})
    chinese = client.get(url, headers={"Accept-Language": "zh-CN", "If-None-Match": english.headers["ETag"]})
    assert chinese.status_code == 200  # never the English page's 304
    assert chinese.headers["ETag"] != english.headers["ETag"]
    assert client.get(url, headers={"Accept-Language": "zh-CN",
                                    "If-None-Match": chinese.headers["ETag"]}).status_code == 304


def test_a_signed_in_page_is_private_with_its_own_etag(app, url):
    reader, other = make_user("etag_reader"), make_user("etag_other")
    mine, theirs, visitor = app.test_client(), app.test_client(), app.test_client()
    login(mine, reader)
    login(theirs, other)
    mine.get(url)  # the welcome message is shown (a flashed page has no ETag)
    theirs.get(url)
    first = mine.get(url)
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    assert etag not in (theirs.get(url).headers["ETag"], visitor.get(url).headers["ETag"])
    again, statements = _conditional(app, mine, url, etag)
    assert again.status_code == 304 and again.headers["Cache-Control"] == "private, no-cache"
    assert len(statements) == 1, statements  # Flask-Login's person with the page's key and their facts
    # Another person's validator never gets them a 304 (their page shows their name and menu).
    assert theirs.get(url, headers={"If-None-Match": etag}).status_code == 200
    # The reader's own facts are in it: a new notification is a new page.
    notifications.notify(reader.id, "moderation", "Your flag was upheld.")
    db.session.commit()
    response = mine.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and "data-unread-count>1<" in response.get_data(as_text=True)


def test_a_signed_in_cached_page_is_one_statement_and_ends_with_the_session(app, url):
    """Flask-Login loads the person fresh on every request, and the page's key with their own facts in
    the same statement (forum/services/page_keys.py): a reload from the cache and a 304 cost one."""
    reader = make_user("one_statement")
    client = app.test_client()
    login(client, reader)
    client.get(url)  # the welcome message
    client.get(url)  # rendered and stored
    hit, statements = _conditional(app, client, url, '"none"')
    assert hit.status_code == 200 and hit.headers["X-Page-Cache"] == "hit"
    assert len(statements) == 1, statements
    assert "One_Statement" in hit.get_data(as_text=True)
    again, statements = _conditional(app, client, url, hit.headers["ETag"])
    assert again.status_code == 304 and len(statements) == 1, statements
    accounts.end_other_sessions(reader)  # logged out everywhere: at once, on this very page
    gone = client.get(url, headers={"If-None-Match": hit.headers["ETag"]})
    assert gone.status_code == 200 and "One_Statement" not in gone.get_data(as_text=True)
    assert "Log in" in gone.get_data(as_text=True), gone.headers


def test_a_flash_message_is_never_hidden_behind_a_304(app, concept):
    reader = make_user("flash_etag")
    client = app.test_client()
    login(client, reader)
    url = f"/concepts/{concept.slug}"
    client.get(url)
    etag = client.get(url).headers["ETag"]
    client.post("/follow", data={"concept_id": concept.id, "next": url})
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and 'class="flash' in response.get_data(as_text=True)


def test_a_response_that_sets_a_cookie_is_never_public(app, concept):
    """A visitor with a message to show (their session changes): the answer sets the session cookie,
    so no shared cache may keep it."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Hello, visitor.")]
    response = client.get(f"/concepts/{concept.slug}")
    assert response.status_code == 200 and "Hello, visitor." in response.get_data(as_text=True)
    assert "Set-Cookie" in response.headers
    assert "public" not in response.headers["Cache-Control"]


def test_the_app_compresses_html_css_and_json(app, client, concept):
    page = client.get(f"/concepts/{concept.slug}", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.get_data()).decode()
    assert "Etag toaster" in html
    plain = client.get(f"/concepts/{concept.slug}")
    assert "Content-Encoding" not in plain.headers and plain.get_data(as_text=True) == html
    css = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip" and b"{" in gzip.decompress(css.get_data())
    css.close()
    api = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    if api.status_code == 200 and len(api.get_data()) > 500:
        assert api.headers["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(api.get_data()))
