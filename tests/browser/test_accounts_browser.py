"""An invited user's first sign-in in a real browser: the one-time password, then their own."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_admin_browser import sign_in
from tests.helpers import Org

pytestmark = pytest.mark.browser

NEWCOMER = "newcomer@test.org"


def test_first_sign_in_chooses_a_new_password(
    browser: Browser, page: Page, live_url: str, org: Org, accounts: None
) -> None:
    sign_in(page, live_url)
    page.goto(f"{live_url}/admin/users")
    page.get_by_label("Email address").fill(NEWCOMER)
    page.get_by_label("Role").select_option("analyst")
    page.get_by_role("button", name="Invite user").click()
    one_time = page.locator(".app-secret").inner_text()

    newcomer = browser.new_context().new_page()
    newcomer.goto(f"{live_url}/login")
    newcomer.get_by_label("Email address").fill(NEWCOMER)
    newcomer.get_by_label("Password").fill(one_time)
    newcomer.get_by_role("button", name="Sign in").click()
    heading = newcomer.get_by_role("heading", name="Choose a new password")
    expect(heading).to_be_visible()
    found = {"choose": axe_violations(newcomer)}

    # Nothing else opens until the password is chosen.
    newcomer.goto(f"{live_url}/insights/")
    expect(heading).to_be_visible()

    newcomer.get_by_label("New password", exact=True).fill("my own long passphrase")
    newcomer.get_by_label("Confirm new password").fill("my own long passphrase!")
    newcomer.get_by_role("button", name="Save password and continue").click()
    expect(newcomer.locator("#confirm-error")).to_contain_text("Enter the same new password twice")
    found["mismatch"] = axe_violations(newcomer)

    newcomer.get_by_label("New password", exact=True).fill("my own long passphrase")
    newcomer.get_by_label("Confirm new password").fill("my own long passphrase")
    newcomer.get_by_role("button", name="Save password and continue").click()
    expect(newcomer.get_by_text("Your password has been changed")).to_be_visible()
    assert newcomer.url == f"{live_url}/insights/"
    newcomer.context.close()
    assert found == {"choose": [], "mismatch": []}
