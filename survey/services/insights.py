"""Insights: figures per wave, unit and measure, from the tallies, through the anonymity rules.

Every count or figure a screen, export, CLI command or log line shows comes from a `WaveView`,
which hides what the rules in `survey.aggregation` hide, so no caller can forget them:
- while a wave is open, a view holds participation only (counts in whole steps of the
  threshold, through suppression); its results are released once, after it closes;
- a released view's figures show per measure, each where its own respondents reach the
  threshold and no remainder is small (`Release`, worked out once per wave and cached, since a
  released wave never changes);
- units with more responses than people are withheld everywhere.
Units are those of each wave's launch snapshot; a manager sees only their own unit and below.
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
from survey.services import tallies, wording
from survey.services.problems import NotFound
from survey.services.pulses import load_pulse

DIMENSIONS = (*agg.ADKAR_STEPS, "appropriateness", "leadership", "valence", "communication")
# The questions each understanding index is worked out from. An index counts every response,
# so it shows only where each of its questions' own respondents could show: an optional one
# answered by a few would otherwise show through it.
INDEX_INPUTS = {
    "claimed": tallies.CLAIM_CODES,
    "demonstrated": (tallies.READING_CODE, tallies.RECOGNITION_CODE),
    "cost_cutting": (tallies.READING_CODE,),
}
INDEX_INPUTS["gap"] = INDEX_INPUTS["claimed"] + INDEX_INPUTS["demonstrated"]
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


@dataclass(frozen=True)
class Release:
    """What the rules let any viewer see of one wave; each viewer sees its part in their scope.

    `totals` count each unit with those below it (withheld units count as none); `visible` are
    the units whose participation and whole-group figures show; `measures` narrows that per
    measure (a question, dimension or eNPS) by its own respondents; `comments` are the units
    whose comments show; `export` the units a raw export may name (safe for every measure).
    """

    released: bool
    totals: dict[int, int]
    visible: frozenset[int]
    withheld: frozenset[int]
    measures: dict[str, frozenset[int]] = field(default_factory=dict)
    comments: frozenset[int] = frozenset()
    export: frozenset[int] = frozenset()


@dataclass
class WaveView:
    """One wave as a user may see it: its tree, which units show, and every measure's figures."""

    wave: Wave
    tree: dict[int, int | None]
    paths: dict[int, str]
    headcounts: dict[int, int]
    release: Release
    visible: set[int]
    figures: dict[tuple[int, str], Figure] = field(default_factory=dict)
    barriers: dict[int, str | None] = field(default_factory=dict)
    readings: dict[int, Counter] = field(default_factory=dict)

    @property
    def totals(self) -> dict[int, int]:
        """Return each unit's count with those below it (participation while open)."""
        return self.release.totals

    @property
    def released(self) -> bool:
        """Return whether the wave's results are out (else participation only)."""
        return self.release.released

    @property
    def withheld(self) -> frozenset[int]:
        """Return the units withheld for having more responses than people."""
        return self.release.withheld

    def shows(self, unit: int, measure: str) -> bool:
        """Return whether a measure's figure for a unit may be shown to this viewer."""
        if not self.released or unit not in self.visible:
            return False
        return unit in self.release.measures.get(measure, self.release.visible)

    def count(self, unit: int) -> int | None:
        """Return a unit's released count of responses, or None where it may not be shown."""
        return self.totals[unit] if unit in self.visible else None

    def children(self, unit: int) -> list[int]:
        """Return the units directly below `unit`, by name."""
        return sorted((u for u, p in self.tree.items() if p == unit), key=self.name)

    def asked(self, unit: int) -> int:
        """Return how many people a unit and those below it had at launch."""
        return sum(self.headcounts[u] for u in self.tree if unit in agg.ancestors(u, self.tree))

    def rate(self, unit: int) -> float | None:
        """Return the response rate where the group shows and at least 5 were asked."""
        asked = self.asked(unit)
        if unit not in self.visible or asked < 5:
            return None
        return min(1.0, self.totals[unit] / asked)

    def figure(self, unit: int, measure: str) -> Figure:
        """Return a figure, hidden unless the measure may be shown for the unit and has data."""
        if not self.shows(unit, measure):
            return HIDDEN
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


