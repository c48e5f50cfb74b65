"""Waves: creating, launching (threshold locked, audience snapshot) and handing out links."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from survey.models import Invitation, Survey, TeamLink, Unit, Wave, WaveUnit
from survey.services import questions, tokens, units


def create_wave(
    session: Session,
    survey: Survey,
    name: str,
    opens_at: datetime,
    closes_at: datetime,
    cadence: str = "",
) -> Wave:
    """Add a draft wave with the configured anonymity thresholds."""
    config = current_app.config
    wave = Wave(
        survey=survey,
        name=name,
        opens_at=opens_at,
        closes_at=closes_at,
        cadence=cadence,
        anonymity_threshold=config["ANONYMITY_THRESHOLD"],
        comment_threshold=config["COMMENT_THRESHOLD"],
    )
    session.add(wave)
    session.flush()
    return wave


def launch(session: Session, wave: Wave, now: datetime) -> None:
    """Lock the wave's thresholds and definition and snapshot its audience of active units."""
    wave.launched_at = now
    wave.definition = questions.current_definition(session)
    for unit in session.scalars(select(Unit).where(Unit.retired.is_(False))):
        session.add(
            WaveUnit(
                wave=wave,
                unit_id=unit.id,
                parent_unit_id=unit.parent_id,
                path=units.path_of(unit),
                headcount=unit.headcount,
            )
        )
    session.flush()


def team_link(session: Session, wave: Wave, unit: Unit) -> str:
    """Return the unit's open link for the wave, creating it on first use."""
    link = session.scalar(
        select(TeamLink).where(TeamLink.wave_id == wave.id, TeamLink.unit_id == unit.id)
    )
    if link is None:
        link = TeamLink(wave_id=wave.id, unit_id=unit.id, token=tokens.new_token())
        session.add(link)
        session.flush()
    return link.token


def issue_invitations(session: Session, wave: Wave, unit: Unit, count: int) -> list[str]:
    """Create `count` single-use invitations and return their tokens, which are never stored."""
    issued = [tokens.new_token() for _ in range(count)]
    session.execute(
        insert(Invitation),
        [
            {
                "wave_id": wave.id,
                "unit_id": unit.id,
                "token_hash": tokens.token_hash(t),
                "used": False,
            }
            for t in issued
        ],
    )
    return issued
