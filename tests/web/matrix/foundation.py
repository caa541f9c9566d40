"""Role matrix: the foundation's routes (home, accounts, organizations, admin)."""
from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.models import Membership
from tests.web.matrix import Case, same, signed_in

ADMIN_ONLY = same(403, visitor="login", admin=200)
# An invitation is answered by the person invited only; to anyone else it does not exist.
INVITEE_ONLY = same(404, visitor="login", moderator="redirect")


def build(objects: dict[str, Any]) -> dict[str, Any]:
    """The moderator is invited to join the organization (not yet accepted)."""
    invitation = Membership(organization_id=objects["org"].id, user_id=objects["moderator"].id, role="member",
                            pending=True, invited_by_id=objects["owner"].id)
    db.session.add(invitation)
    db.session.commit()
    return {"invitation": invitation}

CASES = {
    ("main.index", "GET"): Case(lambda o: "/", same(200)),
    ("main.healthz", "GET"): Case(lambda o: "/healthz", same(200)),
    ("auth.register", "GET"): Case(lambda o: "/register", same("redirect", visitor=200)),
    ("auth.register", "POST"): Case(
        lambda o: "/register", same("redirect", visitor="login"),
        data=lambda o: {"username": "newbie", "email": "newbie@example.com",
                        "password": "a long new passphrase"}),
    ("auth.login", "GET"): Case(lambda o: "/login", same("redirect", visitor=200)),
    ("auth.login", "POST"): Case(lambda o: "/login", same("redirect", visitor=401),
                                 data=lambda o: {"login": "nobody", "password": "wrong password"}),
    ("auth.logout", "POST"): Case(lambda o: "/logout", signed_in("redirect")),
    ("account.settings", "GET"): Case(lambda o: "/settings", signed_in(200)),
    ("account.update_profile", "POST"): Case(lambda o: "/settings/profile", signed_in("redirect"),
                                             data=lambda o: {"display_name": "New Name", "bio": "Hi"}),
    ("account.change_password", "POST"): Case(
        lambda o: "/settings/password", signed_in(400),
        data=lambda o: {"current_password": "wrong one", "new_password": "another long passphrase"}),
    ("account.change_email", "POST"): Case(
        lambda o: "/settings/email", signed_in(400),
        data=lambda o: {"email": "x@example.com", "password": "wrong one"}),
    ("account.end_other_sessions", "POST"): Case(lambda o: "/settings/sessions", signed_in("redirect")),
    ("account.profile", "GET"): Case(lambda o: f"/u/{o['consumer'].username}", same(200)),
    ("orgs.index", "GET"): Case(lambda o: "/orgs/", same(200)),
    ("orgs.new", "GET"): Case(lambda o: "/orgs/new", signed_in(200)),
    ("orgs.new", "POST"): Case(lambda o: "/orgs/new", signed_in("redirect"),
                               data=lambda o: {"name": "Brand New Co"}),
    ("orgs.show", "GET"): Case(lambda o: f"/orgs/{o['org'].slug}", same(200)),
    ("orgs.edit", "GET"): Case(lambda o: f"/orgs/{o['org'].slug}/edit",
                               same(403, visitor="login", owner=200)),
    ("orgs.edit", "POST"): Case(lambda o: f"/orgs/{o['org'].slug}/edit", same(403, visitor="login", owner="redirect"),
                                data=lambda o: {"name": "Acme Gadgets Ltd"}),
    ("orgs.add_member", "POST"): Case(lambda o: f"/orgs/{o['org'].slug}/members",
                                      same(403, visitor="login", owner="redirect"),
                                      data=lambda o: {"username": o["consumer"].username, "role": "member"}),
    ("orgs.remove_member", "POST"): Case(
        lambda o: f"/orgs/{o['org'].slug}/members/{o['member'].id}/remove",
        same(403, visitor="login", owner="redirect")),
    ("account.invitations", "GET"): Case(lambda o: "/invitations", signed_in(200)),
    ("account.accept_invitation", "POST"): Case(lambda o: f"/invitations/{o['invitation'].id}/accept", INVITEE_ONLY),
    ("account.decline_invitation", "POST"): Case(lambda o: f"/invitations/{o['invitation'].id}/decline",
                                                 INVITEE_ONLY),
    ("admin.index", "GET"): Case(lambda o: "/admin/", ADMIN_ONLY),
    ("admin.users", "GET"): Case(lambda o: "/admin/users", ADMIN_ONLY),
    ("admin.set_role", "POST"): Case(lambda o: f"/admin/users/{o['consumer'].id}/role",
                                     same(403, visitor="login", admin="redirect"),
                                     data=lambda o: {"role": "moderator"}),
    ("admin.orgs", "GET"): Case(lambda o: "/admin/orgs", ADMIN_ONLY),
    ("admin.verify", "POST"): Case(lambda o: f"/admin/orgs/{o['org'].slug}/verify",
                                   same(403, visitor="login", admin="redirect"), data=lambda o: {"verified": "1"}),
}
