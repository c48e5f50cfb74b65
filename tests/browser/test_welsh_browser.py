"""A person chooses Cymraeg by its link and answers the whole pulse in Welsh, in a real browser."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from survey.database import write_transaction
from survey.models import Survey
from tests.browser.conftest import axe_violations
from tests.helpers import Org, response_count

pytestmark = pytest.mark.browser

# One answer per question of the default pulse, by its number (1-13), in Welsh.
CHOICES = {10: "Gwell gwasanaethau i drigolion", 11: "Gwell canlyniadau i drigolion", 12: "9"}


@pytest.fixture
def welsh(app: Flask, org: Org) -> Org:
    """The org with its pulse offered in Welsh and English."""
    with app.app_context(), write_transaction() as session:
        session.get_one(Survey, org.pulse.survey_id).bilingual = True
    app.extensions.pop("pulse_cache", None)
    return org


def answer_card(page: Page, number: int) -> None:
    """Answer question `number` in Welsh and continue, waiting for the next screen."""
    if number <= 9:
        page.get_by_label("Cytuno", exact=True).check()
    elif number in CHOICES:
        page.get_by_label(CHOICES[number], exact=True).check()
    else:
        page.get_by_role("textbox").fill("Cadwch y sesiynau briffio yn fyr.")
    page.get_by_role("button", name="Parhau").click()
    following = (
        page.get_by_text(f"Cwestiwn {number + 1} o 13")
        if number < 13
        else page.get_by_role("heading", name="Gwirio eich atebion")
    )
    expect(following).to_be_visible()


def test_choose_cymraeg_and_answer_the_whole_pulse_in_welsh(
    app: Flask, page: Page, live_url: str, welsh: Org
) -> None:
    page.goto(f"{live_url}/t/{welsh.team_token}")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    page.get_by_role("link", name="Cymraeg").click()
    expect(
        page.get_by_role("heading", name="Dywedwch wrthym sut mae'r newid yn mynd")
    ).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    page.get_by_role("button", name="Dechrau nawr").click()
    for number in range(1, 14):
        expect(page.get_by_text(f"Cwestiwn {number} o 13")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        answer_card(page, number)
    expect(page.get_by_text("Gwell gwasanaethau i drigolion")).to_be_visible()
    page.get_by_role("button", name="Cyflwyno fy atebion").click()
    expect(
        page.get_by_role("heading", name="Diolch, mae eich atebion wedi'u cyflwyno")
    ).to_be_visible()
    expect(page.get_by_text("Mae ein rhaglen drawsnewid yn golygu dau beth.")).to_be_visible()
    assert response_count(app) == 1


def test_welsh_pages_have_no_accessibility_violations(
    page: Page, live_url: str, welsh: Org
) -> None:
    page.goto(f"{live_url}/i/{welsh.invitations[0]}")
    # The English landing, which offers Cymraeg, first.
    assert axe_violations(page) == []
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.get_by_role("button", name="Dechrau nawr")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Dechrau nawr").click()
    expect(page.get_by_text("Cwestiwn 1 o 13")).to_be_visible()
    assert axe_violations(page) == []
    # A card with its error, in Welsh.
    page.get_by_role("button", name="Parhau").click()
    expect(page.get_by_text("Mae problem wedi codi")).to_be_visible()
    assert axe_violations(page) == []
    for number in range(1, 14):
        answer_card(page, number)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Cyflwyno fy atebion").click()
    expect(
        page.get_by_role("heading", name="Diolch, mae eich atebion wedi'u cyflwyno")
    ).to_be_visible()
    assert axe_violations(page) == []
