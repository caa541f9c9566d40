"""Every route, for every role, gives what that role should get. A route with no case fails."""
from __future__ import annotations

import pytest

from tests.conftest import login
from tests.web.matrix import ROLES, load

CASES, BUILDERS = load()
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def test_every_route_is_in_the_matrix(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            if (rule.endpoint, method) not in CASES:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "Routes missing from tests/web/matrix: " + ", ".join(missing)


def test_matrix_names_no_route_that_is_gone(app):
    known = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in (r.methods or set())}
    stale = [key for key in CASES if key not in known]
    assert not stale, f"Matrix cases for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: f"{k[1]} {k[0]}")
def test_route_for_role(app, client, people, key, role):
    objects = dict(people)
    for build in BUILDERS:
        objects.update(build(objects) or {})
    case = CASES[key]
    endpoint, method = key
    if role != "visitor":
        login(client, objects[role])
    url = case.url(objects)
    kwargs = {}
    if case.data is not None:
        kwargs["json" if case.json else "data"] = case.data(objects)
    response = client.open(url, method=method, **kwargs)
    expected = case.expect[role]
    status = response.status_code
    location = response.headers.get("Location", "")
    if expected == "login":
        assert status == 302 and "/login" in location, f"{role} {method} {url}: {status} {location}"
    elif expected == "redirect":
        assert status in (302, 303) and "/login" not in location, f"{role} {method} {url}: {status} {location}"
    else:
        body = response.get_data()[:300].decode(errors="replace")
        assert status == expected, f"{role} {method} {url}: got {status}, expected {expected}: {body}"
