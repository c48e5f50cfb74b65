"""Tallies: answer counts per wave, unit and choice, kept up to date as insights are read.

Insights read small tallies instead of scanning every answer. Reading first catches the tallies
up with responses that arrived since (only their answers are scanned), in one write transaction
per wave and unit. An open wave's tallies only advance to its checkpoint (whole steps of the
anonymity threshold per unit), so the figures people see never move by a handful of answers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from survey.aggregation import checkpoint, demonstrates_understanding, is_favourable
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Answer, AnswerTally, Option, Response, TallyMark, UnderstandingTally, Wave
from survey.services.pulses import Pulse, load_pulse

CLAIM_CODES = ("awareness", "knowledge")
READING_CODE = "mainly_about"
RECOGNITION_CODE = "recognition"

AnswerRow = tuple[int, int, int | None, int | None]  # response, version, value, option


@dataclass(frozen=True)
class Facts:
    """One response's understanding facts."""

    claims: bool
    demonstrates: bool
    reading: str


class Reader:
    """Turns one wave's answers into understanding facts, knowing its questions and options."""

    def __init__(self, pulse: Pulse) -> None:
        self.codes = {item.id: item.code for item in pulse.items}
        self.options: dict[int, tuple[str, bool | None]] = {
            choice.id: (choice.code, None) for item in pulse.items for choice in item.choices
        }
        aims = dict(
            db.session.execute(
                select(Option.id, Option.is_aim).where(Option.id.in_(self.options))
            ).all()
        )
        self.options = {oid: (code, aims.get(oid)) for oid, (code, _) in self.options.items()}
        recognition = [i for i in pulse.items if i.code == RECOGNITION_CODE]
        self.aims_total = sum(1 for i in recognition for c in i.choices if aims.get(c.id))

    def facts(self, answers: Iterable[tuple[int, int | None, int | None]]) -> Facts:
        """Return the facts of one response from its (version, value, option) answers."""
        values: dict[str, int] = {}
        reading, aims, decoys = "", 0, 0
        for version, value, option in answers:
            code = self.codes.get(version)
            if value is not None and code is not None:
                values[code] = value
            elif option is not None:
                label, aim = self.options[option]
                if code == READING_CODE:
                    reading = label
                elif code == RECOGNITION_CODE:
                    aims += aim is True
                    decoys += aim is False
        claims = all(code in values and is_favourable(values[code], 5) for code in CLAIM_CODES)
        shows = demonstrates_understanding(reading or None, aims, decoys, self.aims_total)
        return Facts(claims, shows, reading)


def _raw_counts(wave_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Return the number of responses per (wave, unit)."""
    rows = db.session.execute(
        select(Response.wave_id, Response.unit_id, func.count())
        .where(Response.wave_id.in_(list(wave_ids)))
        .group_by(Response.wave_id, Response.unit_id)
    ).all()
    return {(w, u): n for w, u, n in rows}


def _merge(session: Session, model: type, key: dict, increments: Counter) -> None:
    """Add `increments` (extra key columns -> count) to a model's rows for one wave and unit."""
    where = [getattr(model, k) == v for k, v in key.items()]
    columns = [c.name for c in model.__table__.primary_key.columns if c.name not in key]
    for row in session.execute(select(model).where(*where)).scalars():
        increments[tuple(getattr(row, c) for c in columns)] += row.n
    session.execute(delete(model).where(*where))
    if increments:
        session.execute(
            insert(model),
            [
                key | dict(zip(columns, extra, strict=True)) | {"n": n}
                for extra, n in increments.items()
            ],
        )


def _catch_up(wave: Wave, unit_id: int, target: int, reader: Reader) -> None:
    """Add a unit's next responses, up to `target` of them, to the tallies."""
    with write_transaction() as session:
        mark = session.get(TallyMark, (wave.id, unit_id))
        if mark is None:
            mark = TallyMark(wave_id=wave.id, unit_id=unit_id, counted=0)
            session.add(mark)
        if mark.counted >= target:
            return  # another request caught up first
        ids = session.scalars(
            select(Response.id)
            .where(Response.wave_id == wave.id, Response.unit_id == unit_id)
            .order_by(Response.id)
            .offset(mark.counted)
            .limit(target - mark.counted)
        ).all()
        per_response: dict[int, list[tuple[int, int | None, int | None]]] = defaultdict(list)
        choices: Counter = Counter()
        for chunk in range(0, len(ids), 500):
            rows = session.execute(
                select(
                    Answer.response_id, Answer.question_version_id, Answer.value, Answer.option_id
                ).where(Answer.response_id.in_(ids[chunk : chunk + 500]), Answer.text.is_(None))
            ).all()
            for response_id, version, value, option in rows:
                per_response[response_id].append((version, value, option))
                choices[(version, value if value is not None else option)] += 1
        facts = Counter(
            (f.claims, f.demonstrates, f.reading)
            for f in (reader.facts(per_response[i]) for i in ids)
        )
        key = {"wave_id": wave.id, "unit_id": unit_id}
        _merge(session, AnswerTally, key, choices)
        _merge(session, UnderstandingTally, key, facts)
        mark.counted = target


def refresh(wave_ids: Iterable[int], now: datetime) -> None:
    """Bring the tallies of these waves up to date (open waves: up to their checkpoints)."""
    waves = db.session.scalars(select(Wave).where(Wave.id.in_(list(wave_ids)))).all()
    raw = _raw_counts(w.id for w in waves)
    marks = {
        (m.wave_id, m.unit_id): m.counted
        for m in db.session.scalars(
            select(TallyMark).where(TallyMark.wave_id.in_([w.id for w in waves]))
        )
    }
    for wave in waves:
        reader: Reader | None = None
        closed = now >= wave.closes_at
        for (wave_id, unit_id), n in raw.items():
            if wave_id != wave.id:
                continue
            target = checkpoint(n, wave.anonymity_threshold, closed)
            if target > marks.get((wave_id, unit_id), 0):
                reader = reader or Reader(load_pulse(wave.id))
                _catch_up(wave, unit_id, target, reader)


def answer_counts(wave_ids: Iterable[int]) -> dict[tuple[int, int, int], dict[int, int]]:
    """Return {(wave, unit, question version): {choice: count}} from the tallies."""
    counts: dict[tuple[int, int, int], dict[int, int]] = defaultdict(dict)
    for row in db.session.execute(
        select(AnswerTally).where(AnswerTally.wave_id.in_(list(wave_ids)))
    ).scalars():
        counts[(row.wave_id, row.unit_id, row.question_version_id)][row.choice] = row.n
    return dict(counts)


def understanding_counts(wave_ids: Iterable[int]) -> dict[tuple[int, int], Counter]:
    """Return {(wave, unit): Counter of (claims, demonstrates, reading)} from the tallies."""
    counts: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for row in db.session.execute(
        select(UnderstandingTally).where(UnderstandingTally.wave_id.in_(list(wave_ids)))
    ).scalars():
        counts[(row.wave_id, row.unit_id)][(row.claims, row.demonstrates, row.reading)] = row.n
    return dict(counts)
