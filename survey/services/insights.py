"""Insights: figures per wave, unit and measure, from the tallies, through the anonymity rules.

Every figure a screen or export shows comes from `view()`, which hides what the rules hide, so
no caller can forget them. Units are those of each wave's launch snapshot; a manager sees only
their own unit and the units below it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from survey import aggregation as agg
from survey.extensions import db
from survey.models import Kind, Role, User, Wave, WaveUnit
from survey.services import tallies
from survey.services.problems import NotFound
from survey.services.pulses import load_pulse

DIMENSIONS = (*agg.ADKAR_STEPS, "appropriateness", "leadership", "valence", "communication")
INDICES = ("claimed", "demonstrated", "gap", "cost_cutting", "enps")
INDEX_NAMES = {
    "claimed": "Say they understand the change",
    "demonstrated": "Show they understand the change",
    "gap": "Gap between saying and showing",
    "cost_cutting": "Read the change as cost cutting",
    "enps": "Employee Net Promoter Score",
}


@dataclass(frozen=True)
class Figure:
    """One measure for one unit in one wave: None values mean suppressed."""

    n: int | None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    hits: int | None = None  # how many were favourable (or in the index), for tests of change

    @property
    def suppressed(self) -> bool:
        """Return whether the anonymity rules hide this figure."""
        return self.n is None


HIDDEN = Figure(None)


@dataclass
class WaveView:
    """One wave as a user may see it: its tree, which units show, and every measure's figures."""

    wave: Wave
    tree: dict[int, int | None]
    paths: dict[int, str]
    headcounts: dict[int, int]
    totals: dict[int, int]
    visible: set[int]
    figures: dict[tuple[int, str], Figure] = field(default_factory=dict)
    barriers: dict[int, str | None] = field(default_factory=dict)
    readings: dict[int, Counter] = field(default_factory=dict)

    def children(self, unit: int) -> list[int]:
        """Return the units directly below `unit`, by name."""
        return sorted((u for u, p in self.tree.items() if p == unit), key=self.name)

    def rate(self, unit: int) -> float | None:
        """Return the response rate where the group shows and at least 5 were asked."""
        asked = sum(self.headcounts[u] for u in self.tree if unit in agg.ancestors(u, self.tree))
        if unit not in self.visible or asked < 5:
            return None
        return min(1.0, self.totals[unit] / asked)

    def figure(self, unit: int, measure: str) -> Figure:
        """Return a figure, hidden unless the unit may be shown and the measure has data."""
        return self.figures.get((unit, measure), HIDDEN)

    def name(self, unit: int) -> str:
        """Return a unit's own name."""
        return self.paths[unit].rsplit(" > ", 1)[-1]


def launched_waves(survey_id: int | None = None) -> list[Wave]:
    """Return launched waves, oldest first, optionally of one survey."""
    query = select(Wave).where(Wave.launched_at.is_not(None)).order_by(Wave.opens_at)
    if survey_id is not None:
        query = query.where(Wave.survey_id == survey_id)
    return list(db.session.scalars(query))


def scope(user: User | None, tree: dict[int, int | None]) -> set[int]:
    """Return the units of a wave's tree that a user (None: staff) may look at."""
    if user is None or user.role is not Role.MANAGER:
        return set(tree)
    return {u for u in tree if user.unit_id in agg.ancestors(u, tree)}


@dataclass(frozen=True)
class SnapshotRow:
    """One unit of a wave's launch snapshot."""

    unit_id: int
    parent_unit_id: int | None
    path: str
    headcount: int


def _snapshots(wave_ids: list[int]) -> dict[int, list[SnapshotRow]]:
    """Return each wave's launch snapshot, cached per worker: it never changes after launch."""
    cache: dict[int, list[SnapshotRow]] = current_app.extensions.setdefault("snapshot_cache", {})
    missing = [wave_id for wave_id in wave_ids if wave_id not in cache]
    if missing:
        found: dict[int, list[SnapshotRow]] = {wave_id: [] for wave_id in missing}
        for wave_id, *row in db.session.execute(
            select(
                WaveUnit.wave_id,
                WaveUnit.unit_id,
                WaveUnit.parent_unit_id,
                WaveUnit.path,
                WaveUnit.headcount,
            ).where(WaveUnit.wave_id.in_(missing))
        ):
            found[wave_id].append(SnapshotRow(*row))
        cache.update(found)
    return {wave_id: cache[wave_id] for wave_id in wave_ids}


def frames(waves: Sequence[Wave], user: User | None, now: datetime) -> list[WaveView]:
    """Return each wave's tree, counts and the units the rules let this user see, no figures yet.

    Catches the waves' tallies up first, so the counts are those of their latest checkpoints.
    """
    ids = [wave.id for wave in waves]
    tallies.refresh(ids, now)
    snapshot = _snapshots(ids)
    counted = tallies.counted(ids)
    result = []
    for wave in waves:
        rows = snapshot[wave.id]
        tree = {row.unit_id: row.parent_unit_id for row in rows}
        totals = agg.roll_up(counted.get(wave.id, {}), tree)
        visible = agg.visible_units(totals, tree, wave.anonymity_threshold) & scope(user, tree)
        result.append(
            WaveView(
                wave,
                tree,
                {r.unit_id: r.path for r in rows},
                {r.unit_id: r.headcount for r in rows},
                totals,
                visible,
            )
        )
    return result


def frame(wave: Wave, user: User | None, now: datetime) -> WaveView:
    """Return one wave's frame (see `frames`)."""
    return frames([wave], user, now)[0]


