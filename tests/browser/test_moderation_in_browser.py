"""The moderation panel in a real browser: a flag, the queue, a decision; the header on one line."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Board
from forum.services import posting
from tests.browser.conftest import log_out, screenshot
from tests.conftest import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")


def header_lines(page) -> int:
    """How many rows the header takes: the number of distinct rows its links and buttons sit on, or 2
    when any of them (the brand included) wraps its own words, or the header scrolls sideways."""
    return page.evaluate("""() => {
        const items = document.querySelectorAll('.site-header .brand, .site-header nav a, .site-header nav button');
        const rows = new Set();
        for (const el of items) {
            const r = el.getBoundingClientRect();
            if (!r.width || !el.checkVisibility()) continue;  // a closed menu's links are not on any row
            rows.add(Math.round(r.top + r.height / 2));
            const line = parseFloat(getComputedStyle(el).lineHeight) || 24;
            if (el.innerText.trim() && r.height > line * 1.5 + 12) return 2;
        }
        const inner = document.querySelector('.site-header .header-inner');
        if (inner.scrollWidth > inner.clientWidth + 1) return 2;
        return rows.size;
    }""")


def test_flag_queue_and_decision_and_the_header_on_one_line(browser, live_server, app):
    admin = make_user("grace_admin", role="admin", display_name="Grace Hopper")
    make_user("maya_mod", role="moderator", display_name="Maya Moderator")
    author = make_user("spammy_sam", display_name="Sam")
    flagger = make_user("liam_reader", trust_level=2, display_name="Liam")
    make_org(make_user("clara_owner"), name="Crumb and Co", verified=False)
    board = Board(slug="general", name="General discussion", position=1)
    db.session.add(board)
    db.session.commit()
    topic = posting.create_topic(author, board, "Cheap watches here", "Buy cheap watches at my shop today!")
    posting.reply(flagger, topic, "This looks like an advert.")

    context = browser.new_context(base_url=live_server, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    sign_in(page, flagger.username)
    page.goto(f"/t/{topic.id}")
    first = page.locator("article.post").first
    first.locator("summary:has-text('Flag')").click()
    first.locator("input[value='spam']").check()
    first.locator("button:has-text('Send flag')").click()
    # Sent in the background: the post says so where it is, and the page did not move.
    expect(first.locator(".flagged-note")).to_contain_text("You flagged this")
    log_out(page)

    sign_in(page, "maya_mod")
    link = page.locator("a.moderation-link")
    assert link.get_attribute("aria-label") == "Moderation, 1 waiting for review"
    screenshot(page, "header-moderator-1024")
    assert header_lines(page) == 1, "the moderator's header wraps at 1024 px"
    link.click()
    assert "Cheap watches here" in page.inner_text(".review-queue")
    screenshot(page, "moderation-queue")
    page.click("a:has-text('Review')")
    page.check("input[value='hide']")
    page.fill("#reason", "Advertising a shop")
    screenshot(page, "moderation-review")
    page.click("button:has-text('Apply')")
    assert "Nothing is waiting for review" in page.inner_text("main")
    log_out(page)

    sign_in(page, admin.username)
    screenshot(page, "header-admin-1024")
    widths = page.evaluate("() => [...document.querySelectorAll('.site-header .brand, .site-header nav')].map(e => [e.className, e.getBoundingClientRect().width, e.scrollWidth])")
    assert header_lines(page) == 1, f"the admin's header wraps at 1024 px: {widths}"
    page.goto("/admin/")
    assert "Crumb and Co" in page.inner_text("main")
    screenshot(page, "admin-1024")
    page.goto("/admin/settings")
    screenshot(page, "admin-settings")
    page.goto("/moderation/audit")
    assert "Advertising a shop" in page.inner_text("main")
    screenshot(page, "moderation-audit")
    page.goto("/moderation/log")
    assert "Post hidden" in page.inner_text("main") and "maya_mod" not in page.inner_text("main")
    screenshot(page, "moderation-public-log")
    # The decision emptied the queue: the staff header says so.
    assert page.locator("a.moderation-link").get_attribute("aria-label") == "Moderation, 0 waiting for review"
    context.close()
