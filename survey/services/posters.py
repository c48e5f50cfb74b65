"""Posters: which team links of a wave can go on a wall, with what a poster needs to say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from survey.extensions import db
from survey.models import TeamLink, Unit, WaveUnit
from survey.services import surveys, waves
from survey.services.problems import NotFound


class NoPoster(RuntimeError):
    """A wave or unit whose team link cannot be printed now, with the status and the reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class TeamPoster:
    """One unit's team link in a wave, with the words and dates its poster prints."""

    unit_id: int
    unit_name: str
    path: str
    token: str
    wave_name: str
    opens_at: datetime
    closes_at: datetime
    questions: int
    minutes: int
    threshold: int
    not_yet_open: bool


CLOSED = (
    "This wave has closed, so its team links no longer take answers and there are no posters "
    "to print. Posters of a later wave carry that wave's own links."
)
SWITCHED_OFF = (
    "This unit's team link is switched off, so a poster would lead nowhere. Switch the link on "
    "in the Links table first."
)
NONE_ON = (
    "No unit of this wave has a team link that is switched on, so there are no posters to print."
)


def of_wave(wave_id: int, now: datetime, unit_id: int | None = None) -> list[TeamPoster]:
    """Return the posters of a launched wave that has not closed: every unit whose team link is
    switched on, in path order, or only `unit_id`'s.

    Raises NotFound for a draft or unknown wave, or a unit with no team link in it; NoPoster
    (410) once the wave has closed, and (409) for a link switched off or none switched on.
    """
    wave = waves.get(wave_id)
    state = waves.status(wave, now)
    if state == "draft":
        raise NotFound(wave_id)
    query = (
        select(WaveUnit.unit_id, Unit.name, WaveUnit.path, TeamLink.token, TeamLink.active)
        .join(
            TeamLink,
            (TeamLink.wave_id == WaveUnit.wave_id) & (TeamLink.unit_id == WaveUnit.unit_id),
        )
        .join(Unit, Unit.id == WaveUnit.unit_id)
        .where(WaveUnit.wave_id == wave_id)
        .order_by(WaveUnit.path)
    )
    if unit_id is not None:
        query = query.where(WaveUnit.unit_id == unit_id)
    rows = db.session.execute(query).all()
    if unit_id is not None and not rows:
        raise NotFound(unit_id)
    # Checked after the unit, so a unit that never had a link is a 404 whatever the wave's state.
    if state == "closed":
        raise NoPoster(410, CLOSED)
    rows = [row for row in rows if row.active]
    if not rows:
        raise NoPoster(409, SWITCHED_OFF if unit_id is not None else NONE_ON)
    survey = surveys.get(wave.survey_id)
    return [
        TeamPoster(
            row.unit_id,
            row.name,
            row.path,
            row.token,
            wave.name,
            wave.opens_at,
            wave.closes_at,
            len(survey.items),
            survey.minutes,
            wave.anonymity_threshold,
            state == "scheduled",
        )
        for row in rows
    ]
