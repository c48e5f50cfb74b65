"""The question bank: the default pulse, custom questions, versions that keep answers meaning."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.orm import Session

from survey import bank
from survey.database import write_transaction
from survey.extensions import db
from survey.models import (
    Answer,
    Definition,
    Kind,
    Option,
    Question,
    QuestionVersion,
    Survey,
    SurveyItem,
    User,
    Wave,
)
from survey.services import audit
from survey.services.problems import Invalid, NotFound

CHOICE_KINDS = (Kind.SINGLE, Kind.MULTI)
MARKERS = {"[aim]": (True, False), "[decoy]": (False, False), "[only]": (None, True)}


@dataclass(frozen=True)
class BankRow:
    """The latest version of a question, as the bank lists it."""

    question_id: int
    code: str
    version_id: int
    version: int
    text: str
    kind: Kind
    dimension: str
    frozen: bool


def same_code(code: str) -> ColumnElement[bool]:
    """Return the condition for the question with this code, whatever the case of its letters."""
    return func.lower(Question.code) == code.lower()


def install_question(session: Session, spec: bank.QuestionSpec) -> QuestionVersion:
    """Return the first version of a bank question, creating it if it does not exist."""
    question = session.scalar(select(Question).where(same_code(spec.code)))
    if question is not None:
        return question.versions[0]
    question = Question(code=spec.code)
    version = QuestionVersion(
        question=question,
        version=1,
        text=spec.text,
        hint=spec.hint,
        text_cy=spec.text_cy,
        hint_cy=spec.hint_cy or None,
        kind=spec.kind,
        dimension=spec.dimension,
        required=spec.required,
    )
    version.options = [
        Option(
            position=i,
            code=o.code,
            label=o.label,
            label_cy=o.label_cy,
            is_aim=o.is_aim,
            exclusive=o.exclusive,
        )
        for i, o in enumerate(spec.options)
    ]
    session.add(question)
    return version


def ensure_default_survey(session: Session) -> Survey:
    """Return the default pulse, installing its questions and first definition when missing."""
    survey = session.scalar(select(Survey).where(Survey.name == bank.DEFAULT_SURVEY))
    if survey is None:
        versions = [install_question(session, spec) for spec in bank.DEFAULT_QUESTIONS]
        survey = Survey(name=bank.DEFAULT_SURVEY)
        survey.items = [SurveyItem(position=i, question_version=v) for i, v in enumerate(versions)]
        session.add(survey)
    if session.scalar(select(func.count()).select_from(Definition)) == 0:
        session.add(
            Definition(version=1, text=bank.DEFAULT_DEFINITION, text_cy=bank.DEFAULT_DEFINITION_CY)
        )
    session.flush()
    return survey


def current_definition(session: Session) -> Definition | None:
    """Return the latest version of the organisation's definition of the change."""
    return session.scalar(select(Definition).order_by(Definition.version.desc()).limit(1))


def _frozen(version_id: object) -> object:
    """SQL: the version has answers or sits in a survey that a launched wave uses."""
    answered = exists().where(Answer.question_version_id == version_id)
    launched = exists().where(
        SurveyItem.question_version_id == version_id,
        Wave.survey_id == SurveyItem.survey_id,
        Wave.launched_at.is_not(None),
    )
    return answered | launched


def search(text: str = "") -> list[BankRow]:
    """Return the latest version of every question whose code, wording or dimension matches."""
    latest = (
        select(QuestionVersion.question_id, func.max(QuestionVersion.version).label("v"))
        .group_by(QuestionVersion.question_id)
        .subquery()
    )
    query = (
        select(
            Question.id,
            Question.code,
            QuestionVersion.id,
            QuestionVersion.version,
            QuestionVersion.text,
            QuestionVersion.kind,
            QuestionVersion.dimension,
            _frozen(QuestionVersion.id),
        )
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .join(
            latest, (latest.c.question_id == Question.id) & (latest.c.v == QuestionVersion.version)
        )
        .order_by(Question.code)
    )
    if text.strip():
        like = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Question.code).like(like),
                func.lower(QuestionVersion.text).like(like),
                func.lower(QuestionVersion.dimension).like(like),
            )
        )
    return [BankRow(*row) for row in db.session.execute(query).all()]


