"""Insights screens. One filter form drives them all; htmx swaps the results and pushes the URL."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request
from flask_login import current_user

from survey.aggregation import minimum_detectable_change
from survey.insights import bp
from survey.models import utcnow
from survey.services import insights
from survey.services.insights import WaveView
from survey.web import page_or_fragment

SCREENS = {
    "overview": "Overview",
    "heatmap": "Heatmap",
    "trends": "Trends",
    "definition": "Definition",
    "rates": "Response rates",
}


@dataclass
class Selection:
    """What the filters picked: waves in range, the wave in focus, the unit and the measure."""

    views: list[WaveView]
    current: WaveView
    unit: int
    measure: str
    units: list[tuple[int, str]]


def _select() -> Selection:
    """Read the filters, falling back to the latest wave and the top of the user's scope."""
    waves = insights.launched_waves()
    if not waves:
        abort(404, "No wave has been launched yet, so there are no results to show.")
    ids = [w.id for w in waves]
    to_id = request.args.get("wave", type=int, default=ids[-1])
    from_id = request.args.get(
        "from", type=int, default=ids[max(0, ids.index(to_id) - 5)] if to_id in ids else ids[0]
    )
    if to_id not in ids or from_id not in ids or ids.index(from_id) > ids.index(to_id):
        abort(404, "That wave is not one of the launched waves.")
    now = utcnow()
    views = [
        insights.view(w, current_user, now)
        for w in waves[ids.index(from_id) : ids.index(to_id) + 1]
    ]
    current = views[-1]
    allowed = sorted(insights.scope(current_user, current.tree), key=lambda u: current.paths[u])
    if not allowed:
        abort(404, "None of your units took part in this wave.")
    unit = request.args.get("unit", type=int, default=allowed[0])
    if unit not in allowed:
        abort(404)  # outside your scope: exactly as if it did not exist
    measure = request.args.get("measure", "knowledge")
    if measure not in (*insights.DIMENSIONS, *insights.INDICES):
        abort(404, "That is not a measure these results have.")
    return Selection(views, current, unit, measure, [(u, current.paths[u]) for u in allowed])


def _headlines(selection: Selection) -> list[insights.Headline]:
    """Return significant changes since the previous wave for the unit and those below it."""
    if len(selection.views) < 2:
        return []
    before, after = selection.views[-2], selection.current
    units = [selection.unit, *after.children(selection.unit)]
    return insights.headlines(before, after, units)


def _render(screen: str, **context: object) -> object:
    """Render a screen as a page, or its results fragment for htmx."""
    selection = _select()
    return page_or_fragment(
        "insights/base.html",
        f"insights/_{screen}.html",
        screen=screen,
        screens=SCREENS,
        sel=selection,
        all_waves=insights.launched_waves(),
        now=utcnow(),
        mdc=minimum_detectable_change,
        trend=insights.trend,
        headlines=_headlines(selection),
        names=insights.INDEX_NAMES,
        dimensions=insights.DIMENSIONS,
        **context,
    )


@bp.get("/", endpoint="overview")
def overview() -> object:
    """Headline indices with their trend, and significant changes in words."""
    return _render("overview")


@bp.get("/heatmap")
def heatmap() -> object:
    """Units by dimension, each unit's barrier point marked, suppressed cells said so."""
    return _render("heatmap")


@bp.get("/trends")
def trends() -> object:
    """One measure over waves for a unit, with its 95% interval band."""
    return _render("trends")


@bp.get("/definition")
def definition() -> object:
    """Claimed against demonstrated understanding, and what people think the change is about."""
    return _render("definition")


@bp.get("/rates")
def rates() -> object:
    """Response rates by unit for the wave in focus, released only as the rules allow."""
    return _render("rates")
