"""No request gets a 500: every POST route of app.url_map, fed junk of every kind.

For each route the test signs in as a role that gets past the permission check (so the junk reaches
the form and the service), then sends JSON of every type in every field, non-object JSON, chunked
bodies, deep nesting, lone surrogates, NaN, invalid UTF-8, control characters, huge and missing
fields, other media types, a file and an oversized body. Nothing may answer 500. A POST route with no
case in the role matrix fails the walk, so a new route is covered the day it appears.

`python -m pytest tests/web/test_junk_requests.py -q -s` prints how many requests it sent.
"""
from __future__ import annotations

import io
import json
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from tests.conftest import login
from tests.web.matrix import load

CASES, BUILDERS = load()
POST_KEYS = sorted(key for key in CASES if key[1] == "POST")
# The roles tried in order: the first whose expected outcome gets past the permission check.
ROLE_ORDER = ("visitor", "owner", "admin", "member", "consumer", "moderator")
# Routes after which the session may be gone: sign in again before each request.
SESSION_ENDING = {"auth.logout", "account.end_other_sessions", "account.change_password", "account.change_email"}
REFUSALS = {403, 404, 405, "login"}

FIELDS = {"body", "title", "login", "password", "remember", "next", "username", "email", "display_name",
          "bio", "current_password", "new_password", "name", "description", "website", "logo_url",
          "publish_price_summary", "role", "summary", "tags", "currency", "feedback_open", "kano_enabled",
          "price_question_enabled", "organization", "stage", "note", "direction", "value", "too_cheap",
          "cheap", "expensive", "too_expensive", "intent_cheap", "intent_expensive", "reply_to_id",
          "board", "announcement", "preview", "submit", "slug", "position", "answer_id", "pinned",
          "locked", "reason", "verified", "concept_id", "topic_id", "page", "ladder", "clear_answers",
          "enabled", "text", "choices", "price", "answer", "number", "shown", "best", "worst"}

JSON_VALUES: list[Any] = [None, True, False, 0, -1, 10**30, 1.5e308, -0.0, "", " ", "x" * 100_000, [], ["a"],
                          [1, [2, [3]]], {"a": 1}, {"": {"": None}}, "\u202eevil", "\x01\x1b[31m\x7f",
                          "日本語🙂", "<script>alert(1)</script>", "99999999999999999999999", "NaN"]
NON_OBJECTS: list[Any] = [None, True, 5, 1.5, "text", [], [1, "a"], [{"body": "x"}]]
RAW_JSON: list[bytes] = [
    b"[" * 100_000,                               # RecursionError in json
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    b'{"body": "\\ud800", "title": "\\udfff x", "login": "\\ud83d"}',  # lone surrogates
    b'{"\\ud800": "key"}',
    b'{"body": NaN, "value": Infinity, "login": -Infinity}',
    b'{"body": "\xff\xfe bad utf-8"}',
    b'{"body": "truncated',
    b'{"body": "nul \\u0000 here"}',
    b"",
    b"   ",
    b'{"body": "x"} trailing',
    b"\xef\xbb\xbf{}",                            # a byte order mark
]
FORM_VALUES = ["", " ", "x" * 100_000, "\x01\x02\x7f", "\u202e", "%ED%A0%80", "-1", "1e309", "0x10",
               "[]", "{}", "null", "true"]
OTHER_BODIES: list[tuple[str, bytes]] = [
    ("text/plain", b"body=hello"),
    ("application/xml", b"<a>1</a>"),
    ("", b"body=hello"),
    ("application/octet-stream", b"\x00\x01\x02"),
    ("application/x-www-form-urlencoded", b'{"body": "json in a form"}'),
    ("application/x-www-form-urlencoded", b"body=%ED%A0%80&title=%FF%FE&login=%00"),
    ("multipart/form-data", b"not really multipart"),
    ("application/json; charset=latin-1", b'{"body": "caf\xe9"}'),
]


def _objects(people: dict[str, Any]) -> dict[str, Any]:
    objects = dict(people)
    for build in BUILDERS:
        objects.update(build(objects) or {})
    return objects


