"""What staff see before and after a pulse: last wave's headline for their area and its actions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from survey import aggregation
from survey.extensions import db
from survey.models import Action, Wave, utcnow
from survey.services import insights
from survey.services.pulses import Link, Pulse

HEADLINE_DIMENSION = "knowledge"


@dataclass(frozen=True)
class Headline:
    """Last wave's share of staff who said they know what the change means for their job."""

    wave_name: str
    area: str
    share: insights.Figure


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
    # Staff see the organisation-wide results, through the same rules as every insights screen.
    view = insights.frame(wave, None, utcnow())
    area = aggregation.ancestors(link.unit_id, view.tree) if link.unit_id in view.tree else []
    insights.fill([view], area)
    return Recap(_headline(view, area), _actions(wave, area))


def _headline(view: insights.WaveView, area: list[int]) -> Headline | None:
    """Return the headline for the nearest unit of the area whose figure may be shown."""
    shown = next((unit for unit in area if unit in view.visible), None)
    if shown is None:
        return None
    figure = view.figure(shown, HEADLINE_DIMENSION)
    if figure.suppressed:
        return None
    return Headline(view.wave.name, view.name(shown), figure)


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
