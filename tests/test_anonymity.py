"""Anonymity rules, proved on generated trees: no shown figures can reveal a small group."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from survey.aggregation import checkpoint, roll_up, uncovered, visible_units
from survey.aggregation.suppression import REMAINDER_MARGIN


@st.composite
def organisations(draw: st.DrawFn) -> tuple[dict[int, int | None], dict[int, int], int]:
    """Draw a unit tree, responses per unit (direct), and a threshold of 3 to 10."""
    size = draw(st.integers(1, 25))
    tree: dict[int, int | None] = {0: None}
    for unit in range(1, size):
        tree[unit] = draw(st.integers(0, unit - 1))
    direct = {unit: draw(st.integers(0, 30)) for unit in tree}
    return tree, direct, draw(st.integers(3, 10))


def descendants(unit: int, tree: dict[int, int | None]) -> set[int]:
    found = {unit}
    grew = True
    while grew:
        grew = False
        for node, parent in tree.items():
            if parent in found and node not in found:
                found.add(node)
                grew = True
    return found


@settings(max_examples=400, deadline=None)
@given(organisations())
def test_every_recoverable_group_is_empty_or_large_enough(org: tuple) -> None:
    tree, direct, threshold = org
    totals = roll_up(direct, tree)
    visible = visible_units(totals, tree, threshold)
    for unit in visible:
        assert totals[unit] >= threshold
        rest = uncovered(unit, totals, visible, tree)
        assert rest == totals[unit] or rest == 0 or rest >= threshold + REMAINDER_MARGIN


@settings(max_examples=400, deadline=None)
@given(organisations())
def test_any_difference_of_shown_figures_is_empty_or_large_enough(org: tuple) -> None:
    # Shown groups nest or are apart, so the only sums an attacker can isolate are a shown
    # group minus shown groups inside it; check every such subset, not just the maximal ones.
    tree, direct, threshold = org
    totals = roll_up(direct, tree)
    visible = visible_units(totals, tree, threshold)
    for outer in visible:
        inside = [u for u in visible if u != outer and u in descendants(outer, tree)]
        tops = [u for u in inside if not any(u != o and u in descendants(o, tree) for o in inside)]
        left = totals[outer] - sum(totals[u] for u in tops)
        assert left == 0 or left >= threshold


@given(organisations())
def test_nothing_large_enough_is_hidden_without_reason(org: tuple) -> None:
    tree, direct, threshold = org
    totals = roll_up(direct, tree)
    visible = visible_units(totals, tree, threshold)
    # Suppression only ever removes: every shown group passed the plain size rule.
    assert visible <= {u for u in tree if totals[u] >= threshold}
    # With no small groups anywhere (remainders a margin larger), everything big enough shows.
    if all(count == 0 or count >= threshold + REMAINDER_MARGIN for count in direct.values()):
        assert visible == {u for u in tree if totals[u] >= threshold}


@given(st.lists(st.integers(0, 200), min_size=2, max_size=30), st.integers(3, 10))
def test_open_wave_counts_only_move_in_whole_steps(counts: list[int], threshold: int) -> None:
    released = [checkpoint(n, threshold) for n in sorted(counts)]
    for before, after in itertools.pairwise(released):
        assert after - before == 0 or after - before >= threshold
