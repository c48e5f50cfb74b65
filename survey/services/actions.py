"""'You said, we did': actions per wave and unit, published to staff at the next pulse."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Action, ActionStatus, Unit, User, Wave
from survey.services import audit
from survey.services.problems import Invalid, NotFound


@dataclass(frozen=True)
class ActionRow:
    """An action as the list shows it."""

    id: int
    wave: str
    unit: str
    text: str
    status: ActionStatus
    published: bool


def listing(wave_id: int | None = None) -> list[ActionRow]:
    """Return actions, newest wave first, optionally for one wave."""
    query = (
        select(Action, Wave.name, Unit.name)
        .join(Wave, Wave.id == Action.wave_id)
        .outerjoin(Unit, Unit.id == Action.unit_id)
        .order_by(Wave.opens_at.desc(), Action.id)
    )
    if wave_id:
        query = query.where(Action.wave_id == wave_id)
    return [
        ActionRow(a.id, wave, unit or "Everyone", a.text, a.status, a.published)
        for a, wave, unit in db.session.execute(query).all()
    ]


def get(action_id: int) -> Action:
    """Return one action or raise NotFound."""
    action = db.session.get(Action, action_id)
    if action is None:
        raise NotFound(action_id)
    return action


def _check(session: object, wave_id: int, unit_id: int | None) -> None:
    if session.get(Wave, wave_id) is None:  # type: ignore[attr-defined]
        raise Invalid("wave_id", "Choose a wave from the list")
    if unit_id is not None and session.get(Unit, unit_id) is None:  # type: ignore[attr-defined]
        raise Invalid("unit_id", "Choose a unit from the list")


def save(
    actor: User,
    action_id: int | None,
    wave_id: int,
    unit_id: int | None,
    text: str,
    status: ActionStatus,
    published: bool,
) -> int:
    """Add or change an action and return its id."""
    with write_transaction() as session:
        _check(session, wave_id, unit_id)
        action = Action() if action_id is None else session.get(Action, action_id)
        if action is None:
            raise NotFound(action_id)
        action.wave_id, action.unit_id, action.text = wave_id, unit_id, text.strip()
        action.status, action.published = status, published
        session.add(action)
        session.flush()
        audit.record(
            session,
            actor,
            "action.save",
            f"{status.value}{', published' if published else ''}: {action.text}",
        )
        return action.id
