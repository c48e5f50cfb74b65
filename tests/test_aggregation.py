"""Aggregation against hand-worked numbers."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scipy import stats as scipy_stats

from survey import aggregation as agg
from survey.aggregation.stats import ALPHA, Z95


def test_the_written_out_z_is_scipys_own() -> None:
    assert float(scipy_stats.norm.ppf(1 - ALPHA / 2)) == Z95


def test_starting_the_app_leaves_scipy_unloaded_until_a_figure_needs_it() -> None:
    # What a worker or CLI process pays at start: SciPy is loaded by the first interval.
    script = (
        "import sys; from survey import create_app; create_app();"
        " before = 'scipy' in sys.modules;"
        " from survey.aggregation.stats import summarise; summarise({1: 2, 5: 3}, 5).mean_interval;"
        " print(before, 'scipy' in sys.modules)"
    )
    run = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == ["False", "True"]


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


def test_hidden_group_cannot_be_recovered_through_a_grandchild() -> None:
    # P has children H (direct 0, child C with 10) and G (1). Hiding H alone would leave
    # P - C = G = 1 recoverable, so C is hidden too.
    tree = {0: None, 1: 0, 2: 0, 3: 1}
    totals = agg.roll_up({3: 10, 2: 1}, tree)
    visible = agg.visible_units(totals, tree, 5)
    assert visible == {0}
    assert agg.uncovered(0, totals, visible, tree) == 11


def test_nothing_extra_hidden_when_the_remainder_is_large_enough() -> None:
    totals = agg.roll_up({3: 10, 4: 6, 5: 8, 2: 20}, TREE)
    assert agg.visible_units(totals, TREE, 5) == {0, 1, 2, 3, 4, 5}


def test_ancestors_nearest_first() -> None:
    assert agg.ancestors(4, TREE) == [4, 1, 0]


def test_summary_of_a_distribution_by_hand() -> None:
    # Answers 1, 2, 3, 3, 4, 4, 4, 5, 5, 5: mean 36/10, squared deviations sum to 16.4.
    summary = agg.summarise({1: 1, 2: 1, 3: 2, 4: 3, 5: 3}, 5)
    assert summary.n == 10
    assert summary.mean == pytest.approx(3.6)
    assert summary.sd == pytest.approx((16.4 / 9) ** 0.5)
    assert summary.share.favourable == 6
    # t(0.975, 9) = 2.2622; half-width 2.2622 * 1.3499 / sqrt(10) = 0.9657.
    assert summary.mean_interval == pytest.approx((2.6343, 4.5657), abs=1e-4)
    assert agg.summarise({}, 5) is None


def test_two_proportion_test_by_hand() -> None:
    # 30/60 then 45/60: pooled 0.625, se 0.08839, z 2.828, two-sided p 0.00468.
    change = agg.compare_shares(agg.Share(60, 30), agg.Share(60, 45))
    assert change.difference == pytest.approx(0.25)
    assert change.p_value == pytest.approx(0.00468, abs=1e-5)
    assert change.significant
    assert not agg.compare_shares(agg.Share(20, 10), agg.Share(20, 12)).significant


def test_welch_test_by_hand() -> None:
    # Means 3.0 (sd 1.0, n 20) then 3.5 (sd 1.2, n 25): t 1.524 on 42.9 df, p 0.135.
    before = agg.Summary(20, 3.0, 1.0, agg.Share(20, 8))
    after = agg.Summary(25, 3.5, 1.2, agg.Share(25, 12))
    change = agg.compare_means(before, after)
    assert change.difference == pytest.approx(0.5)
    assert change.p_value == pytest.approx(0.135, abs=0.002)
    assert not change.significant


def test_minimum_detectable_change_by_hand() -> None:
    # (1.960 + 0.842) * sqrt(2 * 0.25 / 100) = 0.198: a team of 100 needs about 20 points.
    assert agg.minimum_detectable_change(100) == pytest.approx(0.1981, abs=1e-4)
    assert agg.minimum_detectable_change(10) > agg.minimum_detectable_change(100)


def test_enps_by_hand() -> None:
    # 5 promoters (9-10) and 2 detractors (0-6) of 10 people: +30.
    assert agg.enps({10: 3, 9: 2, 8: 2, 7: 1, 6: 1, 3: 1}) == pytest.approx(30.0)
    assert agg.enps({}) is None


def test_barrier_is_the_first_adkar_step_at_or_below_three() -> None:
    profile = agg.adkar_profile(
        {"awareness": 3.6, "desire": 3.2, "knowledge": 2.9, "ability": 2.5, "reinforcement": 3.1}
    )
    assert profile.barrier == "knowledge"
    assert profile.means == (3.6, 3.2, 2.9, 2.5, 3.1)
    assert agg.adkar_profile({"awareness": 3.1, "desire": 3.0}).barrier == "desire"
    assert agg.adkar_profile(dict.fromkeys(agg.ADKAR_STEPS, 4.0)).barrier is None


@pytest.mark.parametrize(
    ("reading", "aims", "decoys", "expected"),
    [
        ("new_ways", 3, 1, True),  # (3 - 1) / 3 = 2/3
        ("better_services", 2, 0, True),
        ("better_services", 2, 1, False),  # 1/3
        ("cost_cutting", 3, 0, False),  # reads the change as cost cutting
        (None, 3, 0, False),
    ],
)
def test_demonstrated_understanding(
    reading: str | None, aims: int, decoys: int, expected: bool
) -> None:
    assert agg.demonstrates_understanding(reading, aims, decoys, 3) is expected


def test_understanding_shares_and_gap() -> None:
    from survey.aggregation.indices import Respondent

    people = [
        Respondent(True, True, "new_ways"),
        Respondent(True, False, "cost_cutting"),
        Respondent(True, False, "cost_cutting"),
        Respondent(False, False, "dont_know"),
    ]
    result = agg.understanding(people)
    assert (result.claimed, result.demonstrated, result.cost_cutting) == (0.75, 0.25, 0.5)
    assert result.gap == pytest.approx(0.5)


def test_enps_interval_by_hand_with_the_adjusted_wald_method() -> None:
    # 6 promoters, 2 passives, 2 detractors: +3 pseudo-answers give 6.75/13 and 2.75/13.
    low, high = agg.enps_interval({10: 6, 8: 2, 3: 2})
    assert low == pytest.approx(-12.59, abs=0.01)
    assert high == pytest.approx(74.12, abs=0.01)
    assert low < agg.enps({10: 6, 8: 2, 3: 2}) < high


def test_enps_interval_of_a_small_all_promoter_team_is_wide_and_bounded() -> None:
    low, high = agg.enps_interval({10: 5})
    assert high == 100.0
    assert 0 < low < 50  # five promoters are not proof that everyone would recommend it
    assert agg.enps_interval({}) is None
