"""Insights screens. One filter form drives them all; htmx swaps the results and pushes the URL."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, request
from flask_login import current_user

from survey.access import requires
from survey.aggregation.comments import THEME_NAMES, TONES
from survey.exports import download, filename
from survey.insights import bp
from survey.models import Kind, Role, Wave, utcnow
from survey.reporting import content, pdf
from survey.services import comments as shown_comments
from survey.services import exporting, insights, readout, wording
from survey.services import heatmap as heat
from survey.services.insights import WaveView
from survey.services.problems import NotFound
from survey.services.pulses import load_pulse
from survey.web import id_arg, id_args, page_arg, page_or_fragment

SCREENS = {
    "overview": "Overview",
    "heatmap": "Heatmap",
    "trends": "Trends",
    "definition": "Definition",
    "comments": "Comments",
    "rates": "Response rates",
}
# Screens that draw the waves before the one in focus, not just that one.
OVER_TIME = {"overview", "trends", "comments"}
MAX_COMPARED = 4
SHARE_INDICES = ("claimed", "demonstrated", "cost_cutting")


@dataclass
class Selection:
    """What the filters picked: waves in range, the wave in focus, the unit and the measure."""

    views: list[WaveView]
    current: WaveView
    unit: int
    measure: str
    units: list[tuple[int, str]]
    compare: list[int]
    questions: dict[str, str]  # scale questions of the wave in focus: code -> text

    def label(self, measure: str) -> str:
        """Return a measure's name for people (a question's wording without its full stop, as
        headings and captions go on after it: "… for my own job: Riverside Council")."""
        return (
            insights.INDEX_NAMES.get(measure)
            or self.questions.get(measure, "").rstrip(".")
            or measure.replace("_", " ").capitalize()
        )


def _wave_range() -> list[Wave]:
    """Return the launched waves from `from` to `wave` (default: the latest with results out,
    and five before)."""
    waves = insights.launched_waves()
    if not waves:
        abort(404, "No wave has been launched yet, so there are no results to show.")
    ids = [w.id for w in waves]
    to_id = id_arg("wave", insights.latest_released(waves, utcnow()).id)
    from_id = id_arg("from", ids[max(0, ids.index(to_id) - 5)] if to_id in ids else ids[0])
    if to_id not in ids or from_id not in ids or ids.index(from_id) > ids.index(to_id):
        abort(404, "That wave is not one of the launched waves.")
    return waves[ids.index(from_id) : ids.index(to_id) + 1]


def _select(screen: str) -> Selection:
    """Read the filters, falling back to the latest wave and the top of the user's scope."""
    in_range = _wave_range()
    now = utcnow()
    if screen not in OVER_TIME:
        in_range = in_range[-1:]
    views = insights.frames(in_range, current_user, now)
    current = views[-1]
    allowed = sorted(insights.scope(current_user, current.tree), key=lambda u: current.paths[u])
    if not allowed:
        abort(404, "None of your units took part in this wave.")
    unit = id_arg("unit", allowed[0])
    compare = [u for u in id_args("compare") if u != unit]
    if unit not in allowed or not set(compare) <= set(allowed):
        abort(404)  # outside your scope: exactly as if it did not exist
    if len(compare) > MAX_COMPARED:
        abort(400, f"Compare at most {MAX_COMPARED} units at once.")
    questions = {
        item.code: item.text
        for item in load_pulse(current.wave.id).items
        if item.kind in (Kind.SCALE5, Kind.SCALE11)
    }
    measure = request.args.get("measure", "knowledge")
    if measure not in (*insights.DIMENSIONS, *SHARE_INDICES, *questions):
        abort(404, "That is not a measure these results have.")
    # Only what the screens draw: the unit (and those compared) in every wave, the units below
    # it in the wave in focus and the one before (for the changes called out).
    insights.fill(views, [unit, *compare])
    insights.fill(views[-2:], current.children(unit))
    return Selection(
        views,
        current,
        unit,
        measure,
        [(u, current.paths[u]) for u in allowed],
        compare,
        questions,
    )


def _headlines(selection: Selection) -> list[insights.Headline]:
    """Return significant changes since the previous wave for the unit and those below it."""
    if len(selection.views) < 2:
        return []
    before, after = selection.views[-2], selection.current
    units = [selection.unit, *after.children(selection.unit)]
    return insights.headlines(before, after, units)


