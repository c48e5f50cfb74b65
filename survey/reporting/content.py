"""What a board report says, built from the insights service exactly as the screens show it.

Every count and figure comes from `insights.frames` and `insights.fill` (and the comments
service), so suppression and the one-release-per-wave rule hold here as on screen: a wave whose
results are not out yet gives participation only, and says when results appear. The result is
plain data (sections of paragraphs, tables and keys); `survey.reporting.pdf` only draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from survey import aggregation as agg
from survey.aggregation.comments import THEME_NAMES
from survey.models import User, Wave
from survey.services import comments, insights, readout, wording
from survey.services.insights import WaveView
from survey.services.problems import NotFound

TREND_WAVES = 6  # the wave in focus and the five before it, as the overview draws
HEADLINE = readout.HEADLINE
SUPPRESSED = "Suppressed"
NOT_SHOWN = "Not shown"
BARRIER_MARK = "◆"
# Upper bounds of the lower four shading steps: five clearly different steps across 1 to 5.
HEAT_BOUNDS = (1.8, 2.6, 3.4, 4.2)
READINGS = {
    "better_services": "Better services",
    "new_ways": "New ways of working",
    "cost_cutting": "Cutting costs",
    "restructure": "Restructuring jobs",
    "dont_know": "Don't know",
}


@dataclass(frozen=True)
class Cell:
    """One table cell: its words, a heat step (0-4) to shade it, and how it is marked."""

    text: str
    shade: int | None = None
    suppressed: bool = False
    strong: bool = False
    span: int = 1


@dataclass(frozen=True)
class Table:
    """A table whose header row repeats on every page it runs onto."""

    caption: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


@dataclass(frozen=True)
class Key:
    """A colour key: a sample cell and what it means, per entry."""

    entries: list[tuple[Cell, str]]


Block = str | Table | Key


@dataclass
class Section:
    """A heading and what follows it; a `wide` section gets a landscape page of its own."""

    heading: str
    blocks: list[Block] = field(default_factory=list)
    wide: bool = False


@dataclass(frozen=True)
class Report:
    """A whole board report: the title block and its sections, in order."""

    unit_path: str
    wave: str
    title_lines: list[str]
    released: bool
    sections: list[Section]


def pct(value: float | None) -> str:
    """Return a share as a whole percentage."""
    return "" if value is None else f"{value * 100:.0f}%"


def mean_text(mean: float) -> str:
    """Return a mean to one decimal, or two where one would hide which side of the barrier it is."""
    shown = f"{mean:.1f}"
    return f"{mean:.2f}" if float(shown) == agg.BARRIER_AT and mean > agg.BARRIER_AT else shown


def heat_step(mean: float) -> int:
    """Return the shading step (0 lowest to 4 highest) of a mean score, as it reads: two cells
    that show the same figure are shaded alike, whatever decimals lie beyond what is shown."""
    shown = float(mean_text(mean))
    return sum(shown > bound for bound in HEAT_BOUNDS)


def heat_bands() -> list[tuple[int, float, float]]:
    """Return each shading step with the lowest and highest figure, as shown, that it covers."""
    lows = (1.0, *(round(bound + 0.1, 1) for bound in HEAT_BOUNDS))
    highs = (*HEAT_BOUNDS, 5.0)
    return list(zip(range(len(lows)), lows, highs, strict=True))


def day(moment: datetime) -> str:
    """Return a date as people write it."""
    return f"{moment.day} {moment:%B %Y}"


def _hidden(columns: int, words: str = SUPPRESSED) -> tuple[Cell, ...]:
    """Return the cells of a hidden stretch of a row."""
    return (Cell(words, suppressed=True, span=columns),)


def _value(view: WaveView, unit: int, measure: str) -> Cell:
    """Return a headline figure's value as the screens write it, or why it is missing."""
    if not view.released:
        return Cell("Not out yet", suppressed=True)
    figure = view.figure(unit, measure)
    if figure.suppressed:
        return Cell(SUPPRESSED, suppressed=True)
    return Cell(f"{figure.value:+.0f}" if measure == "enps" else pct(figure.value))


