"""Import of past results in the responses CSV format, so trend lines start before the product.

The whole file is checked first and every bad row reported with its line number; nothing is
stored unless all of it is good, and then all of it is stored in one transaction. Units and
questions named in the file are created when missing and reused when present (question codes
whatever the case of their letters). An import never adds a response to a wave that exists: a
released wave is final and an open one must not be padded, so rows for an existing wave must be
responses it already has (recognised by the id the raw export gives them, or by the key an
earlier import stored), and a wave the import makes must have closed before today. So
importing the same file again, or a raw export of the same database, adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from operator import itemgetter
from typing import IO, Any

from flask import current_app
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from survey import bank
from survey.database import (
    driver_rows,
    insert_rows,
    new_ids,
    references_known,
    write_transaction,
)
from survey.exports import NUL_IN_CELL, original_text, unreadable
from survey.extensions import db
from survey.models import (
    Answer,
    Definition,
    Kind,
    Option,
    Question,
    QuestionVersion,
    Response,
    Survey,
    SurveyItem,
    Unit,
    Wave,
    utcnow,
)
from survey.numbers import YEARS, in_window, parse_date, parse_int
from survey.services import exporting, questions, tallies, units, waves
from survey.services.exporting import RESPONSE_COLUMNS

NONCE_PREFIX = "import:"
CODE = re.compile(bank.CODE_PATTERN)
SCALES = {Kind.SCALE5: (1, 5), Kind.SCALE11: (0, 10)}
KINDS = {kind.value for kind in Kind}
MAX_LISTED = 200  # problems listed; the count says how many there were in all
# Questions numbered below this are marked in a response's word of bits; the rare file with more
# marks the rest in a set of (response, question) pairs, so memory stays linear in the rows.
WORD_BITS = 63
# Columns written by the driver's bulk path; a date goes as ISO text, which both backends read.
RESPONSE_FIELDS = (
    "id",
    "wave_id",
    "unit_id",
    "definition_id",
    "nonce",
    "submitted_on",
    "shuffle",
)
ANSWER_FIELDS = ("response_id", "question_version_id", "value", "option_id", "text")


class BadFile(Exception):
    """The file cannot be read as CSV text at all."""


@dataclass
class Problem:
    """One reason the file cannot be imported, with the line it is on (0: the whole file)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class QuestionSeen:
    """A question version as the file defines it (its code as first written), and where."""

    code: str
    text: str
    dimension: str
    kind: Kind
    line: int
    index: int  # numbers the question, to mark it answered in a response
    options: list[str] = field(default_factory=list)


@dataclass
class Report:
    """What an import found and did."""

    rows: int = 0
    responses: int = 0
    present: int = 0  # responses already stored, so left as they are
    loose: int = 0  # comments with no response_id (a raw export's), left out
    added: int = 0  # responses stored
    waves: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    dry_run: bool = False

    def problem(self, line: int, message: str) -> None:
        """Record a problem (listing the first MAX_LISTED)."""
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(Problem(line, message))

    @property
    def ok(self) -> bool:
        """Return whether the file may be (or was) imported."""
        return self.problem_count == 0


