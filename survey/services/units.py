"""The organisation tree: finding and creating units by their path."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Unit

SEPARATOR = " > "


def ensure_path(session: Session, path: str, headcount: int = 0) -> Unit:
    """Return the unit at `path` ("Directorate > Service > Team"), creating missing levels."""
    parent: Unit | None = None
    names = [name.strip() for name in path.split(SEPARATOR)]
    for depth, name in enumerate(names):
        unit = session.scalar(
            select(Unit).where(Unit.name == name, Unit.parent_id == (parent.id if parent else None))
            if parent
            else select(Unit).where(Unit.name == name, Unit.parent_id.is_(None))
        )
        if unit is None:
            unit = Unit(name=name, parent=parent, headcount=0)
            session.add(unit)
            session.flush()
        if depth == len(names) - 1 and headcount:
            unit.headcount = headcount
        parent = unit
    assert parent is not None
    return parent


def path_of(unit: Unit) -> str:
    """Return the unit's path from the root, joined with " > "."""
    names = []
    node: Unit | None = unit
    while node is not None:
        names.append(node.name)
        node = node.parent
    return SEPARATOR.join(reversed(names))
