"""Security by default: CSRF on every change, headers on every page, no inline script anywhere."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.conftest import login
from tests.web.matrix import load

CASES, BUILDERS = load()
POSTS = sorted(k for k in CASES if k[1] in ("POST", "PUT", "PATCH", "DELETE"))
GETS = sorted(k for k in CASES if k[1] == "GET")


def build_objects(people):
    objects = dict(people)
    for build in BUILDERS:
        objects.update(build(objects) or {})
    return objects


@pytest.mark.parametrize("key", POSTS, ids=lambda k: k[0])
def test_every_change_refuses_a_request_without_csrf_token(app, client, people, key):
    objects = build_objects(people)
    login(client, objects["admin"])
    app.config["WTF_CSRF_ENABLED"] = True
    case = CASES[key]
    kwargs = {}
    if case.data is not None:
        kwargs["json" if case.json else "data"] = case.data(objects)
    response = client.open(case.url(objects), method=key[1], **kwargs)
    assert response.status_code == 400, f"{key}: {response.status_code}"
    assert "Form expired" in response.get_data(as_text=True) or response.is_json


def test_csrf_token_from_the_page_is_accepted(app, client, people):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"login": "carol", "password": "correct horse battery staple",
                                           "csrf_token": token})
    assert response.status_code == 302


class ScriptAudit(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=...> inline style")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "script":
            self._in_script = True
            if not attributes.get("src"):
                self.problems.append("inline <script> without src")
        if tag == "style":
            self.problems.append("inline <style> block")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("<script> with inline code")


@pytest.mark.parametrize("role", ["visitor", "consumer", "owner", "admin"])
def test_every_page_has_security_headers_and_no_inline_script(app, people, role):
    objects = build_objects(people)
    client = app.test_client()
    if role != "visitor":
        login(client, objects[role])
    checked = 0
    for key in GETS:
        response = client.get(CASES[key].url(objects))
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        if response.mimetype == "text/html":
            audit = ScriptAudit()
            audit.feed(response.get_data(as_text=True))
            assert not audit.problems, f"{key} as {role}: {audit.problems}"
            checked += 1
    assert checked > 5


@pytest.mark.parametrize("status,url", [(404, "/no/such/page"), (405, "/logout")])
def test_error_pages_are_html_or_json(client, app, status, url):
    page = client.get(url)
    assert page.status_code == status and "<h1>" in page.get_data(as_text=True)
    as_json = client.get(url, headers={"Accept": "application/json"})
    assert as_json.status_code == status
    assert set(as_json.get_json()) == {"error", "message"}


def test_unexpected_errors_give_a_500_page_without_details(database_url):
    from forum import create_app
    from tests.conftest import TEST_CONFIG

    other = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})

    @other.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = other.test_client().get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Something went wrong" in text and "secret internals" not in text
    assert response.headers["Content-Security-Policy"]


def test_writes_are_rate_limited_per_user_with_a_clear_message(app, client, people):
    from forum.extensions import limiter

    login(client, people["consumer"])
    app.config["RATELIMIT_WRITES"] = "3 per minute"
    limiter.enabled = True
    for n in range(3):
        assert client.post("/settings/profile", data={"display_name": f"Name {n}"}).status_code == 302
    response = client.post("/settings/profile", data={"display_name": "One too many"})
    assert response.status_code == 429
    assert "Please try again in" in response.get_data(as_text=True)
    assert client.get("/settings").status_code == 200  # reading is not limited
    other = app.test_client()
    login(other, people["owner"])
    assert other.post("/settings/profile", data={"display_name": "Olga"}).status_code == 302


@pytest.mark.parametrize("url", ["/orgs/%00", "/u/a%00b", "/orgs/?page=%00"])
def test_null_characters_get_a_clear_400(client, people, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "null character" in response.get_data(as_text=True)


def test_null_character_in_a_form_writes_nothing(client, people):
    login(client, people["consumer"])
    response = client.post("/settings/profile", data={"display_name": "Bad\x00Name", "bio": ""})
    assert response.status_code == 400
    assert "Bad" not in client.get("/u/carol").get_data(as_text=True)
