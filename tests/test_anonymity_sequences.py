"""Anonymity over time: generated sequences of events on generated trees, then every number any
role was ever shown is set against everything else that was shown.

Events: answers to units, time passing, "close now", attempts to extend, imports, raw exports,
and views by an admin, an analyst and a manager. After each sequence, (i) two observations of
the same figure at different times differ by nothing or by at least the threshold of people
(a released figure never changes); (ii) in every view, a shown figure less the shown figures
below it is empty or at least the threshold plus the margin; (iii) an open wave shows nothing
but participation. A participation count seen while open and the released count may differ by
fewer than the threshold: that says how many answered late, never what anyone answered.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.aggregation import SETTLE, ancestors
from survey.aggregation.suppression import REMAINDER_MARGIN
from survey.extensions import db
from survey.models import Kind, Role, Wave, utcnow
from survey.services import exporting, importing, insights, pulses, submissions, tokens, waves
from survey.services.problems import Invalid
from tests.helpers import empty_tables, launch_tree, team_tokens

ROLES = ("admin", "analyst", "manager")
MEASURES = (*insights.DIMENSIONS, "leaders_back", "advocacy", *insights.INDICES)
Key = tuple[int, str, str, int]  # wave, role, measure ("responses" for counts), unit


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[int | None], list[int], int]:
    """Draw a unit tree (parents by index), each unit's headcount, and a threshold of 3 to 6."""
    size = draw(st.integers(2, 5))
    parents: list[int | None] = [None] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    return parents, [draw(st.integers(1, 12)) for _ in parents], draw(st.integers(3, 6))


def events(size: int, extra: bool) -> st.SearchStrategy[list[tuple]]:
    """Draw a sequence of events for a tree of `size` units (`extra`: exports, imports into it)."""
    each = [
        st.tuples(st.just("answer"), st.integers(0, size - 1), st.integers(1, 5)),
        st.tuples(st.just("answer"), st.integers(0, size - 1), st.integers(1, 5)),
        st.tuples(st.just("wait"), st.integers(1, 48)),
        st.tuples(st.just("close")),
        st.tuples(st.just("extend"), st.integers(1, 72)),
        st.tuples(st.just("view"), st.sampled_from(ROLES)),
        st.tuples(st.just("past"), st.lists(st.integers(0, size - 1), min_size=1, max_size=12)),
    ]
    if extra:
        each += [
            st.tuples(st.just("export")),
            st.tuples(st.just("pad"), st.lists(st.integers(0, size - 1), min_size=1, max_size=6)),
        ]
    return st.lists(st.one_of(each), min_size=4, max_size=25)


def paths(parents: list[int | None]) -> list[str]:
    """Return each unit's path: "Seq > U1 > U3"."""
    found: list[str] = []
    for index, parent in enumerate(parents):
        found.append(("Seq" if parent is None else found[parent]) + f" > U{index}")
    return found


def answers(pulse: pulses.Pulse, value: int) -> dict[int, object]:
    """Return a whole pulse's answers, the scale questions all `value`."""
    chosen: dict[int, object] = {}
    for item in pulse.items:
        if item.kind is Kind.SCALE5:
            chosen[item.id] = value
        elif item.kind is Kind.SCALE11:
            chosen[item.id] = 2 * value
        elif item.kind is Kind.SINGLE:
            chosen[item.id] = item.choices[value % len(item.choices)].id
        elif item.kind is Kind.MULTI:
            chosen[item.id] = [item.choices[0].id]
        else:
            chosen[item.id] = f"comment {value}"
    return chosen