def latest(question_id: int) -> QuestionVersion:
    """Return a question's latest version or raise NotFound."""
    version = db.session.scalar(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question_id)
        .order_by(QuestionVersion.version.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(question_id)
    return version


def options_text(version: QuestionVersion) -> str:
    """Return a version's options in the editor's one-per-line form, with their markers."""
    marker = {True: " [aim]", False: " [decoy]"}
    return "\n".join(
        o.label + (" [only]" if o.exclusive else marker.get(o.is_aim, "")) for o in version.options
    )


def parse_options(kind: Kind, text: str, before: Sequence[tuple[str, str]] = ()) -> list[Option]:
    """Turn the editor's lines into options, or raise Invalid saying what is wrong.

    `before` holds the edited version's choices, (label, code) in order. A choice keeps the code
    of the one with its label (whatever its case), or else of the one in its place whose label
    is gone (a reworded choice, a typo put right): the figures built on the built-in questions'
    codes (the readings, the recognition check) then mean the same after an edit.
    """
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if kind not in CHOICE_KINDS:
        if lines:
            raise Invalid("options", "Only one-choice and several-choice questions have choices")
        return []
    if len(lines) < 2:
        raise Invalid("options", "Enter at least 2 choices, one per line")
    parsed, labels = [], set()
    for position, line in enumerate(lines):
        is_aim, exclusive = None, False
        for marker, (aim, only) in MARKERS.items():
            if line.lower().endswith(marker):
                line, is_aim, exclusive = line[: -len(marker)].strip(), aim, only
        if len(line) > 200 or line.lower() in labels:
            raise Invalid("options", f"Choice {position + 1} is too long or repeats another")
        labels.add(line.lower())
        parsed.append((position, line, is_aim, exclusive))
    keep = {label.lower(): code for label, code in before}
    reworded = {
        position: code
        for position, (label, code) in enumerate(before)
        if label.lower() not in labels
    }
    reserved = set(keep.values())  # a new choice never takes a code that meant another
    used: set[str] = set()
    options = []
    for position, line, is_aim, exclusive in parsed:
        code = keep.get(line.lower())
        if code is None and reworded.get(position, "") not in ("", *used):
            code = reworded[position]
        if code is None:
            base = re.sub(r"[^a-z0-9]+", "_", line.lower()).strip("_")[:56] or f"choice_{position}"
            code, n = base, 1
            while code in reserved or code in used:  # labels alike but for punctuation
                n += 1
                code = f"{base}_{n}"
        used.add(code)
        options.append(
            Option(position=position, code=code, label=line, is_aim=is_aim, exclusive=exclusive)
        )
    return options


@dataclass(frozen=True)
class QuestionDraft:
    """What the question editor sends: everything about a question except its code."""

    text: str
    hint: str
    kind: Kind
    dimension: str
    required: bool
    options: str
    # The Welsh wording, for bilingual surveys; choices one per line in the English order.
    text_cy: str = ""
    hint_cy: str = ""
    options_cy: str = ""


def options_text_cy(version: QuestionVersion) -> str:
    """Return a version's Welsh choice labels, one per line, or "" when it has none."""
    labels = [o.label_cy or "" for o in version.options]
    return "\n".join(labels) if any(labels) else ""


def parse_welsh_options(options: list[Option], text: str) -> list[str | None]:
    """Return the Welsh label of each option, in order (all None when none are given), or raise
    Invalid when they do not pair up with the English choices."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return [None] * len(options)
    if len(lines) != len(options):
        raise Invalid(
            "options_cy",
            f"Enter one Welsh choice for each of the {len(options)} English choices, "
            "in the same order",
        )
    for position, line in enumerate(lines):
        if len(line) > 200:
            raise Invalid(
                "options_cy", f"Welsh choice {position + 1} is longer than 200 characters"
            )
    return list(lines)


def welsh_gaps(survey: Survey) -> list[str]:
    """Return the codes of a survey's questions that lack Welsh text for their wording, hint or
    any choice."""
    gaps = []
    for item in survey.items:
        version = item.question_version
        if (
            not version.text_cy
            or (version.hint and not version.hint_cy)
            or any(not option.label_cy for option in version.options)
        ):
            gaps.append(version.question.code)
    return gaps


def _apply(
    version: QuestionVersion, draft: QuestionDraft, before: Sequence[tuple[str, str]] = ()
) -> None:
    """Write a draft onto a version; its choices keep the codes of `before` (parse_options)."""
    version.text, version.hint, version.kind = draft.text.strip(), draft.hint.strip(), draft.kind
    version.dimension, version.required = draft.dimension or "", draft.required
    version.text_cy, version.hint_cy = draft.text_cy.strip() or None, draft.hint_cy.strip() or None
    options = parse_options(draft.kind, draft.options, before)
    for option, label_cy in zip(
        options, parse_welsh_options(options, draft.options_cy), strict=True
    ):
        option.label_cy = label_cy
    version.options = options


def _adds_only_welsh(version: QuestionVersion, draft: QuestionDraft) -> bool:
    """Return whether a draft keeps a version's English wording and choices and only gives Welsh
    text to a version that had none: a translation, which the answers' meaning survives."""
    had_welsh = version.text_cy or version.hint_cy or any(o.label_cy for o in version.options)
    same_english = (
        version.text == draft.text.strip()
        and version.hint == draft.hint.strip()
        and version.kind == draft.kind
        and version.dimension == (draft.dimension or "")
        and version.required == draft.required
        and options_text(version)
        == "\n".join(line.strip() for line in draft.options.splitlines() if line.strip())
    )
    return same_english and not had_welsh and bool(draft.text_cy.strip())


def create(actor: User, code: str, draft: QuestionDraft) -> int:
    """Add a custom question to the bank and return its id."""
    with write_transaction() as session:
        if session.scalar(select(Question.id).where(same_code(code))) is not None:
            raise Invalid("code", "A question with this code already exists")
        question = Question(code=code)
        version = QuestionVersion(question=question, version=1)
        _apply(version, draft)
        session.add(question)
        session.flush()
        audit.record(session, actor, "question.add", f"{code}: {version.text}")
        return question.id


def edit(actor: User, question_id: int, draft: QuestionDraft) -> bool:
    """Change a question; return True when a new version was made to keep old answers intact."""
    with write_transaction() as session:
        current = latest(question_id)
        codes = [(option.label, option.code) for option in current.options]
        frozen = session.scalar(select(_frozen(current.id)))
        # Refuse bad choices before touching anything.
        parse_welsh_options(parse_options(draft.kind, draft.options), draft.options_cy)
        if frozen and _adds_only_welsh(current, draft):
            # A bilingual survey can then use the wording its earlier answers were given to.
            _translate(current, draft)
            audit.record(
                session, actor, "question.welsh", f"{current.question.code} v{current.version}"
            )
            return False
        if frozen:
            version = QuestionVersion(question_id=question_id, version=current.version + 1)
            session.add(version)
        else:
            version = current
            for option in list(version.options):
                session.delete(option)
            session.flush()
        _apply(version, draft, codes)
        session.flush()
        if frozen:
            # Surveys no launched wave uses follow the new wording; launched ones keep theirs.
            session.execute(
                update(SurveyItem)
                .where(
                    SurveyItem.question_version_id == current.id,
                    ~exists().where(
                        Wave.survey_id == SurveyItem.survey_id, Wave.launched_at.is_not(None)
                    ),
                )
                .values(question_version_id=version.id)
            )
        audit.record(
            session,
            actor,
            "question.edit",
            f"{current.question.code} v{version.version}: {version.text}",
        )
        return bool(frozen)


def _translate(version: QuestionVersion, draft: QuestionDraft) -> None:
    """Give a version Welsh text in place, its English wording and choices untouched."""
    version.text_cy, version.hint_cy = draft.text_cy.strip() or None, draft.hint_cy.strip() or None
    labels = parse_welsh_options(list(version.options), draft.options_cy)
    for option, label_cy in zip(version.options, labels, strict=True):
        option.label_cy = label_cy