def pending(view: WaveView) -> Section:
    """Return the notice that a wave's results are not out yet, and when they will be."""
    closes, results = view.wave.closes_at, insights.results_from(view.wave)
    return Section(
        "Results not out yet",
        [
            f"Results for {view.wave.name} appear when the wave closes on {day(closes)} at "
            f"{closes:%H:%M} (UTC); they are released at {results:%H:%M} and never change "
            "afterwards.",
            "Until then only participation is shown, so nobody's answers can be worked out by "
            "comparing results taken at different times.",
        ],
    )


def participation(view: WaveView, unit: int) -> Section:
    """Return participation: the scope's rate and n, then each unit below it."""
    so_far, threshold = ("" if view.released else " so far"), view.wave.anonymity_threshold
    lead = readout.participation(view, unit)
    rows = []
    for each in [unit, *view.children(unit)]:
        first = (Cell(view.name(each)), Cell(str(view.asked(each))))
        if each in view.withheld:
            rows.append((*first, *_hidden(2, "Withheld: more responses than people")))
        elif view.rate(each) is None:
            rows.append((*first, *_hidden(2, NOT_SHOWN)))
        else:
            rows.append((*first, Cell(str(view.count(each))), Cell(pct(view.rate(each)))))
    steps = "" if view.released else f"While a wave is open, counts move in steps of {threshold}. "
    return Section(
        "Participation",
        [
            lead,
            Table(
                f"Responses{so_far}, {view.wave.name}", ("Unit", "Asked", "Responses", "Rate"), rows
            ),
            f"{steps}Counts show only for groups where at least {threshold} have answered, and "
            "where they do not let a smaller group be worked out.",
        ],
    )


def _change(views: Sequence[WaveView], unit: int, measure: str) -> str:
    """Return a headline figure's change since the wave before, with its test's verdict."""
    if len(views) < 2:
        return "No earlier wave"
    moved = insights.trend(list(views[-2:]), unit, measure)[-1].change
    return wording.change_text(moved, "Not tested" if measure == "enps" else "No figure to compare")


def headline(views: Sequence[WaveView], unit: int) -> Section:
    """Return the headline indices with n, interval, change and trend, and what each means."""
    current = views[-1]
    since = f"Change since {views[-2].wave.name}" if len(views) > 1 else "Change"
    rows = []
    for measure in HEADLINE:
        name, figure = insights.INDEX_NAMES[measure], current.figure(unit, measure)
        if figure.suppressed:
            rows.append((Cell(name), *_hidden(4)))
            continue
        interval = (
            ""
            if figure.low is None
            else wording.interval_range(figure.low, figure.high, enps=measure == "enps")
        )
        rows.append(
            (
                Cell(name),
                _value(current, unit, measure),
                Cell(str(figure.n)),
                Cell(interval or "Not computed"),
                Cell(_change(views, unit, measure)),
            )
        )
    section = Section("Headline indices")
    section.blocks.append(
        Table(
            f"{current.paths[unit]}, {current.wave.name}",
            ("Measure", "Value", "n", "95% interval", since),
            rows,
        )
    )
    section.blocks += [f"{insights.INDEX_NAMES[m]}: {wording.MEANINGS[m]}" for m in HEADLINE]
    section.blocks.append(wording.INTERVAL_MEANING)
    claimed = current.figure(unit, "claimed")
    if not claimed.suppressed and claimed.n:
        section.blocks.append(wording.smallest_change(claimed.n))
    section.blocks.append(wording.SIGNIFICANCE_RULE)
    waves = tuple(view.wave.name for view in views)
    trend = [
        (Cell(insights.INDEX_NAMES[m]), *(_value(view, unit, m) for view in views))
        for m in HEADLINE
    ]
    section.blocks.append(Table(f"Over the last {len(views)} waves", ("Measure", *waves), trend))
    return section


