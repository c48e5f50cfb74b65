"""Racing submissions: tabs, double clicks and many writers at once never duplicate or fail."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from tests.helpers import Org, Respondent, good_answers, response_count

RACERS = 8


def race(app: Flask, url: str, org: Org, shared_nonce: bool) -> list[int]:
    """Open the pulse in RACERS clients, then send all at the same instant; return statuses."""
    people = [Respondent(app.test_client(), url) for _ in range(RACERS)]
    for person in people:
        person.open()
    if shared_nonce:
        for person in people[1:]:
            person.client, person.csrf = people[0].client, people[0].csrf
            person.nonce = people[0].nonce
    start = threading.Barrier(RACERS)

    def send(person: Respondent) -> int:
        start.wait()
        return person.submit(good_answers(org)).status_code

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(send, people))


def test_one_invitation_in_many_tabs_at_once_stores_one(app: Flask, org: Org) -> None:
    statuses = race(app, f"/i/{org.invitations[0]}", org, shared_nonce=False)
    assert response_count(app) == 1
    assert statuses.count(303) >= 1
    assert set(statuses) <= {303, 410}


def test_double_click_with_one_nonce_stores_one(app: Flask, org: Org) -> None:
    statuses = race(app, f"/t/{org.team_token}", org, shared_nonce=True)
    assert response_count(app) == 1
    # Clicks that land after the first reply set its cookie meet "already answered here".
    assert 303 in statuses
    assert set(statuses) <= {303, 409}


def test_many_people_at_once_all_stored(app: Flask, org: Org) -> None:
    statuses = race(app, f"/t/{org.team_token}", org, shared_nonce=False)
    assert statuses == [303] * RACERS
    assert response_count(app) == RACERS
