"""Comments: tone and themes, shown only where enough people answered, shuffled, dated by wave."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey.aggregation.comments import DEFAULT_THEMES, Themes, sentiment, tone
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Unit, Wave
from survey.services import waves
from tests.helpers import Org, Respondent, good_answers, set_wave_times, sign_in

COMMENT = re.compile(r'<p class="govuk-body app-comment__text">([^<]*)</p>')


def test_themes_match_words_stems_and_phrases() -> None:
    themes = Themes(DEFAULT_THEMES)
    assert themes.of("It's all about budget CUTS.") == {"cost_cutting"}
    assert themes.of("Our managers never tell us anything") == {"leadership", "communication"}
    assert themes.of("Residents get quicker answers") == {"residents"}
    # Stems match words that start with them, not words that merely contain them.
    assert themes.of("The haircut was fine") == set()
    # A phrase matches across any whitespace, not inside other words.
    assert themes.of("This is cost\n cutting") == {"cost_cutting"}


def test_a_deployment_can_bring_its_own_lexicon() -> None:
    themes = Themes({"hybrid": ["hot desk*", "office"], "empty": []})
    assert themes.of("Hot-desking is awful") == set()  # the hyphen is not whitespace
    assert themes.of("hot desking at the office") == {"hybrid"}
    assert set(themes.patterns) == {"hybrid"}


def test_tone_follows_vader_cut_offs() -> None:
    assert tone(sentiment("The training was great and really helpful.")) == "positive"
    assert tone(sentiment("This is awful, everyone is angry and worried.")) == "negative"
    assert tone(sentiment("The meeting is on Tuesday.")) == "neutral"


def send(app: Flask, token: str, org: Org, texts: list[str]) -> None:
    """Send one complete pulse per text through a team link, each with that comment."""
    field = org.item("comment").field
    for text in texts:
        person = Respondent(app.test_client(), f"/t/{token}")
        person.open()
        assert person.submit(good_answers(org) | {field: [text]}).status_code == 303


def shown(client: FlaskClient, query: str = "") -> list[str]:
    """Return the comment texts the comments screen lists, in page order."""
    html = client.get(f"/insights/comments?{query}").get_data(as_text=True)
    return COMMENT.findall(html)


def team_b_link(app: Flask, org: Org) -> str:
    with app.app_context(), write_transaction() as session:
        wave = session.get_one(Wave, org.wave_id)
        team_b = session.query(Unit).filter_by(name="Team B").one()
        return waves.team_link(session, wave, team_b)


@pytest.fixture
def analyst(app: Flask, accounts: None) -> FlaskClient:
    client = app.test_client()
    sign_in(client, "analyst")
    return client


def test_comments_show_from_ten_people_shuffled_and_dated_by_wave_end(
    app: Flask, org: Org, analyst: FlaskClient
) -> None:
    texts = [f"Comment number {i} about the new rota." for i in range(10)]
    send(app, org.team_token, org, texts[:9])
    set_wave_times(app, org.wave_id, timedelta(days=-10), timedelta(days=-1))
    query = f"unit={org.unit_id}"
    page = analyst.get(f"/insights/comments?{query}").get_data(as_text=True)
    assert "Comments are shown only where at least 10 people answered" in page
    assert shown(analyst, query) == []

    set_wave_times(app, org.wave_id, timedelta(days=-10), timedelta(days=1))
    send(app, org.team_token, org, texts[9:])
    set_wave_times(app, org.wave_id, timedelta(days=-10), timedelta(days=-1))
    listed = shown(analyst, query)
    assert sorted(listed) == sorted(texts)
    assert listed != texts  # not the order they were written in
    assert shown(analyst, query) == listed  # but the same order on every visit
    page = analyst.get(f"/insights/comments?{query}").get_data(as_text=True)
    with app.app_context():
        ended = db.session.get(Wave, org.wave_id).closes_at
    assert ended.strftime("%-d %B %Y") in page


def test_comments_appear_only_once_the_wave_has_closed(
    app: Flask, org: Org, analyst: FlaskClient
) -> None:
    send(app, org.team_token, org, [f"Early thought {i}" for i in range(12)])
    page = analyst.get(f"/insights/comments?unit={org.unit_id}&wave={org.wave_id}")
    assert "Results for" in page.get_data(as_text=True)
    assert shown(analyst, f"unit={org.unit_id}&wave={org.wave_id}") == []
    send(app, org.team_token, org, [f"Later thought {i}" for i in range(3)])
    set_wave_times(app, org.wave_id, timedelta(days=-10), timedelta(days=-1))
    assert len(shown(analyst, f"unit={org.unit_id}")) == 15


def test_a_parent_never_reveals_a_small_teams_comments(
    app: Flask, org: Org, analyst: FlaskClient
) -> None:
    send(app, org.team_token, org, [f"Team A says {i}" for i in range(10)])
    send(app, team_b_link(app, org), org, ["Team B one", "Team B two", "Team B three"])
    set_wave_times(app, org.wave_id, timedelta(days=-10), timedelta(days=-1))
    with app.app_context():
        parent = db.session.query(Unit).filter_by(name="Operations").one()
    # Showing Team A and Operations would give Team B's three by subtraction: Team A gives way.
    assert shown(analyst, f"unit={org.unit_id}") == []
    assert len(shown(analyst, f"unit={parent.id}")) == 13


def test_filters_by_theme_and_tone(app: Flask, org: Org, analyst: FlaskClient) -> None:
    texts = [
        *(f"It is all budget cuts, again ({i})." for i in range(4)),
        *(f"Residents love the new service, brilliant ({i})." for i in range(4)),
        "The rota is on the wall.",
        "Nothing more to say.",
    ]
    send(app, org.team_token, org, texts)
    set_wave_times(app, org.wave_id, timedelta(days=-10), timedelta(days=-1))
    unit = f"unit={org.unit_id}"
    assert sorted(shown(analyst, f"{unit}&theme=cost_cutting")) == sorted(texts[:4])
    assert sorted(shown(analyst, f"{unit}&theme=residents&tone=positive")) == sorted(texts[4:8])
    assert shown(analyst, f"{unit}&theme=jobs") == []
    page = analyst.get(f"/insights/comments?{unit}").get_data(as_text=True)
    # The trend table: 4 of 10 comments mention cost cutting.
    assert re.search(r"<td[^>]*>10</td>\s*<td[^>]*>40%</td>", page)
    assert analyst.get(f"/insights/comments?{unit}&theme=salaries").status_code == 404
    assert analyst.get(f"/insights/comments?{unit}&tone=angry").status_code == 404