def _where_not_utf8(binary: IO[bytes]) -> str:
    """Return which line and byte of a file are not UTF-8 (the slow read, for the message)."""
    binary.seek(0)
    for number, raw in enumerate(binary, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            return f"line {number} is not UTF-8 text (byte {error.start + 1})"
    return "the file is not UTF-8 text"


def _rows(binary: IO[bytes], problem: Callable[[int, str], None]) -> Iterator[tuple[int, tuple]]:
    """Yield (line number, cells in RESPONSE_COLUMNS order) after checking the header.

    Cells are as the file has them (`original_text` is for the caller, on the cells it uses).
    A row with the wrong number of cells goes to `problem` instead.
    """
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    try:
        try:
            header = next(reader)
        except StopIteration:
            raise BadFile("the file is empty") from None
        missing = [c for c in RESPONSE_COLUMNS if c not in header]
        if missing:
            raise BadFile(
                f"line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
            )
        width, pick = len(header), itemgetter(*(header.index(c) for c in RESPONSE_COLUMNS))
        for cells in reader:
            if not any(cells):  # blank lines, and the empty rows spreadsheets leave
                continue
            if len(cells) == width:
                yield reader.line_num, pick(cells)
            else:
                problem(reader.line_num, f"has {len(cells)} cells, the header has {width}")
    except csv.Error as error:
        raise BadFile(f"line {reader.line_num or 1}: {unreadable(error)}") from error
    except UnicodeDecodeError as error:
        raise BadFile(
            f"{_where_not_utf8(binary)}: save the file as CSV UTF-8 and try again"
        ) from error
    finally:
        text.detach()  # the caller closes the file


def _has_nul(*cells: str) -> bool:
    """Return whether any of the cells holds a NUL character."""
    return any("\x00" in cell for cell in cells)


def nonce(wave: str, unit_path: str, response_id: str) -> str:
    """Return the key that makes re-importing a response a no-op."""
    digest = hashlib.sha256(f"{wave}\x1f{unit_path}\x1f{response_id}".encode()).hexdigest()
    return NONCE_PREFIX + digest[:57]


@dataclass
class Plan:
    """Everything the check learned that the import needs, so the file is read only once.

    Answers are kept compactly: for each row, the number of its response and of its choice
    (a distinct question and value or option), or for free text the bitwise inverse of its
    number in `texts`.
    """

    waves: dict[str, tuple[date, date]] = field(default_factory=dict)
    stored_waves: set[str] = field(default_factory=set)  # names that existed when checked
    present: set[int] = field(default_factory=set)  # response numbers already stored
    # Keyed by the code in lower case, and the version.
    questions: dict[tuple[str, int], QuestionSeen] = field(default_factory=dict)
    wave_questions: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    responses: list[tuple[str, str, str]] = field(default_factory=list)  # wave, path, id
    choices: list[tuple[tuple[str, int], int | None, str | None]] = field(default_factory=list)
    texts: list[tuple[tuple[str, int], str]] = field(default_factory=list)
    answer_responses: array = field(default_factory=lambda: array("q"))
    answer_choices: array = field(default_factory=lambda: array("q"))


Errors = tuple[str, ...]

# Where the cells are, in RESPONSE_COLUMNS order.
WAVE_CELLS, UNIT, RESPONSE, QUESTION_CELLS = slice(0, 3), 3, 4, slice(5, 10)
VALUE, OPTION, TEXT = 10, 11, 12


@dataclass(frozen=True)
class _QuestionCheck:
    """The verdict on a row's question cells; `seen` is None when its answer cannot be checked."""

    errors: Errors
    key: tuple[str, int] = ("", 0)
    kind: Kind = Kind.TEXT
    seen: QuestionSeen | None = None
    stored: tuple[Kind, set[str]] | None = None


class Checker:
    """Checks rows against each other and against the database.

    Most cells repeat over thousands of rows (a wave's dates, a unit path, a question, a scale
    value), so each distinct group of cells is checked once and its verdict remembered; every
    row still has each of its problems reported on its own line.
    """

    def __init__(self, report: Report) -> None:
        self.report = report
        self.plan = Plan()
        self.responses: dict[tuple, int] = {}  # (wave, unit path, response_id) -> its number
        # By response number: the questions below WORD_BITS it answers, a bit each.
        self.answered = array("q")
        self.answered_more: set[int] = set()  # (response number << 32) | question index
        self.first_lines = array("q")  # by response number: the line it starts on
        self.max_text = current_app.config["TEXT_ANSWER_MAX_CHARS"]
        self.existing = self._existing_versions()
        self._waves: dict[tuple[str, ...], tuple[str, Errors]] = {}
        self._wave_lines: dict[str, int] = {}
        self._units: dict[str, tuple[str | None, Errors]] = {}
        self._questions: dict[tuple[str, ...], _QuestionCheck] = {}
        self._choices: dict[tuple, tuple[Errors, int]] = {}  # cells -> problems, choice number
        self._asked: set[tuple[str, tuple[str, int]]] = set()

    @staticmethod
    def _existing_versions() -> dict[tuple[str, int], tuple[Kind, set[str]]]:
        """Return the stored question versions: kind and option codes."""
        found: dict[tuple[str, int], tuple[Kind, set[str]]] = {}
        rows = db.session.execute(
            select(Question.code, QuestionVersion.version, QuestionVersion.kind, Option.code)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .outerjoin(Option, Option.question_version_id == QuestionVersion.id)
        )
        for code, version, kind, option in rows:
            found.setdefault((code.lower(), version), (kind, set()))[1].add(option)
        return found

    def row(self, line: int, cells: tuple[str, ...]) -> None:
        """Check one row, recording every problem it has."""
        problem = self.report.problem
        wave, errors = self._waves.get(cells[WAVE_CELLS]) or self._wave(line, cells[WAVE_CELLS])
        for error in errors:
            problem(line, error)
        path, errors = self._units.get(cells[UNIT]) or self._unit(cells[UNIT])
        for error in errors:
            problem(line, error)
        question = self._questions.get(cells[QUESTION_CELLS]) or self._question(
            line, cells[QUESTION_CELLS]
        )
        for error in question.errors:
            problem(line, error)
        if question.seen is None:
            return
        if wave and (wave, question.key) not in self._asked:
            self._asked.add((wave, question.key))
            self.plan.wave_questions.setdefault(wave, []).append(question.key)
        if question.kind is Kind.TEXT and not cells[RESPONSE].strip():
            # A raw export keeps comments apart from responses, so they belong to none here.
            self.report.loose += 1
            return
        if question.kind is Kind.TEXT:
            errors, choice = self._text(question.key, cells[TEXT], cells[VALUE], cells[OPTION])
        else:
            cells_key = (question.key, cells[VALUE], cells[OPTION], cells[TEXT])
            errors, choice = self._choices.get(cells_key) or self._choice(question, cells_key)
        for error in errors:
            problem(line, error)
        response_id = cells[RESPONSE].strip()
        if not response_id or "\x00" in response_id:
            problem(
                line, "response_id is empty" if not response_id else f"response_id: {NUL_IN_CELL}"
            )
            return
        key = (wave, path, response_id)
        number = self.responses.get(key)
        if number is None:
            number = self.responses[key] = len(self.answered)
            self.answered.append(0)
            self.first_lines.append(line)
            self.plan.responses.append(key)
        if self._answered_before(number, question.seen.index) and question.kind is not Kind.MULTI:
            problem(line, f"response {response_id} answers {question.seen.code} twice")
        self.plan.answer_responses.append(number)
        self.plan.answer_choices.append(choice)

    def _answered_before(self, number: int, index: int) -> bool:
        """Mark question `index` answered in response `number`; return whether it already was."""
        if index < WORD_BITS:
            bit = 1 << index
            before = bool(self.answered[number] & bit)
            self.answered[number] |= bit
            return before
        pair = (number << 32) | index
        before = pair in self.answered_more
        self.answered_more.add(pair)
        return before

    def _wave(self, line: int, cells: tuple[str, ...]) -> tuple[str, Errors]:
        """Check a wave's name and dates, against the wave's first line too."""
        name = original_text(cells[0]).strip()
        start, end = parse_date(cells[1].strip()), parse_date(cells[2].strip())
        errors = []
        if _has_nul(name):
            errors.append(f"wave: {NUL_IN_CELL}")
            name = ""
        elif not name or len(name) > 80:
            errors.append("wave must be a name of 1 to 80 characters")
        if start is None or end is None:
            errors.append("wave_start and wave_end must be dates like 2026-03-31")
        elif not (in_window(start) and in_window(end)):
            errors.append(f"wave_start and wave_end must be dates in the years {YEARS}")
        elif end < start:
            errors.append("wave_end is before wave_start")
        elif name:
            known = self.plan.waves.setdefault(name, (start, end))
            first = self._wave_lines.setdefault(name, line)
            if known != (start, end):
                errors.append(f"wave {name!r} runs from {known[0]} to {known[1]} on line {first}")
        self._waves[cells] = (name, tuple(errors))
        return self._waves[cells]

    def _unit(self, cell: str) -> tuple[str | None, Errors]:
        """Check a unit path."""
        parts = [p.strip() for p in original_text(cell).split(units.SEPARATOR.strip())]
        if _has_nul(cell):
            verdict = (None, (f"unit_path: {NUL_IN_CELL}",))
        elif not all(parts) or any(len(p) > units.NAME_MAX for p in parts):
            named = f"each 1 to {units.NAME_MAX} characters"
            verdict = (None, (f'unit_path must name units joined by " > ", {named}',))
        elif len(parts) > units.MAX_LEVELS:
            verdict = (None, (f"unit_path has {len(parts)} levels; {units.TOO_DEEP.lower()}",))
        else:
            verdict = (units.SEPARATOR.join(parts), ())
        self._units[cell] = verdict
        return verdict

    def _question(self, line: int, cells: tuple[str, ...]) -> _QuestionCheck:
        """Check a question's cells, against its first definition and the stored one."""
        verdict = self._question_verdict(line, *cells)
        self._questions[cells] = verdict
        return verdict

    def _question_verdict(
        self, line: int, code: str, version: str, text: str, dimension: str, kind_text: str
    ) -> _QuestionCheck:
        code, version, kind_text = code.strip(), version.strip(), kind_text.strip()
        if _has_nul(text, dimension):
            return _QuestionCheck((f"question_text or dimension: {NUL_IN_CELL}",))
        if not CODE.fullmatch(code):
            return _QuestionCheck((f"question_code must be 1 to 64 {bank.CODE_RULE}",))
        number = parse_int(version, 1)
        if number is None:
            return _QuestionCheck(("question_version must be a whole number from 1",))
        if kind_text not in KINDS:
            return _QuestionCheck(
                (f"unknown kind {kind_text[:20]!r}: use scale5, scale11, single, multi or text",)
            )
        key, kind = (code.lower(), number), Kind(kind_text)
        text, dimension = original_text(text).strip(), original_text(dimension).strip()
        seen = self.plan.questions.get(key)
        if seen is None:
            index = len(self.plan.questions)
            seen = QuestionSeen(code, text, dimension, kind, line, index)
            self.plan.questions[key] = seen
        if (seen.text, seen.dimension, seen.kind) != (text, dimension, kind):
            differs = f"question {code} version {key[1]} differs from line {seen.line}"
            return _QuestionCheck((differs,))
        errors = [] if 0 < len(text) <= 500 else ["question_text must be 1 to 500 characters"]
        stored = self.existing.get(key)
        if stored and stored[0] is not kind:
            errors.append(f"question {code} version {key[1]} is stored as {stored[0].value}")
            return _QuestionCheck(tuple(errors))
        return _QuestionCheck(tuple(errors), key, kind, seen, stored)

    def _choice(self, question: _QuestionCheck, cells: tuple) -> tuple[Errors, int]:
        """Check a scale value or a chosen option against the question; number the choice."""
        _, value, option, text = cells
        value, option = value.strip(), option.strip()
        errors = self._choice_errors(question, value, option, text)
        scale = parse_int(value) if value and not errors else None
        self.plan.choices.append((question.key, scale, option or None))
        self._choices[cells] = verdict = (errors, len(self.plan.choices) - 1)
        return verdict

    @staticmethod
    def _choice_errors(question: _QuestionCheck, value: str, option: str, text: str) -> Errors:
        kind = question.kind
        if kind in SCALES:
            low, high = SCALES[kind]
            if option or text or parse_int(value, low, high) is None:
                return (f"a {kind.value} answer is a whole number from {low} to {high}",)
            return ()
        if value or text or not CODE.fullmatch(option):
            return (f"a {kind.value} answer is an option code ({bank.CODE_RULE})",)
        number = question.key[1]
        code = question.seen.code if question.seen else question.key[0]
        if question.stored and option not in question.stored[1]:
            return (f"{option!r} is not an option of question {code} version {number}",)
        if question.seen is not None and option not in question.seen.options:
            question.seen.options.append(option)
        return ()

    def _text(
        self, question: tuple[str, int], cell: str, value: str, option: str
    ) -> tuple[Errors, int]:
        """Check a free-text answer; number it (as a bitwise inverse, apart from choices)."""
        text = original_text(cell)
        number = ~len(self.plan.texts)
        if value.strip() or option.strip() or not text.strip():
            return ("a text answer has text and no value or option",), number
        if _has_nul(text):
            return (f"text: {NUL_IN_CELL}",), number
        if len(text) > self.max_text:
            return (f"text is longer than {self.max_text} characters",), number
        self.plan.texts.append((question, text))
        return (), number

    def finish(self) -> None:
        """Check what needs the whole file, and the waves already stored."""
        ids = {key[2] for key in self.responses}
        self.report.responses = len(self.responses)
        if len(ids) != len(self.responses):
            self.report.problem(0, "a response_id is used in more than one wave or unit")
        stored = {
            wave.name: wave
            for wave in db.session.scalars(select(Wave).where(Wave.name.in_(self.plan.waves)))
        }
        self.plan.stored_waves = set(stored)
        for name, wave in stored.items():
            dates = (wave.opens_at.date(), wave.closes_at.date())
            if dates != self.plan.waves[name]:
                self.report.problem(0, f"wave {name!r} exists with dates {dates[0]} to {dates[1]}")
            asked = {(q.code.lower(), q.version) for q in _wave_versions(wave.id)}
            for key in self.plan.wave_questions.get(name, []):
                if key not in asked:
                    code = self.plan.questions[key].code
                    self.report.problem(0, f"wave {name!r} exists and did not ask {code} v{key[1]}")
            self._already_there(wave)
        today = utcnow().date()
        for name, (_, end) in self.plan.waves.items():
            if name not in stored and end >= today:
                self.report.problem(
                    self._wave_lines[name],
                    f"wave {name!r} ends on {end}: an import makes only waves that closed "
                    "before today",
                )
        self.report.present = len(self.plan.present)

    def _already_there(self, wave: Wave) -> None:
        """Note the file's responses a stored wave has; any other is a problem on its line."""
        mine = {key: n for key, n in self.responses.items() if key[0] == wave.name}
        known = stored_response_keys(wave.id)
        refusal = (
            f"wave {wave.name!r} already exists: an import cannot add responses to a wave that "
            + ("is open or has released its results" if wave.launched_at else "is being set up")
        )
        for (name, path, response_id), number in mine.items():
            if response_id in known or nonce(name, path, response_id) in known:
                self.plan.present.add(number)
            else:
                self.report.problem(self.first_lines[number], refusal)


def stored_response_keys(wave_id: int) -> set[str]:
    """Return what recognises a wave's stored responses in a file: the id the raw export gives
    each, and the key of each that an earlier import stored."""
    key = exporting.id_key()
    found = set()
    for rows in driver_rows(select(Response.nonce).where(Response.wave_id == wave_id), 10_000):
        for (stored_nonce,) in rows:
            found.add(exporting.public_id(key, stored_nonce))
            if stored_nonce.startswith(NONCE_PREFIX):
                found.add(stored_nonce)
    return found


@dataclass(frozen=True)
class _Version:
    code: str
    version: int
    id: int


def _wave_versions(wave_id: int) -> list[_Version]:
    """Return the question versions a stored wave asked."""
    rows = db.session.execute(
        select(Question.code, QuestionVersion.version, QuestionVersion.id)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .join(SurveyItem, SurveyItem.question_version_id == QuestionVersion.id)
        .join(Wave, Wave.survey_id == SurveyItem.survey_id)
        .where(Wave.id == wave_id)
    )
    return [_Version(*row) for row in rows]


Progress = Callable[[str, int], None]  # (stage, rows checked so far)
PROGRESS_EVERY = 20_000


def _quiet(_stage: str, _rows: int) -> None:
    """Report progress nowhere."""


def check(binary: IO[bytes], progress: Progress = _quiet) -> tuple[Report, Plan]:
    """Read the whole file and report every problem; store nothing."""
    report = Report()
    checker = Checker(report)

    def misshapen(line: int, message: str) -> None:
        report.rows += 1
        report.problem(line, message)

    try:
        for line, cells in _rows(binary, misshapen):
            report.rows += 1
            checker.row(line, cells)
            if report.rows % PROGRESS_EVERY == 0:
                progress("checking", report.rows)
    except BadFile as error:
        report.problem(0, str(error))
        return report, checker.plan
    if report.rows == 0:
        report.problem(0, "the file has a header but no answers")
    checker.finish()
    return report, checker.plan


def _question_versions(session: Session, plan: Plan) -> dict[tuple[str, int], QuestionVersion]:
    """Return every question version the file uses, creating missing ones (bank ones from the
    bank, so built-in questions keep their aims and decoys)."""
    found: dict[tuple[str, int], QuestionVersion] = {}
    specs = {spec.code.lower(): spec for spec in bank.DEFAULT_QUESTIONS}
    for (code, number), seen in plan.questions.items():
        question = session.scalar(select(Question).where(questions.same_code(code)))
        if question is None and code in specs:
            questions.install_question(session, specs[code])
            question = session.scalar(select(Question).where(questions.same_code(code)))
        if question is None:
            question = Question(code=seen.code)
            session.add(question)
        version = next((v for v in question.versions if v.version == number), None)
        if version is None:
            version = QuestionVersion(
                question=question,
                version=number,
                text=seen.text,
                kind=seen.kind,
                dimension=seen.dimension,
                required=False,
            )
            session.add(version)
        known = {option.code for option in version.options}
        for position, option in enumerate(seen.options, len(known)):
            if option not in known:
                version.options.append(
                    Option(position=position, code=option, label=option.replace("_", " "))
                )
        session.flush()
        found[(code, number)] = version
    return found


class Overtaken(Exception):
    """A wave the check found missing was made while the file was being checked."""


def _waves(session: Session, plan: Plan, versions: dict) -> dict[str, Wave]:
    """Return the file's waves, creating (and launching, as of their start) missing ones."""
    found: dict[str, Wave] = {}
    for name, (start, end) in plan.waves.items():
        wave = session.scalar(select(Wave).where(Wave.name == name))
        if wave is not None and name not in plan.stored_waves:
            raise Overtaken(f"wave {name!r} was made while the file was being checked")
        if wave is None:
            survey = Survey(name=f"Imported: {name}")
            for position, key in enumerate(plan.wave_questions[name]):
                survey.items.append(SurveyItem(position=position, question_version=versions[key]))
            session.add(survey)
            opens = datetime.combine(start, time.min)
            closes = datetime.combine(end, time.max.replace(microsecond=0))
            wave = waves.create_wave(session, survey, name, opens, closes)
            waves.launch_wave(session, wave, opens)
        found[name] = wave
    return found


def _store(session: Session, plan: Plan, report: Report) -> None:
    """Store the checked file's responses that are not stored yet, and their answers."""
    new = [n for n in range(len(plan.responses)) if n not in plan.present]
    needed = sorted({plan.responses[n][1] for n in new})
    unit_ids = {path: unit.id for path, unit in units.ensure_paths(session, needed).items()}
    stored_versions = _question_versions(session, plan)
    wave_rows = _waves(session, plan, stored_versions)
    versions = {key: (v.id, v.options) for key, v in stored_versions.items()}
    ids = [0] * len(plan.responses)  # by response number; 0: already stored, so skipped
    drawn = iter(new_ids(session, Response.__table__, len(new)))
    rows = []
    for number in new:
        wave, path, response = plan.responses[number]
        ids[number] = next(drawn)
        code = nonce(wave, path, response)
        rows.append(_response(ids[number], code, wave_rows[wave], unit_ids[path]))
    choices = []
    for key, value, option in plan.choices:
        version, options = versions[key]
        chosen = next(o.id for o in options if o.code == option) if option else None
        choices.append((version, value, chosen, None))
    texts = [(versions[key][0], None, None, text) for key, text in plan.texts]
    answers = (
        (ids[response], *(choices[choice] if choice >= 0 else texts[~choice]))
        for response, choice in zip(plan.answer_responses, plan.answer_choices, strict=True)
        if ids[response]
    )
    # Every reference is to a row this transaction made or found and locks.
    parents = {
        Wave.__table__: [w.id for w in wave_rows.values()],
        Unit.__table__: unit_ids.values(),
        Definition.__table__: [w.definition_id for w in wave_rows.values() if w.definition_id],
        QuestionVersion.__table__: [version for version, _ in versions.values()],
        Option.__table__: [o.id for _, options in versions.values() for o in options],
    }
    with references_known(session, parents):
        insert_rows(session, Response.__table__, RESPONSE_FIELDS, rows)
        insert_rows(session, Answer.__table__, ANSWER_FIELDS, answers)
    report.added = len(new)
    # The new waves' tallies must look at their responses.
    made = [w.id for name, w in wave_rows.items() if name not in plan.stored_waves]
    session.execute(update(Wave.__table__).where(Wave.id.in_(made)).values(tallies_final_for=None))


def _response(response_id: int, code: str, wave: Wave, unit_id: int) -> tuple:
    """Return a response's row for RESPONSE_FIELDS."""
    opened = wave.opens_at.date().isoformat()
    shuffle = secrets.randbelow(2**31)
    return (response_id, wave.id, unit_id, wave.definition_id, code, opened, shuffle)


def summary(report: Report) -> str:
    """Return what happened, in one sentence."""
    if not report.ok:
        count = report.problem_count
        return f"{count} problem{'' if count == 1 else 's'} found, so nothing was imported"
    found = (
        f"{report.rows - report.loose:,} answers in {report.responses:,} responses, "
        f"{len(report.waves)} wave{'' if len(report.waves) == 1 else 's'}"
    )
    there = f"{report.present:,} already there"
    if report.loose:
        # Said, never silently dropped: a comment with no response cannot be stored.
        s = "" if report.loose == 1 else "s"
        found += f"; {report.loose:,} comment{s} with no response_id left out"
    if report.dry_run:
        new = report.responses - report.present
        return f"good to import: {new:,} new responses, {there} ({found}); nothing stored (dry run)"
    return f"imported {report.added:,} new responses, {there} ({found})"


def import_responses(open_file: Any, dry_run: bool = False, progress: Progress = _quiet) -> Report:
    """Check a file and import it if it is good. `open_file("rb")` opens it."""
    with open_file("rb") as binary:
        report, plan = check(binary, progress)
    report.dry_run = dry_run
    report.waves = sorted(plan.waves)
    if not report.ok or dry_run:
        return report
    progress("importing", report.rows)
    try:
        with write_transaction() as session:
            _store(session, plan, report)
            if session.get_bind().dialect.name == "postgresql":
                # Fresh statistics, so the roll-ups that follow are planned for the new rows.
                session.execute(text("ANALYZE response, answer"))
    except Overtaken as change:
        report.problem(0, f"{change}: check the file again")
        return report
    # Bring the figures up to date now, so the first person to look does not wait for them.
    progress("figures", report.rows)
    imported = db.session.scalars(select(Wave.id).where(Wave.name.in_(report.waves))).all()
    tallies.refresh(imported, utcnow())
    return report
