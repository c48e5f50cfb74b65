"""Insights in a real browser: filters swap results in place, push the URL, and Back works."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from survey.services import insights
from tests.browser.conftest import axe_violations, sign_in_browser
from tests.helpers import unit_id
from tests.test_insights import SCREENS

pytestmark = pytest.mark.browser
ANALYST = "analyst@test.org"


@pytest.fixture
def signed_in(app: Flask, demo: None, page: Page, live_url: str) -> Page:
    """The demo organisation, and its analyst signed in to it."""
    return sign_in_browser(app, page, live_url, ANALYST)


def results_heading(page: Page):
    return page.locator("#results h2").first


def test_filters_swap_results_in_place_push_the_url_and_back_restores(
    app: Flask, signed_in: Page, live_url: str
) -> None:
    page = signed_in
    page.goto(f"{live_url}/insights/heatmap")
    page.evaluate("window.stillTheSamePage = true")
    services = unit_id(app, "Customer Services")

    page.get_by_label("Unit", exact=True).select_option(
        label="Riverside Council > Place and Resources > Customer Services"
    )
    expect(page.locator("#results caption")).to_contain_text("Customer Services and the units")
    expect(page).to_have_url(re.compile(rf"/insights/heatmap\?.*unit={services}"))
    # Swapped in place: no page load happened, so the page's own state survived.
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_role("rowheader", name="Revenues and Benefits")).to_be_visible()

    # A drill-down link in the results also swaps in place and pushes its URL.
    page.goto(f"{live_url}/insights/heatmap")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("link", name="Place and Resources").click()
    place = unit_id(app, "Place and Resources")
    expect(page).to_have_url(re.compile(rf"unit={place}"))
    expect(page.locator("#results caption")).to_contain_text("Place and Resources")
    assert page.evaluate("window.stillTheSamePage") is True

    # Back returns to the whole organisation's heatmap, as a complete page.
    page.go_back()
    expect(page).to_have_url(f"{live_url}/insights/heatmap")
    expect(page.locator("#results caption")).to_contain_text("Riverside Council and the units")
    expect(page.get_by_role("heading", name="Heatmap", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Place and Resources")).to_be_visible()

    # Every pushed URL also loads as a full page on its own.
    page.goto(f"{live_url}/insights/heatmap?unit={services}")
    expect(page.get_by_role("rowheader", name="Revenues and Benefits")).to_be_visible()
    expect(page.get_by_label("Unit", exact=True)).to_have_value(str(services))


def test_trend_comparison_and_comment_filters_update_in_place(
    app: Flask, signed_in: Page, live_url: str
) -> None:
    page = signed_in
    page.goto(f"{live_url}/insights/trends")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Measure").select_option(label="Show they understand the change")
    expect(results_heading(page)).to_contain_text("Show they understand the change")
    page.get_by_label("Compare with").select_option(
        label="Riverside Council > Place and Resources > Customer Services > Revenues and Benefits"
    )
    expect(page.locator("#results svg.app-chart")).to_have_count(2)  # one small chart per unit
    expect(page).to_have_url(re.compile(r"measure=demonstrated.*compare=\d+"))
    assert page.evaluate("window.stillTheSamePage") is True

    page.goto(f"{live_url}/insights/comments")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Theme", exact=True).select_option(label="Jobs")
    expect(page).to_have_url(re.compile(r"theme=jobs"))
    comments = page.locator(".app-comment__text")
    expect(comments.first).to_be_visible()
    for text in comments.all_inner_texts():
        assert re.search(r"job|role|redundan|restructur|headcount", text, re.IGNORECASE), text
    assert page.evaluate("window.stillTheSamePage") is True


@pytest.mark.parametrize("path", SCREENS)
def test_insights_screens_have_no_accessibility_violations(
    app: Flask, signed_in: Page, live_url: str, path: str
) -> None:
    page = signed_in
    compare = unit_id(app, "Environment")
    page.goto(f"{live_url}{path}" + (f"?compare={compare}" if path.endswith("trends") else ""))
    expect(page.locator("#results")).to_be_visible()
    assert axe_violations(page) == []


def test_open_what_this_means_and_an_open_wave_have_no_accessibility_violations(
    app: Flask, signed_in: Page, live_url: str
) -> None:
    page = signed_in
    page.goto(f"{live_url}/insights/")
    first = page.locator(".app-card details").first
    first.locator("summary").click()
    expect(first.locator(".govuk-details__text")).to_contain_text("95% interval")
    assert axe_violations(page) == []
    with app.app_context():
        open_wave = insights.launched_waves()[-1].id
    page.goto(f"{live_url}/insights/?wave={open_wave}")
    expect(page.get_by_role("heading", name="Results not out yet")).to_be_visible()
    assert axe_violations(page) == []