def fill(views: Sequence[WaveView], units: Iterable[int] | None = None) -> None:
    """Compute every measure for the given units (default: all) that each view may show."""
    wanted = {
        view.wave.id: view.visible if units is None else view.visible & set(units) for view in views
    }
    ids = [wave_id for wave_id, shown in wanted.items() if shown]
    if not ids:
        return
    every = set().union(*wanted.values())
    answers = tallies.answer_counts(ids, every)
    understanding = tallies.understanding_counts(ids, every)
    for view in views:
        if wanted[view.wave.id]:
            _fill(view, wanted[view.wave.id], answers, understanding)


def _fill(
    result: WaveView,
    wanted: set[int],
    answers: dict[tuple[int, int, int], dict[int, int]],
    understanding: dict[tuple[int, int], Counter],
) -> None:
    """Compute one view's figures for the wanted units from the tallies read for them."""
    wave_id = result.wave.id
    items = {item.id: item for item in load_pulse(wave_id).items}
    dims: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for (w, unit, version), counts in answers.items():
        item = items.get(version)
        if w != wave_id or unit not in wanted or item is None:
            continue
        if item.kind is Kind.SCALE5:
            result.figures[(unit, item.code)] = _scale_figure(counts, 5)
            dims[unit][item.dimension or item.code].update(counts)
        elif item.kind is Kind.SCALE11:
            result.figures[(unit, item.code)] = _scale_figure(counts, 10)
            result.figures[(unit, "enps")] = Figure(sum(counts.values()), agg.enps(counts))
    for unit in wanted:
        means = {}
        for dimension, counts in dims[unit].items():
            result.figures[(unit, dimension)] = _scale_figure(counts, 5)
            means[dimension] = result.figures[(unit, dimension)].mean
        result.barriers[unit] = agg.adkar_profile(means).barrier
        _understanding_figures(result, unit, understanding.get((wave_id, unit), Counter()))


def view(
    wave: Wave, user: User | None, now: datetime, units: Iterable[int] | None = None
) -> WaveView:
    """Return one wave's figures for the units (default: all) the user may see, by the rules."""
    result = frame(wave, user, now)
    fill([result], units)
    return result


def _scale_figure(counts: Counter, top: int) -> Figure:
    """Return the favourable share with its interval, and the mean, of a distribution."""
    summary = agg.summarise(counts, top)
    if summary is None:
        return HIDDEN
    low, high = summary.share.interval
    return Figure(summary.n, summary.share.value, low, high, summary.mean, summary.share.favourable)


def _understanding_figures(result: WaveView, unit: int, facts: Counter) -> None:
    """Add the understanding shares of a unit."""
    n = sum(facts.values())
    if not n:
        return
    shares = {
        "claimed": sum(c for (claims, _, _), c in facts.items() if claims),
        "demonstrated": sum(c for (_, shows, _), c in facts.items() if shows),
        "cost_cutting": sum(c for (_, _, reading), c in facts.items() if reading == "cost_cutting"),
    }
    for measure, count in shares.items():
        low, high = agg.wilson(count, n)
        result.figures[(unit, measure)] = Figure(n, count / n, low, high, hits=count)
    result.figures[(unit, "gap")] = Figure(n, (shares["claimed"] - shares["demonstrated"]) / n)
    readings: Counter = Counter()
    for (_, _, reading), count in facts.items():
        readings[reading or "unanswered"] += count
    result.readings[unit] = readings


def find_wave(wave_id: int) -> Wave:
    """Return a launched wave or raise NotFound."""
    wave = db.session.get(Wave, wave_id)
    if wave is None or wave.launched_at is None:
        raise NotFound(wave_id)
    return wave


@dataclass(frozen=True)
class TrendPoint:
    """A measure for one unit in one wave, and its change since the wave before."""

    wave: Wave
    figure: Figure
    change: agg.Change | None


def change(before: Figure, after: Figure) -> agg.Change | None:
    """Return the change in share between two shown figures, tested for significance."""
    if before.suppressed or after.suppressed or before.hits is None or after.hits is None:
        return None
    return agg.compare_shares(agg.Share(before.n, before.hits), agg.Share(after.n, after.hits))


def trend(views: list[WaveView], unit: int, measure: str) -> list[TrendPoint]:
    """Return a measure's points over the given wave views (oldest first) for one unit."""
    points: list[TrendPoint] = []
    previous: Figure | None = None
    for each in views:
        figure = each.figure(unit, measure) if unit in each.tree else HIDDEN
        points.append(TrendPoint(each.wave, figure, change(previous, figure) if previous else None))
        previous = figure
    return points


@dataclass(frozen=True)
class Headline:
    """A significant change, in words, for the overview."""

    unit: str
    measure: str
    points: int
    since: str

    def sentence(self) -> str:
        """Return the change as a plain sentence."""
        way = "rose" if self.points > 0 else "fell"
        return (
            f"{self.measure} in {self.unit} {way} {abs(self.points)} points since "
            f"{self.since}, a significant change."
        )


def headlines(before: WaveView, after: WaveView, units: list[int]) -> list[Headline]:
    """Return the significant changes between two waves for the given units, largest first."""
    found = []
    names = {step: step.capitalize() for step in DIMENSIONS} | INDEX_NAMES
    for unit in units:
        for measure in (*DIMENSIONS, "claimed", "demonstrated", "cost_cutting"):
            moved = change(before.figure(unit, measure), after.figure(unit, measure))
            if moved is not None and moved.significant:
                found.append(
                    Headline(
                        after.name(unit),
                        names[measure],
                        round(100 * moved.difference),
                        before.wave.name,
                    )
                )
    return sorted(found, key=lambda h: -abs(h.points))
