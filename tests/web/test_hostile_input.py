"""Bad input gets a clear answer, never a 500: every route of the role matrix, fed junk."""
from __future__ import annotations

import pytest

from tests.conftest import login
from tests.web.matrix import load

CASES, BUILDERS = load()
JUNK_VALUES = ["", " ", "x" * 100_000, "-1", "0", "99999999999999999999999", "1e309", "NaN", "null",
               "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%s%n", "日本語テキスト", "🙂" * 50,
               "\u202eevil", "\r\n\r\nInjected: header"]


def build_objects(people):
    objects = dict(people)
    for build in BUILDERS:
        objects.update(build(objects) or {})
    return objects


@pytest.mark.parametrize("key", sorted(k for k in CASES if k[1] == "POST"), ids=lambda k: k[0])
def test_junk_in_every_form_field_never_gives_a_500(app, people, key):
    objects = build_objects(people)
    case = CASES[key]
    base = case.data(objects) if case.data else {}
    fields = set(base) | {"body", "title", "value", "next", "page"}
    client = app.test_client()
    login(client, objects["admin"] if key[0].startswith(("admin.", "board.manage", "board.edit_board"))
          else objects["consumer"])
    url = case.url(objects)
    for value in JUNK_VALUES:
        data = {field: value for field in fields}
        response = client.post(url, data=data)
        assert response.status_code < 500, f"{key} with {value[:30]!r}: {response.status_code}"
    response = client.post(url, data={})
    assert response.status_code < 500, f"{key} with no fields"
    response = client.post(url, json={"anything": ["a", 1, None]})
    assert response.status_code < 500, f"{key} with a JSON body"


@pytest.mark.parametrize("key", sorted(k for k in CASES if k[1] == "GET"), ids=lambda k: k[0])
def test_junk_in_query_strings_never_gives_a_500(app, people, key):
    objects = build_objects(people)
    client = app.test_client()
    login(client, objects["admin"])
    path, _, _query = CASES[key].url(objects).partition("?")
    for value in JUNK_VALUES[:12]:
        query = {name: value for name in ("page", "q", "sort", "stage", "org", "tag", "kind", "to", "next")}
        response = client.get(path, query_string=query)
        assert response.status_code < 500, f"{key} with {value[:30]!r}: {response.status_code}"
