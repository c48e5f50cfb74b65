"""Team links in a real browser: one answer per browser, and a kiosk that clears itself."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.test_admin_browser import sign_in
from tests.browser.test_pulse_browser import answer_card
from tests.helpers import Org, response_count

pytestmark = pytest.mark.browser


def send_pulse(page: Page, url: str, comment: str) -> None:
    """Answer every question through a link, with this comment, and send it."""
    page.goto(url)
    page.get_by_role("button", name="Start now").click()
    for number in range(1, 13):
        answer_card(page, number)
    page.get_by_role("textbox").fill(comment)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(comment)).to_be_visible()  # on the review screen
    page.get_by_role("button", name="Send my answers").click()
    expect(
        page.get_by_role("heading", name="Thank you, your answers have been sent")
    ).to_be_visible()


def test_second_answer_from_one_browser_is_refused(
    app: Flask, page: Page, live_url: str, org: Org
) -> None:
    url = f"{live_url}/t/{org.team_token}"
    send_pulse(page, url, "First and only.")
    page.goto(url)
    expect(
        page.get_by_role("heading", name="You have already answered this pulse from this browser")
    ).to_be_visible()
    expect(page.get_by_text("not your answers")).to_be_visible()
    assert response_count(app) == 1


def test_kiosk_takes_one_person_after_another_and_forgets_each(
    app: Flask, page: Page, live_url: str, org: Org, accounts: None
) -> None:
    sign_in(page, live_url)
    page.goto(f"{live_url}/admin/waves/{org.wave_id}")
    page.get_by_role(
        "button", name="Set up this device as a kiosk for Test Council > Operations > Team A"
    ).click()
    expect(page.get_by_text("This device is now a kiosk")).to_be_visible()
    url = f"{live_url}/t/{org.team_token}"
    send_pulse(page, url, "Kiosk secret one")
    expect(page.locator("body")).not_to_contain_text("Kiosk secret")
    refresh = page.locator('meta[http-equiv="refresh"]')
    assert refresh.get_attribute("content") == f"20;url=/t/{org.team_token}"
    # Going back must not bring the last person's answers back on screen.
    page.go_back()
    expect(page.locator("body")).not_to_contain_text("Kiosk secret")
    page.goto(f"{url}/thanks")
    page.get_by_role("link", name="Start a new response").click()
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    send_pulse(page, url, "Kiosk secret two")
    assert response_count(app) == 2
