"""A closed wave is final, and recurring series never duplicate or backdate a wave."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Wave, utcnow
from survey.services import waves
from tests.helpers import Org, Respondent, good_answers, post
from tests.test_admin_waves import stamp, wave_form


def close_now(app: Flask, admin: FlaskClient, wave_id: int) -> None:
    reply = post(admin, f"/admin/waves/{wave_id}", wave_form(app, wave_id, action="close"))
    assert reply.status_code == 303


@pytest.mark.parametrize(
    "closes",
    [timedelta(days=30), timedelta(minutes=5), -timedelta(hours=1)],
    ids=["extend", "reopen briefly", "move back"],
)
def test_a_closed_wave_cannot_be_reopened_or_moved(
    app: Flask, admin: FlaskClient, org: Org, closes: timedelta
) -> None:
    close_now(app, admin, org.wave_id)
    with app.app_context():
        closed_at = db.session.get_one(Wave, org.wave_id).closes_at
    reply = post(
        admin, f"/admin/waves/{org.wave_id}", wave_form(app, org.wave_id, closes_at=stamp(closes))
    )
    assert reply.status_code == 422
    assert "its results are final" in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(Wave, org.wave_id).closes_at == closed_at


def test_a_closed_wave_keeps_its_repeat_editable(app: Flask, admin: FlaskClient, org: Org) -> None:
    close_now(app, admin, org.wave_id)
    reply = post(
        admin, f"/admin/waves/{org.wave_id}", wave_form(app, org.wave_id, cadence="weekly")
    )
    assert reply.status_code == 303
    with app.app_context():
        assert db.session.get_one(Wave, org.wave_id).cadence == "weekly"


def test_an_open_wave_can_still_be_extended(app: Flask, admin: FlaskClient, org: Org) -> None:
    later = stamp(timedelta(days=20))
    reply = post(admin, f"/admin/waves/{org.wave_id}", wave_form(app, org.wave_id, closes_at=later))
    assert reply.status_code == 303


def test_staff_see_the_new_closing_time_after_close_now(
    app: Flask, client: FlaskClient, admin: FlaskClient, org: Org
) -> None:
    person = Respondent(client, f"/t/{org.team_token}")
    person.open()  # the pulse is cached by this worker from here on
    close_now(app, admin, org.wave_id)
    with app.app_context():
        closed_at = db.session.get_one(Wave, org.wave_id).closes_at
    refused = person.submit(good_answers(org))
    assert refused.status_code == 410
    assert closed_at.strftime("%-d %B %Y at %H:%M") in refused.get_data(as_text=True)


def test_a_scheduled_wave_closed_now_reads_closed(app: Flask, admin: FlaskClient, org: Org) -> None:
    with app.app_context(), write_transaction() as session:
        wave = session.get_one(Wave, org.wave_id)
        wave.opens_at, wave.closes_at = utcnow() + timedelta(days=2), utcnow() + timedelta(days=9)
    close_now(app, admin, org.wave_id)
    with app.app_context():
        wave = db.session.get_one(Wave, org.wave_id)
        assert waves.status(wave, utcnow()) == "closed"
    assert "Scheduled" not in admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)


def series_heads(app: Flask) -> list[Wave]:
    with app.app_context():
        return list(db.session.scalars(select(Wave).order_by(Wave.opens_at)))


def test_tick_on_the_demo_adds_one_future_wave_however_often_it_runs(
    app: Flask, demo: None
) -> None:
    runner = app.test_cli_runner()
    before = len(series_heads(app))
    assert "1 new wave." in runner.invoke(args=["tick"]).output
    for _ in range(3):
        assert "0 new waves." in runner.invoke(args=["tick"]).output
    after = series_heads(app)
    assert len(after) == before + 1
    newest = after[-1]
    assert newest.opens_at > utcnow()
    # Insights still open on the latest wave with results, not the empty new one.
    assert newest.name not in app.test_client().get("/insights/").get_data(as_text=True)


def test_tick_never_backdates_a_missed_opening(app: Flask, org: Org) -> None:
    with app.app_context(), write_transaction() as session:
        wave = session.get_one(Wave, org.wave_id)
        wave.cadence = "weekly"
        wave.opens_at = utcnow() - timedelta(days=40)
        wave.closes_at = wave.opens_at + timedelta(days=3)
    assert "1 new wave." in app.test_cli_runner().invoke(args=["tick"]).output
    newest = series_heads(app)[-1]
    assert utcnow() < newest.opens_at <= utcnow() + timedelta(days=7)


def test_two_ticks_at_once_make_one_wave(app: Flask, org: Org) -> None:
    with app.app_context(), write_transaction() as session:
        session.get_one(Wave, org.wave_id).cadence = "weekly"
    made: list[list[str]] = []

    def tick() -> None:
        with app.app_context():
            made.append(waves.tick(utcnow()))

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(names) for names in made) == [0, 1]
    assert len(series_heads(app)) == 2


@pytest.mark.parametrize("opened", [True, False], ids=["open", "scheduled"])
def test_closing_a_series_wave_early_keeps_the_series_length(
    app: Flask, admin: FlaskClient, org: Org, opened: bool
) -> None:
    # Left to tick, the next wave took the closed one's shortened length: a second, for a
    # scheduled wave closed before it opened, and so on for every wave after it.
    start = utcnow() + (-timedelta(days=1) if opened else timedelta(days=2))
    with app.app_context(), write_transaction() as session:
        wave = session.get_one(Wave, org.wave_id)
        wave.cadence = "monthly"
        wave.opens_at, wave.closes_at = start, start + timedelta(days=14)
    close_now(app, admin, org.wave_id)
    for _ in range(2):
        app.test_cli_runner().invoke(args=["tick"])
    heads = series_heads(app)
    assert len(heads) == 2
    following = heads[-1]
    assert following.closes_at - following.opens_at == timedelta(days=14)
    assert following.launched_at is not None
    # The next wave opens when the series had it open next: a month after the wave closed
    # early, or after the one called off (never earlier, pulled forward to the click).
    assert following.opens_at == waves.next_opening(start, "monthly")


def test_a_series_ends_where_its_next_wave_would_close_past_the_date_window(
    app: Flask, org: Org
) -> None:
    with app.app_context(), write_transaction() as session:
        wave = session.get_one(Wave, org.wave_id)
        wave.cadence = "monthly"
        wave.opens_at = utcnow() - timedelta(days=1)
        wave.closes_at = wave.opens_at.replace(year=2100, month=12, day=31)
    assert "0 new waves." in app.test_cli_runner().invoke(args=["tick"]).output
    assert len(series_heads(app)) == 1


def test_a_wave_just_closed_says_so_and_offers_no_new_closing_time(
    app: Flask, admin: FlaskClient, org: Org
) -> None:
    # In the minute between the close and the release the page once still said "while the wave
    # is open" and offered to move the closing time.
    close_now(app, admin, org.wave_id)
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert "While the wave is open" not in page
    assert "Extend or close early" not in page
    assert "The wave closed on" in page
    assert "This wave has closed and is final" in page
