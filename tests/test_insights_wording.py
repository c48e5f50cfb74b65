"""Results an HR director can trust: honest defaults, one statistical language, a title each."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient

from survey.models import utcnow
from survey.services import insights, wording
from tests.helpers import signed_in, unit_id
from tests.test_insights import SCREENS

TITLES = {
    "/insights/": "Overview",
    "/insights/heatmap": "Heatmap",
    "/insights/trends": "Trends",
    "/insights/definition": "Definition",
    "/insights/comments": "Comments",
    "/insights/rates": "Response rates",
}


@pytest.fixture
def analyst(app: Flask, demo: None) -> FlaskClient:
    """Return the demo organisation's analyst, signed in."""
    return signed_in(app, "analyst@test.org")


def wave_ids(app: Flask) -> tuple[int, int]:
    """Return the ids of the latest wave with results out and of the later, open one."""
    with app.app_context():
        launched = insights.launched_waves()
        return insights.latest_released(launched, utcnow()).id, launched[-1].id


def results(client: FlaskClient, url: str) -> Tag:
    """Return a screen's results region, parsed."""
    reply = client.get(url)
    assert reply.status_code == 200, url
    found = BeautifulSoup(reply.get_data(as_text=True), "html.parser").find(id="results")
    assert isinstance(found, Tag)
    return found


def words(node: Tag) -> str:
    """Return a node's text with its white space collapsed."""
    return " ".join(node.get_text(" ").split())


@pytest.mark.parametrize("screen", SCREENS)
def test_every_screen_opens_on_the_latest_wave_with_results_out(
    app: Flask, analyst: FlaskClient, screen: str
) -> None:
    released, open_wave = wave_ids(app)
    assert open_wave != released  # the demo has a later wave still open
    page = BeautifulSoup(analyst.get(screen).get_data(as_text=True), "html.parser")
    assert page.select_one("#wave option[selected]")["value"] == str(released)
    assert "Results not out yet" not in page.get_text()


@pytest.mark.parametrize("screen", SCREENS)
def test_an_open_wave_shows_participation_and_when_results_appear_but_no_scores(
    app: Flask, analyst: FlaskClient, screen: str
) -> None:
    _, open_wave = wave_ids(app)
    shown = results(analyst, f"{screen}?wave={open_wave}")
    text = words(shown)
    assert "Results not out yet" in text
    assert "appear when the wave closes on" in text
    assert "Responses so far" in text
    for score in ("95% interval", "significant", "Mean score", "Barrier"):
        assert score not in text
    assert not shown.select(".app-card, .app-heat, .app-chart, .app-comment")


@pytest.mark.parametrize("screen", SCREENS)
def test_each_screen_has_its_own_title(analyst: FlaskClient, screen: str) -> None:
    page = BeautifulSoup(analyst.get(screen).get_data(as_text=True), "html.parser")
    assert page.title.string == f"{TITLES[screen]} \N{EN DASH} Results \N{EN DASH} Change Pulse"


def test_the_overview_leads_with_participation_of_its_scope(
    app: Flask, analyst: FlaskClient
) -> None:
    released, _ = wave_ids(app)
    top = unit_id(app, "Riverside Council")
    with app.app_context():
        view = insights.frame(insights.find_wave(released), None, utcnow())
        count, rate, asked = view.count(top), view.rate(top), view.asked(top)
    shown = results(analyst, "/insights/")
    lead = shown.select_one(".app-participation")
    assert words(lead) == f"{round(rate * 100)}% answered: n = {count} responses of {asked} asked."
    first_card = shown.select_one(".app-card")
    assert lead.sourceline < first_card.sourceline  # participation before any score


@pytest.mark.parametrize("unit", ["Riverside Council", "Customer Services", "Environment"])
def test_every_headline_card_has_n_an_interval_and_what_it_means(
    app: Flask, analyst: FlaskClient, unit: str
) -> None:
    cards = results(analyst, f"/insights/?unit={unit_id(app, unit)}").select(".app-card")
    assert len(cards) == 4
    for card in cards:
        if card.select_one(".app-suppressed"):
            continue
        text = words(card)
        assert re.search(r"n = \d+ people; 95% interval [-+]?\d+%? to [-+]?\d+%?", text), text
        details = card.select_one("details.govuk-details")
        assert words(details.select_one("summary")) == "What this means"
        assert "95% interval" in words(details)
    enps = words(cards[-1])
    assert "promoters (9 or 10 out of 10) minus detractors (0 to 6)" in enps
    assert "from -100 to +100" in enps


@pytest.mark.parametrize("screen", SCREENS)
def test_no_screen_says_a_change_can_be_chance(analyst: FlaskClient, screen: str) -> None:
    assert not re.search(
        r"\b(can|could|may|might) be (down to )?chance", words(results(analyst, screen))
    )


def test_significant_is_said_only_where_the_test_says_so(app: Flask, analyst: FlaskClient) -> None:
    unit = unit_id(app, "Customer Services")
    # The trends table: one wording, "(significant)" exactly where the test gives p < 0.05.
    with app.app_context():
        waves = insights.launched_waves()
        released = insights.latest_released(waves, utcnow())
        views = insights.frames(waves[: waves.index(released) + 1][-6:], None, utcnow())
        insights.fill(views, [unit])
        points = insights.trend(views, unit, "demonstrated")
    rows = results(analyst, f"/insights/trends?unit={unit}&measure=demonstrated").select("tbody tr")
    verdicts = 0
    for row, point in zip(rows, points, strict=True):
        cell = words(row.find_all("td")[-1])
        if point.change is None:
            assert "significant" not in cell
            continue
        verdicts += 1
        said = "(significant)" in cell
        assert said == (point.change.p_value < 0.05), cell
        assert said or "(not significant)" in cell
    assert verdicts
    # The overview: every change called out in words passed its test, and says so.
    shown = results(analyst, f"/insights/?unit={unit}")
    heading = shown.find("h2", string="Changes since the last wave")
    listed = heading.find_next_sibling("ul")
    for item in listed.select("li") if listed else []:
        assert words(item).endswith(": significant."), words(item)
        assert re.search(r"from \d+% of \d+ people to \d+% of \d+ people", words(item))


def test_the_gap_shows_both_figures_and_n_and_adds_up(app: Flask, analyst: FlaskClient) -> None:
    top = unit_id(app, "Riverside Council")
    rows = results(analyst, f"/insights/definition?unit={top}").select("tr.app-gap-row")
    assert rows
    for row in rows:
        cells = [words(cell) for cell in row.find_all("td")]
        if cells == ["Suppressed"]:
            continue
        n, said, shown, gap = cells
        assert n.isdigit()
        assert int(gap.split()[0]) == int(said.rstrip("%")) - int(shown.rstrip("%")), cells
        assert gap.endswith("points")
    sentence = words(results(analyst, f"/insights/?unit={top}").select_one(".app-gap"))
    assert re.search(r"\d+% say, \d+% show, of the same \d+ people", sentence), sentence


@pytest.mark.parametrize(
    ("claimed", "shown", "lead"),
    [
        (0.50, 0.51, "1 point more show they understand than say so"),
        (0.52, 0.50, "2 points more say they understand than show it"),
        (0.50, 0.50, "as many say they understand as show it"),
    ],
)
def test_the_gap_says_point_or_points_as_english_does(
    claimed: float, shown: float, lead: str
) -> None:
    assert wording.gap_text(claimed, shown, 40).startswith(lead + ":")
