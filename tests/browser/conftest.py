"""Browser tests: the forum served on localhost, driven in Debian's Chromium through Playwright."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import need_service

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "screenshots"


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        need_service("Chromium", f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_problems = []  # type: ignore[attr-defined]
    problems = page.console_problems  # type: ignore[attr-defined]

    def on_console(msg) -> None:
        # A form answered with 400/401 is logged as a failed "resource"; bad assets are caught below.
        if msg.type in ("error", "warning") and not msg.text.startswith("Failed to load resource"):
            problems.append(msg.text)

    def on_response(response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_out(page) -> None:
    """Log out through the header: the account menu (a disclosure), behind the menu button on phones."""
    toggle = page.locator("[data-menu-toggle]")
    if toggle.is_visible():
        toggle.click()
    else:
        page.click("[data-account-menu] > summary")
    page.click("[data-account-menu] form button[type=submit]")
    page.wait_for_load_state()
