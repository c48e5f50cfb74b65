"""The numbers: shares, intervals, roll-ups and anonymity suppression. Pure functions, no Flask."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Tree = Mapping[int, int | None]  # unit id -> parent unit id (None at the root)

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Share:
    """A favourable share with its sample size and 95% Wilson interval, all as fractions."""

    n: int
    favourable: int

    @property
    def value(self) -> float:
        """Return the favourable fraction."""
        return self.favourable / self.n

    @property
    def interval(self) -> tuple[float, float]:
        """Return the 95% Wilson score interval."""
        return wilson(self.favourable, self.n)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Return the Wilson score interval for `successes` out of `n`."""
    if n <= 0:
        raise ValueError("an interval needs at least one observation")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def is_favourable(value: int, scale_max: int) -> bool:
    """Return whether a scale answer is favourable: 4-5 of 5, 9-10 of 10."""
    return value >= scale_max - 1


def favourable_share(values: Iterable[int], scale_max: int) -> Share | None:
    """Return the favourable share of scale answers, or None when there are none."""
    n = favourable = 0
    for value in values:
        n += 1
        favourable += is_favourable(value, scale_max)
    return Share(n, favourable) if n else None


def ancestors(unit: int, tree: Tree) -> list[int]:
    """Return a unit and its ancestors, nearest first."""
    chain = [unit]
    while (parent := tree.get(chain[-1])) is not None:
        chain.append(parent)
    return chain


def roll_up(direct: Mapping[int, int], tree: Tree) -> dict[int, int]:
    """Return each unit's count including every unit below it."""
    totals = dict.fromkeys(tree, 0)
    for unit, count in direct.items():
        for node in ancestors(unit, tree):
            totals[node] = totals.get(node, 0) + count
    return totals


def visible_units(totals: Mapping[int, int], tree: Tree, threshold: int) -> set[int]:
    """Return the units whose figures may be shown under the anonymity rules.

    A unit under the threshold is hidden. Among siblings, hiding one group alone would let it be
    recovered by subtracting the visible ones from the parent, so siblings are hidden smallest
    first until what is hidden under a parent is empty or itself at least the threshold.
    """
    visible = {unit for unit, n in totals.items() if n >= threshold}
    children: dict[int | None, list[int]] = {}
    for unit, parent in tree.items():
        children.setdefault(parent, []).append(unit)
    for parent, kids in children.items():
        if parent is None or parent not in visible:
            continue
        shown = sorted((k for k in kids if k in visible), key=lambda k: (totals.get(k, 0), k))
        while shown:
            hidden = totals[parent] - sum(totals.get(k, 0) for k in shown)
            if hidden == 0 or hidden >= threshold:
                break
            visible.discard(shown.pop(0))
    return visible


def released_count(n: int, threshold: int) -> int | None:
    """Return a group's count if it may be shown, else None (shown as "fewer than N")."""
    return n if n >= threshold else None
