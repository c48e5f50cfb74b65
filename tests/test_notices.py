"""The privacy notice and accessibility statement: linked from every staff page, edited by HR."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Notice
from survey.services.notices import blocks
from tests.helpers import Org, post

TEXT = "## Who runs it\nThe council's HR team.\n\n- one\n- two\n\n- three"


@pytest.mark.parametrize("url", ["/", "/t/{token}", "/t/{token}/thanks", "/t/" + "x" * 32])
def test_every_staff_page_links_to_both_notices(client: FlaskClient, org: Org, url: str) -> None:
    html = client.get(url.format(token=org.team_token)).get_data(as_text=True)
    assert 'href="/privacy">Privacy notice</a>' in html
    assert 'href="/accessibility">Accessibility statement</a>' in html


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("privacy", ["at least 5 people", "at least 10 people", "IP address", "released once"]),
        ("accessibility", ["Compliance status", "Enforcement procedure", "EHRC", "Known issues"]),
    ],
)
def test_default_notices_say_what_staff_need(
    client: FlaskClient, org: Org, kind: str, says: list[str]
) -> None:
    page = client.get(f"/{kind}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(phrase in html for phrase in says)


def test_admin_saves_a_version_that_staff_see_escaped(
    app: Flask, client: FlaskClient, admin: FlaskClient
) -> None:
    form = admin.get("/admin/notices/privacy").get_data(as_text=True)
    assert "Who runs the pulse" in form  # the box starts from the default text
    saved = post(admin, "/admin/notices/privacy", {"text": TEXT + " <b>bold</b>", "based_on": "0"})
    assert saved.status_code == 303
    html = client.get("/privacy").get_data(as_text=True)
    assert '<h2 class="govuk-heading-m">Who runs it</h2>' in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "Who runs the pulse" not in html
    with app.app_context():
        assert [(n.kind, n.version) for n in db.session.scalars(select(Notice))] == [("privacy", 1)]


def test_notice_saved_meanwhile_is_a_conflict(admin: FlaskClient, org: Org) -> None:
    post(admin, "/admin/notices/accessibility", {"text": TEXT, "based_on": "0"})
    late = post(admin, "/admin/notices/accessibility", {"text": TEXT + " mine", "based_on": "0"})
    assert late.status_code == 409
    assert "Someone saved a new version" in late.get_data(as_text=True)


def test_an_edit_based_on_a_version_that_never_was_is_a_conflict_not_a_500(
    admin: FlaskClient, org: Org
) -> None:
    # No version saved yet, and the form says it edits version 1.
    reply = post(admin, "/admin/notices/accessibility", {"text": TEXT, "based_on": "1"})
    assert reply.status_code == 409
    assert 'name="based_on" type="hidden" value="0"' in reply.get_data(as_text=True)


@pytest.mark.parametrize("text", ["", "short"])
def test_empty_or_short_notice_is_refused(admin: FlaskClient, org: Org, text: str) -> None:
    assert post(admin, "/admin/notices/privacy", {"text": text, "based_on": "0"}).status_code == 422


def test_only_admins_edit_notices(client: FlaskClient, org: Org) -> None:
    assert client.get("/admin/notices/privacy").status_code in (302, 303, 401, 403)
    assert client.get("/admin/notices/cookies").status_code in (302, 303, 401, 403, 404)
    assert client.get("/cookies").status_code == 404


def test_blocks_make_headings_paragraphs_and_lists() -> None:
    assert [(b.kind, b.lines) for b in blocks(TEXT)] == [
        ("heading", ("Who runs it",)),
        ("paragraph", ("The council's HR team.",)),
        ("list", ("one", "two")),
        ("list", ("three",)),
    ]
