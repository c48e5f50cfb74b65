"""What staff see before and after a pulse: last wave's headline for their area and its actions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from survey import aggregation
from survey.extensions import db
from survey.models import Action, Answer, QuestionVersion, Response, Wave, WaveUnit
from survey.services.pulses import Link, Pulse

HEADLINE_DIMENSION = "knowledge"


@dataclass(frozen=True)
class Headline:
    """Last wave's share of staff who said they know what the change means for their job."""

    wave_name: str
    area: str
    share: aggregation.Share


@dataclass(frozen=True)
class Recap:
    """Last wave's headline (when anonymity allows) and its published actions."""

    headline: Headline | None
    actions: tuple[str, ...]


def previous_wave(pulse: Pulse) -> Wave | None:
    """Return the latest launched wave of the same survey that closed before this one opened."""
    return db.session.scalars(
        select(Wave)
        .where(
            Wave.survey_id == pulse.survey_id,
            Wave.launched_at.is_not(None),
            Wave.closes_at <= pulse.opens_at,
        )
        .order_by(Wave.closes_at.desc())
        .limit(1)
    ).first()


def recap(link: Link, pulse: Pulse) -> Recap:
    """Return what the respondent's area heard back from the previous wave."""
    wave = previous_wave(pulse)
    if wave is None:
        return Recap(None, ())
    audience = db.session.execute(
        select(WaveUnit.unit_id, WaveUnit.parent_unit_id, WaveUnit.path).where(
            WaveUnit.wave_id == wave.id
        )
    ).all()
    tree = {row.unit_id: row.parent_unit_id for row in audience}
    names = {row.unit_id: row.path.rsplit(" > ", 1)[-1] for row in audience}
    area = aggregation.ancestors(link.unit_id, tree) if link.unit_id in tree else []
    return Recap(_headline(wave, tree, names, area), _actions(wave, area))


def _headline(
    wave: Wave, tree: aggregation.Tree, names: dict[int, str], area: list[int]
) -> Headline | None:
    """Return the headline for the nearest unit of the area whose figure may be shown."""
    direct = dict(
        db.session.execute(
            select(Response.unit_id, func.count())
            .where(Response.wave_id == wave.id)
            .group_by(Response.unit_id)
        ).all()
    )
    visible = aggregation.visible_units(
        aggregation.roll_up(direct, tree), tree, wave.anonymity_threshold
    )
    shown = next((unit for unit in area if unit in visible), None)
    if shown is None:
        return None
    below = {unit for unit in tree if shown in aggregation.ancestors(unit, tree)}
    values = db.session.scalars(
        select(Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .join(QuestionVersion, QuestionVersion.id == Answer.question_version_id)
        .where(
            Response.wave_id == wave.id,
            Response.unit_id.in_(below),
            QuestionVersion.dimension == HEADLINE_DIMENSION,
            Answer.value.is_not(None),
        )
    ).all()
    share = aggregation.favourable_share(values, 5)
    if share is None or share.n < wave.anonymity_threshold:
        return None
    return Headline(wave.name, names[shown], share)


def _actions(wave: Wave, area: list[int]) -> tuple[str, ...]:
    """Return the published actions for the whole organisation or any unit of the area."""
    return tuple(
        db.session.scalars(
            select(Action.text)
            .where(
                Action.wave_id == wave.id,
                Action.published.is_(True),
                or_(Action.unit_id.is_(None), Action.unit_id.in_(area)),
            )
            .order_by(Action.id)
        )
    )
