"""Aggregation against hand-worked numbers."""

from __future__ import annotations

import pytest

from survey import aggregation as agg


def test_wilson_interval_matches_hand_worked_value() -> None:
    # 8 of 10: centre (0.8 + 1.96^2/20) / (1 + 1.96^2/10) = 0.7167, half-width 0.2266.
    low, high = agg.wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


@pytest.mark.parametrize(("k", "n", "low", "high"), [(0, 5, 0.0, 0.4345), (5, 5, 0.5655, 1.0)])
def test_wilson_interval_at_the_edges_stays_inside_0_1(
    k: int, n: int, low: float, high: float
) -> None:
    assert agg.wilson(k, n) == pytest.approx((low, high), abs=1e-4)


def test_wilson_needs_observations() -> None:
    with pytest.raises(ValueError, match="at least one"):
        agg.wilson(0, 0)


def test_favourable_share_counts_top_two_boxes() -> None:
    share = agg.favourable_share([5, 4, 3, 2, 4, 1], 5)
    assert (share.n, share.favourable) == (6, 3)
    assert share.value == 0.5
    eleven = agg.favourable_share([10, 9, 8, 0, 6], 10)
    assert (eleven.n, eleven.favourable) == (5, 2)
    assert agg.favourable_share([], 5) is None


TREE = {0: None, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1}  # root; A, B; A's teams a1, a2, a3


def test_roll_up_adds_descendants() -> None:
    totals = agg.roll_up({3: 10, 4: 3, 5: 8, 2: 20}, TREE)
    assert totals == {0: 41, 1: 21, 2: 20, 3: 10, 4: 3, 5: 8}


def test_small_group_hidden_with_its_next_smallest_sibling() -> None:
    totals = agg.roll_up({3: 10, 4: 3, 5: 8, 2: 20}, TREE)
    # a2 (3) is under 5. A minus a1 minus a3 would give a2 back, so a3 (8) is hidden too.
    assert agg.visible_units(totals, TREE, 5) == {0, 1, 2, 3}


def test_nothing_extra_hidden_when_the_remainder_is_large_enough() -> None:
    totals = agg.roll_up({3: 10, 4: 6, 5: 8, 2: 20}, TREE)
    assert agg.visible_units(totals, TREE, 5) == {0, 1, 2, 3, 4, 5}


def test_ancestors_nearest_first() -> None:
    assert agg.ancestors(4, TREE) == [4, 1, 0]
