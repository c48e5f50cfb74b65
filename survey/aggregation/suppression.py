"""Anonymity: which groups' figures may be shown, so no small group can be seen or worked out.

The unit tree makes figures nest. Anyone can subtract the shown groups below a shown unit from
that unit's own figure, which recovers the "uncovered" part: its own direct answers plus every
hidden group below it. So a figure is shown only if its group and its uncovered part each hold
none or at least the threshold, hiding more groups (smallest first) until that is true.
"""

from __future__ import annotations

from collections.abc import Mapping

Tree = Mapping[int, int | None]  # unit id -> parent unit id (None at the top)


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


def _shown_below(unit: int, visible: set[int], children: Mapping[int, list[int]]) -> list[int]:
    """Return the highest shown units strictly below `unit`."""
    found, stack = [], list(children.get(unit, []))
    while stack:
        node = stack.pop()
        if node in visible:
            found.append(node)
        else:
            stack.extend(children.get(node, []))
    return found


def uncovered(unit: int, totals: Mapping[int, int], visible: set[int], tree: Tree) -> int:
    """Return what subtraction recovers under a shown unit: its total less shown groups below."""
    children: dict[int, list[int]] = {}
    for node, parent in tree.items():
        if parent is not None:
            children.setdefault(parent, []).append(node)
    return totals[unit] - sum(totals[n] for n in _shown_below(unit, visible, children))


def visible_units(totals: Mapping[int, int], tree: Tree, threshold: int) -> set[int]:
    """Return the units whose figures may be shown under the anonymity rules."""
    children: dict[int, list[int]] = {}
    for node, parent in tree.items():
        if parent is not None:
            children.setdefault(parent, []).append(node)
    visible = {unit for unit in tree if totals.get(unit, 0) >= threshold}
    changed = True
    while changed:
        changed = False
        for unit in sorted(visible):
            below = _shown_below(unit, visible, children)
            rest = totals[unit] - sum(totals[n] for n in below)
            if 0 < rest < threshold:
                # Hiding the smallest shown group below folds it into the uncovered part.
                visible.discard(min(below, key=lambda n: (totals[n], n)))
                changed = True
                break
    return visible


def released_count(n: int, threshold: int) -> int | None:
    """Return a group's count if it may be shown, else None (shown as "fewer than N")."""
    return n if n >= threshold else None


def checkpoint(n: int, threshold: int, closed: bool) -> int:
    """Return how many of an open wave's responses (oldest first) its figures may use.

    While a wave is open, figures move only in whole steps of the threshold, so two views taken
    before and after a few people answer never differ by fewer than the threshold. Once the wave
    closes, every response counts.
    """
    return n if closed else n - n % threshold
