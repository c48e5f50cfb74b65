"""HR run a programme in a real browser: from an empty database to a counted response."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import axe_violations
from tests.helpers import ACCOUNTS, PASSWORD, Org, response_count

pytestmark = pytest.mark.browser


def sign_in(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/login")
    page.get_by_label("Email address").fill(ACCOUNTS["admin"][0])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_from_empty_database_to_a_counted_response(
    app: Flask, browser: Browser, page: Page, live_url: str, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert (
        runner.invoke(args=["create-user", ACCOUNTS["admin"][0], "--password", PASSWORD]).exit_code
        == 0
    )
    sign_in(page, live_url)
    expect(page.get_by_role("heading", name="Next: Add your units")).to_be_visible()

    units = tmp_path / "units.csv"
    units.write_text(
        "unit_path,headcount\nCouncil > Housing > Repairs,30\n"
        "Council > Housing > Lettings,12\nCouncil > Finance,20\n"
    )
    page.goto(f"{live_url}/admin/units/import")
    page.get_by_label("CSV file").set_input_files(units)
    page.get_by_role("button", name="Import units").click()
    expect(page.get_by_text("Imported 3 units")).to_be_visible()
    expect(page.get_by_role("cell", name="Lettings", exact=True)).to_be_visible()

    page.goto(f"{live_url}/admin/surveys")
    page.get_by_label("Survey name").fill("Quick pulse")
    page.get_by_role("button", name="Create survey").click()
    for code in ("awareness", "knowledge", "mainly_about"):
        select = page.get_by_label("Question", exact=True)
        select.select_option(
            label=next(
                o for o in select.locator("option").all_inner_texts() if o.startswith(code + ":")
            )
        )
        page.get_by_role("button", name="Add question").click()
        expect(page.locator(".app-composer__text", has_text=f"({code},")).to_be_visible()
    expect(page.get_by_role("heading", name="3 questions, about 1 minute")).to_be_visible()

    page.goto(f"{live_url}/admin/waves")
    page.get_by_label("Name").fill("Spring pulse")
    page.get_by_label("Survey").select_option(label="Quick pulse")
    page.get_by_label("Opens (UTC)").fill("2020-01-01T09:00")
    page.get_by_label("Closes (UTC)").fill("2099-01-01T09:00")
    page.get_by_role("button", name="Save as draft").click()
    page.get_by_role("button", name="Launch wave").click()
    expect(page.get_by_text("Launched.")).to_be_visible()

    page.get_by_label("Unit").select_option(label="Council > Housing > Repairs")
    page.get_by_label("Number of links").fill("3")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download links (CSV)").click()
    rows = list(csv.reader(download.value.path().read_text().splitlines()))
    assert rows[0] == ["unit_path", "link"]
    assert len(rows) == 4

    staff = browser.new_context().new_page()
    staff.goto(rows[1][1])
    staff.get_by_role("button", name="Start now").click()
    expect(staff.get_by_text("Question 1 of 3")).to_be_visible()
    staff.get_by_label("Agree", exact=True).check()
    staff.get_by_role("button", name="Continue").click()
    # Wait for each new card: the same answer labels are on the card it replaces.
    expect(staff.get_by_text("Question 2 of 3")).to_be_visible()
    staff.get_by_label("Strongly agree").check()
    staff.get_by_role("button", name="Continue").click()
    expect(staff.get_by_text("Question 3 of 3")).to_be_visible()
    staff.get_by_label("New ways of working").check()
    staff.get_by_role("button", name="Continue").click()
    staff.get_by_role("button", name="Send my answers").click()
    expect(staff.get_by_role("heading", name="Thank you")).to_be_visible()
    staff.context.close()

    page.reload()
    # Issued, never used: which links were used would tie answers to people.
    expect(page.locator("#invitations-issued")).to_have_text("3 issued")
    assert response_count(app) == 1


def test_composer_by_keyboard_only(page: Page, live_url: str, org: Org, accounts: None) -> None:
    sign_in(page, live_url)
    page.goto(f"{live_url}/admin/surveys")
    page.get_by_label("Survey name").fill("Keyboard pulse")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Keyboard pulse")).to_be_visible()
    for added in range(1, 4):
        page.get_by_label("Question", exact=True).focus()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.locator(".app-composer__item")).to_have_count(added)
    texts = page.locator(".app-composer__text").all_inner_texts()
    assert len(texts) == 3
    page.locator(".app-composer__item").nth(2).locator("button[value=up]").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".app-composer__text").nth(1)).to_have_text(texts[2])
    expect(page.locator(".app-composer__text").nth(2)).to_have_text(texts[1])
    # Focus follows the moved question, so pressing Enter again keeps moving it.
    page.keyboard.press("Enter")
    expect(page.locator(".app-composer__text").first).to_have_text(texts[2])


def test_inline_unit_edit_and_live_search(
    page: Page, live_url: str, org: Org, accounts: None
) -> None:
    sign_in(page, live_url)
    page.goto(f"{live_url}/admin/units")
    page.get_by_role("link", name="Edit Team B").click()
    name = page.locator("tr form").get_by_label("Name")
    expect(name).to_be_focused()
    name.fill("Team Beta")
    page.get_by_role("button", name="Save Team B").click()
    expect(page.get_by_role("cell", name="Team Beta", exact=True)).to_be_visible()
    assert page.url.endswith("/admin/units")

    page.goto(f"{live_url}/admin/questions")
    page.get_by_label("Search questions").fill("leaders")
    expect(page.get_by_role("status")).to_have_text("2 questions matching “leaders”")
    assert page.url.endswith("/admin/questions?q=leaders")


ADMIN_PAGES = [
    "/admin/",
    "/admin/units",
    "/admin/units/import",
    "/admin/questions",
    "/admin/questions/new",
    "/admin/surveys",
    "/admin/surveys/1",
    "/admin/waves",
    "/admin/waves/1",
    "/admin/definition",
    "/admin/actions",
    "/admin/users",
    "/admin/audit",
]


def test_admin_pages_pass_axe(page: Page, live_url: str, org: Org, accounts: None) -> None:
    page.goto(f"{live_url}/login")
    found = {"/login": axe_violations(page)}
    sign_in(page, live_url)
    for path in ADMIN_PAGES:
        page.goto(live_url + path)
        found[path] = axe_violations(page)
    page.goto(f"{live_url}/admin/units")
    page.get_by_role("button", name="Add unit").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    found["units with errors"] = axe_violations(page)
    assert {path: v for path, v in found.items() if v} == {}
