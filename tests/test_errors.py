"""Errors in the right place: a page load gets the error page; an htmx request gets the message
alone, aimed at the page's error area, never a whole page inside the element that asked."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from survey.errors import IN_ERROR_AREA
from tests.helpers import Org, post, unit_id

HTMX = {"HX-Request": "true"}


def boom() -> str:
    """Fail as an unexpected bug would."""
    raise RuntimeError("a detail nobody should see")


def assert_in_error_area(reply, status: int, says: str) -> BeautifulSoup:
    """Check an htmx error answer: the status, a fragment aimed at #app-error, its words."""
    assert reply.status_code == status
    for name, value in IN_ERROR_AREA.items():
        assert reply.headers[name] == value
    html = reply.get_data(as_text=True)
    assert "<html" not in html
    assert "<h1" not in html
    fragment = BeautifulSoup(html, "html.parser")
    assert says in fragment.get_text(" ", strip=True)
    return fragment


def test_every_page_has_an_error_area_that_is_announced(client: FlaskClient) -> None:
    page = BeautifulSoup(client.get("/login").get_data(as_text=True), "html.parser")
    area = page.find(id="app-error")
    assert area is not None
    assert area["role"] == "alert"
    assert area.get_text(strip=True) == ""


def test_an_htmx_action_on_a_missing_object_says_so_in_the_error_area(admin: FlaskClient) -> None:
    reply = admin.get("/admin/units/999999/edit", headers=HTMX)
    assert_in_error_area(reply, 404, "That is no longer here")
    assert "Reload the page" in reply.get_data(as_text=True)
    page = admin.get("/admin/units/999999/edit")
    assert page.status_code == 404
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in page.get_data(as_text=True)
    assert "HX-Retarget" not in page.headers


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_requests_get_the_whole_error_page(
    admin: FlaskClient, header: str
) -> None:
    reply = admin.get("/admin/units/999999/edit", headers=HTMX | {header: "true"})
    assert reply.status_code == 404
    assert "<html" in reply.get_data(as_text=True)
    assert "HX-Retarget" not in reply.headers


def test_a_stale_form_sent_by_htmx_says_so_in_the_error_area(
    admin: FlaskClient, app: Flask, org: Org
) -> None:
    team = unit_id(app, "Team A")
    reply = admin.post(f"/admin/units/{team}/retire", data={"csrf_token": "stale"}, headers=HTMX)
    assert_in_error_area(reply, 400, "This page has expired")


def test_a_wrong_method_by_htmx_keeps_its_allow_header(admin: FlaskClient) -> None:
    reply = admin.put("/admin/units", headers=HTMX)
    assert_in_error_area(reply, 405, "Method Not Allowed")
    assert "GET" in reply.headers["Allow"]


def test_validation_errors_still_come_back_as_the_forms_own_fragment(
    admin: FlaskClient, org: Org
) -> None:
    reply = post(admin, "/admin/units", {"name": "", "headcount": "3"}, htmx=True)
    assert reply.status_code == 422
    assert "HX-Retarget" not in reply.headers
    assert "govuk-error-message" in reply.get_data(as_text=True)


@pytest.mark.parametrize("htmx", [False, True])
def test_an_unexpected_error_shows_a_reference_to_quote(app: Flask, htmx: bool) -> None:
    app.add_url_rule("/boom", "boom", boom)
    reply = app.test_client().get("/boom", headers=HTMX if htmx else {})
    reference = reply.headers["X-Request-ID"]
    if htmx:
        assert_in_error_area(reply, 500, "Sorry, there is a problem with the service")
    else:
        assert reply.status_code == 500
        assert "<html" in reply.get_data(as_text=True)
    text = BeautifulSoup(reply.get_data(as_text=True), "html.parser").get_text(" ", strip=True)
    assert f"quote this reference: {reference}" in text
    assert "a detail nobody should see" not in text
