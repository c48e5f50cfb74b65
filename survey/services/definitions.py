"""The organisation's definition of the change: every save is a new version, never an overwrite."""

from __future__ import annotations

from sqlalchemy import select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Definition, User
from survey.services import audit, versioning


def history() -> list[Definition]:
    """Return every version, newest first."""
    return list(db.session.scalars(select(Definition).order_by(Definition.version.desc())))


def save(actor: User, text: str, based_on: str, text_cy: str = "") -> int:
    """Store `text` (and its Welsh, if any) as the next version, unless someone saved another
    since `based_on`."""
    with write_transaction() as session:
        version = versioning.next_version(session, Definition.version, based_on)
        session.add(Definition(version=version, text=text.strip(), text_cy=text_cy.strip() or None))
        audit.record(session, actor, "definition.save", f"Version {version}")
        return version
