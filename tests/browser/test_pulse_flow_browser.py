"""The pulse as a person on a phone or a laptop lives it: history, reload, layout, what is kept."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.test_pulse_browser import answer_card, continue_to
from tests.helpers import Org

pytestmark = pytest.mark.browser

DEFINITION = "better outcomes for the residents we serve"
CARD_ADDRESS = re.compile(r"/t/[A-Za-z0-9_-]+(\?card=([0-9]+|review))?$")


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """Return a context the size of a small phone (375 by 667)."""
    context = browser.new_context(viewport={"width": 375, "height": 667})
    context.set_default_timeout(10_000)
    yield context
    context.close()


def kept(page: Page) -> dict[str, int]:
    """Return how many entries the page's origin keeps in each web storage."""
    return page.evaluate("() => ({local: localStorage.length, session: sessionStorage.length})")


def test_history_back_forward_and_reload_keep_card_and_answers(
    page: Page, live_url: str, org: Org
) -> None:
    page.goto(f"{live_url}/t/{org.team_token}")
    page.get_by_role("button", name="Start now").click()
    expect(page).to_have_url(re.compile(r"\?card=1$"))
    page.get_by_label("Agree", exact=True).check()
    continue_to(page, 2)
    expect(page).to_have_url(re.compile(r"\?card=2$"))
    page.get_by_label("Strongly agree").check()  # chosen, not yet sent with Continue
    page.go_back()
    expect(page.get_by_text("Question 1 of 13")).to_be_visible()
    expect(page.get_by_label("Agree", exact=True)).to_be_checked()
    page.go_forward()
    expect(page.get_by_text("Question 2 of 13")).to_be_visible()
    expect(page.get_by_label("Strongly agree")).to_be_checked()
    page.reload()
    expect(page.get_by_text("Question 2 of 13")).to_be_visible()
    expect(page.get_by_label("Strongly agree")).to_be_checked()
    continue_to(page, 3)
    page.go_back()
    page.go_back()
    expect(page.get_by_text("Question 1 of 13")).to_be_visible()
    expect(page.get_by_label("Agree", exact=True)).to_be_checked()
    page.go_back()
    expect(page.get_by_role("button", name="Start now")).to_be_visible()
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_label("Agree", exact=True)).to_be_checked()
    continue_to(page, 2)
    expect(page.get_by_label("Strongly agree")).to_be_checked()


def test_reload_on_the_review_keeps_every_answer(page: Page, live_url: str, org: Org) -> None:
    page.goto(f"{live_url}/t/{org.team_token}")
    page.get_by_role("button", name="Start now").click()
    for number in range(1, 14):
        answer_card(page, number)
    expect(page).to_have_url(re.compile(r"\?card=review$"))
    page.reload()
    review = page.locator(".govuk-summary-list")
    expect(review).to_contain_text("Keep the briefings short.")
    expect(review).not_to_contain_text("Not answered")
    page.get_by_role("button", name="Send my answers").click()
    expect(
        page.get_by_role("heading", name="Thank you, your answers have been sent")
    ).to_be_visible()


def test_the_welcome_loaded_again_posts_nothing_so_start_keeps_its_card(
    page: Page, live_url: str, org: Org
) -> None:
    # Loaded again in the same tab (as a kiosk's next person does) with nothing answered, the
    # welcome once posted itself back, and that answer could land after Start's and take
    # question 1 off the screen.
    url = f"{live_url}/t/{org.team_token}"
    page.goto(url)
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert posts == []
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_text("Question 1 of 13")).to_be_visible()
    answer_card(page, 1)


def test_back_button_keeps_answers_with_javascript_off(
    browser: Browser, live_url: str, org: Org
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_url}/t/{org.team_token}")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Disagree", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Question 2 of 13")).to_be_visible()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("Disagree", exact=True)).to_be_checked()
    context.close()


