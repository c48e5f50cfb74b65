"""Names that must be unique: the first free one of "base", "base (2)", "base (3)" ..."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session


def unique(session: Session, column: InstrumentedAttribute[str], base: str) -> str:
    """Return `base`, or `base (n)` with the smallest n that no row's `column` uses."""
    name, n = base, 2
    while session.scalar(select(column).where(column == name)) is not None:
        name, n = f"{base} ({n})", n + 1
    return name
