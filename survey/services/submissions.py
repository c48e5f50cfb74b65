"""Storing a finished pulse: in one transaction, exactly once, with nothing that identifies."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Date, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Answer, Invitation, Kind, Response, Wave
from survey.services import tokens
from survey.services.pulses import INVITATION, Link, Pulse

AnswerValue = int | str | list[int] | None


class Outcome(enum.Enum):
    """What became of a submission."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    CLOSED = "closed"


def answer_rows(pulse: Pulse, answers: Mapping[int, AnswerValue]) -> list[dict[str, object]]:
    """Turn validated answers (keyed by item id) into Answer rows, one per chosen option."""
    rows: list[dict[str, object]] = []
    for item in pulse.items:
        value = answers.get(item.id)
        if value is None or value == "" or value == []:
            continue
        base: dict[str, object] = {
            "question_version_id": item.id,
            "value": None,
            "option_id": None,
            "text": None,
        }
        if item.kind in (Kind.SCALE5, Kind.SCALE11):
            rows.append(base | {"value": value})
        elif item.kind is Kind.SINGLE:
            rows.append(base | {"option_id": value})
        elif item.kind is Kind.MULTI:
            assert isinstance(value, list)
            rows.extend(base | {"option_id": option_id} for option_id in value)
        else:
            rows.append(base | {"text": value})
    return rows


# Built once: a submission is the hottest write path, so it skips ORM bookkeeping.
CLAIM = (
    update(Invitation.__table__)
    .where(Invitation.token_hash == bindparam("key"), Invitation.used.is_(False))
    .values(used=True)
)
# After a claim, every used invitation of the unit is rewritten in a transaction of its own. On
# PostgreSQL a row carries the id of the transaction that last wrote it (the claim's is the
# response's, and the next id follows it), so a copy of the database taken while the wave is
# open, with addresses still beside their invitations, would tie a person to their answers.
# Rewritten together, the unit's used invitations all carry one id, as alike as their flags.
RETOUCH = (
    update(Invitation.__table__)
    .where(
        Invitation.wave_id == bindparam("of_wave"),
        Invitation.unit_id == bindparam("of_unit"),
        Invitation.used.is_(True),
    )
    .values(used=True)
)
# Inserts only while the wave is still open, so a pulse sent as it closes stores nothing.
ADD_RESPONSE = (
    insert(Response.__table__)
    .from_select(
        ["wave_id", "unit_id", "definition_id", "nonce", "submitted_on", "shuffle"],
        select(
            Wave.id,
            bindparam("unit_id"),
            bindparam("definition_id"),
            bindparam("nonce"),
            bindparam("submitted_on", type_=Date),
            bindparam("shuffle"),
        ).where(Wave.id == bindparam("wave_id"), Wave.closes_at > bindparam("now")),
    )
    .returning(Response.id)
)
ADD_ANSWERS = insert(Answer.__table__)


class _Refused(Exception):
    """Unwinds the write transaction when a submission must store nothing."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def submit(
    link: Link, pulse: Pulse, answers: Mapping[int, AnswerValue], nonce: str, now: datetime
) -> Outcome:
    """Store one response or say why not; a repeated nonce or invitation stores nothing."""
    rows = answer_rows(pulse, answers)
    try:
        with write_transaction() as session:
            connection = session.connection()
            if link.kind == INVITATION:
                # The conditional update is the lock: of two racing tabs only one sees a row.
                claim = connection.execute(CLAIM, {"key": tokens.token_hash(link.token)})
                if claim.rowcount != 1:
                    raise _Refused(Outcome.DUPLICATE)
            response_id = connection.execute(
                ADD_RESPONSE,
                {
                    "wave_id": link.wave_id,
                    "unit_id": link.unit_id,
                    "nonce": nonce,
                    "definition_id": pulse.definition_id,
                    "submitted_on": now.date(),
                    "shuffle": secrets.randbelow(2**31),
                    "now": now,
                },
            ).scalar()
            if response_id is None:
                raise _Refused(Outcome.CLOSED)
            if rows:
                connection.execute(
                    ADD_ANSWERS, [row | {"response_id": response_id} for row in rows]
                )
    except _Refused as refused:
        return refused.outcome
    except IntegrityError:
        # The nonce is unique: this pulse was stored by an earlier click or retry.
        return Outcome.DUPLICATE
    if link.kind == INVITATION:
        with write_transaction() as session:
            session.connection().execute(
                RETOUCH, {"of_wave": link.wave_id, "of_unit": link.unit_id}
            )
    return Outcome.STORED


def sent_before(nonce: str) -> bool:
    """Return whether the pulse rendered with this nonce has been stored."""
    if not tokens.nonce_ok(nonce):
        return False
    query = select(Response.id).where(Response.nonce == nonce).limit(1)
    return db.session.execute(query).first() is not None