def responses_file(name: str, opens: datetime, closes: datetime, rows: list[tuple]) -> bytes:
    """Return a responses file with one knowledge answer per (unit path, response id, value)."""
    text = "I know what the change means for my own job."
    head = f"{name},{opens.date()},{closes.date()}"
    lines = [",".join(exporting.RESPONSE_COLUMNS)]
    lines += [f"{head},{p},{r},knowledge,1,{text},knowledge,scale5,{v},," for p, r, v in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


class Attacker:
    """Everyone with an account, pooling every number they were ever shown."""

    def __init__(self, app: Flask, parents: list[int | None], headcounts: list[int]) -> None:
        self.app = app
        self.paths = paths(parents)
        org = launch_tree(app, dict(zip(self.paths, headcounts, strict=True)))
        self.wave_id, self.pulse = org.wave_id, org.pulse
        self.links = team_tokens(app, org.wave_id)
        self.now = utcnow()
        self.seen: dict[Key, list[tuple[bool, tuple]]] = defaultdict(list)
        self.snapshots: list[tuple[int, str, dict[tuple[str, int], int]]] = []
        self.exports: list[tuple[int, Counter]] = []
        self.pasts = 0

    def wave(self) -> Wave:
        """Return the generated wave, fresh from the database."""
        return db.session.get_one(Wave, self.wave_id)

    def run(self, event: tuple) -> None:
        """Play one event at the attacker's current time."""
        kind, *args = event
        getattr(self, f"_{kind}")(*args)

    def _answer(self, unit: int, value: int) -> None:
        token = self.links[self.paths[unit]]
        if self.now >= self.wave().closes_at:
            with pytest.raises(pulses.LinkProblem, match="closed"):
                pulses.resolve(pulses.TEAM, token, self.now)
            return
        link, pulse = pulses.resolve(pulses.TEAM, token, self.now)
        submissions.submit(link, pulse, answers(pulse, value), tokens.new_nonce(), self.now)

    def _wait(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    def _close(self) -> None:
        wave = self.wave()
        try:
            waves.close_now(None, self.wave_id, str(wave.row_version), self.now)  # type: ignore[arg-type]
        except Invalid:
            assert self.now >= wave.closes_at  # only a closed wave refuses "Close now"

    def _extend(self, hours: int) -> None:
        wave = self.wave()
        draft = waves.WaveDraft(
            wave.name,
            wave.survey_id,
            wave.opens_at,
            wave.closes_at + timedelta(hours=hours),
            audience_unit_id=wave.audience_unit_id,
        )
        was_open = self.now < wave.closes_at
        try:
            waves.update(None, self.wave_id, str(wave.row_version), draft, self.now)  # type: ignore[arg-type]
        except Invalid:
            assert not was_open, "extending an open wave is allowed"
        else:
            assert was_open, "a closed wave was extended"

    def _past(self, units: list[int]) -> None:
        # History from another tool: a new wave, closed long ago, released as it lands.
        self.pasts += 1
        closes = self.now - timedelta(days=30 * self.pasts)
        rows = [(self.paths[u], f"p{n}", 1 + n % 5) for n, u in enumerate(units)]
        data = responses_file(f"Past {self.pasts}", closes - timedelta(days=7), closes, rows)
        assert importing.import_responses(lambda _mode: io.BytesIO(data)).ok

    def _pad(self, units: list[int]) -> None:
        # An admin's import into the generated wave, open or released: refused, adds nothing.
        wave = self.wave()
        rows = [(self.paths[u], f"x{self.now.timestamp()}{n}", 5) for n, u in enumerate(units)]
        data = responses_file(wave.name, wave.opens_at, wave.closes_at, rows)
        report = importing.import_responses(lambda _mode: io.BytesIO(data))
        assert report.added == 0

    def _export(self) -> None:
        try:
            chunks = exporting.responses_csv(exporting.Scope([self.wave_id]), self.now)
        except Invalid:
            return
        rows = csv.DictReader(io.StringIO("".join(chunks)))
        found = {(row["unit_path"], row["response_id"]) for row in rows}
        released = insights.frame(self.wave(), None, self.now).released
        assert released, "a raw export before the release"
        self.exports.append((self.wave_id, Counter(path for path, _ in found)))

    def _view(self, role: str) -> None:
        launched = insights.launched_waves()
        if role == "manager":
            tree = insights.frame(self.wave(), None, self.now).tree
            who = SimpleNamespace(role=Role.MANAGER, unit_id=min(u for u, p in tree.items() if p))
        else:
            who = SimpleNamespace(role=Role.ADMIN if role == "admin" else Role.ANALYST)
        views = insights.frames(launched, who, self.now)  # type: ignore[arg-type]
        insights.fill(views)
        for view in views:
            self._observe(view, role)

    def _observe(self, view: insights.WaveView, role: str) -> None:
        """Record everything one view shows; an open wave must show participation alone."""
        wave_id = view.wave.id
        shown: dict[tuple[str, int], int] = {}
        for unit in view.tree:
            count = view.count(unit)
            if count is not None:
                shown[("responses", unit)] = count
                self.seen[(wave_id, role, "responses", unit)].append((view.released, (count,)))
            for measure in MEASURES:
                figure = view.figure(unit, measure)
                if figure.suppressed:
                    continue
                assert view.released, "a figure of a wave whose results are not out"
                shown[(measure, unit)] = figure.n or 0
                value = (figure.n, figure.hits, figure.value, figure.mean)
                self.seen[(wave_id, role, measure, unit)].append((True, value))
        if not view.released:
            assert not view.figures
        self.snapshots.append((wave_id, view.wave.anonymity_threshold, shown, view.tree))


def highest_below(unit: int, shown: set[int], tree: dict[int, int | None]) -> list[int]:
    """Return the shown units below `unit` with no shown unit between."""
    return [
        node
        for node in shown
        if node != unit
        and unit in ancestors(node, tree)
        and not any(
            a in shown for a in ancestors(node, tree)[1 : ancestors(node, tree).index(unit)]
        )
    ]


def check(attacker: Attacker) -> None:
    """Nothing released, taken together, pins down a small group or one response."""
    thresholds = {w.id: w.anonymity_threshold for w in insights.launched_waves()}
    for (wave_id, _role, measure, _unit), values in attacker.seen.items():
        # (i) Over time: released figures never move; open counts move in whole steps.
        final = {value for out, value in values if out}
        assert len(final) <= 1, (measure, values)
        open_counts = [value[0] for out, value in values if not out]
        for before, after in itertools.pairwise(open_counts):
            assert after == before or abs(after - before) >= thresholds[wave_id]
    for _wave_id, threshold, shown, tree in attacker.snapshots:
        # (ii) In every view, per measure: nothing left over by subtraction is small.
        by_measure: dict[str, dict[int, int]] = defaultdict(dict)
        for (measure, unit), n in shown.items():
            by_measure[measure][unit] = n
        for counts in by_measure.values():
            for unit, n in counts.items():
                below = highest_below(unit, set(counts), tree)
                rest = n - sum(counts[b] for b in below)
                assert not below or rest == 0 or rest >= threshold + REMAINDER_MARGIN, (
                    unit,
                    counts,
                )
    for wave_id, per_path in attacker.exports:
        # Raw exports: every path covers at least the threshold, and the same paths each time.
        assert all(n >= thresholds[wave_id] for n in per_path.values())
        assert per_path == next(found for w, found in attacker.exports if w == wave_id)


def play(app: Flask, tree: tuple, sequence: list[tuple]) -> None:
    """Play a sequence on a fresh database, closing and viewing the wave at the end."""
    parents, headcounts, threshold = tree
    with app.app_context():
        empty_tables()
    app.config.update(ANONYMITY_THRESHOLD=threshold, COMMENT_THRESHOLD=max(5, threshold))
    attacker = Attacker(app, parents, headcounts)
    # An hour's wait is far longer than the settling time, so the results are out by the end.
    assert timedelta(hours=1) > SETTLE
    ending = [("close",), ("view", "analyst"), ("wait", 1), *(("view", r) for r in ROLES)]
    with app.app_context():
        for event in [*sequence, *ending]:
            attacker.run(event)
        check(attacker)


SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(st.data())
def test_sequences_of_answers_closes_extends_imports_and_views(app: Flask, data) -> None:
    tree = data.draw(trees())
    play(app, tree, data.draw(events(len(tree[0]), extra=False)))


@SETTINGS
@given(st.data())
def test_sequences_with_raw_exports_and_imports_into_the_wave(app: Flask, data) -> None:
    tree = data.draw(trees())
    play(app, tree, data.draw(events(len(tree[0]), extra=True)))
