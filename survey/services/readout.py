"""What the results screens say, prepared before rendering: participation, headline cards, gaps.

Figures come from the insights service's views (so the anonymity rules hold) and words from
`wording` (so every screen and the board report say the same thing the same way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from survey.services import insights, wording
from survey.services.insights import Figure, WaveView

HEADLINE = ("claimed", "demonstrated", "cost_cutting", "enps")


def participation(view: WaveView, unit: int) -> str:
    """Return the scope's participation (rate and n), or why it is not shown."""
    return wording.participation_lead(
        view.count(unit),
        view.rate(unit),
        view.asked(unit),
        view.wave.anonymity_threshold,
        unit in view.withheld,
        "" if view.released else " so far",
    )


@dataclass(frozen=True)
class Card:
    """One headline figure as the overview draws it; `value` None means suppressed."""

    measure: str
    name: str
    value: str | None
    n: int | None
    interval: str
    change: str
    meaning: list[str]
    line: list[Figure]


def value_text(measure: str, figure: Figure) -> str:
    """Return a headline figure's value as every screen writes it."""
    if measure == "enps":
        return f"{figure.value:+.0f}"
    return f"{wording.pct(figure.value)}%"


def meaning(measure: str, figure: Figure, interval: str) -> list[str]:
    """Return "what this means" for a headline figure: what it counts, its interval, its MDC."""
    name = insights.INDEX_NAMES[measure]
    if measure == "enps":
        what = f"{name} (eNPS) is {wording.MEANINGS['enps']}"
    else:
        what = f"{wording.pct(figure.value)}% of the {figure.n} people who answered "
        what += wording.MEANINGS[measure]
    said = [what, f"{interval[:1].upper()}{interval[1:]}. {wording.INTERVAL_MEANING}"]
    if measure != "enps":
        said.append(wording.smallest_change(figure.n))
    return said


def _change(views: Sequence[WaveView], unit: int, measure: str) -> str:
    """Return the change since the wave before, with its test's verdict."""
    if len(views) < 2:
        return "No earlier wave"
    if measure == "enps":
        return "Not tested"
    moved = insights.trend(list(views[-2:]), unit, measure)[-1].change
    return wording.change_text(moved)


def cards(views: Sequence[WaveView], unit: int) -> list[Card]:
    """Return the overview's headline cards for a unit in the last of `views`."""
    current, found = views[-1], []
    for measure in HEADLINE:
        figure, name = current.figure(unit, measure), insights.INDEX_NAMES[measure]
        line = [view.figure(unit, measure) for view in views] if measure != "enps" else []
        if figure.suppressed or figure.value is None or figure.low is None:
            found.append(Card(measure, name, None, None, "", "", [], line))
            continue
        interval = wording.interval_text(figure.low, figure.high, enps=measure == "enps")
        found.append(
            Card(
                measure,
                name,
                value_text(measure, figure),
                figure.n,
                interval,
                _change(views, unit, measure),
                meaning(measure, figure, interval),
                line,
            )
        )
    return found


@dataclass(frozen=True)
class GapRow:
    """One unit's saying against showing: both figures, their n and the gap; None if hidden."""

    unit: int
    name: str
    n: int | None = None
    claimed: str = ""
    demonstrated: str = ""
    gap: str = ""
    words: str = ""


def gap_row(view: WaveView, unit: int) -> GapRow:
    """Return the gap between saying and showing for a unit, with both figures and n."""
    claimed, shown = view.figure(unit, "claimed"), view.figure(unit, "demonstrated")
    if claimed.suppressed or shown.suppressed or claimed.n is None:
        return GapRow(unit, view.name(unit))
    points = wording.gap_points(claimed.value, shown.value)
    return GapRow(
        unit,
        view.name(unit),
        claimed.n,
        f"{wording.pct(claimed.value)}%",
        f"{wording.pct(shown.value)}%",
        wording.points(points / 100),
        wording.gap_text(claimed.value, shown.value, claimed.n),
    )


def gap_rows(view: WaveView, unit: int) -> list[GapRow]:
    """Return the gap rows of a unit and the units directly below it."""
    return [gap_row(view, each) for each in [unit, *view.children(unit)]]
