"""An admin imports past results in a real browser and watches the worker finish it in place."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from huey.consumer import Consumer
from playwright.sync_api import Page, expect

from survey.services import exporting
from tests.browser.conftest import axe_violations
from tests.browser.test_admin_browser import sign_in
from tests.helpers import response_count

pytestmark = pytest.mark.browser


def test_upload_shows_progress_then_the_outcome(
    app: Flask, accounts: None, page: Page, live_url: str, tmp_path: Path, worker: Consumer
) -> None:
    row = (
        "Spring 2024,2024-03-01,2024-03-21,Council > Housing,r{n},knowledge,1,"
        "I know what the change will mean for my work.,knowledge,scale5,4,,\r\n"
    )
    past = tmp_path / "spring.csv"
    past.write_text(
        ",".join(exporting.RESPONSE_COLUMNS)
        + "\r\n"
        + "".join(row.format(n=n) for n in range(20000))
    )
    sign_in(page, live_url)
    page.get_by_role("link", name="Import").click()
    assert axe_violations(page) == []
    page.get_by_label("CSV file").set_input_files(past)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Import of spring.csv")).to_be_visible()
    # The status fragment keeps replacing itself until the job ends, with no reload.
    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Imported 20,000 new responses")).to_be_visible()
    assert response_count(app) == 20000
    assert axe_violations(page) == []