def changes(views: Sequence[WaveView], unit: int) -> Section:
    """Return the significant changes since the wave before, for the unit and those below it."""
    before, after = views[-2], views[-1]
    found = insights.headlines(before, after, [unit, *after.children(unit)])
    lines: list[Block] = [f"• {h.sentence()}" for h in found[:8]]
    return Section(
        f"Changes since {before.wave.name}",
        lines or [wording.NO_SIGNIFICANT_CHANGE],
    )


def adkar(view: WaveView, unit: int) -> Section:
    """Return the ADKAR profile of the unit and its barrier point."""
    barrier = view.barriers.get(unit)
    rows = []
    for step in agg.ADKAR_STEPS:
        figure = view.figure(unit, step)
        if figure.suppressed or figure.mean is None:
            rows.append((Cell(step.capitalize()), *_hidden(4)))
            continue
        rows.append(
            (
                Cell(step.capitalize()),
                Cell(mean_text(figure.mean), shade=heat_step(figure.mean)),
                Cell(pct(figure.value)),
                Cell(str(figure.n)),
                Cell("Barrier point" if step == barrier else "", strong=True),
            )
        )
    shown = all(not view.figure(unit, step).suppressed for step in agg.ADKAR_STEPS)
    if barrier and not view.figure(unit, barrier).suppressed:
        words = (
            f"The barrier point is {barrier.capitalize()}: the first step, in order, whose mean "
            f"is {agg.BARRIER_AT:.1f} or lower. The steps after it rarely move until it does."
        )
    elif shown and barrier is None:
        words = f"No step's mean is {agg.BARRIER_AT:.1f} or lower, so there is no barrier point."
    else:
        words = "Some steps are suppressed, so no barrier point is given."
    return Section(
        "Steps of the change (ADKAR)",
        [
            Table(
                "Mean score per step, 1 to 5",
                ("Step", "Mean", "Favourable", "n", "Note"),
                rows,
            ),
            words,
        ],
    )


def heat_key() -> Key:
    """Return the heatmap's colour key."""
    entries = [
        (Cell(f"{low:.1f} to {high:.1f}", shade=step), "") for step, low, high in heat_bands()
    ]
    entries.append((Cell(SUPPRESSED, suppressed=True), "hidden to keep people anonymous"))
    entries.append(
        (
            Cell(BARRIER_MARK, strong=True),
            f"barrier point: the first ADKAR step at {agg.BARRIER_AT:.1f} or lower",
        )
    )
    return Key(entries)


def heatmap(view: WaveView, unit: int) -> Section:
    """Return the units below by dimension: mean scores, shaded, suppressed cells marked."""
    rows = []
    for each in [unit, *view.children(unit)]:
        if each not in view.visible:
            words = "Suppressed: too few answered, or a smaller group could be worked out"
            rows.append((Cell(view.name(each)), *_hidden(len(insights.DIMENSIONS) + 1, words)))
            continue
        cells = [Cell(view.name(each)), Cell(str(view.count(each)))]
        for dimension in insights.DIMENSIONS:
            figure = view.figure(each, dimension)
            if figure.suppressed or figure.mean is None:
                cells.append(Cell(SUPPRESSED, suppressed=True))
                continue
            barrier = view.barriers.get(each) == dimension
            mark = f" {BARRIER_MARK}" if barrier else ""
            cells.append(
                Cell(mean_text(figure.mean) + mark, shade=heat_step(figure.mean), strong=barrier)
            )
        rows.append(tuple(cells))
    header = ("Unit", "People", *(d.capitalize() for d in insights.DIMENSIONS))
    return Section(
        "Heatmap of the units below",
        [
            Table(f"{view.paths[unit]} and the units in it: mean score 1 to 5", header, rows),
            heat_key(),
        ],
        wide=True,
    )