def latest_released(waves: Sequence[Wave], now: datetime) -> Wave:
    """Return the latest of these waves whose results are out, else the latest of them."""
    out = [wave for wave in waves if agg.results_released(wave.closes_at, now)]
    return max(out or waves, key=lambda wave: (wave.closes_at, wave.id))


def results_from(wave: Wave) -> datetime:
    """Return when a wave's results are released."""
    return wave.closes_at + agg.SETTLE


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


def _participation(wave: Wave, rows: list[SnapshotRow], direct: dict[int, int]) -> Release:
    """Return an open wave's release: counts in whole steps of the threshold, nothing else."""
    tree = {row.unit_id: row.parent_unit_id for row in rows}
    padded = agg.withheld(direct, {row.unit_id: row.headcount for row in rows})
    threshold = wave.anonymity_threshold
    steps = {u: agg.checkpoint(n, threshold) for u, n in direct.items() if u not in padded}
    totals = agg.roll_up(steps, tree)
    visible = agg.visible_units(totals, tree, threshold)
    return Release(False, totals, frozenset(visible), frozenset(padded))


def _released(wave: Wave, rows: list[SnapshotRow], direct: dict[int, int]) -> Release:
    """Return a released wave's release: what every measure may show, per the rules."""
    tree = {row.unit_id: row.parent_unit_id for row in rows}
    padded = agg.withheld(direct, {row.unit_id: row.headcount for row in rows})
    threshold = wave.anonymity_threshold
    totals = agg.roll_up(tallies.counted([wave.id]).get(wave.id, {}), tree)
    visible = agg.visible_units(totals, tree, threshold)
    items = load_pulse(wave.id).items
    scales = [i for i in items if i.kind in (Kind.SCALE5, Kind.SCALE11)]
    choices = [i for i in items if i.kind in (Kind.SINGLE, Kind.MULTI)]
    answered = tallies.measure_counts(wave.id, [i.id for i in (*scales, *choices)])
    parts: dict[str, list[dict[int, int]]] = defaultdict(list)
    for item in scales:
        counts = answered.get(item.id, {})
        parts[item.code].append(counts)
        if item.kind is Kind.SCALE5:
            parts[item.dimension or item.code].append(counts)
        else:
            parts["enps"].append(counts)
    by_code = {item.code: answered.get(item.id, {}) for item in (*scales, *choices)}
    for index, codes in INDEX_INPUTS.items():
        parts[index] = [by_code[code] for code in codes if code in by_code]
    measures = {
        measure: frozenset(
            agg.visible_units(
                totals, tree, threshold, visible, [(counts, threshold) for counts in each]
            )
        )
        for measure, each in parts.items()
    }
    commenters = agg.roll_up(tallies.commenter_counts(wave.id), tree)
    comments = agg.visible_units(
        totals, tree, wave.comment_threshold, visible, [(commenters, threshold)]
    )
    # A raw export names only units that every measure could show (or has no answers for),
    # and only where each choice question has no answers or enough.
    every = [(answered.get(item.id, {}), threshold) for item in (*scales, *choices)]
    safe = {
        unit
        for unit in visible
        if all(
            unit in measures[item.code] or not answered.get(item.id, {}).get(unit)
            for item in scales
        )
    }
    export = agg.visible_units(totals, tree, threshold, safe, every)
    return Release(
        True,
        totals,
        frozenset(visible),
        frozenset(padded),
        measures,
        frozenset(comments),
        frozenset(export),
    )


