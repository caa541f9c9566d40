from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.errors import Conflict, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import Membership, ModerationAction, Organization
from forum.services import organizations
from tests.conftest import login, make_user


def test_creator_becomes_owner_and_org_starts_unverified(app, people):
    org = organizations.create(people["consumer"], "Tiny Tea Co", "Loose-leaf tea", "https://tea.example")
    assert org.slug == "tiny-tea-co" and not org.is_verified
    assert [(m.user_id, m.role) for m in org.memberships] == [(people["consumer"].id, "owner")]


@pytest.mark.parametrize(("name", "website", "field_message"), [
    ("", "", "Give the organization a name."),
    ("N" * 81, "", "at most 80 characters"),
    ("Fine Name", "javascript:alert(1)", "starting with https://"),
    ("Fine Name", "ftp://files.example", "starting with https://"),
    ("Fine Name", "http://[\x01]/", "no spaces or control characters"),
    ("Fine Name", "https://exa\x00mple.com", "no spaces or control characters"),
    ("Fine Name", "https://[example.com/", "starting with https://"),
    ("Fine Name", "https://example.com:99999/", "starting with https://"),
    ("Acme Gadgets", "", "already exists"),
])
def test_bad_organization_input_is_refused_and_nothing_written(app, people, name, website, field_message):
    before = db.session.scalar(select(func.count(Organization.id)))
    with pytest.raises(ValidationError) as info:
        organizations.create(people["consumer"], name, "", website)
    assert field_message in " ".join(sum(info.value.errors.values(), []))
    assert db.session.scalar(select(func.count(Organization.id))) == before


def test_only_admins_verify_and_it_is_recorded(app, people):
    org = people["org"]
    org.verified_at = None
    db.session.commit()
    for role in ("consumer", "owner", "moderator"):
        with pytest.raises(PermissionDenied):
            organizations.set_verified(people[role], org, True)
    organizations.set_verified(people["admin"], org, True)
    assert org.is_verified and org.verified_by_id == people["admin"].id
    action = db.session.scalar(select(ModerationAction).where(ModerationAction.action == "org.verify"))
    assert action.actor_id == people["admin"].id and action.target_id == org.id


def test_only_owners_manage_members(app, people):
    org = people["org"]
    newcomer = make_user("newcomer")
    for role in ("member", "consumer", "moderator", "admin"):
        with pytest.raises(PermissionDenied):
            organizations.add_member(people[role], org, "newcomer")
    invitation = organizations.add_member(people["owner"], org, "NEWCOMER")
    with pytest.raises(ValidationError, match="already invited"):
        organizations.add_member(people["owner"], org, "newcomer")
    organizations.accept_invitation(newcomer, invitation.id)
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == newcomer.id)) == "member"
    with pytest.raises(ValidationError, match="already a member"):
        organizations.add_member(people["owner"], org, "newcomer")
    with pytest.raises(ValidationError, match="no user called"):
        organizations.add_member(people["owner"], org, "ghost")
    with pytest.raises(PermissionDenied):
        organizations.remove_member(people["member"], org, newcomer.id)
    organizations.remove_member(people["owner"], org, newcomer.id)
    assert db.session.scalar(select(Membership.id).where(Membership.user_id == newcomer.id)) is None


def test_last_owner_cannot_leave(app, people):
    with pytest.raises(Conflict, match="at least one owner"):
        organizations.remove_member(people["owner"], people["org"], people["owner"].id)


def test_member_management_page_flow(client, people):
    login(client, people["owner"])
    make_user("zed")
    response = client.post(f"/orgs/{people['org'].slug}/members", data={"username": "zed", "role": "member"})
    assert response.status_code == 302
    page = client.get(f"/orgs/{people['org'].slug}").get_data(as_text=True)
    assert "Zed" in page
    response = client.post(f"/orgs/{people['org'].slug}/members", data={"username": "nobody", "role": "member"})
    assert response.status_code == 400 and "no user called" in response.get_data(as_text=True)


def test_unverified_org_shows_mark_and_admin_can_verify_from_panel(client, people):
    org = organizations.create(people["consumer"], "Fresh Startup")
    page = client.get(f"/orgs/{org.slug}").get_data(as_text=True)
    assert "Not yet verified" in page
    login(client, people["admin"])
    assert "Fresh Startup" in client.get("/admin/").get_data(as_text=True)
    client.post(f"/admin/orgs/{org.slug}/verify", data={"verified": "1"})
    page = client.get(f"/orgs/{org.slug}").get_data(as_text=True)
    assert "✓ Verified" in page and "Not yet verified" not in page
