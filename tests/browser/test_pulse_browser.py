"""A person answers the pulse in a real browser: keyboard, back and change, errors, JS off."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer
from tests.browser.conftest import axe_violations
from tests.helpers import Org, response_count, set_wave_times

pytestmark = pytest.mark.browser


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def continue_to(page: Page, number: int) -> None:
    """Press Continue and wait for question `number`."""
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(f"Question {number} of 13")).to_be_visible()


# One answer per question of the default pulse, by its number (1-13), as a person would click.
CHOICES = {10: "Better services for residents", 11: "Better outcomes for residents", 12: "9"}


def answer_card(page: Page, number: int) -> None:
    """Answer question `number` and continue, waiting for the next screen."""
    if number <= 9:
        page.get_by_label("Agree", exact=True).check()
    elif number in CHOICES:
        page.get_by_label(CHOICES[number], exact=True).check()
    else:
        page.get_by_role("textbox").fill("Keep the briefings short.")
    page.get_by_role("button", name="Continue").click()
    following = (
        page.get_by_text(f"Question {number + 1} of 13")
        if number < 13
        else page.get_by_role("heading", name="Check your answers")
    )
    expect(following).to_be_visible()


def answer_all(page: Page) -> None:
    """Start the pulse and answer every question, ending on the review screen."""
    page.get_by_role("button", name="Start now").click()
    for number in range(1, 14):
        answer_card(page, number)


def stored_values(app: Flask) -> list[int | None]:
    """Return the stored scale values in question order."""
    with app.app_context():
        rows = db.session.scalars(select(Answer).order_by(Answer.question_version_id)).all()
        return [a.value for a in rows if a.value is not None]


def test_whole_pulse_by_keyboard_only(app: Flask, page: Page, live_url: str, org: Org) -> None:
    page.goto(f"{live_url}/i/{org.invitations[0]}")
    tab_to(page, "button[value=start]")
    page.keyboard.press("Enter")
    for number in range(1, 10):
        expect(page.get_by_text(f"Question {number} of 13")).to_be_visible()
        # Focus moves to the new question's heading after each swap.
        expect(page.locator("h1")).to_be_focused()
        tab_to(page, "input[type=radio]")
        page.keyboard.press("ArrowDown")  # from the first answer to the second: Disagree
        tab_to(page, "button[value=next]")
        page.keyboard.press("Enter")
    expect(page.get_by_text("Question 10 of 13")).to_be_visible()
    tab_to(page, "input[type=radio]")
    page.keyboard.press("Space")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Question 11 of 13")).to_be_visible()
    tab_to(page, "input[type=checkbox]")
    page.keyboard.press("Space")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Question 12 of 13")).to_be_visible()
    tab_to(page, "input[type=radio]")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Question 13 of 13")).to_be_visible()
    tab_to(page, "textarea")
    page.keyboard.type("Typed without a mouse.")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your answers")).to_be_focused()
    tab_to(page, "button[value=submit]")
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name="Thank you, your answers have been sent")
    ).to_be_visible()
    assert response_count(app) == 1
    assert stored_values(app) == [2] * 9 + [7]


def test_go_back_and_change_answers(app: Flask, page: Page, live_url: str, org: Org) -> None:
    page.goto(f"{live_url}/t/{org.team_token}")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Agree", exact=True).check()
    continue_to(page, 2)
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_text("Question 1 of 13")).to_be_visible()
    expect(page.get_by_label("Agree", exact=True)).to_be_checked()
    page.get_by_label("Strongly agree").check()
    continue_to(page, 2)
    for number in range(2, 10):
        page.get_by_label("Agree", exact=True).check()
        continue_to(page, number + 1)
    page.get_by_label("New ways of working").check()
    continue_to(page, 11)
    page.get_by_label("I'm not sure").check()
    continue_to(page, 12)
    page.get_by_label("5", exact=True).check()
    continue_to(page, 13)
    page.get_by_role("button", name="Continue").click()
    review = page.locator(".govuk-summary-list")
    expect(review).to_contain_text("Strongly agree")
    page.get_by_role("button", name="Change your answer to: I know what the change means").click()
    expect(page.get_by_text("Question 3 of 13")).to_be_visible()
    page.get_by_label("Strongly disagree").check()
    page.get_by_role("button", name="Save and go to check your answers").click()
    expect(review).to_contain_text("Strongly disagree")
    page.get_by_role("button", name="Send my answers").click()
    expect(
        page.get_by_role("heading", name="Thank you, your answers have been sent")
    ).to_be_visible()
    assert stored_values(app) == [5, 4, 1, 4, 4, 4, 4, 4, 4, 5]


def test_validation_error_is_announced_and_tied_to_its_field(
    page: Page, live_url: str, org: Org
) -> None:
    page.goto(f"{live_url}/t/{org.team_token}")
    page.get_by_role("button", name="Start now").click()
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("alert")).to_contain_text("Select how much you agree")
    fieldset = page.locator("fieldset")
    error_id = page.locator(".govuk-error-message").get_attribute("id")
    assert error_id in fieldset.get_attribute("aria-describedby")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Strongly disagree")).to_be_focused()
    assert axe_violations(page) == []


def test_double_submit_stores_one_response(app: Flask, page: Page, live_url: str, org: Org) -> None:
    page.goto(f"{live_url}/i/{org.invitations[0]}")
    answer_all(page)
    page.get_by_role("button", name="Send my answers").dblclick()
    expect(
        page.get_by_role("heading", name="Thank you, your answers have been sent")
    ).to_be_visible()
    assert response_count(app) == 1


def test_whole_pulse_with_javascript_disabled(
    app: Flask, browser: Browser, live_url: str, org: Org
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_url}/i/{org.invitations[0]}")
    answer_all(page)
    # Without JavaScript a double click really sends twice; the server stores once, and
    # whichever reply the browser shows last is a thank-you, never "this link is used".
    page.get_by_role("button", name="Send my answers").dblclick()
    # (Waiting for a heading with "answers" in it once matched the review's own heading.)
    expect(page).to_have_url(re.compile(r"/thanks(\?again=1)?$"))
    expect(page.get_by_role("heading", name="answers")).to_be_visible()
    assert response_count(app) == 1
    context.close()


def test_csrf_header_reaches_every_htmx_request(page: Page, live_url: str, org: Org) -> None:
    sent: list[dict[str, str]] = []
    page.on(
        "request",
        lambda request: sent.append(request.headers) if request.method == "POST" else None,
    )
    page.goto(f"{live_url}/t/{org.team_token}")
    token = page.locator("input[name=csrf_token]").get_attribute("value")
    answer_all(page)
    assert len(sent) == 14
    assert all(h.get("hx-request") == "true" and h.get("x-csrftoken") == token for h in sent)


def test_every_respondent_page_passes_axe(app: Flask, page: Page, live_url: str, org: Org) -> None:
    page.goto(f"{live_url}/t/{org.team_token}")
    checked = {"landing": axe_violations(page)}
    page.get_by_role("button", name="Start now").click()
    for number in range(1, 14):
        expect(page.get_by_text(f"Question {number} of 13")).to_be_visible()
        checked[f"question {number}"] = axe_violations(page)
        answer_card(page, number)
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    checked["review"] = axe_violations(page)
    page.get_by_role("button", name="Send my answers").click()
    expect(
        page.get_by_role("heading", name="Thank you, your answers have been sent")
    ).to_be_visible()
    checked["thanks"] = axe_violations(page)
    page.goto(f"{live_url}/t/{'x' * 32}")
    checked["unknown link"] = axe_violations(page)
    assert {name: found for name, found in checked.items() if found} == {}


@pytest.mark.parametrize("screen", ["landing", "card", "review"])
def test_usable_at_320_pixels_wide(browser: Browser, live_url: str, org: Org, screen: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_url}/t/{org.team_token}")
    if screen != "landing":
        page.get_by_role("button", name="Start now").click()
        expect(page.locator("progress")).to_be_visible()
    if screen == "review":
        for number in range(1, 14):
            answer_card(page, number)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_a_pulse_that_closes_midway_shows_its_closed_page_not_a_page_in_the_card(
    app: Flask, page: Page, live_url: str, org: Org
) -> None:
    page.goto(f"{live_url}/t/{org.team_token}")
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_text("Question 1 of 13")).to_be_visible()
    set_wave_times(app, org.wave_id, timedelta(days=-3), timedelta(seconds=-1))
    page.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="This pulse has closed")).to_be_visible()
    expect(page).to_have_url(f"{live_url}/t/{org.team_token}")
    expect(page.locator("header")).to_have_count(1)  # one page, not a page inside the card
    expect(page.get_by_text("Question 1 of 13")).to_have_count(0)
