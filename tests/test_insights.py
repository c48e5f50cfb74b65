"""Insights screens on the demo: figures shown, small groups suppressed, scope enforced."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import signed_in, unit_id

SCREENS = [
    "/insights/",
    "/insights/heatmap",
    "/insights/trends",
    "/insights/definition",
    "/insights/comments",
    "/insights/rates",
]


@pytest.mark.parametrize("screen", SCREENS)
def test_signed_out_visitors_go_to_sign_in(client: FlaskClient, demo: None, screen: str) -> None:
    assert client.get(screen).status_code == 302


@pytest.mark.parametrize("screen", SCREENS)
def test_analyst_sees_every_screen(app: Flask, demo: None, screen: str) -> None:
    reply = signed_in(app, "analyst@test.org").get(screen)
    assert reply.status_code == 200
    assert reply.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("screen", SCREENS)
def test_admin_and_manager_see_every_screen_within_their_scope(
    app: Flask, demo: None, screen: str
) -> None:
    assert signed_in(app, "admin@test.org").get(screen).status_code == 200
    page = signed_in(app, "manager@test.org").get(screen).get_data(as_text=True)
    results = page[page.index('<div id="results"') :]
    assert "Customer Services" in results
    assert "Adult Social Care" not in page


def test_htmx_filter_returns_the_results_fragment(app: Flask, demo: None) -> None:
    reply = signed_in(app, "analyst@test.org").get(
        "/insights/heatmap", headers={"HX-Request": "true"}
    )
    html = reply.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="results"')
    assert "HX-Request" in reply.headers["Vary"]


def heatmap_row(client: FlaskClient, parent: int, name: str) -> str:
    """Return the heatmap results' table row for a unit, under `parent`."""
    html = client.get(f"/insights/heatmap?unit={parent}").get_data(as_text=True)
    html = html[html.index('<div id="results"') :]
    row = html[html.index(name) :]
    return row[: row.index("</tr>")]


def test_stuck_team_shows_its_knowledge_barrier(app: Flask, demo: None) -> None:
    client = signed_in(app, "analyst@test.org")
    row = heatmap_row(client, unit_id(app, "Customer Services"), "Revenues and Benefits")
    assert "app-heat--barrier" in row
    assert "(barrier point)" in row


def test_too_small_team_is_suppressed_not_zero(app: Flask, demo: None) -> None:
    client = signed_in(app, "analyst@test.org")
    row = heatmap_row(client, unit_id(app, "Environment"), "Parks")
    assert "Suppressed" in row
    assert "app-heat--" not in row


def test_manager_sees_only_their_subtree(app: Flask, demo: None) -> None:
    client = signed_in(app, "manager@test.org")
    page = client.get("/insights/").get_data(as_text=True)
    assert "Customer Services" in page
    assert "Adults, Health and Wellbeing" not in page
    outside = unit_id(app, "Adult Social Care")
    assert client.get(f"/insights/heatmap?unit={outside}").status_code == 404


def test_unknown_filters_are_404_not_500(app: Flask, demo: None) -> None:
    client = signed_in(app, "analyst@test.org")
    for query in ("wave=999999", "unit=999999", "measure=salary", "wave=abc"):
        assert client.get(f"/insights/trends?{query}").status_code in (200, 404), query
    assert client.get("/insights/trends?measure=salary").status_code == 404


def test_trends_compare_units_side_by_side(app: Flask, demo: None) -> None:
    client = signed_in(app, "analyst@test.org")
    units = [unit_id(app, n) for n in ("Customer Services", "Contact Centre", "Environment")]
    query = f"unit={units[0]}&compare={units[1]}&compare={units[2]}&measure=right_change"
    html = client.get(f"/insights/trends?{query}").get_data(as_text=True)
    results = html[html.index('<div id="results"') :]
    # One small chart (same scales) and one data table per unit, under one key.
    assert results.count('<svg class="app-chart"') == 3
    for path in ("Customer Services", "Customer Services &gt; Contact Centre", "Environment"):
        assert (
            f"by wave: Riverside Council &gt; Place and Resources &gt; {path}</caption>" in results
        )
    assert '<ul class="govuk-list app-chart-key"' in results
    heading = '<h2 class="govuk-heading-m">This is the right change for the residents'
    assert results.startswith(f'<div id="results" class="app-results">\n  {heading}')


def test_trends_of_a_single_question_and_too_many_comparisons(app: Flask, demo: None) -> None:
    client = signed_in(app, "analyst@test.org")
    html = client.get("/insights/trends?measure=advocacy").get_data(as_text=True)
    assert "How likely are you to recommend working here to a friend?" in html
    # A question ending in a full stop heads the page without it: never "….: Riverside".
    knowledge = client.get("/insights/trends?measure=knowledge").get_data(as_text=True)
    assert ".: " not in knowledge
    assert ". by wave" not in knowledge
    teams = [unit_id(app, n) for n in ("Parks", "Fostering", "Reablement", "Assessment")]
    many = "&".join(f"compare={u}" for u in [*teams, unit_id(app, "Contact Centre")])
    reply = client.get(f"/insights/trends?{many}")
    assert reply.status_code == 400
    assert "Compare at most 4 units" in reply.get_data(as_text=True)


def test_manager_cannot_compare_with_units_outside_their_scope(app: Flask, demo: None) -> None:
    client = signed_in(app, "manager@test.org")
    outside = unit_id(app, "Adult Social Care")
    assert client.get(f"/insights/trends?compare={outside}").status_code == 404
