"""Browser fixtures: the app on a live local port, driven by Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from tests.helpers import signed_in

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Without these, Chromium keeps trying to reach Google on this offline machine.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Each new window otherwise starts a renderer for the address bar's suggestions page, which
    # headless tests never see: a third of Chromium's work per test.
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch headless Chromium once for the session; a missing browser is an error, not a skip."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/test (it installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """Serve the test app on a free local port for the duration of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Polled ten times as often as by default, so that shutting it down takes 0.05 s, not 0.5.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # links handed to staff point at this server, as deployed
    yield url
    server.shutdown()
    thread.join()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """Return a fresh browser context (cookies, storage) with JavaScript on."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """Return a page in the fresh context."""
    return context.new_page()


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core (WCAG 2.x A and AA rules) on the page and return its violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools, so the page's strict CSP is left as it is.
        page.evaluate(AXE.read_text() + "\n;0")
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


def sign_in_browser(app: Flask, page: Page, live_url: str, email: str) -> Page:
    """Give the page's browser the session of a sign-in made through the test client, for tests
    whose subject is not the sign-in form (test_admin_browser and test_accounts_browser drive
    that form itself): two page loads fewer per test."""
    cookie = signed_in(app, email).get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "the sign-in did not start a session"
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_url}])
    return page
