"""A moderator hides a post from the panel: it leaves a consumer's open page live, in headless Chromium,
against a real server process; restoring it brings it back, also without a reload."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_live_in_browser import live_ready, pages, site  # noqa: F401 - the fixtures

pytestmark = pytest.mark.browser


def test_a_post_hidden_from_the_panel_disappears_from_a_consumers_open_page(site, pages):  # noqa: F811
    topic = f"/t/{site.ids['topic']}"
    spam = f"#p{site.ids['spam']}"
    consumer = pages("sofia")
    consumer.goto(topic)
    live_ready(consumer)
    consumer.evaluate("window.__stillTheSamePage = true")
    expect(consumer.locator(spam)).to_contain_text("Buy cheap watches")

    moderator = pages("maya_mod")
    moderator.goto(topic)
    moderator.locator(spam).locator("a:has-text('Moderate')").click()
    moderator.check("input[value='hide']")
    moderator.fill("#reason", "Advertising a shop")
    moderator.click("button:has-text('Apply')")
    expect(moderator.locator(".flashes")).to_contain_text("The person concerned has been told")

    # Gone from the consumer's page, without a reload.
    expect(consumer.locator(spam)).to_have_count(0, timeout=15_000)
    assert consumer.evaluate("window.__stillTheSamePage") is True
    screenshot(consumer, "moderation-live-hidden-consumer")
    # The moderator's page (reloaded after the action) still shows it, marked hidden.
    expect(moderator.locator(f"{spam}.is-hidden")).to_have_count(1)

    # Restored from the panel: it comes back on the consumer's page, still without a reload.
    moderator.goto(f"/moderation/posts/{site.ids['spam']}")
    moderator.check("input[value='restore']")
    moderator.fill("#reason", "The shop is the author's own, and on topic after all")
    moderator.click("button:has-text('Apply')")
    expect(consumer.locator(spam)).to_contain_text("Buy cheap watches", timeout=15_000)
    assert consumer.evaluate("window.__stillTheSamePage") is True
    assert not pages.problems, pages.problems
