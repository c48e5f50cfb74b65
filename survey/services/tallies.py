"""Tallies: answer counts per wave, unit and choice, made once a wave's results are released.

Insights read small tallies instead of scanning every answer. A unit's tallies include every
unit below it in the wave's launch tree, so any unit's figures are a handful of rows. A wave is
tallied once, when its results are released (a settling time after it closes: see
`aggregation.results_released`); nothing can add to it afterwards, so the tallies never move.
Open waves have no tallies at all: while a wave is open only participation shows. Units with
more responses than people (padded through a shared team link) are left out of the tallies
entirely, so nobody can subtract their own dummy answers from a figure that includes them.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import String, Table, bindparam, exists, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey.aggregation import (
    Tree,
    ancestors,
    comments,
    demonstrates_understanding,
    is_favourable,
    results_released,
    withheld,
)
from survey.database import forget_old_pages, write_transaction
from survey.extensions import db
from survey.models import (
    Answer,
    AnswerTally,
    CommentNote,
    Option,
    RespondentTally,
    Response,
    TallyMark,
    UnderstandingTally,
    Wave,
    WaveUnit,
)
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


def raw_counts(wave_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """Return {wave: {unit: responses}}, every response counted, for the anonymity rules only.

    Nothing may show these numbers as they are: insights turn them into participation (whole
    steps of the threshold, through suppression) or into the padding check.
    """
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for wave_id, unit_id, n in db.session.execute(
        select(Response.wave_id, Response.unit_id, func.count())
        .where(Response.wave_id.in_(list(wave_ids)))
        .group_by(Response.wave_id, Response.unit_id)
    ):
        found[wave_id][unit_id] = n
    return dict(found)


def _insert(session: Session, table: Table) -> Any:
    """Return a Core INSERT for the session's database that knows ON CONFLICT.

    Core, not ORM: the ORM's bulk path would spend longer per row than the database does.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _add(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """Add each row's n to the stored row with the same key, creating rows as needed.

    One upsert per row, in key order, so concurrent catch-ups of sibling units that share
    ancestors neither lose counts nor deadlock.
    """
    if not rows:
        return
    table = model.__table__
    keys = [c.name for c in table.primary_key.columns]
    statement = _insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={"n": table.c.n + statement.excluded.n}
    )
    session.execute(statement, sorted(rows, key=lambda row: [row[k] for k in keys]))


def _lock_marks(session: Session, wave_id: int, unit_ids: list[int]) -> dict[int, TallyMark]:
    """Return the units' tally marks, created if new, locked in unit order until commit."""
    if not unit_ids:
        return {}
    rows = [{"wave_id": wave_id, "unit_id": unit_id, "counted": 0} for unit_id in unit_ids]
    session.execute(_insert(session, TallyMark.__table__).on_conflict_do_nothing(), rows)
    marks = session.scalars(
        select(TallyMark)
        .where(TallyMark.wave_id == wave_id, TallyMark.unit_id.in_(unit_ids))
        .order_by(TallyMark.unit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {mark.unit_id: mark for mark in marks}


@dataclass
class Increments:
    """What a catch-up adds: answer and fact counts per unit (with ancestors), and new notes."""

    choices: Counter = field(default_factory=Counter)  # (unit, version, choice) -> n
    respondents: Counter = field(default_factory=Counter)  # (unit, version) -> n
    facts: Counter = field(default_factory=Counter)  # (unit, claims, demonstrates, reading) -> n
    notes: list[dict[str, Any]] = field(default_factory=list)


def _read(session: Session, wave_id: int, unit_id: int, ids: list[int], reader: Reader) -> tuple:
    """Return the choice counts, respondents per question, fact counts and comment notes of one
    unit's new responses."""
    per_response: dict[int, list[tuple[int, int | None, int | None]]] = defaultdict(list)
    choices: Counter = Counter()
    answered: set[tuple[int, int]] = set()  # (response, version)
    notes = []
    extra_tone_words = current_app.config["COMMENT_TONE_WORDS"]
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(
                Answer.id,
                Answer.response_id,
                Answer.question_version_id,
                Answer.value,
                Answer.option_id,
                Answer.text,
            ).where(Answer.response_id.in_(ids[chunk : chunk + 500]))
        ).all()
        for answer_id, response_id, version, value, option, text in rows:
            answered.add((response_id, version))
            if text is not None:
                notes.append(
                    {
                        "answer_id": answer_id,
                        "wave_id": wave_id,
                        "unit_id": unit_id,
                        "sentiment": comments.sentiment(text, extra_tone_words),
                        "shuffle": secrets.randbelow(2**31),
                    }
                )
                continue
            per_response[response_id].append((version, value, option))
            choices[(version, value if value is not None else option)] += 1
    facts = Counter(
        (f.claims, f.demonstrates, f.reading) for f in (reader.facts(per_response[i]) for i in ids)
    )
    respondents = Counter(version for _, version in answered)
    return choices, respondents, facts, notes


def _catch_up(wave: Wave, behind: dict[int, int], reader: Reader, tree: Tree) -> bool:
    """Add each unit's next responses, up to its target, to its tallies and its ancestors';
    return whether the wave's rows were written again first.

    One transaction per wave: the wave's row and then its marks are locked, marks in unit order,
    and counts added in key order, so concurrent catch-ups neither count a response twice nor
    deadlock. The first catch-up of a wave first writes its rows again in random order
    (`_reorder`).
    """
    with write_transaction() as session:
        session.execute(select(Wave.id).where(Wave.id == wave.id).with_for_update())
        adding = Increments()
        marks = _lock_marks(session, wave.id, sorted(behind))
        first = not session.scalar(
            select(exists().where(TallyMark.wave_id == wave.id, TallyMark.counted > 0))
        )
        if first:
            _reorder(session, wave.id)
        for unit_id, target in sorted(behind.items()):
            mark = marks[unit_id]
            if mark.counted >= target:
                continue  # another request caught up first
            ids = list(
                session.scalars(
                    select(Response.id)
                    .where(Response.wave_id == wave.id, Response.unit_id == unit_id)
                    .order_by(Response.id)
                    .offset(mark.counted)
                    .limit(target - mark.counted)
                )
            )
            choices, respondents, facts, notes = _read(session, wave.id, unit_id, ids, reader)
            for node in ancestors(unit_id, tree):
                adding.choices.update({(node, *key): n for key, n in choices.items()})
                adding.respondents.update({(node, v): n for v, n in respondents.items()})
                adding.facts.update({(node, *key): n for key, n in facts.items()})
            adding.notes.extend(notes)
            mark.counted = target
        base = {"wave_id": wave.id}
        _add(
            session,
            AnswerTally,
            [
                base | {"unit_id": u, "question_version_id": v, "choice": c, "n": n}
                for (u, v, c), n in adding.choices.items()
            ],
        )
        _add(
            session,
            RespondentTally,
            [
                base | {"unit_id": u, "question_version_id": v, "n": n}
                for (u, v), n in adding.respondents.items()
            ],
        )
        _add(
            session,
            UnderstandingTally,
            [
                base | {"unit_id": u, "claims": c, "demonstrates": d, "reading": r, "n": n}
                for (u, c, d, r), n in adding.facts.items()
            ],
        )
        if adding.notes:
            session.execute(insert(CommentNote.__table__), adding.notes)
    return first


def _reorder(session: Session, wave_id: int) -> None:
    """Write a wave's responses and answers again as new rows, in their stored random order.

    Rows keep the order they were written in: ids that rise, and on PostgreSQL the id of the
    transaction that wrote each row and its place in the table's pages. Read beside any record of
    when pulses were sent (a web server's access log has one line per send), that order would
    date each response. Written again once, in one transaction, before a released wave is first
    tallied, the wave's rows are in `response.shuffle` order, all by one transaction, and say
    nothing of when each came. Nonces, days, units and answers are kept as they were.
    """
    response, answer = Response.__table__, Answer.__table__
    last = session.scalar(select(func.max(response.c.id))) or 0
    old = response.alias("old")
    # Placeholder nonces while the old rows still hold the real ones (unique): "~" and the old id.
    marker = literal("~") + func.cast(old.c.id, String)
    session.execute(
        insert(response).from_select(
            ["wave_id", "unit_id", "definition_id", "nonce", "submitted_on", "shuffle"],
            select(
                old.c.wave_id,
                old.c.unit_id,
                old.c.definition_id,
                marker,
                old.c.submitted_on,
                old.c.shuffle,
            )
            .where(old.c.wave_id == wave_id, old.c.id <= last)
            .order_by(old.c.shuffle, old.c.id),
        )
    )
    new = response.alias("new")
    pairs = (
        select(new.c.id.label("new_id"), old.c.id.label("old_id"), old.c.nonce)
        .join(old, new.c.nonce == marker)
        .where(new.c.wave_id == wave_id, new.c.id > last, old.c.wave_id == wave_id)
    )
    moved = pairs.subquery()
    session.execute(
        insert(answer).from_select(
            ["response_id", "question_version_id", "value", "option_id", "text"],
            select(
                moved.c.new_id,
                answer.c.question_version_id,
                answer.c.value,
                answer.c.option_id,
                answer.c.text,
            )
            .join(moved, moved.c.old_id == answer.c.response_id)
            .order_by(moved.c.new_id, answer.c.id),
        )
    )
    nonces = [{"key": new_id, "real": nonce} for new_id, _old, nonce in session.execute(pairs)]
    olds = select(response.c.id).where(response.c.wave_id == wave_id, response.c.id <= last)
    session.execute(answer.delete().where(answer.c.response_id.in_(olds)))
    session.execute(response.delete().where(response.c.wave_id == wave_id, response.c.id <= last))
    if nonces:
        session.execute(
            update(response)
            .where(response.c.id == bindparam("key"))
            .values(nonce=bindparam("real")),
            sorted(nonces, key=lambda row: row["key"]),
        )


def snapshot_tree(wave_id: int) -> dict[int, int | None]:
    """Return a wave's unit tree as it was at launch: unit -> parent."""
    return dict(
        db.session.execute(
            select(WaveUnit.unit_id, WaveUnit.parent_unit_id).where(WaveUnit.wave_id == wave_id)
        ).all()
    )


def snapshot_headcounts(wave_id: int) -> dict[int, int]:
    """Return each unit's headcount as it was at the wave's launch."""
    return dict(
        db.session.execute(
            select(WaveUnit.unit_id, WaveUnit.headcount).where(WaveUnit.wave_id == wave_id)
        ).all()
    )


def refresh(wave_ids: Iterable[int], now: datetime) -> None:
    """Tally the released waves among these that are not tallied yet; others are left alone.

    A wave is tallied in one go when its results are released and marked final, so reading
    many past waves costs one look at the waves table.
    """
    waves = [
        wave
        for wave in db.session.scalars(select(Wave).where(Wave.id.in_(list(wave_ids))))
        if results_released(wave.closes_at, now) and wave.tallies_final_for != wave.closes_at
    ]
    if not waves:
        return
    raw = raw_counts(w.id for w in waves)
    marks = counted(w.id for w in waves)
    for wave in waves:
        direct = raw.get(wave.id, {})
        padded = withheld(direct, snapshot_headcounts(wave.id))
        done = marks.get(wave.id, {})
        behind = {
            unit_id: n
            for unit_id, n in direct.items()
            if unit_id not in padded and n > done.get(unit_id, 0)
        }
        # A wave whose responses are all withheld has nothing to count, and its rows still
        # have their order to lose.
        reordered = False
        if behind or (direct and not done):
            reader, tree = Reader(load_pulse(wave.id)), snapshot_tree(wave.id)
            reordered = _catch_up(wave, behind, reader, tree)
        with write_transaction() as session:
            # Core, not the ORM: marking the tallies final is not an edit of the wave.
            session.execute(
                update(Wave.__table__)
                .where(Wave.id == wave.id, Wave.closes_at == wave.closes_at)
                .values(tallies_final_for=wave.closes_at)
            )
        if reordered:
            forget_old_pages()


def refresh_released(now: datetime) -> None:
    """Tally every launched wave whose results are out and not tallied yet (the worker's tick)."""
    launched = db.session.scalars(select(Wave.id).where(Wave.launched_at.is_not(None))).all()
    refresh(launched, now)


def answer_counts(
    wave_ids: Iterable[int], units: Iterable[int] | None = None
) -> dict[tuple[int, int, int], dict[int, int]]:
    """Return {(wave, unit, question version): {choice: count}}, each unit with those below."""
    query = select(
        AnswerTally.wave_id,
        AnswerTally.unit_id,
        AnswerTally.question_version_id,
        AnswerTally.choice,
        AnswerTally.n,
    ).where(AnswerTally.wave_id.in_(list(wave_ids)))
    if units is not None:
        query = query.where(AnswerTally.unit_id.in_(list(units)))
    counts: dict[tuple[int, int, int], dict[int, int]] = defaultdict(dict)
    for wave, unit, version, choice, n in db.session.execute(query):
        counts[(wave, unit, version)][choice] = n
    return dict(counts)


def understanding_counts(
    wave_ids: Iterable[int], units: Iterable[int] | None = None
) -> dict[tuple[int, int], Counter]:
    """Return {(wave, unit): Counter of (claims, demonstrates, reading)}, with units below."""
    query = select(
        UnderstandingTally.wave_id,
        UnderstandingTally.unit_id,
        UnderstandingTally.claims,
        UnderstandingTally.demonstrates,
        UnderstandingTally.reading,
        UnderstandingTally.n,
    ).where(UnderstandingTally.wave_id.in_(list(wave_ids)))
    if units is not None:
        query = query.where(UnderstandingTally.unit_id.in_(list(units)))
    counts: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for wave, unit, claims, shows, reading, n in db.session.execute(query):
        counts[(wave, unit)][(claims, shows, reading)] = n
    return dict(counts)


def counted(wave_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """Return {wave: {unit: how many of the unit's own responses the tallies include}}."""
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for wave_id, unit_id, n in db.session.execute(
        select(TallyMark.wave_id, TallyMark.unit_id, TallyMark.counted).where(
            TallyMark.wave_id.in_(list(wave_ids))
        )
    ):
        found[wave_id][unit_id] = n
    return dict(found)


def measure_counts(wave_id: int, versions: Iterable[int]) -> dict[int, dict[int, int]]:
    """Return {question version: {unit: respondents, with units below}} of a tallied wave."""
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for version, unit, n in db.session.execute(
        select(
            RespondentTally.question_version_id, RespondentTally.unit_id, RespondentTally.n
        ).where(
            RespondentTally.wave_id == wave_id,
            RespondentTally.question_version_id.in_(list(versions)),
        )
    ):
        found[version][unit] = n
    return dict(found)


def commenter_counts(wave_id: int) -> dict[int, int]:
    """Return {unit: people who commented} of a tallied wave, each unit's own only: people,
    not comments, as one person may answer several free-text questions."""
    return dict(
        db.session.execute(
            select(CommentNote.unit_id, func.count(Answer.response_id.distinct()))
            .join(Answer, Answer.id == CommentNote.answer_id)
            .where(CommentNote.wave_id == wave_id)
            .group_by(CommentNote.unit_id)
        ).all()
    )
