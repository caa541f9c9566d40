"""An owner invites someone; the invitee accepts on the invitations page, in a real browser."""
from __future__ import annotations

import pytest

from tests.browser.conftest import log_out, screenshot
from tests.conftest import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")


def test_invite_then_accept(page, app):
    owner = make_user("owner_ola")
    make_user("bea_b", display_name="Bea B")
    org = make_org(owner, name="Crumb and Co")
    _log_in(page, "owner_ola")
    page.goto(f"/orgs/{org.slug}")
    page.fill("#username", "bea_b")
    page.select_option("#role", "owner")
    page.click("button:has-text('Invite')")
    assert "They become one when they accept" in page.inner_text(".flashes")
    assert "Invited, not yet accepted" in page.inner_text(".member-list")
    screenshot(page, "org-invitation-pending")
    log_out(page)
    _log_in(page, "bea_b")
    page.goto("/invitations")
    assert "Crumb and Co" in page.inner_text("main")
    screenshot(page, "invitations")
    page.click("button:has-text('Accept')")
    assert "You are now an owner of Crumb and Co" in page.inner_text(".flashes")
    assert "Invited, not yet accepted" not in page.inner_text(".member-list")
    assert not page.console_problems, page.console_problems
