"""Where an installation stands: what exists, what is running, and what to set up next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Question, Survey, Unit, User, Wave
from survey.services import waves
from survey.services.participation import Participation, of_waves


@dataclass(frozen=True)
class SetupState:
    """Counts of each kind of thing, the current waves, and the next step."""

    units: int
    questions: int
    surveys: int
    users: int
    running: list[waves.WaveRow]
    next_step: str
    # Launched running waves' participation, by wave id: counts only through insights.
    participation: dict[int, Participation]


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def state(now: datetime, user: User) -> SetupState:
    """Return the installation's state, as this user may see it."""
    counts = {m.__name__: _count(m) for m in (Unit, Question, Survey, User, Wave)}
    every = waves.listing(now)
    running = [w for w in every if w.status in ("draft", "scheduled", "open")]
    if not counts["Unit"]:
        step = "units"
    elif not counts["Survey"]:
        step = "surveys"
    elif not counts["Wave"]:
        step = "waves"
    elif not any(w.status in ("scheduled", "open") for w in every):
        step = "launch"
    else:
        step = "links"
    launched = db.session.scalars(
        select(Wave).where(Wave.id.in_([w.id for w in running]), Wave.launched_at.is_not(None))
    ).all()
    return SetupState(
        counts["Unit"],
        counts["Question"],
        counts["Survey"],
        counts["User"],
        running,
        step,
        of_waves(launched, user, now),
    )
