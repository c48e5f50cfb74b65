"""Heatmap cells ready to draw: shade, the precision the barrier needs, significant change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from survey import aggregation as agg
from survey.models import User
from survey.reporting.content import heat_bands, heat_step, mean_text
from survey.services import insights
from survey.services.insights import WaveView

# mean_text and heat_step are the board report's, so paper and screen round and shade alike.
__all__ = ["Cell", "KeyStep", "Row", "heat_step", "key", "mean_text", "previous", "rows"]

# Screen colours of the five heat steps (the board report's bounds), lowest to highest, and
# the text colour each needs for WCAG AA; tests/test_heatmap.py computes the contrasts.
# Diverging around the middle of the scale (orange low, purple high), each step 3:1 or more
# against its neighbours, so the steps part in grey and for colour-blind readers too.
HEAT_COLOURS = ("#642b03", "#d77411", "#f7f7f7", "#a07fce", "#4d2288")
HEAT_TEXT = ("#ffffff", "#0b0c0c", "#0b0c0c", "#0b0c0c", "#ffffff")
# The barrier's ring is white inside black, so one of the two stands out on every step.
BARRIER_RING = ("#ffffff", "#0b0c0c")
BARRIER_AT = agg.BARRIER_AT


@dataclass(frozen=True)
class Cell:
    """One measure of one unit: its mean as shown, its shade, barrier mark and change."""

    text: str
    step: int | None = None  # heat step 0-4; None when suppressed
    barrier: bool = False
    points: int | None = None  # significant change in favourable share since the wave before

    @property
    def arrow(self) -> str:
        """Return the arrow of a significant change, or nothing."""
        if self.points is None:
            return ""
        return "▲" if self.points > 0 else "▼" if self.points < 0 else "■"


@dataclass(frozen=True)
class Row:
    """A unit's row: its name, count and cells; `cells` is empty when the whole unit is hidden."""

    unit: int
    name: str
    people: int | None
    cells: list[Cell]
    drill: bool  # whether the row leads to the units below it


@dataclass(frozen=True)
class KeyStep:
    """One entry of the colour key."""

    step: int
    low: float
    high: float


def key() -> list[KeyStep]:
    """Return the colour key's steps with the means each covers."""
    return [KeyStep(step, low, high) for step, low, high in heat_bands()]


def _cell(view: WaveView, before: WaveView | None, unit: int, measure: str) -> Cell:
    """Return one cell; the change is called only where the test finds it significant."""
    figure = view.figure(unit, measure)
    if figure.suppressed or figure.mean is None:
        return Cell("Suppressed")
    points = None
    if before is not None and unit in before.tree:
        moved = insights.change(before.figure(unit, measure), figure)
        if moved is not None and moved.significant:
            points = round(100 * moved.difference)
    return Cell(
        mean_text(figure.mean),
        heat_step(figure.mean),
        view.barriers.get(unit) == measure,
        points,
    )


def previous(view: WaveView, unit: int, user: User | None, now: datetime) -> WaveView | None:
    """Return the launched wave before `view` as the user may see it, filled for the rows."""
    waves = insights.launched_waves()
    at = [wave.id for wave in waves].index(view.wave.id)
    if at == 0:
        return None
    before = insights.frame(waves[at - 1], user, now)
    insights.fill([before], [unit, *view.children(unit)])
    return before if before.released else None


def rows(view: WaveView, before: WaveView | None, unit: int) -> list[Row]:
    """Return the heatmap rows for a unit and those below it, with changes since `before`."""
    found = []
    for each in [unit, *view.children(unit)]:
        cells = (
            [_cell(view, before, each, d) for d in insights.DIMENSIONS]
            if each in view.visible
            else []
        )
        drill = each != unit and bool(view.children(each))
        found.append(Row(each, view.name(each), view.count(each), cells, drill))
    return found
