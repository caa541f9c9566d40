"""What a write request may carry is decided in one place (forum/web/bodies.py): a form, or a JSON
object whose values fit the form's fields. The cases of the issue, each a 500 before."""
from __future__ import annotations

import importlib
import io
import pkgutil

import pytest
from flask_wtf import FlaskForm

import forum.web
from forum.extensions import db
from forum.models import Concept, Post
from forum.services import concepts, posting
from forum.web.bodies import ForumForm
from tests.conftest import PASSWORD, login

CHUNKED = {"headers": {"Transfer-Encoding": "chunked"}, "environ_overrides": {"wsgi.input_terminated": True}}


def text(response) -> str:
    """The message a person reads: the JSON answer's message, or the page."""
    if response.is_json:
        return response.get_json()["message"]
    return response.get_data(as_text=True)


@pytest.mark.parametrize("value,kind", [(5, "a number"), ({"a": 1}, "an object"), (["x"], "a list"),
                                        (True, "true or false")])
def test_login_with_a_json_value_that_is_not_text_is_a_clear_400(client, people, value, kind):
    response = client.post("/login", json={"login": value, "password": "x"}, headers={"X-CSRFToken": "t"})
    assert response.status_code == 400
    assert "“login”" in text(response) and kind in text(response)


def test_json_with_text_values_works_like_a_form(client, people):
    response = client.post("/login", json={"login": people["consumer"].username, "password": PASSWORD})
    assert response.status_code == 302
    response = client.post("/preview", json={"body": "**bold**"})
    assert response.status_code == 200 and response.get_json()["html"] == "<p><strong>bold</strong></p>"


def test_json_check_boxes_take_true_and_false(client, people):
    org = people["org"]
    login(client, people["owner"])
    data = {"name": org.name, "description": "", "website": "", "logo_url": ""}
    assert client.post(f"/orgs/{org.slug}/edit", json={**data, "publish_price_summary": True}).status_code == 302
    assert org.publish_price_summary is True
    assert client.post(f"/orgs/{org.slug}/edit", json={**data, "publish_price_summary": False}).status_code == 302
    assert org.publish_price_summary is False
    response = client.post(f"/orgs/{org.slug}/edit", json={**data, "publish_price_summary": 1})
    assert response.status_code == 400 and "check box" in text(response)


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"5", b"null"])
def test_chunked_json_that_is_not_an_object_is_a_400(client, people, body):
    login(client, people["consumer"])
    response = client.post("/preview", input_stream=io.BytesIO(body), content_type="application/json", **CHUNKED)
    assert response.status_code == 400 and "JSON object" in text(response)


@pytest.mark.parametrize("chunked", [False, True])
def test_deeply_nested_json_is_a_400(client, people, chunked):
    login(client, people["consumer"])
    body = b"[" * 100_000
    kwargs = {"input_stream": io.BytesIO(body), **CHUNKED} if chunked else {"data": body}
    response = client.post("/preview", content_type="application/json", **kwargs)
    assert response.status_code == 400 and "nested" in text(response)


def test_a_lone_surrogate_never_reaches_the_database(client, people):
    topic = posting.create_topic(people["consumer"], _board(), "A topic", "First post")
    login(client, people["owner"])
    response = client.post(f"/t/{topic.id}/reply", data=b'{"body": "broken \\ud800 text"}',
                           content_type="application/json")
    assert response.status_code == 400 and "surrogate" in text(response)
    assert db.session.query(Post).filter_by(topic_id=topic.id).count() == 1


def test_nan_is_not_a_number_json_allows(client, people):
    login(client, people["consumer"])
    response = client.post("/preview", data=b'{"body": NaN}', content_type="application/json")
    assert response.status_code == 400 and "NaN" in text(response)


@pytest.mark.parametrize("content_type,body", [("text/plain", b"body=x"), ("application/xml", b"<a/>"),
                                               ("", b"body=x")])
def test_other_media_types_are_a_415(client, people, content_type, body):
    login(client, people["consumer"])
    response = client.post("/preview", data=body, content_type=content_type)
    assert response.status_code == 415 and "form" in text(response)


def test_a_file_is_a_415(client, people):
    login(client, people["consumer"])
    response = client.post("/preview", data={"body": (io.BytesIO(b"GIF89a"), "a.gif")},
                           content_type="multipart/form-data")
    assert response.status_code == 415 and "file" in text(response)


def test_a_concept_edit_without_tags_is_saved_without_tags(client, people):
    """The form used to fall back on the concept's Tag rows and pass them to parse_tags: a 500.
    A field that is not sent is empty, as in a browser."""
    concept = concepts.create(people["owner"], people["org"], "Kettle", "A kettle", "It boils.",
                              tags="kitchen, tea")
    login(client, people["owner"])
    response = client.post(f"/concepts/{concept.slug}/edit", data={
        "title": "Kettle", "summary": "A kettle", "description": "It boils.", "currency": "EUR"})
    assert response.status_code == 302
    assert db.session.get(Concept, concept.id).tags == []


def test_parse_tags_refuses_what_is_not_text(app):
    from forum.errors import ValidationError

    for junk in (5, [object()], {"a": 1}):
        with pytest.raises(ValidationError):
            concepts.parse_tags(junk)


def test_every_form_reads_bodies_through_the_one_place():
    for module in pkgutil.iter_modules(forum.web.__path__):
        importlib.import_module(f"forum.web.{module.name}")
    strays = []
    stack = list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("forum.") and not issubclass(cls, ForumForm):
            strays.append(f"{cls.__module__}.{cls.__name__}")
    assert not strays, f"forms that bypass forum.web.bodies.ForumForm: {strays}"


def _board():
    from forum.models import Board

    board = Board(name="General", slug="general", description="", position=0)
    db.session.add(board)
    db.session.commit()
    return board


@pytest.mark.parametrize(("website", "said"), [
    ("http://[\x01]/", "no spaces or control characters"), ("https://exa\x00mple.com", "null character"),
    ("https://ex\x7fample.com/", "no spaces or control characters"), ("https://[example.com/", "starting with https://"),
])
def test_an_organization_website_with_control_characters_in_its_host_is_a_clear_400(client, people, website, said):
    """The junk walk's last 500 (issue 18): urlsplit raised "Invalid IPv6 URL" on the edit page."""
    org = people["org"]
    login(client, people["owner"])
    data = {"name": org.name, "description": "", "website": website, "logo_url": ""}
    for response in (client.post(f"/orgs/{org.slug}/edit", data=data),
                     client.post(f"/orgs/{org.slug}/edit", json=data)):
        assert response.status_code == 400 and said in text(response)
    assert org.website != website
