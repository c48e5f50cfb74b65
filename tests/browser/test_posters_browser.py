"""An admin prints a team's poster from the wave page, and its code opens that team's pulse."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_admin_browser import sign_in
from tests.helpers import Org
from tests.test_posters import scanned

pytestmark = pytest.mark.browser


def test_a_poster_from_the_wave_page_opens_its_teams_pulse(
    browser: Browser, page: Page, live_url: str, org: Org, accounts: None, tmp_path: Path
) -> None:
    sign_in(page, live_url)
    page.goto(f"{live_url}/admin/waves/{org.wave_id}")
    row = page.get_by_role("row").filter(has_text="Team A")
    shown = row.locator("code").inner_text()
    with page.expect_download() as download:
        row.get_by_role("link", name="Poster (PDF) for Test Council > Operations > Team A").click()
    assert download.value.suggested_filename.endswith("Team_A.pdf")
    (link,) = scanned(download.value.path().read_bytes(), 1, tmp_path)
    assert link == shown

    with page.expect_download() as every:
        page.get_by_role("link", name="Download every unit's poster").click()
    assert scanned(every.value.path().read_bytes(), 2, tmp_path)[0].startswith(live_url)

    staff = browser.new_context().new_page()
    staff.goto(link)
    expect(staff.get_by_role("button", name="Start now")).to_be_visible()
    staff.context.close()