def test_answers_never_reach_an_address_or_outlive_the_thank_you_page(
    page: Page, live_url: str, org: Org
) -> None:
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    page.on("framenavigated", lambda frame: addresses.append(frame.url))
    page.goto(f"{live_url}/t/{org.team_token}")
    page.get_by_role("button", name="Start now").click()
    for number in range(1, 14):
        answer_card(page, number)
        if number == 5:
            assert kept(page)["session"] == 1  # the answers so far, in this tab only
    page.get_by_role("button", name="Send my answers").click()
    expect(
        page.get_by_role("heading", name="Thank you, your answers have been sent")
    ).to_be_visible()
    assert kept(page) == {"local": 0, "session": 0}
    pulse_addresses = [a for a in addresses if f"/t/{org.team_token}" in a]
    assert pulse_addresses
    assert all(CARD_ADDRESS.search(a) or a.endswith("/thanks") for a in pulse_addresses), (
        pulse_addresses
    )
    assert not [a for a in addresses if "Keep the briefings" in a or re.search(r"[?&]a[0-9]+=", a)]


def test_definition_only_after_the_recognition_check(page: Page, live_url: str, org: Org) -> None:
    page.goto(f"{live_url}/t/{org.team_token}")
    body = page.locator("body")
    expect(body).not_to_contain_text(DEFINITION)
    page.get_by_role("button", name="Start now").click()
    for number in range(1, 14):
        expect(body).not_to_contain_text(DEFINITION)
        answer_card(page, number)
    expect(body).not_to_contain_text(DEFINITION)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Here is what we mean by the change")).to_be_visible()
    expect(body).to_contain_text(DEFINITION)
    assert axe_violations(page) == []


def go_to_card(page: Page, url: str, number: int) -> None:
    """Open card `number` by its address, as after a reload in a tab that has started the pulse."""
    page.goto(url)
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_text("Question 1 of 13")).to_be_visible()
    page.goto(f"{url}?card={number}")
    expect(page.get_by_text(f"Question {number} of 13")).to_be_visible()


def test_nought_to_ten_is_one_row_on_a_wide_screen_and_a_grid_on_a_phone(
    browser: Browser, live_url: str, org: Org
) -> None:
    rows = {}
    for width in (1280, 800, 375):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        go_to_card(page, f"{live_url}/t/{org.team_token}", 12)
        radios = page.locator("input[type=radio]")
        expect(radios).to_have_count(11)
        rows[width] = len({round(radios.nth(i).bounding_box()["y"]) for i in range(11)})
        expect(page.get_by_label("0 Not at all likely")).to_be_visible()
        expect(page.get_by_label("10 Extremely likely")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert axe_violations(page) == []
        page.get_by_label("10 Extremely likely").check()
        continue_to(page, 13)
        context.close()
    assert rows == {1280: 1, 800: 2, 375: 2}


def test_not_sure_clears_the_other_boxes_and_they_clear_it(
    page: Page, live_url: str, org: Org
) -> None:
    go_to_card(page, f"{live_url}/t/{org.team_token}", 11)
    aims = [
        page.get_by_label("Better outcomes for residents"),
        page.get_by_label("Closing local offices"),
    ]
    for box in aims:
        box.check()
    unsure = page.get_by_label("I'm not sure")
    unsure.check()
    for box in aims:
        expect(box).not_to_be_checked()
    aims[0].check()
    expect(unsure).not_to_be_checked()
    expect(page.locator(".govuk-checkboxes__divider")).to_have_text("or")


def test_start_is_in_the_first_screen_of_a_small_phone(
    phone: BrowserContext, live_url: str, org: Org
) -> None:
    page = phone.new_page()
    page.goto(f"{live_url}/t/{org.team_token}")
    start = page.get_by_role("button", name="Start now").bounding_box()
    assert start is not None
    assert start["y"] + start["height"] <= 667
    assert axe_violations(page) == []


@pytest.mark.parametrize("number", [1, 11, 13])
def test_question_number_in_view_at_320_pixels(
    browser: Browser, live_url: str, org: Org, number: int
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 568})
    page = context.new_page()
    go_to_card(page, f"{live_url}/t/{org.team_token}", number)
    label = page.get_by_text(f"Question {number} of 13")
    expect(label).to_be_in_viewport()
    context.close()


def test_footer_reaches_the_privacy_notice_and_accessibility_statement(
    page: Page, live_url: str, org: Org
) -> None:
    for link, heading in (
        ("Privacy notice", "Who runs the pulse"),
        ("Accessibility statement", "Enforcement procedure"),
    ):
        page.goto(f"{live_url}/t/{org.team_token}")
        page.locator("footer").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=link, level=1)).to_be_visible()
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert axe_violations(page) == []
