"""The audit log: who changed what, and when, written in the same transaction as the change."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.models import AuditEntry, User
from survey.paging import Page, paginate


def record(session: Session, actor: User | None, action: str, detail: str) -> None:
    """Add an audit entry for a change made by `actor`."""
    session.add(AuditEntry(user_id=actor.id if actor else None, action=action, detail=detail))


def entries(page: int) -> Page:
    """Return a page of audit entries with their authors, newest first."""
    query = (
        select(AuditEntry, User.email)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .order_by(AuditEntry.id.desc())
    )
    total = db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return paginate(query, total, page)
