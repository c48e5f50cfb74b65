"""Waves: schedule, launch, lock, extend, close, recur; links handed out safely."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Invitation, Survey, TeamLink, Unit, Wave, WaveUnit, utcnow
from survey.services import tokens
from tests.helpers import Org, csrf_from, post, sign_in, table_rows


def stamp(delta: timedelta) -> str:
    return (utcnow() + delta).strftime("%Y-%m-%dT%H:%M")


def survey_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(Survey.id))


def draft(app: Flask, admin: FlaskClient, **changes: str) -> int:
    data = {
        "name": "March pulse",
        "survey_id": survey_id(app),
        "opens_at": stamp(timedelta(hours=1)),
        "closes_at": stamp(timedelta(days=14)),
        "cadence": "monthly",
    } | changes
    reply = post(admin, "/admin/waves", data)
    assert reply.status_code == 303, reply.get_data(as_text=True)
    return int(reply.headers["Location"].rsplit("/", 1)[1])


def wave_form(app: Flask, wave_id: int, **changes: str) -> dict:
    with app.app_context():
        wave = db.session.get_one(Wave, wave_id)
        return {
            "row_version": str(wave.row_version),
            "name": wave.name,
            "survey_id": wave.survey_id,
            "opens_at": wave.opens_at.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": wave.closes_at.strftime("%Y-%m-%dT%H:%M"),
            "cadence": wave.cadence,
            "audience_unit_id": str(wave.audience_unit_id or ""),
        } | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"closes_at": stamp(-timedelta(days=1))}, "must be after the opening time"),
        ({"opens_at": "next tuesday"}, "Enter a date and time"),
        ({"name": ""}, "Enter a name"),
        ({"cadence": "hourly"}, "Choose one of the options"),
        ({"survey_id": "999999"}, "Choose one of the options"),
    ],
)
def test_bad_wave_is_refused_beside_the_field(
    app: Flask, admin: FlaskClient, org: Org, changes: dict, message: str
) -> None:
    data = {
        "name": "Bad",
        "survey_id": survey_id(app),
        "opens_at": stamp(timedelta(hours=1)),
        "closes_at": stamp(timedelta(days=3)),
        "cadence": "",
    } | changes
    reply = post(admin, "/admin/waves", data)
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True)


def test_launch_locks_threshold_and_snapshots_the_audience(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    wave_id = draft(app, admin)
    reply = post(admin, f"/admin/waves/{wave_id}", wave_form(app, wave_id, action="launch"))
    assert reply.status_code == 303
    with app.app_context():
        wave = db.session.get_one(Wave, wave_id)
        assert wave.launched_at is not None
        assert wave.anonymity_threshold == 5
        assert wave.definition_id is not None
        audience = db.session.execute(
            select(WaveUnit.path, WaveUnit.headcount).where(WaveUnit.wave_id == wave_id)
        ).all()
        assert ("Test Council > Operations > Team A", 40) in audience
        linked = db.session.scalars(
            select(WaveUnit.path)
            .join(
                TeamLink,
                (TeamLink.wave_id == WaveUnit.wave_id) & (TeamLink.unit_id == WaveUnit.unit_id),
            )
            .where(WaveUnit.wave_id == wave_id)
        ).all()
        # Only units with a recorded headcount get a team link: others cannot be judged.
        assert sorted(linked) == [path for path, count in sorted(audience) if count > 0]
        # Later changes to the tree do not touch the launched wave's snapshot.
        with write_transaction() as session:
            session.scalars(select(Unit).where(Unit.name == "Team A")).one().headcount = 99
        assert (
            db.session.scalar(
                select(WaveUnit.headcount).where(
                    WaveUnit.wave_id == wave_id, WaveUnit.path.like("%Team A")
                )
            )
            == 40
        )


def test_wave_page_names_its_survey_its_length_and_each_units_link(
    admin: FlaskClient, org: Org
) -> None:
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert re.search(r">Understanding the change</a>: 13 questions, about 3 minutes<", page), page
    # The invitation form offers each unit the wave asks, as its links table lists them.
    invite = page[page.index('name="unit_id"') :]
    invite = invite[: invite.index("</select>")]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", invite) == [
        row[0] for row in table_rows(page) if row[0].startswith("Test Council")
    ]


def test_launched_wave_can_only_move_its_close(app: Flask, admin: FlaskClient, org: Org) -> None:
    wave_id = draft(app, admin)
    post(admin, f"/admin/waves/{wave_id}", wave_form(app, wave_id, action="launch"))
    moved = post(
        admin, f"/admin/waves/{wave_id}", wave_form(app, wave_id, opens_at=stamp(timedelta(days=2)))
    )
    assert moved.status_code == 422
    assert "only its closing time and repeat can change" in moved.get_data(as_text=True)
    extended = post(
        admin,
        f"/admin/waves/{wave_id}",
        wave_form(app, wave_id, closes_at=stamp(timedelta(days=30))),
    )
    assert extended.status_code == 303


def test_conflicting_edit_is_detected_not_overwritten(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    wave_id = draft(app, admin)
    first = wave_form(app, wave_id, name="Renamed by Alex")
    second = wave_form(app, wave_id, name="Renamed by Sam")
    assert post(admin, f"/admin/waves/{wave_id}", first).status_code == 303
    clash = post(admin, f"/admin/waves/{wave_id}", second)
    assert clash.status_code == 409
    assert "Someone else changed this wave" in clash.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(Wave, wave_id).name == "Renamed by Alex"


def test_close_now_ends_the_wave_for_staff(
    app: Flask, client: FlaskClient, admin: FlaskClient, org: Org
) -> None:
    reply = post(admin, f"/admin/waves/{org.wave_id}", wave_form(app, org.wave_id, action="close"))
    assert reply.status_code == 303
    assert client.get(f"/t/{org.team_token}").status_code == 410


def test_tick_creates_the_next_wave_once(app: Flask, org: Org) -> None:
    with app.app_context(), write_transaction() as session:
        session.get_one(Wave, org.wave_id).cadence = "weekly"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["tick"])
    assert first.exit_code == 0
    assert "1 new wave." in first.output
    assert "0 new waves." in runner.invoke(args=["tick"]).output
    with app.app_context():
        old, new = db.session.scalars(select(Wave).order_by(Wave.opens_at)).all()
        assert new.previous_id == old.id
        assert new.opens_at == old.opens_at + timedelta(days=7)
        assert new.closes_at - new.opens_at == old.closes_at - old.opens_at
        assert new.launched_at is not None


@pytest.mark.parametrize(
    ("cadence", "opens", "expected"),
    [
        ("monthly", "2026-01-31 09:00", "2026-02-28 09:00"),
        ("quarterly", "2026-11-30 09:00", "2027-02-28 09:00"),
        ("fortnightly", "2026-12-25 09:00", "2027-01-08 09:00"),
    ],
)
def test_next_opening_follows_the_calendar(cadence: str, opens: str, expected: str) -> None:
    from datetime import datetime

    from survey.services.waves import next_opening

    assert next_opening(datetime.fromisoformat(opens), cadence) == datetime.fromisoformat(expected)


def test_invitations_download_once_as_csv_and_work(
    app: Flask, client: FlaskClient, admin: FlaskClient, org: Org
) -> None:
    reply = post(
        admin, f"/admin/waves/{org.wave_id}/invitations", {"unit_id": org.unit_id, "count": "3"}
    )
    assert reply.status_code == 200
    assert reply.mimetype == "text/csv"
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="invitations-')
    assert reply.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(reply.get_data(as_text=True))))
    assert rows[0] == ["unit_path", "link"]
    assert len(rows) == 4
    token = rows[1][1].rsplit("/", 1)[1]
    assert client.get(f"/i/{token}").status_code == 200
    with app.app_context():
        hashes = set(db.session.scalars(select(Invitation.token_hash)))
    assert tokens.token_hash(token) in hashes
    assert token not in hashes


def test_invitation_csv_neutralises_formulas_in_unit_names(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    with app.app_context(), write_transaction() as session:
        session.execute(
            WaveUnit.__table__.update()
            .where(WaveUnit.unit_id == org.unit_id)
            .values(path='=HYPERLINK("http://evil")')
        )
    reply = post(
        admin, f"/admin/waves/{org.wave_id}/invitations", {"unit_id": org.unit_id, "count": "1"}
    )
    rows = list(csv.reader(io.StringIO(reply.get_data(as_text=True))))
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize("count", ["0", "5001", "many"])
def test_invitation_count_is_checked(admin: FlaskClient, org: Org, count: str) -> None:
    reply = post(
        admin, f"/admin/waves/{org.wave_id}/invitations", {"unit_id": org.unit_id, "count": count}
    )
    assert reply.status_code == 422


def test_team_link_can_be_switched_off(client: FlaskClient, admin: FlaskClient, org: Org) -> None:
    reply = post(
        admin, f"/admin/waves/{org.wave_id}/team-links/{org.unit_id}", {"active": "0"}, htmx=True
    )
    assert reply.status_code == 200
    assert "Switch on" in reply.get_data(as_text=True)
    assert client.get(f"/t/{org.team_token}").status_code == 410


def test_audience_is_one_unit_and_everything_below_it(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    with app.app_context():
        operations = db.session.scalars(select(Unit.id).where(Unit.name == "Operations")).one()
    wave_id = draft(app, admin, audience_unit_id=str(operations))
    post(
        admin,
        f"/admin/waves/{wave_id}",
        wave_form(app, wave_id, action="launch", audience_unit_id=str(operations)),
    )
    with app.app_context():
        snapshot = db.session.execute(
            select(WaveUnit.path, WaveUnit.parent_unit_id)
            .where(WaveUnit.wave_id == wave_id)
            .order_by(WaveUnit.path)
        ).all()
    assert [path for path, _ in snapshot] == [
        "Test Council > Operations",
        "Test Council > Operations > Team A",
        "Test Council > Operations > Team B",
    ]
    assert snapshot[0].parent_unit_id is None  # the audience is the top of the wave's tree


def test_links_for_staff_ignore_the_host_header(app: Flask, org: Org, accounts: None) -> None:
    # As deployed (no SERVER_NAME), an attacker's request names another host.
    app.config.update(BASE_URL="https://pulse.council.example", SERVER_NAME=None)
    admin = app.test_client()
    admin.environ_base["HTTP_HOST"] = "evil.example"
    sign_in(admin, "admin")
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert f"https://pulse.council.example/t/{org.team_token}" in page
    assert "evil.example" not in page
    token = csrf_from(admin, "/admin/")
    reply = admin.post(
        f"/admin/waves/{org.wave_id}/invitations",
        data={"csrf_token": token, "unit_id": org.unit_id, "count": "2"},
    )
    links = [row[1] for row in csv.reader(io.StringIO(reply.get_data(as_text=True)))][1:]
    assert len(links) == 2
    assert all(link.startswith("https://pulse.council.example/i/") for link in links)
