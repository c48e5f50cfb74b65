"""How many have answered a wave, as admin pages may say it: through the insights service only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from survey.models import User, Wave
from survey.services import insights


@dataclass(frozen=True)
class Participation:
    """A launched wave's released count at the top of its tree, and when its results come out.

    `counts` pairs each top unit's name with its released count (None: fewer than the
    threshold); while the wave is open counts move only in whole steps of the threshold.
    `withheld` are the units with more responses than people, whose figures are not shown.
    """

    threshold: int
    released: bool
    results_from: datetime
    counts: tuple[tuple[str, int | None], ...]
    withheld: frozenset[int]


def _participation(view: insights.WaveView) -> Participation:
    """Return what a wave view says about participation."""
    tops = sorted((u for u, parent in view.tree.items() if parent is None), key=view.name)
    return Participation(
        view.wave.anonymity_threshold,
        view.released,
        insights.results_from(view.wave),
        tuple((view.name(unit), view.count(unit)) for unit in tops),
        view.withheld,
    )


def of_waves(waves: Sequence[Wave], user: User | None, now: datetime) -> dict[int, Participation]:
    """Return each launched wave's participation, by wave id, as this user may see it."""
    launched = [wave for wave in waves if wave.launched_at is not None]
    return {view.wave.id: _participation(view) for view in insights.frames(launched, user, now)}


def of_wave(wave: Wave, user: User | None, now: datetime) -> Participation:
    """Return one launched wave's participation."""
    return _participation(insights.frame(wave, user, now))