def definition(view: WaveView, unit: int) -> Section:
    """Return saying against showing understanding, and what people think the change is about."""
    units = [unit, *view.children(unit)]
    saying = []
    for row in readout.gap_rows(view, unit):
        if row.n is None:
            saying.append((Cell(row.name), *_hidden(4)))
            continue
        figures = (str(row.n), row.claimed, row.demonstrated, row.gap)
        saying.append((Cell(row.name), *(Cell(text) for text in figures)))
    about = []
    for each in units:
        counts = view.readings.get(each)
        if counts is None:
            about.append((Cell(view.name(each)), *_hidden(len(READINGS))))
            continue
        total = sum(counts.values())
        about.append((Cell(view.name(each)), *(Cell(pct(counts[r] / total)) for r in READINGS)))
    return Section(
        "The definition: saying and showing understanding",
        [
            Table(
                f"Saying and showing understanding, {view.wave.name}",
                ("Unit", "n", "Say they understand", "Show they understand", "Gap"),
                saying,
            ),
            wording.GAP_MEANING,
            Table(
                "What people think the change is mainly about", ("Unit", *READINGS.values()), about
            ),
        ],
    )


def theme_label(theme: str) -> str:
    """Return a comment theme's name for people."""
    return THEME_NAMES.get(theme, theme.replace("_", " ").capitalize())


def comment_themes(views: Sequence[WaveView], unit: int) -> Section:
    """Return each wave's comment themes as shares, only where comments are shown."""
    lexicon = comments.lexicon()
    trend = comments.listing(list(views), unit, lexicon, "", "", 1).trend
    section = Section("Comment themes")
    if all(row.total is None for row in trend):
        section.blocks.append(
            f"Comments are shown only where at least {views[-1].wave.comment_threshold} people "
            "answered, and only where showing them would not let a smaller group's comments be "
            "worked out, so no themes are reported here."
        )
        return section

    names = ["Comments", *(theme_label(t) for t in lexicon.patterns)]
    columns = [
        [Cell(NOT_SHOWN, suppressed=True)] * len(names)
        if row.total is None
        else [Cell(str(row.total)), *(Cell(pct(row.themes[t])) for t in lexicon.patterns)]
        for row in trend
    ]
    rows = [(Cell(name), *(column[i] for column in columns)) for i, name in enumerate(names)]
    waves = tuple(row.wave.name for row in trend)
    section.blocks += [
        Table("Share of comments touching each theme", ("Theme", *waves), rows),
        "A comment can touch several themes, or none. Themes are found by the words listed for "
        "each: a rough guide to what people wrote about.",
    ]
    return section


def board_report(
    waves: Sequence[Wave], unit: int | None, user: User | None, now: datetime
) -> Report:
    """Return the report on the last of `waves` (launched, oldest first) for a unit in scope.

    `unit` None means the top of the user's scope; a unit outside it raises NotFound.
    """
    views = insights.frames(list(waves)[-TREND_WAVES:], user, now)
    current = views[-1]
    allowed = sorted(insights.scope(user, current.tree), key=lambda u: current.paths[u])
    if unit is None and allowed:
        unit = allowed[0]
    if unit is None or unit not in allowed:
        raise NotFound(unit)
    insights.fill(views, [unit])
    insights.fill(views[-2:], current.children(unit))
    wave = current.wave
    if current.released:
        sections = [participation(current, unit), headline(views, unit)]
        if len(views) > 1:
            sections.append(changes(views, unit))
        sections += [
            adkar(current, unit),
            heatmap(current, unit),
            definition(current, unit),
            comment_themes(views, unit),
        ]
        status = f"Results released {day(insights.results_from(wave))}; they do not change."
    else:
        sections = [pending(current), participation(current, unit)]
        status = "The wave is open: participation only."
    return Report(
        current.paths[unit],
        wave.name,
        [
            current.paths[unit],
            f"Wave: {wave.name}, open {day(wave.opens_at)} to {day(wave.closes_at)}",
            status,
            f"Produced {day(now)}",
        ],
        current.released,
        sections,
    )