def _releases(waves: Sequence[Wave], now: datetime) -> dict[int, Release]:
    """Return each wave's release; a released wave's is cached per worker, as it never changes."""
    cache: dict[tuple, Release] = current_app.extensions.setdefault("release_cache", {})
    key = {w.id: (w.id, w.closes_at, w.anonymity_threshold, w.comment_threshold) for w in waves}
    found = {w.id: cache[key[w.id]] for w in waves if key[w.id] in cache}
    missing = [w for w in waves if w.id not in found]
    if missing:
        out = [w.id for w in missing if agg.results_released(w.closes_at, now)]
        tallies.refresh(out, now)
        snapshot = _snapshots([w.id for w in missing])
        raw = tallies.raw_counts(w.id for w in missing)
        for wave in missing:
            args = (wave, snapshot[wave.id], raw.get(wave.id, {}))
            if wave.id in out:
                found[wave.id] = cache[key[wave.id]] = _released(*args)
            else:
                found[wave.id] = _participation(*args)
    return found


def frames(waves: Sequence[Wave], user: User | None, now: datetime) -> list[WaveView]:
    """Return each wave's tree and release, narrowed to what this user may see; no figures yet.

    Tallies a wave the first time it is read after its results are released.
    """
    ids = [wave.id for wave in waves]
    releases = _releases(waves, now)
    snapshot = _snapshots(ids)
    result = []
    for wave in waves:
        rows = snapshot[wave.id]
        tree = {row.unit_id: row.parent_unit_id for row in rows}
        release = releases[wave.id]
        result.append(
            WaveView(
                wave,
                tree,
                {r.unit_id: r.path for r in rows},
                {r.unit_id: r.headcount for r in rows},
                release,
                set(release.visible) & scope(user, tree),
            )
        )
    return result


def frame(wave: Wave, user: User | None, now: datetime) -> WaveView:
    """Return one wave's frame (see `frames`)."""
    return frames([wave], user, now)[0]


def fill(views: Sequence[WaveView], units: Iterable[int] | None = None) -> None:
    """Compute every measure for the given units (default: all) that each view may show."""
    wanted = {
        view.wave.id: (view.visible if units is None else view.visible & set(units))
        if view.released
        else set()
        for view in views
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
            low, high = agg.enps_interval(counts) or (None, None)
            score = agg.enps(counts)
            result.figures[(unit, "enps")] = Figure(sum(counts.values()), score, low, high)
    for unit in wanted:
        means = {}
        for dimension, counts in dims[unit].items():
            result.figures[(unit, dimension)] = _scale_figure(counts, 5)
            means[dimension] = result.figures[(unit, dimension)].mean
        # The barrier is the first step at or under the line, so it speaks of the steps before
        # it: with any step hidden, it is not given.
        shown = all(result.shows(unit, step) for step in agg.ADKAR_STEPS)
        result.barriers[unit] = agg.adkar_profile(means).barrier if shown else None
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
    if result.shows(unit, "cost_cutting"):  # the readings are that index's question
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
    since: str
    before: Figure
    after: Figure
    change: agg.Change

    @property
    def points(self) -> int:
        """Return the change in whole percentage points."""
        return round(100 * self.change.difference)

    def sentence(self) -> str:
        """Return the change as a plain sentence, with both figures and their n."""
        figures = (
            f"from {wording.share_of(self.before.value, self.before.n)} "
            f"to {wording.share_of(self.after.value, self.after.n)}"
        )
        return wording.change_sentence(self.measure, self.unit, self.since, self.change, figures)


def headlines(before: WaveView, after: WaveView, units: list[int]) -> list[Headline]:
    """Return the significant changes between two waves for the given units, largest first."""
    found = []
    names = {step: step.capitalize() for step in DIMENSIONS} | INDEX_NAMES
    for unit in units:
        for measure in (*DIMENSIONS, "claimed", "demonstrated", "cost_cutting"):
            was, now = before.figure(unit, measure), after.figure(unit, measure)
            moved = change(was, now)
            if moved is not None and moved.significant:
                found.append(
                    Headline(after.name(unit), names[measure], before.wave.name, was, now, moved)
                )
    return sorted(found, key=lambda h: -abs(h.change.difference))
