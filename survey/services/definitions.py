"""The organisation's definition of the change: every save is a new version, never an overwrite."""

from __future__ import annotations

from sqlalchemy import select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Definition, User
from survey.services import audit
from survey.services.problems import Conflict


def history() -> list[Definition]:
    """Return every version, newest first."""
    return list(db.session.scalars(select(Definition).order_by(Definition.version.desc())))


def save(actor: User, text: str, based_on: str) -> int:
    """Store `text` as the next version, unless someone saved another since `based_on`."""
    with write_transaction() as session:
        latest = (
            session.scalar(select(Definition.version).order_by(Definition.version.desc()).limit(1))
            or 0
        )
        if str(latest) != (based_on or "0"):
            raise Conflict(
                "Someone saved a new version while you were writing. Their version "
                "is shown below; your text is kept in the box so you can merge it."
            )
        session.add(Definition(version=latest + 1, text=text.strip()))
        audit.record(session, actor, "definition.save", f"Version {latest + 1}")
        return latest + 1
