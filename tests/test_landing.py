"""After the pulse, staff see last wave's headline and actions, never a small group.

They follow the answers rather than precede them, so neither primes the questions."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.database import write_transaction
from survey.models import Action, Unit, Wave, utcnow
from survey.services import submissions, waves
from survey.services.pulses import TEAM, Link, load_pulse
from tests.helpers import Org, build_org


def previous_wave(app: Flask, org: Org, team_a: int, team_b: int) -> None:
    """Add a closed wave before org's: team A knowledge 4,4,4,2,2,2 and team B with `team_b`."""
    now = utcnow()
    with app.app_context():
        with write_transaction() as session:
            current = session.get_one(Wave, org.wave_id)
            before = waves.create_wave(
                session,
                current.survey,
                "Last month",
                now - timedelta(days=40),
                now - timedelta(days=10),
            )
            waves.launch_wave(session, before, now - timedelta(days=40))
            b_id = session.scalar(select(Unit.id).where(Unit.name == "Team B"))
            session.add(
                Action(
                    wave_id=before.id,
                    unit_id=org.unit_id,
                    text="Published <b>fix</b>",
                    published=True,
                )
            )
            session.add(Action(wave_id=before.id, unit_id=None, text="Draft only"))
            before_id = before.id
        pulse = load_pulse(before_id)
        knowledge = next(i for i in pulse.items if i.code == "knowledge")
        for unit_id, count in ((org.unit_id, team_a), (b_id, team_b)):
            for n in range(count):
                link = Link(TEAM, "x", before_id, unit_id, "", utcnow())
                answer = {knowledge.id: 4 if n % 2 == 0 else 2}
                submissions.submit(
                    link, pulse, answer, f"{unit_id:02d}{n:020d}", now - timedelta(days=20)
                )


def headline(client: FlaskClient, url: str) -> str:
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    heading = page.find("h2", string=lambda s: bool(s and s.startswith("Last time in")))
    return (
        heading.get_text() + " " + heading.find_next("p").get_text(" ", strip=True)
        if heading
        else ""
    )


def test_headline_for_own_team_when_enough_answered(
    app: Flask, client: FlaskClient, org: Org
) -> None:
    previous_wave(app, org, team_a=6, team_b=6)
    text = headline(client, f"/t/{org.team_token}/thanks")
    assert "Last time in Team A" in text
    assert "50%" in text
    assert "6 people" in text


def test_small_team_sees_the_parent_not_itself(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        org = build_org(app, -timedelta(days=1), timedelta(days=5))
    previous_wave(app, org, team_a=6, team_b=2)
    # Team B (2) is hidden, so Team A is hidden too: Operations minus Team A would reveal B.
    text = headline(client, f"/t/{org.team_token}/thanks")
    assert "Last time in Operations" in text
    assert "8 people" in text


def test_no_headline_in_the_first_wave(client: FlaskClient, org: Org) -> None:
    assert headline(client, f"/t/{org.team_token}/thanks") == ""


def test_only_published_actions_are_shown_and_escaped(
    app: Flask, client: FlaskClient, org: Org
) -> None:
    previous_wave(app, org, team_a=6, team_b=6)
    html = client.get(f"/t/{org.team_token}/thanks").get_data(as_text=True)
    assert "Published &lt;b&gt;fix&lt;/b&gt;" in html
    assert "Draft only" not in html
