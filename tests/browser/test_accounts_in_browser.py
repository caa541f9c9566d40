"""A person registers, logs out, fails to log in, logs in, in a real browser."""
from __future__ import annotations

import pytest

from tests.browser.conftest import log_out, screenshot
from tests.conftest import make_org, make_user

pytestmark = pytest.mark.browser


def test_register_logout_and_login_again(page, app):
    make_org(make_user("owner_one"), name="Crumb and Co")
    page.goto("/")
    assert "Shape products before they exist" in page.inner_text("h1")
    page.click("text=Join")
    page.fill("#username", "browser_bea")
    page.fill("#email", "bea@example.com")
    page.fill("#display_name", "Bea Browser")
    page.fill("#password", "short")
    page.click("button:has-text('Create account')")
    assert "Use at least 8 characters." in page.inner_text(".errors")
    assert page.input_value("#email") == "bea@example.com"  # kept what was typed
    screenshot(page, "register-error")
    page.fill("#password", "a decent long passphrase")
    page.click("button:has-text('Create account')")
    assert "We sent a message to bea@example.com" in page.inner_text(".flashes")
    page.fill("#login", "browser_bea")
    page.fill("#password", "a decent long passphrase")
    page.click("button:has-text('Log in')")
    assert "Welcome, Bea Browser." in page.inner_text(".flashes")  # the first time: not "back"
    screenshot(page, "home-signed-in")
    log_out(page)
    assert "You are logged out." in page.inner_text(".flashes")
    page.click("text=Log in")
    page.fill("#login", "bea@example.com")
    page.fill("#password", "wrong password here")
    page.click("button:has-text('Log in')")
    assert "do not match an account" in page.inner_text(".form-errors")
    page.fill("#password", "a decent long passphrase")
    page.click("button:has-text('Log in')")
    assert "Welcome back, Bea Browser." in page.inner_text(".flashes")
    assert not page.console_problems, page.console_problems  # no CSP violations, no script errors


def test_layout_fits_a_phone(browser, live_server, app):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/register")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page scrolls sideways on a phone: {width}px"
    screenshot(page, "register-phone")
    context.close()