def _role_for(key: tuple[str, str]) -> str | None:
    expect = CASES[key].expect
    for role in ROLE_ORDER:
        if expect[role] not in REFUSALS:
            return role
    return None


def test_every_post_route_is_walked(app):
    routes = {(rule.endpoint, "POST") for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    missing = sorted(routes - set(POST_KEYS))
    assert not missing, f"POST routes the junk walk does not cover (add them to tests/web/matrix): {missing}"


def _requests(case_data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, keyword arguments for client.post) of every junk request for one route."""
    fields = sorted(FIELDS | set(case_data))
    out: list[tuple[str, dict[str, Any]]] = []
    for value in NON_OBJECTS:
        out.append((f"JSON {value!r:.30}", {"json": value}))
    for value in JSON_VALUES:
        out.append((f"JSON fields={value!r:.30}", {"json": {name: value for name in fields}}))
        out.append((f"JSON route fields={value!r:.30}", {"json": {**case_data, **dict.fromkeys(case_data, value)}}))
    out.append(("JSON valid data", {"json": case_data}))
    out.append(("JSON {}", {"json": {}}))
    for name in case_data:
        out.append((f"JSON without {name}", {"json": {k: v for k, v in case_data.items() if k != name}}))
        out.append((f"form without {name}", {"data": {k: v for k, v in case_data.items() if k != name}}))
    for raw in RAW_JSON:
        out.append((f"raw JSON {raw[:30]!r}", {"data": raw, "content_type": "application/json"}))
    for body in (b"[1, 2]", b'"text"', b"5", json.dumps({n: 5 for n in fields}).encode(),
                 json.dumps({n: ["a"] for n in fields}).encode(), b"[" * 100_000,
                 b'{"body": "\\ud800"}', json.dumps(case_data).encode()):
        out.append((f"chunked JSON {body[:30]!r}", {
            "input_stream": io.BytesIO(body), "content_type": "application/json",
            "headers": {"Transfer-Encoding": "chunked"}, "environ_overrides": {"wsgi.input_terminated": True}}))
    out.append(("chunked form", {
        "input_stream": io.BytesIO(b"body=%00&title=x&login=%ff"), "content_type": "application/x-www-form-urlencoded",
        "headers": {"Transfer-Encoding": "chunked"}, "environ_overrides": {"wsgi.input_terminated": True}}))
    for value in FORM_VALUES:
        out.append((f"form fields={value!r:.30}", {"data": {name: value for name in fields}}))
    out.append(("form repeated keys", {"data": MultiDict([(name, v) for name in fields for v in ("a", "b", "")])}))
    out.append(("form empty", {"data": {}}))
    for content_type, body in OTHER_BODIES:
        out.append((f"{content_type or 'no type'} {body[:20]!r}", {"data": body, "content_type": content_type}))
    out.append(("a file upload", {"data": {**case_data, "body": (io.BytesIO(b"GIF89a"), "x.gif")},
                                  "content_type": "multipart/form-data"}))
    out.append(("3 MB form", {"data": {"body": "x" * 3_000_000}}))
    out.append(("3 MB JSON", {"json": {"body": "x" * 3_000_000}}))
    out.append(("3 MB chunked", {"input_stream": io.BytesIO(b"[" + b"1," * 1_500_000 + b"1]"),
                                 "content_type": "application/json", "headers": {"Transfer-Encoding": "chunked"},
                                 "environ_overrides": {"wsgi.input_terminated": True}}))
    return out


@pytest.mark.parametrize("key", POST_KEYS, ids=lambda k: k[0])
def test_junk_never_gives_a_500(app, people, key):
    objects = _objects(people)
    case = CASES[key]
    role = _role_for(key)
    case_data = case.data(objects) if case.data else {}
    url = case.url(objects)
    failures = []
    requests = _requests(case_data)
    client = app.test_client()
    for number, (label, kwargs) in enumerate(requests):
        if role not in (None, "visitor") and (number == 0 or key[0] in SESSION_ENDING):
            client = app.test_client()
            login(client, objects[role])
        response = client.post(url, **kwargs)
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code}")
    print(f"\n{key[0]} as {role}: {len(requests)} junk requests, {len(failures)} answered 500")
    assert not failures, f"POST {url} as {role}: " + "; ".join(failures)

