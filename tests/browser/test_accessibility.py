"""Accessibility as axe-core (bundled with axe-playwright-python) sees it, on the demo data, for a
visitor, a consumer and an organization member: no serious or critical violations."""
from __future__ import annotations

import pytest

from forum.demo import DEMO_PASSWORD, seed_demo

pytestmark = pytest.mark.browser

PAGES = {
    "visitor": ["/", "/register", "/login", "/concepts/", "/concepts/sourdough-subscription-box", "/boards",
                "/search?q=bread", "/orgs/", "/orgs/pulse-audio", "/u/sofia", "/privacy", "/reset-password"],
    "sofia": ["/concepts/pulse-one-repairable-earbuds", "/concepts/sourdough-subscription-box/price",
              "/concepts/sourdough-subscription-box/kano", "/notifications", "/settings", "/orgs/new",
              "/account/delete"],
    "ravi_pulse": ["/concepts/pulse-one-repairable-earbuds/results", "/concepts/pulse-one-repairable-earbuds/edit",
                   "/concepts/new", "/concepts/pulse-one-repairable-earbuds/decisions/new"],
    "grace": ["/admin/", "/admin/users", "/admin/orgs", "/boards/manage"],
}


def test_pages_have_no_serious_accessibility_violations(browser, live_server, app):
    from axe_playwright_python.sync_playwright import Axe

    list(seed_demo())
    axe = Axe()
    found = []
    for who, paths in PAGES.items():
        # axe is injected by the test driver; the forum's own pages still run under their CSP.
        context = browser.new_context(base_url=live_server, bypass_csp=True)
        page = context.new_page()
        if who != "visitor":
            page.goto("/login")
            page.fill("#login", who)
            page.fill("#password", DEMO_PASSWORD)
            page.click("button:has-text('Log in')")
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (who, path, response.status)
            result = axe.run(page)
            for violation in result.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    found.append(f"{who} {path}: {violation['id']} ({violation['impact']}): "
                                 f"{violation['nodes'][0]['target']}")
        context.close()
    assert not found, "\n".join(found)
