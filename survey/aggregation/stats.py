"""Scores with honest uncertainty: shares with Wilson intervals, means with t intervals, tests."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import ModuleType

ALPHA = 0.05
# scipy.stats.norm.ppf(1 - ALPHA / 2), written out so that importing this module does not load
# SciPy: a worker or CLI process that never compares waves starts 1.5 s sooner.
# tests/test_aggregation.py holds it to SciPy's own value.
Z95 = 1.959963984540054


@cache
def scipy_stats() -> ModuleType:
    """Return scipy.stats, imported the first time a figure needs it."""
    from scipy import stats

    return stats


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


def favourable_share(values: Iterable[int], scale_max: int) -> Share | None:
    """Return the favourable share of scale answers, or None when there are none."""
    n = favourable = 0
    for value in values:
        n += 1
        favourable += is_favourable(value, scale_max)
    return Share(n, favourable) if n else None


@dataclass(frozen=True)
class Summary:
    """Everything shown for one scale question or dimension in one group."""

    n: int
    mean: float
    sd: float
    share: Share

    @property
    def mean_interval(self) -> tuple[float, float]:
        """Return the 95% t interval for the mean (the mean itself when n is 1)."""
        if self.n < 2:
            return self.mean, self.mean
        half = float(scipy_stats().t.ppf(1 - ALPHA / 2, self.n - 1)) * self.sd / math.sqrt(self.n)
        return self.mean - half, self.mean + half


def summarise(counts: Mapping[int, int], scale_max: int) -> Summary | None:
    """Summarise a distribution {answer value: how many}; None when it is empty."""
    n = sum(counts.values())
    if n == 0:
        return None
    mean = sum(value * count for value, count in counts.items()) / n
    squares = sum(count * (value - mean) ** 2 for value, count in counts.items())
    sd = math.sqrt(squares / (n - 1)) if n > 1 else 0.0
    favourable = sum(count for value, count in counts.items() if is_favourable(value, scale_max))
    return Summary(n, mean, sd, Share(n, favourable))


@dataclass(frozen=True)
class Change:
    """A difference between two waves, its p value, and whether to call it a change."""

    difference: float
    p_value: float

    @property
    def significant(self) -> bool:
        """Return whether the change is significant at the 5% level."""
        return self.p_value < ALPHA


def compare_shares(before: Share, after: Share) -> Change:
    """Two-sided two-proportion z-test (pooled) for a change in favourable share."""
    pooled = (before.favourable + after.favourable) / (before.n + after.n)
    variance = pooled * (1 - pooled) * (1 / before.n + 1 / after.n)
    difference = after.value - before.value
    if variance == 0:
        return Change(difference, 1.0 if difference == 0 else 0.0)
    z = difference / math.sqrt(variance)
    return Change(difference, float(2 * scipy_stats().norm.sf(abs(z))))


def compare_means(before: Summary, after: Summary) -> Change:
    """Welch's two-sided t-test for a change in mean."""
    difference = after.mean - before.mean
    if before.n < 2 or after.n < 2 or (before.sd == 0 and after.sd == 0):
        return Change(difference, 1.0 if difference == 0 else 0.0)
    result = scipy_stats().ttest_ind_from_stats(
        after.mean, after.sd, after.n, before.mean, before.sd, before.n, equal_var=False
    )
    return Change(difference, float(result.pvalue))


def minimum_detectable_change(n: int, share: float = 0.5, power: float = 0.8) -> float:
    """Return the smallest change in a share a group of `n` can detect between two waves.

    Two-sided 5% test, `power` chance of detecting it, the same `n` in both waves: the honest
    answer to "is a change of x points in this team real?".
    """
    if n <= 0:
        raise ValueError("a group needs members to detect anything")
    spread = Z95 + float(scipy_stats().norm.ppf(power))
    return spread * math.sqrt(2 * share * (1 - share) / n)


def enps(counts: Mapping[int, int]) -> float | None:
    """Return the employee Net Promoter Score: % promoters (9-10) minus % detractors (0-6)."""
    n = sum(counts.values())
    if n == 0:
        return None
    promoters = sum(c for v, c in counts.items() if v >= 9)
    detractors = sum(c for v, c in counts.items() if v <= 6)
    return 100 * (promoters - detractors) / n


def enps_interval(counts: Mapping[int, int], z: float = Z95) -> tuple[float, float] | None:
    """Return a 95% interval for eNPS (-100 to +100) by the adjusted Wald method.

    Adds 3 pseudo-answers (3/4 promoter, 3/4 detractor, 3/2 passive), as Rocks (2016) and
    Sauro and Lewis propose, so that a small all-promoter team does not get a zero-width interval.
    """
    n = sum(counts.values())
    if n == 0:
        return None
    promoters = (sum(c for v, c in counts.items() if v >= 9) + 0.75) / (n + 3)
    detractors = (sum(c for v, c in counts.items() if v <= 6) + 0.75) / (n + 3)
    score = promoters - detractors
    half = z * math.sqrt((promoters + detractors - score * score) / (n + 3))
    return 100 * max(-1.0, score - half), 100 * min(1.0, score + half)
