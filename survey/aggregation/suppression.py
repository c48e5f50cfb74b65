"""Anonymity: which groups' figures may be shown, so no small group can be seen or worked out.

The unit tree makes figures nest. Anyone can subtract the shown groups below a shown unit from
that unit's own figure, which recovers the "uncovered" part (the remainder): its own direct
answers plus every hidden group below it. So a figure is shown only if its group reaches the
threshold and its remainder is empty or reaches the threshold plus a margin, hiding more groups
(smallest first) until that is true. The margin protects a remainder against one of its own
members, who can subtract their own answers from it (a director who is the only direct member
of a directorate, say): they still face at least the threshold of other people.

Every measure has its own n (an optional question, the comments), so the same rule runs once
per measure over that measure's counts, starting from the units the group rule shows.

Time is the other way to subtract: a wave's results are released once, after it closes, and
nothing changes them afterwards; while it is open only participation shows, in whole steps of
the threshold.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

Tree = Mapping[int, int | None]  # unit id -> parent unit id (None at the top)
Counts = Mapping[int, int]  # unit id -> count

# The lowest threshold any deployment may set: a constant, never a setting.
FLOOR = 3
# Comments identify people by their words, so they need larger groups than scores.
COMMENT_FLOOR = 5
# How much larger than the threshold a remainder must be (see the module docstring).
REMAINDER_MARGIN = 1
# Results are released this long after a wave closes, so a pulse sent in its last second has
# landed before anything is counted, and the release never moves afterwards.
SETTLE = timedelta(minutes=1)


def ancestors(unit: int, tree: Tree) -> list[int]:
    """Return a unit and its ancestors within the tree, nearest first."""
    chain = [unit]
    while (parent := tree.get(chain[-1])) is not None and parent in tree:
        chain.append(parent)
    return chain


def roll_up(direct: Mapping[int, int], tree: Tree) -> dict[int, int]:
    """Return each unit's count including every unit below it."""
    totals = dict.fromkeys(tree, 0)
    for unit, count in direct.items():
        if unit in tree:
            for node in ancestors(unit, tree):
                totals[node] += count
    return totals


def children_of(tree: Tree) -> dict[int, list[int]]:
    """Return each unit's direct children."""
    children: dict[int, list[int]] = {}
    for node, parent in tree.items():
        if parent is not None:
            children.setdefault(parent, []).append(node)
    return children


def _shown_below(unit: int, visible: Collection[int], children: Mapping[int, list[int]]) -> list:
    """Return the highest shown units strictly below `unit`."""
    found, stack = [], list(children.get(unit, []))
    while stack:
        node = stack.pop()
        if node in visible:
            found.append(node)
        else:
            stack.extend(children.get(node, []))
    return found


def uncovered(unit: int, totals: Counts, visible: Collection[int], tree: Tree) -> int:
    """Return what subtraction recovers under a shown unit: its total less shown groups below."""
    below = _shown_below(unit, visible, children_of(tree))
    return totals[unit] - sum(totals[n] for n in below)


def remainder_ok(rest: int, threshold: int) -> bool:
    """Return whether a remainder may be recovered: empty, or large enough with the margin."""
    return rest == 0 or rest >= threshold + REMAINDER_MARGIN


def visible_units(
    totals: Counts,
    tree: Tree,
    threshold: int,
    candidates: Iterable[int] | None = None,
    also: Sequence[tuple[Counts, int]] = (),
) -> set[int]:
    """Return the units whose figures may be shown under the anonymity rules.

    `totals` must reach the threshold; each of `also` (a measure's counts and its threshold)
    must be zero or reach its threshold. Every remainder, in `totals` and in each of `also`,
    must pass `remainder_ok`. Only `candidates` (default: every unit) may be shown at all.
    """
    children = children_of(tree)
    rules = [(totals, threshold), *also]
    pool = tree if candidates is None else [u for u in candidates if u in tree]
    visible = {
        unit
        for unit in pool
        if totals.get(unit, 0) >= threshold
        and all(counts.get(unit, 0) == 0 or counts.get(unit, 0) >= t for counts, t in also)
    }
    changed = True
    while changed:
        changed = False
        for unit in sorted(visible):
            below = _shown_below(unit, visible, children)
            if below and not all(
                remainder_ok(counts.get(unit, 0) - sum(counts.get(n, 0) for n in below), t)
                for counts, t in rules
            ):
                # Hiding the smallest shown group below folds it into the remainder.
                visible.discard(min(below, key=lambda n: (totals.get(n, 0), n)))
                changed = True
                break
    return visible


def nearest_shown(unit: int, tree: Tree, shown: Collection[int]) -> int | None:
    """Return the unit itself or its nearest ancestor that is shown, if any."""
    return next((node for node in ancestors(unit, tree) if node in shown), None)


def released_count(n: int, threshold: int) -> int | None:
    """Return a group's count if it may be shown, else None (shown as "fewer than N")."""
    return n if n >= threshold else None


def checkpoint(n: int, threshold: int) -> int:
    """Return how much of an open wave's count of responses participation may show.

    While a wave is open, counts move only in whole steps of the threshold, so two views taken
    before and after a few people answer never differ by fewer than the threshold.
    """
    return n - n % threshold


def results_released(closes_at: datetime, now: datetime) -> bool:
    """Return whether a wave's results are out: once, a short settling time after it closes."""
    return now >= closes_at + SETTLE


def withheld(direct: Counts, headcounts: Counts) -> set[int]:
    """Return units with more responses than people: padded (a shared team link), so withheld.

    A unit with no recorded headcount (0, as units made by an import start) is not judged.
    """
    return {unit for unit, n in direct.items() if 0 < headcounts.get(unit, 0) < n}
