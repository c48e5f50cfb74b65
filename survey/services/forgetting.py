"""Forgetting a wave's staff addresses when it closes, and what their invitations said.

Invitations are made in the order of the address list the admin uploaded, so once the addresses
are gone an invitation's used flag, read against the admin's own copy of the list, would still
say who answered; on PostgreSQL so would the row's last writer (a response and the claim of its
invitation share one transaction). Every e-mailed invitation is therefore rewritten as used in
the same transaction that deletes the addresses: each then reads the same, and none was last
written with a response. Its link already answers "closed" from then on, so nothing is lost.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from survey.models import Invitation, Recipient


def forget_addresses(session: Session, of_waves: ColumnElement[bool]) -> int:
    """Delete the addresses matching `of_waves` (a condition on Recipient.wave_id) after making
    every invitation they were sent read as used; return how many addresses went."""
    mailed = select(Recipient.invitation_id).where(of_waves, Recipient.invitation_id.is_not(None))
    # Unconditional on purpose: "where used is false" would leave the used rows as they were.
    session.execute(
        update(Invitation)
        .where(Invitation.id.in_(mailed))
        .values(used=True)
        .execution_options(synchronize_session=False)
    )
    return session.execute(
        delete(Recipient).where(of_waves).execution_options(synchronize_session=False)
    ).rowcount
