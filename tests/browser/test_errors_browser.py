"""Errors inside htmx in a real browser: the message lands in the page's error area, announced,
and the page the admin was working on stays whole."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from survey.database import write_transaction
from survey.models import Unit
from survey.services import units
from tests.browser.conftest import axe_violations
from tests.browser.test_admin_browser import sign_in
from tests.helpers import TEAM_PATH, Org

pytestmark = pytest.mark.browser
GONE = TEAM_PATH.rsplit(" > ", 1)[0] + " > Team Gone"


def units_page_intact(page: Page) -> None:
    """Check the units page is still the units page: its heading, its rows, no error page in it."""
    expect(page.get_by_role("heading", name="Units", level=1)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("link", name="Edit Team A")).to_be_visible()


def test_an_action_on_a_deleted_unit_says_so_and_keeps_the_page(
    app: Flask, org: Org, accounts: None, page: Page, live_url: str
) -> None:
    with app.app_context(), write_transaction() as session:
        gone_id = units.ensure_path(session, GONE, 3).id
    sign_in(page, live_url)
    page.goto(f"{live_url}/admin/units")
    with app.app_context(), write_transaction() as session:
        session.delete(session.get_one(Unit, gone_id))  # someone else deletes it meanwhile
    page.get_by_role("link", name="Edit Team Gone").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("That is no longer here")
    expect(alert).to_contain_text("Reload the page to see the latest")
    units_page_intact(page)
    expect(page.get_by_role("link", name="Edit Team Gone")).to_be_visible()  # row untouched
    assert page.url.endswith("/admin/units")
    assert axe_violations(page) == []
    # The next action that works clears the message.
    page.get_by_role("link", name="Edit Team B").click()
    expect(page.locator("tr form").get_by_label("Name")).to_be_focused()
    expect(page.locator("#app-error")).to_be_empty()


def test_a_failing_action_shows_the_500_message_with_its_reference(
    org: Org, accounts: None, page: Page, live_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(page, live_url)
    page.goto(f"{live_url}/admin/units")

    def broken(_unit_id: int) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(units, "get", broken)
    with page.expect_response(lambda r: r.url.endswith("/edit")) as answer:
        page.get_by_role("link", name="Edit Team A").click()
    assert answer.value.status == 500
    reference = answer.value.headers["x-request-id"]
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sorry, there is a problem with the service")
    expect(alert).to_contain_text(f"quote this reference: {reference}")
    units_page_intact(page)
