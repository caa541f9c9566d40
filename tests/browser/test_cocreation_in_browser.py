"""The whole co-creation loop in a real browser: an enterprise posts a concept, a consumer votes,
prices it and joins the discussion with a live Markdown preview."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser


def log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    assert "Welcome" in page.inner_text(".flashes")


def test_concept_vote_price_and_discuss(browser, live_server, app):
    owner = make_user("tess_owner", display_name="Tess Maker")
    make_org(owner, name="Kettle Works")
    make_user("vic_voter", display_name="Vic Voter")

    team = browser.new_context(base_url=live_server)
    page = team.new_page()
    log_in(page, "tess_owner")
    page.goto("/concepts/new")
    page.fill("#title", "Quiet kettle")
    page.fill("#summary", "A kettle you can use at 6 a.m. without waking anyone.")
    page.fill("#description", "Boils **quietly**.\n\n- 1.5 litres\n- keeps warm")
    page.check("#price_question_enabled")
    page.click("button:has-text('Post concept')")
    assert page.inner_text("#concept-title") == "Quiet kettle"
    assert "quietly" in page.inner_text("#about-h + *") or "quietly" in page.content()
    for title in ("Whisper mode", "Temperature presets"):
        page.fill("#features form.feature-add #title", title)
        page.click("button:has-text('Add feature')")
    assert "Whisper mode" in page.inner_text("#features") and "Temperature presets" in page.inner_text("#features")
    team.close()

    consumer = browser.new_context(base_url=live_server)
    page = consumer.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and "Failed to load resource" not in msg.text
            and problems.append(msg.text))
    log_in(page, "vic_voter")
    page.goto("/concepts/quiet-kettle")
    row = page.locator("li", has_text="Whisper mode").filter(has=page.locator("button:has-text('For')")).first
    row.locator("button:has-text('For')").click()
    row = page.locator("li", has_text="Whisper mode").filter(has=page.locator("button:has-text('For')")).first
    expect(row).to_contain_text("1 for")  # in place (sent with fetch), or after a reload without JS

    page.click("text=Answer the price questions")
    page.fill("#too_cheap", "20")
    page.fill("#cheap", "60")
    page.fill("#expensive", "45")
    page.fill("#too_expensive", "90")
    page.click("button:has-text('Save my prices')")
    expect(page.locator("main")).to_contain_text("must be lower than")
    errors = page.inner_text("main")
    assert "A bargain" in errors
    assert page.input_value("#cheap") == "60"  # what was typed is kept
    screenshot(page, "price-error")
    page.fill("#cheap", "35")
    page.click("button:has-text('Save my prices')")
    expect(page.locator("main")).to_contain_text("Where your answer sits")

    page.goto("/concepts/quiet-kettle")
    page.click("text=Start the discussion")
    page.fill("textarea[name=body]", "Would **love** a glass version.")
    page.click("button:has-text('Preview')")
    preview = page.locator("[data-preview-content]")
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "love"
    assert "quiet-kettle" not in page.url or "/t/" in page.url  # stayed on the topic page
    page.click("button:has-text('Post reply')")
    expect(page.locator("main")).to_contain_text("Would love a glass version.")
    screenshot(page, "discussion")
    assert not problems, problems
    consumer.close()
