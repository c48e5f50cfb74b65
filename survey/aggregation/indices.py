"""Change-specific indices: ADKAR profile and barrier, claimed and demonstrated understanding."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ADKAR_STEPS = ("awareness", "desire", "knowledge", "ability", "reinforcement")
BARRIER_AT = 3.0
# A respondent demonstrates understanding by reading the change as one of its real aims.
ALIGNED_READINGS = frozenset({"better_services", "new_ways"})
COST_CUTTING = "cost_cutting"


@dataclass(frozen=True)
class AdkarProfile:
    """Mean score per ADKAR step and the barrier point: the first step at or below 3.0."""

    means: tuple[float | None, ...]
    barrier: str | None


def adkar_profile(means: Mapping[str, float | None]) -> AdkarProfile:
    """Return the profile in step order and its barrier point (None when every step is above)."""
    ordered = tuple(means.get(step) for step in ADKAR_STEPS)
    barrier = next(
        (
            step
            for step, mean in zip(ADKAR_STEPS, ordered, strict=True)
            if mean is not None and mean <= BARRIER_AT
        ),
        None,
    )
    return AdkarProfile(ordered, barrier)


def demonstrates_understanding(
    reading: str | None, aims_picked: int, decoys_picked: int, aims_total: int
) -> bool:
    """Return whether one respondent shows they understand the change, not just claim to.

    They must read the change as one of its real aims, and score at least two thirds on the
    recognition check, where each decoy picked cancels one real aim picked.
    """
    if reading not in ALIGNED_READINGS or aims_total == 0:
        return False
    return (aims_picked - decoys_picked) / aims_total >= 2 / 3


@dataclass(frozen=True)
class Understanding:
    """A group's claimed and demonstrated understanding and its cost-cutting reading, as shares."""

    n: int
    claimed: float
    demonstrated: float
    cost_cutting: float

    @property
    def gap(self) -> float:
        """Return claimed minus demonstrated: how much people think they know but do not."""
        return self.claimed - self.demonstrated


@dataclass(frozen=True)
class Respondent:
    """One response's understanding facts."""

    claims: bool
    demonstrates: bool
    reading: str | None


def understanding(respondents: Iterable[Respondent]) -> Understanding | None:
    """Return a group's understanding shares; None when nobody is in it."""
    people = list(respondents)
    if not people:
        return None
    n = len(people)
    return Understanding(
        n=n,
        claimed=sum(p.claims for p in people) / n,
        demonstrated=sum(p.demonstrates for p in people) / n,
        cost_cutting=sum(p.reading == COST_CUTTING for p in people) / n,
    )