def _render(screen: str, selection: Selection | None = None, **context: object) -> object:
    """Render a screen as a page, or its results fragment for htmx.

    Before a wave's results are released every screen shows its participation instead.
    """
    selection = selection or _select(screen)
    current, unit = selection.current, selection.unit
    results = screen if current.released else "pending"
    return page_or_fragment(
        "insights/base.html",
        f"insights/_{results}.html",
        screen=screen,
        screens=SCREENS,
        sel=selection,
        all_waves=insights.launched_waves(),
        now=utcnow(),
        trend=insights.trend,
        words=wording,
        participation=readout.participation(current, unit),
        cards=readout.cards(selection.views, unit) if results == "overview" else [],
        gaps=readout.gap_rows(current, unit) if results in ("overview", "definition") else [],
        headlines=_headlines(selection) if results == "overview" else [],
        names=insights.INDEX_NAMES,
        dimensions=insights.DIMENSIONS,
        share_indices=SHARE_INDICES,
        max_compared=MAX_COMPARED,
        over_time=OVER_TIME,
        results=results,
        **context,
    )


@bp.get("/", endpoint="overview")
def overview() -> object:
    """Headline indices with their trend, and significant changes in words."""
    return _render("overview")


@bp.get("/heatmap")
def heatmap() -> object:
    """Units by dimension, each unit's barrier point marked, suppressed cells said so."""
    selection = _select("heatmap")
    current, unit = selection.current, selection.unit
    before = heat.previous(current, unit, current_user, utcnow()) if current.released else None
    return _render(
        "heatmap",
        selection,
        heat_rows=heat.rows(current, before, unit),
        heat_key=heat.key(),
        before=before,
        barrier_at=heat.BARRIER_AT,
    )


@bp.get("/trends")
def trends() -> object:
    """A measure over waves for a unit (and up to four to compare), with 95% interval bands."""
    return _render("trends")


@bp.get("/definition")
def definition() -> object:
    """Claimed against demonstrated understanding, and what people think the change is about."""
    return _render("definition")


@bp.get("/comments")
def comments() -> object:
    """Comments where enough people answered, filtered by theme and tone, with their trend."""
    lexicon = shown_comments.lexicon()
    theme, tone = request.args.get("theme", ""), request.args.get("tone", "")
    if theme and theme not in lexicon.patterns:
        abort(404, "That is not one of the comment themes.")
    if tone and tone not in TONES:
        abort(404, "Tone is positive, neutral or negative.")
    selection = _select("comments")
    number = page_arg()
    return _render(
        "comments",
        selection,
        theme=theme,
        tone=tone,
        tones=TONES,
        theme_names={
            t: THEME_NAMES.get(t, t.replace("_", " ").capitalize()) for t in lexicon.patterns
        },
        listing=shown_comments.listing(
            selection.views, selection.unit, lexicon, theme, tone, number
        ),
    )


@bp.get("/rates")
def rates() -> object:
    """Response rates by unit for the wave in focus, released only as the rules allow."""
    return _render("rates")


def _export_scope() -> exporting.Scope:
    """Return the waves and unit an export link carries, the unit checked against the scope."""
    waves = _wave_range()
    unit = id_arg("unit")
    if unit is not None:
        tree = insights.frame(waves[-1], current_user, utcnow()).tree
        if unit not in insights.scope(current_user, tree):
            abort(404)
    return exporting.Scope([wave.id for wave in waves], unit)


def _file(kind: str, scope: exporting.Scope) -> str:
    """Return a download's file name: what, which waves, and whether it is for Excel."""
    waves = scope.waves()
    span = waves[0].name if len(waves) == 1 else f"{waves[0].name}-to-{waves[-1].name}"
    return filename(kind, span, "excel" if request.args.get("excel") else "")


@bp.get("/export/aggregates.csv")
def export_aggregates() -> object:
    """The figures of the waves and units in the filters, suppressed exactly as on screen."""
    scope = _export_scope()
    # The real user, not the proxy: the file is written after this function returns.
    chunks = exporting.aggregates_csv(scope, current_user._get_current_object(), utcnow())
    return download(chunks, _file("aggregates", scope), bool(request.args.get("excel")))


@bp.get("/export/responses.csv")
@requires(Role.ADMIN)
def export_responses() -> object:
    """Raw answers of the released waves in the filters, long form (admins only)."""
    now = utcnow()
    scope = _export_scope()
    released = [wave.id for wave in exporting.released_only(scope.waves(), now)]
    if not released:
        abort(
            409,
            "Raw responses can be exported once a wave has closed and its results are released: "
            "choose a wave whose results are out.",
        )
    scope = exporting.Scope(released, scope.unit)
    chunks = exporting.responses_csv(scope, now)
    return download(chunks, _file("responses", scope), bool(request.args.get("excel")))


@bp.get("/report.pdf")
def board_report() -> object:
    """The wave and unit in the filters as a board report (PDF), figures exactly as on screen."""
    waves = _wave_range()
    try:
        report = content.board_report(
            waves, request.args.get("unit", type=int), current_user, utcnow()
        )
    except NotFound:
        abort(404)  # outside the user's scope: exactly as if it did not exist
    response = current_app.response_class(pdf.render(report), mimetype="application/pdf")
    name = filename("board-report", report.wave, report.unit_path.rsplit(" > ", 1)[-1], ext="pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
