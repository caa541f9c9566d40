"""Every route, for every role, gives what that role should get. A route with no case fails."""
from __future__ import annotations

from datetime import timedelta

import pytest

from forum import policy
from forum.extensions import db
from forum.models import Suspension, utcnow
from forum.services import accounts, moderation
from tests.conftest import login, make_user
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


# --- staff whose powers are gone: suspended, silenced, demoted ----------------------------------

RESTRICTIONS = ("suspended", "silenced", "demoted")
STAFF_ROUTES = sorted(key for key, case in CASES.items()
                      if any(case.expect[staff] != case.expect["consumer"] for staff in ("moderator", "admin"))
                      and (key[0].startswith("moderation.") or key[0].startswith("admin.")))


def restrict(user, how: str, admin) -> None:
    """Take a staff member's powers away the way it happens: a suspension, a silence, a new role."""
    if how == "demoted":
        accounts.set_role(admin, user, "consumer")
        return
    until = utcnow() + timedelta(days=3)
    if how == "suspended":
        user.suspended_until = until
    else:
        user.silenced_until = until
    db.session.commit()


@pytest.mark.parametrize("how", RESTRICTIONS)
@pytest.mark.parametrize("staff", ("moderator", "admin"))
@pytest.mark.parametrize("key", STAFF_ROUTES, ids=lambda k: f"{k[1]} {k[0]}")
def test_restricted_staff_get_what_a_consumer_gets_on_every_staff_route(app, client, people, key, staff, how):
    objects = dict(people)
    for build in BUILDERS:
        objects.update(build(objects) or {})
    user = objects[staff]
    login(client, user)  # signed in while still staff: the change must reach the open session
    other_admin = make_user("root", role="admin")
    restrict(user, how, other_admin)
    case = CASES[key]
    kwargs = {}
    if case.data is not None:
        kwargs["json" if case.json else "data"] = case.data(objects)
    response = client.open(case.url(objects), method=key[1], **kwargs)
    assert response.status_code == 403, f"{how} {staff} {key}: {response.status_code}"


def _every_action_on_every_kind(objects: dict) -> list[tuple[str, str, str, object]]:
    """(action, kind, policy rule, the rule's object) for each row of the moderation table and each
    kind of thing it applies to, on real objects: a post, a concept, a profile, a suspension under
    appeal; the rule's object is the person for actions on a person."""
    target = make_user("target")
    appeal = Suspension(user_id=target.id, kind="suspension", reason="matrix", ends_at=utcnow() + timedelta(days=3),
                        appeal="Please look again", appealed_at=utcnow())
    db.session.add(appeal)
    db.session.commit()
    things = {"post": objects["mod_post"], "concept": objects["concept"], "user": target, "person": target,
              "appeal": appeal}
    return [(action.name, kind, action.rule, target if action.on_person else things[kind])
            for action in moderation.TABLE for kind in action.applies_to]


@pytest.mark.parametrize("how", RESTRICTIONS)
@pytest.mark.parametrize("staff", ("moderator", "admin"))
def test_the_policy_alone_refuses_restricted_staff_every_moderation_action(app, people, staff, how):
    objects = dict(people)
    for build in BUILDERS:
        objects.update(build(objects) or {})
    user = objects[staff]
    rows = _every_action_on_every_kind(objects)
    # Before: staff may take every action of the table (a moderator all but a ban), so each
    # refusal below is the restriction's doing.
    allowed = {(name, kind) for name, kind, rule, obj in rows if policy.can(user, rule, obj)}
    expected = {(name, kind) for name, kind, _rule, _obj in rows if staff == "admin" or name != "ban"}
    assert allowed == expected
    restrict(user, how, make_user("root", role="admin"))
    for name, kind, rule, obj in rows:
        assert not policy.can(user, rule, obj), f"{how} {staff} may {name} a {kind}"
    for rule in ("moderation.access", "moderation.act", "moderation.blocked_terms", "admin.settings"):
        assert not policy.can(user, rule), f"{how} {staff}: {rule}"
