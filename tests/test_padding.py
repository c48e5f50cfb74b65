"""Padding: one response per browser on a team link, kiosks, no open link where it cannot be
judged, invitations-only waves, padded units withheld, and admin counts only through insights."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import AuditEntry, Kind, TeamLink, Unit, Wave, utcnow
from survey.services import insights, submissions, units, waves
from survey.services.pulses import TEAM, Link
from tests.helpers import (
    Org,
    Respondent,
    good_answers,
    post,
    response_count,
    set_wave_times,
    signed_in,
    unit_id,
)

ALREADY = "You have already answered this pulse from this browser"


def team_url(org: Org) -> str:
    return f"/t/{org.team_token}"


def answer_once(client: FlaskClient, org: Org):
    """Open the team link in this browser and send a complete pulse; return the reply."""
    person = Respondent(client, team_url(org))
    person.open()
    return person.submit(good_answers(org))


def add_responses(app: Flask, org: Org, unit: int, count: int) -> None:
    """Store complete responses for a unit straight through the service, as padding would."""
    values = {Kind.SCALE5: 4, Kind.SCALE11: 9}
    answers: dict[int, object] = {}
    for item in org.pulse.items:
        if item.kind in values:
            answers[item.id] = values[item.kind]
        elif item.kind is Kind.SINGLE:
            answers[item.id] = item.choices[1].id
        elif item.kind is Kind.MULTI:
            answers[item.id] = [item.choices[0].id]
    with app.app_context():
        link = Link(TEAM, "x", org.wave_id, unit, "", utcnow())
        for n in range(count):
            submissions.submit(link, org.pulse, answers, f"pad{unit}-{n}", utcnow())


def text_of(client: FlaskClient, url: str, selector: str = "main") -> str:
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return " ".join(page.select_one(selector).get_text(" ", strip=True).split())


def test_second_visit_from_the_same_browser_is_refused(
    app: Flask, client: FlaskClient, org: Org
) -> None:
    other_tab = Respondent(client, team_url(org))
    other_tab.open()
    sent = answer_once(client, org)
    assert sent.status_code == 303
    cookie = sent.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert f"Path={team_url(org)}" in cookie
    again = client.get(team_url(org))
    assert again.status_code == 409
    assert ALREADY in again.get_data(as_text=True)
    # A pulse opened in another tab before answering is refused the same way when sent.
    late = other_tab.submit(good_answers(org))
    assert late.status_code == 409
    assert ALREADY in late.get_data(as_text=True)
    assert response_count(app) == 1


def test_another_browser_may_answer_and_the_mark_says_nothing_of_either(
    app: Flask, org: Org
) -> None:
    first, second = app.test_client(), app.test_client()
    marks = []
    for browser in (first, second):
        assert browser.get(team_url(org)).status_code == 200
        reply = answer_once(browser, org)
        assert reply.status_code == 303
        marks.append(browser.get_cookie("pulse_answered", path=team_url(org)).value)
    assert response_count(app) == 2
    # Every browser gets the same mark: it cannot tell one response from another.
    assert marks[0] == marks[1]


def test_invitation_links_are_unaffected(app: Flask, client: FlaskClient, org: Org) -> None:
    assert answer_once(client, org).status_code == 303
    for token in org.invitations[:2]:
        person = Respondent(client, f"/i/{token}")
        person.open()
        assert person.submit(good_answers(org)).status_code == 303
    assert response_count(app) == 3


def test_a_mark_for_another_link_or_a_forged_one_is_ignored(
    app: Flask, client: FlaskClient, org: Org
) -> None:
    client.set_cookie("pulse_answered", "forged.value", path=team_url(org))
    assert client.get(team_url(org)).status_code == 200


def start_kiosk(admin: FlaskClient, org: Org, on: bool = True):
    return post(
        admin,
        f"/admin/waves/{org.wave_id}/team-links/{org.unit_id}/kiosk",
        {"kiosk": "1" if on else "0"},
    )


def test_kiosk_takes_response_after_response_and_keeps_none_of_them(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    reply = start_kiosk(admin, org)
    assert reply.status_code == 303
    assert f"Path={team_url(org)}" in reply.headers["Set-Cookie"]
    for n in range(3):
        person = Respondent(admin, team_url(org))
        landing = admin.get(team_url(org))
        assert landing.headers["Cache-Control"] == "no-store"
        person.open()
        answers = good_answers(org) | {org.item("comment").field: [f"Secret number {n}"]}
        sent = person.submit(answers)
        assert sent.status_code == 303
        thanks = admin.get(sent.headers["Location"])
        page = thanks.get_data(as_text=True)
        assert thanks.headers["Cache-Control"] == "no-store"
        assert "Secret number" not in page
        assert "Start a new response" in page
        assert f'content="20;url={team_url(org)}"' in page
    assert response_count(app) == 3
    with app.app_context():
        details = db.session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "link.kiosk")
        ).all()
    assert len(details) == 1
    assert details[0].endswith(
        ": a device set up as a kiosk for Test Council > Operations > Team A"
    )


def test_stopping_kiosk_mode_brings_back_one_response_per_browser(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    start_kiosk(admin, org)
    assert answer_once(admin, org).status_code == 303
    assert start_kiosk(admin, org, on=False).status_code == 303
    assert answer_once(admin, org).status_code == 303
    assert admin.get(team_url(org)).status_code == 409
    assert "Start a new response" not in admin.get(f"{team_url(org)}/thanks").get_data(as_text=True)


def test_kiosk_needs_an_open_wave_and_an_admin(app: Flask, admin: FlaskClient, org: Org) -> None:
    analyst = signed_in(app, "analyst@test.org")
    stranger = analyst.post(f"/admin/waves/{org.wave_id}/team-links/{org.unit_id}/kiosk")
    assert stranger.status_code in (400, 403)
    assert "pulse_kiosk" not in stranger.headers.get("Set-Cookie", "")
    set_wave_times(app, org.wave_id, -timedelta(days=3), -timedelta(days=1))
    refused = start_kiosk(admin, org)
    assert refused.status_code == 422
    assert "A kiosk needs a team link that is switched on" in refused.get_data(as_text=True)


def launch(app: Flask, invitations_only: bool) -> int:
    """Launch a new wave over the test organisation (with a small Team C) and return its id."""
    now = utcnow()
    with app.app_context(), write_transaction() as session:
        units.ensure_path(session, "Test Council > Operations > Team C", 6)
        wave = waves.create_wave(
            session,
            session.get_one(Wave, 1).survey,
            "Small units",
            now - timedelta(hours=1),
            now + timedelta(days=5),
        )
        wave.invitations_only = invitations_only
        waves.launch_wave(session, wave, now)
        return wave.id


def linked_units(app: Flask, wave_id: int) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(Unit.name)
                .join(TeamLink, TeamLink.unit_id == Unit.id)
                .where(TeamLink.wave_id == wave_id)
            )
        )


@pytest.mark.parametrize(
    ("invitations_only", "linked"),
    [(False, ["Team A", "Team B", "Team C"]), (True, ["Team A", "Team B"])],
)
def test_team_links_only_where_padding_can_be_judged(
    app: Flask, admin: FlaskClient, org: Org, invitations_only: bool, linked: list[str]
) -> None:
    wave_id = launch(app, invitations_only)
    # Test Council and Operations have no recorded headcount; Team C (6) is under 2 x 5.
    assert linked_units(app, wave_id) == linked
    page = text_of(admin, f"/admin/waves/{wave_id}")
    assert "No team link: this unit has no recorded headcount" in page
    assert ("Invitations only: fewer than 10 people" in page) is invitations_only
    team_c = unit_id(app, "Team C")
    if invitations_only:
        switch_on = post(admin, f"/admin/waves/{wave_id}/team-links/{team_c}", {"active": "1"})
        assert switch_on.status_code == 404
    # Single-use links can still be made for every unit.
    issued = post(admin, f"/admin/waves/{wave_id}/invitations", {"unit_id": team_c, "count": 3})
    assert issued.status_code == 200


def test_invitations_only_is_set_on_the_form_and_carried_by_tick(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    with app.app_context():
        survey_id = db.session.get_one(Wave, org.wave_id).survey_id
    made = post(
        admin,
        "/admin/waves",
        {
            "name": "Careful pulse",
            "survey_id": survey_id,
            "opens_at": (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (utcnow() + timedelta(days=6)).strftime("%Y-%m-%dT%H:%M"),
            "cadence": "weekly",
            "invitations_only": "y",
        },
    )
    assert made.status_code == 303
    with app.app_context():
        wave = db.session.scalars(select(Wave).where(Wave.name == "Careful pulse")).one()
        assert wave.invitations_only
        careful = wave.id
        with write_transaction() as session:
            waves.launch_wave(session, session.get_one(Wave, careful), utcnow())
    assert app.test_cli_runner().invoke(args=["tick"]).exit_code == 0
    with app.app_context():
        following = db.session.scalars(select(Wave).where(Wave.previous_id == careful)).one()
        assert following.invitations_only


def test_padded_unit_is_flagged_for_the_admin_and_withheld_on_insights(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    team_b = unit_id(app, "Team B")
    add_responses(app, org, org.unit_id, 10)
    add_responses(app, org, team_b, 13)  # Team B has 12 people
    page = BeautifulSoup(
        admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True), "html.parser"
    )
    warned = {
        row.td.get_text(" ", strip=True).split(" Figures withheld")[0]
        for row in page.select("tbody tr")
        if "More responses than people: check where the team link was shared" in row.get_text()
    }
    assert warned == {"Test Council > Operations > Team B"}
    set_wave_times(app, org.wave_id, -timedelta(days=8), -timedelta(minutes=5))
    rates = text_of(admin, f"/insights/rates?unit={team_b}")
    assert "Withheld: more responses than people" in rates
    with app.app_context():
        view = insights.view(db.session.get_one(Wave, org.wave_id), None, utcnow())
        assert view.released
        assert team_b in view.withheld
        assert view.figure(team_b, "knowledge").suppressed
        assert not view.figure(org.unit_id, "knowledge").suppressed
    # The padded unit's own count appears in no cell (wave names carry digits, so cells only).
    table = text_of(admin, f"/insights/rates?unit={team_b}", "#results table")
    assert not re.search(r"\b13\b", table)


@pytest.mark.parametrize(
    ("answered", "shown"), [(0, "Fewer than 5"), (4, "Fewer than 5"), (7, "5")]
)
def test_admin_wave_page_shows_participation_not_a_live_count(
    app: Flask, admin: FlaskClient, org: Org, answered: int, shown: str
) -> None:
    add_responses(app, org, org.unit_id, answered)
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one("#participation").get_text(strip=True) == shown
    assert soup.select_one("#invitations-issued").get_text(strip=True) == "5 issued"
    assert " used" not in soup.select_one("dl").get_text(" ", strip=True)
    assert "counts move only in steps of 5" in soup.get_text(" ", strip=True)
    dashboard = text_of(admin, "/admin/")
    assert f"Responses so far: {shown.lower()}" in dashboard
