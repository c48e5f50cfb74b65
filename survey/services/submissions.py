"""Storing a finished pulse: in one transaction, exactly once, with nothing that identifies."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from survey.database import write_transaction
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


def submit(
    link: Link, pulse: Pulse, answers: Mapping[int, AnswerValue], nonce: str, now: datetime
) -> Outcome:
    """Store one response or say why not; a repeated nonce or invitation stores nothing."""
    rows = answer_rows(pulse, answers)
    try:
        with write_transaction() as session:
            if link.kind == INVITATION:
                # The conditional update is the lock: of two racing tabs only one sees a row.
                claimed = session.execute(
                    update(Invitation)
                    .where(
                        Invitation.token_hash == tokens.token_hash(link.token),
                        Invitation.used.is_(False),
                    )
                    .values(used=True)
                ).rowcount
                if claimed != 1:
                    return Outcome.DUPLICATE
            closes_at = session.execute(
                select(Wave.closes_at).where(Wave.id == link.wave_id)
            ).scalar_one()
            if now >= closes_at:
                session.rollback()
                return Outcome.CLOSED
            response_id = session.execute(
                insert(Response)
                .values(
                    wave_id=link.wave_id,
                    unit_id=link.unit_id,
                    definition_id=pulse.definition_id,
                    nonce=nonce,
                    submitted_on=now.date(),
                )
                .returning(Response.id)
            ).scalar_one()
            if rows:
                session.execute(
                    insert(Answer), [row | {"response_id": response_id} for row in rows]
                )
    except IntegrityError:
        # The nonce is unique: this pulse was stored by an earlier click or retry.
        return Outcome.DUPLICATE
    return Outcome.STORED
