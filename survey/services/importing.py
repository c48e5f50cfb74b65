"""Import of past results in the responses CSV format, so trend lines start before the product.

The whole file is checked first and every bad row reported with its line number; nothing is
stored unless all of it is good, and then all of it is stored in one transaction. Waves, units
and questions named in the file are created when missing and reused when present. Each response
is keyed by its wave, unit and `response_id`, so importing the same file again adds nothing.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from survey import bank
from survey.database import write_transaction
from survey.exports import original_text
from survey.extensions import db
from survey.models import (
    Answer,
    Kind,
    Option,
    Question,
    QuestionVersion,
    Response,
    Survey,
    SurveyItem,
    Wave,
    utcnow,
)
from survey.services import questions, tallies, units, waves
from survey.services.exporting import RESPONSE_COLUMNS

NONCE_PREFIX = "import:"
CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
SCALES = {Kind.SCALE5: (1, 5), Kind.SCALE11: (0, 10)}
MAX_LISTED = 200  # problems listed; the count says how many there were in all
BATCH = 5_000  # responses per insert


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
    """A question version as the file defines it, and where it was first defined."""

    text: str
    dimension: str
    kind: Kind
    line: int
    options: list[str] = field(default_factory=list)


@dataclass
class Report:
    """What an import found and did."""

    rows: int = 0
    responses: int = 0
    added: int = 0  # responses stored (the rest were there already)
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


def _lines(binary: IO[bytes]) -> Iterator[str]:
    """Yield the file's lines as text, refusing anything that is not UTF-8."""
    for number, raw in enumerate(binary, 1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadFile(
                f"line {number} is not UTF-8 text (byte {error.start + 1}): save the file as "
                "CSV UTF-8 and try again"
            ) from error
        yield text.removeprefix("\ufeff") if number == 1 else text


def _rows(binary: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) after checking the header has every column."""
    reader = csv.reader(_lines(binary), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise BadFile("the file is empty") from None
    except csv.Error as error:
        raise BadFile(f"line 1 is not valid CSV: {error}") from error
    missing = [c for c in RESPONSE_COLUMNS if c not in header]
    if missing:
        raise BadFile(
            f"line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )
    index = {name: header.index(name) for name in RESPONSE_COLUMNS}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise BadFile(f"line {reader.line_num} is not valid CSV: {error}") from error
        if not any(cells):
            continue
        if len(cells) != len(header):
            yield reader.line_num, {"": f"has {len(cells)} cells, the header has {len(header)}"}
            continue
        yield reader.line_num, {name: original_text(cells[i]) for name, i in index.items()}


def _date(value: str) -> date | None:
    """Return an ISO 8601 date, or None."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def nonce(wave: str, unit_path: str, response_id: str) -> str:
    """Return the key that makes re-importing a response a no-op."""
    digest = hashlib.sha256(f"{wave}\x1f{unit_path}\x1f{response_id}".encode()).hexdigest()
    return NONCE_PREFIX + digest[:57]


@dataclass
class Plan:
    """Everything the check learned that the import needs."""

    waves: dict[str, tuple[date, date]] = field(default_factory=dict)
    questions: dict[tuple[str, int], QuestionSeen] = field(default_factory=dict)
    wave_questions: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    units: set[str] = field(default_factory=set)


class Checker:
    """Checks rows one at a time against each other and against the database."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.plan = Plan()
        self.responses: dict[tuple[str, str, str], dict[tuple[str, int], str]] = {}
        self.max_text = current_app.config["TEXT_ANSWER_MAX_CHARS"]
        self.existing = self._existing_versions()

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
            found.setdefault((code, version), (kind, set()))[1].add(option)
        return found

    def row(self, line: int, row: dict[str, str]) -> None:
        """Check one row, recording every problem it has."""
        problem = self.report.problem
        if "" in row:
            problem(line, row[""])
            return
        wave, unit_path = row["wave"].strip(), row["unit_path"].strip()
        start, end = _date(row["wave_start"]), _date(row["wave_end"])
        if not wave or len(wave) > 80:
            problem(line, "wave must be a name of 1 to 80 characters")
        if start is None or end is None:
            problem(line, "wave_start and wave_end must be dates like 2026-03-31")
        elif end < start:
            problem(line, "wave_end is before wave_start")
        elif wave:
            known = self.plan.waves.setdefault(wave, (start, end))
            if known != (start, end):
                problem(line, f"wave {wave!r} has other dates on an earlier line")
        parts = [p.strip() for p in unit_path.split(units.SEPARATOR.strip())]
        if not all(parts) or any(len(p) > units.NAME_MAX for p in parts):
            problem(line, 'unit_path must name units joined by " > ", each 1 to 120 characters')
        else:
            self.plan.units.add(units.SEPARATOR.join(parts))
        self._question(line, row, wave)

    def _question(self, line: int, row: dict[str, str], wave: str) -> None:
        """Check a row's question and answer."""
        problem = self.report.problem
        code, kind_text = row["question_code"].strip(), row["kind"].strip()
        if not CODE.fullmatch(code):
            problem(line, "question_code must be lower-case letters, digits and _")
            return
        if not row["question_version"].strip().isdigit() or int(row["question_version"]) < 1:
            problem(line, "question_version must be a whole number from 1")
            return
        if kind_text not in {k.value for k in Kind}:
            problem(line, f"unknown kind {kind_text!r}: use scale5, scale11, single, multi or text")
            return
        key, kind = (code, int(row["question_version"])), Kind(kind_text)
        text, dimension = row["question_text"].strip(), row["dimension"].strip()
        seen = self.plan.questions.setdefault(key, QuestionSeen(text, dimension, kind, line))
        if (seen.text, seen.dimension, seen.kind) != (text, dimension, kind):
            problem(line, f"question {code} version {key[1]} differs from line {seen.line}")
            return
        if not text or len(text) > 500:
            problem(line, "question_text must be 1 to 500 characters")
        stored = self.existing.get(key)
        if stored and stored[0] is not kind:
            problem(line, f"question {code} version {key[1]} is stored as {stored[0].value}")
            return
        if wave:
            asked = self.plan.wave_questions.setdefault(wave, [])
            if key not in asked:
                asked.append(key)
        self._answer(line, row, key, kind, seen, stored)

    def _answer(
        self,
        line: int,
        row: dict[str, str],
        key: tuple[str, int],
        kind: Kind,
        seen: QuestionSeen,
        stored: tuple[Kind, set[str]] | None,
    ) -> None:
        """Check the value, option or text against the question's kind."""
        problem = self.report.problem
        value, option, text = row["value"].strip(), row["option"].strip(), row["text"]
        if kind in SCALES:
            low, high = SCALES[kind]
            if option or text or not value.lstrip("-").isdigit() or not low <= int(value) <= high:
                problem(line, f"a {kind.value} answer is a whole number from {low} to {high}")
        elif kind is Kind.TEXT:
            if value or option or not text.strip():
                problem(line, "a text answer has text and no value or option")
            elif len(text) > self.max_text:
                problem(line, f"text is longer than {self.max_text} characters")
        elif value or text or not CODE.fullmatch(option):
            problem(line, f"a {kind.value} answer is an option code (lower-case, digits, _)")
        elif stored and option not in stored[1]:
            problem(line, f"{option!r} is not an option of question {key[0]} version {key[1]}")
        elif option not in seen.options:
            seen.options.append(option)
        response = (row["wave"].strip(), row["unit_path"].strip(), row["response_id"].strip())
        if not response[2]:
            problem(line, "response_id is empty")
            return
        answered = self.responses.setdefault(response, {})
        if key in answered and kind is not Kind.MULTI:
            problem(line, f"response {response[2]} answers {key[0]} twice")
        answered[key] = value or option or text

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
        for name, wave in stored.items():
            dates = (wave.opens_at.date(), wave.closes_at.date())
            if dates != self.plan.waves[name]:
                self.report.problem(0, f"wave {name!r} exists with dates {dates[0]} to {dates[1]}")
            asked = {(q.code, q.version) for q in _wave_versions(wave.id)}
            for key in self.plan.wave_questions.get(name, []):
                if key not in asked:
                    self.report.problem(
                        0, f"wave {name!r} exists and did not ask {key[0]} v{key[1]}"
                    )


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
    try:
        for line, row in _rows(binary):
            report.rows += 1
            checker.row(line, row)
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
    specs = {spec.code: spec for spec in bank.DEFAULT_QUESTIONS}
    for (code, number), seen in plan.questions.items():
        question = session.scalar(select(Question).where(Question.code == code))
        if question is None and code in specs:
            questions.install_question(session, specs[code])
            question = session.scalar(select(Question).where(Question.code == code))
        if question is None:
            question = Question(code=code)
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


def _waves(session: Session, plan: Plan, versions: dict) -> dict[str, Wave]:
    """Return the file's waves, creating (and launching, as of their start) missing ones."""
    found: dict[str, Wave] = {}
    for name, (start, end) in plan.waves.items():
        wave = session.scalar(select(Wave).where(Wave.name == name))
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


def _store(session: Session, binary: IO[bytes], plan: Plan, report: Report) -> None:
    """Store the checked file's responses that are not stored yet."""
    unit_ids = {path: units.ensure_path(session, path).id for path in sorted(plan.units)}
    versions = _question_versions(session, plan)
    wave_rows = _waves(session, plan, versions)
    options = {
        (version.id, option.code): option.id
        for version in versions.values()
        for option in version.options
    }
    existing = set(
        session.scalars(
            select(Response.nonce).where(
                Response.wave_id.in_([w.id for w in wave_rows.values()]),
                Response.nonce.like(NONCE_PREFIX + "%"),
            )
        )
    )
    stored: dict[str, int] = {}  # responses this import has inserted: nonce -> id
    pending: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    late: list[dict[str, Any]] = []  # answers of a response whose rows are not all together
    for _line, row in _rows(binary):
        wave = wave_rows[row["wave"].strip()]
        path = units.SEPARATOR.join(p.strip() for p in row["unit_path"].split(">"))
        key = nonce(wave.name, path, row["response_id"].strip())
        if key in existing:
            continue
        version = versions[(row["question_code"].strip(), int(row["question_version"]))]
        value, option = row["value"].strip(), row["option"].strip()
        answer = {
            "question_version_id": version.id,
            "value": int(value) if value else None,
            "option_id": options[(version.id, option)] if option else None,
            "text": row["text"] if version.kind is Kind.TEXT else None,
        }
        if key in stored:
            late.append(answer | {"response_id": stored[key]})
            continue
        if key not in pending and len(pending) >= BATCH:
            stored |= _insert(session, pending)
            pending = {}
        pending.setdefault(
            key,
            (
                {
                    "wave_id": wave.id,
                    "unit_id": unit_ids[path],
                    "definition_id": wave.definition_id,
                    "nonce": key,
                    "submitted_on": wave.opens_at.date(),
                },
                [],
            ),
        )[1].append(answer)
    stored |= _insert(session, pending)
    if late:
        session.execute(insert(Answer.__table__), late)
    report.added = len(stored)
    # The waves' tallies must look at their responses again.
    session.execute(
        update(Wave.__table__)
        .where(Wave.id.in_([w.id for w in wave_rows.values()]))
        .values(tallies_final_for=None)
    )


def _insert(session: Session, pending: dict) -> dict[str, int]:
    """Insert a batch of responses, then their answers; return their ids by nonce."""
    if not pending:
        return {}
    batch = list(pending.values())
    ids = session.scalars(
        insert(Response.__table__).returning(Response.id, sort_by_parameter_order=True),
        [response for response, _ in batch],
    ).all()
    answers = [
        answer | {"response_id": response_id}
        for response_id, (_, rows) in zip(ids, batch, strict=True)
        for answer in rows
    ]
    session.execute(insert(Answer.__table__), answers)
    return dict(zip(pending, ids, strict=True))


def summary(report: Report) -> str:
    """Return what happened, in one sentence."""
    if not report.ok:
        count = report.problem_count
        return f"{count} problem{'' if count == 1 else 's'} found, so nothing was imported"
    found = (
        f"{report.rows:,} answers in {report.responses:,} responses, "
        f"{len(report.waves)} wave{'' if len(report.waves) == 1 else 's'}"
    )
    if report.dry_run:
        return f"good to import: {found}; nothing stored (dry run)"
    return f"imported {report.added:,} new responses ({found}; the rest were there already)"


def import_responses(open_file: Any, dry_run: bool = False, progress: Progress = _quiet) -> Report:
    """Check a file and import it if it is good. `open_file("rb")` opens it (it is read twice)."""
    with open_file("rb") as binary:
        report, plan = check(binary, progress)
    report.dry_run = dry_run
    report.waves = sorted(plan.waves)
    if not report.ok or dry_run:
        return report
    progress("importing", report.rows)
    with write_transaction() as session, open_file("rb") as binary:
        _store(session, binary, plan, report)
    # Bring the figures up to date now, so the first person to look does not wait for them.
    progress("figures", report.rows)
    imported = db.session.scalars(select(Wave.id).where(Wave.name.in_(report.waves))).all()
    tallies.refresh(imported, utcnow())
    return report
