"""Texts HR edit as versions (the definition, the notices): every save is a new version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.services.problems import Conflict

CONFLICT = (
    "Someone saved a new version while you were writing. Their version "
    "is shown below; your text is kept in the box so you can merge it."
)


def next_version(session: Session, column: Any, based_on: str, *where: Any) -> int:
    """Return the next version number, unless someone saved another since `based_on`."""
    latest = session.scalar(select(column).where(*where).order_by(column.desc()).limit(1)) or 0
    if str(latest) != (based_on or "0"):
        raise Conflict(CONFLICT)
    return latest + 1
