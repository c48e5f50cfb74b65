"""HR add staff e-mail addresses on a wave page in a real browser: errors beside the fields,
the list sent, and the page accessible in each state."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_admin_browser import sign_in
from tests.browser.test_results_layout_browser import SLACK, overflow
from tests.helpers import TEAM_PATH, Org
from tests.smtp_server import smtp_server

pytestmark = pytest.mark.browser


def test_addresses_by_paste_and_by_file(
    app: Flask, page: Page, live_url: str, org: Org, accounts: None, tmp_path: Path
) -> None:
    with smtp_server() as mailbox:
        app.config.update(
            MAIL_HOST="127.0.0.1",
            MAIL_PORT=mailbox.port,
            MAIL_TLS="none",
            MAIL_FROM="pulse@council.example",
            MAIL_RATE=1000.0,
        )
        sign_in(page, live_url)
        page.goto(f"{live_url}/admin/waves/{org.wave_id}")
        found = {"wave page": axe_violations(page)}
        page.get_by_label("Unit").last.select_option(label=TEAM_PATH)
        page.get_by_label("E-mail addresses, one per line").fill("ann@council.example\nnot-mail")
        page.get_by_role("button", name="Add addresses").click()
        expect(page.locator("#address-problems")).to_contain_text("Line 2:")
        found["list refused"] = axe_violations(page)
        listing = tmp_path / "staff.csv"
        listing.write_text(f"email,unit_path\nann@council.example,{TEAM_PATH}\n")
        page.get_by_label("CSV file").set_input_files(listing)
        page.get_by_role("button", name="Upload addresses").click()
        expect(page.get_by_text("1 e-mail address added")).to_be_visible()
        expect(page.locator("#mail-counts")).to_contain_text("1 invitation sent")
        found["list added"] = axe_violations(page)
        assert [m["To"] for m in mailbox.messages] == ["ann@council.example"]
        # An address the server refused, to correct on a phone.
        mailbox.refuse("bob@council.example", "550 5.1.1 No such mailbox here at all")
        page.get_by_label("Unit").last.select_option(label=TEAM_PATH)
        page.get_by_label("E-mail addresses, one per line").fill("bob@council.example")
        page.get_by_role("button", name="Add addresses").click()
        page.set_viewport_size({"width": 320, "height": 800})
        page.reload()
        expect(page.locator("#mail-problems")).to_contain_text("550 5.1.1 No such mailbox")
        assert overflow(page) <= SLACK
        found["not delivered"] = axe_violations(page)
        page.get_by_label("bob@council.example").fill("robert@council.example")
        page.get_by_role("button", name="Send again").click()
        expect(page.locator("#mail-counts")).to_contain_text("2 invitations sent")
        assert mailbox.to("robert@council.example")
    assert {state: v for state, v in found.items() if v} == {}
