"""Surveys: composing ordered questions from the bank, with launched ones locked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, joinedload, selectinload

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Kind, QuestionVersion, Survey, SurveyItem, User, Wave
from survey.services import audit, names, questions
from survey.services.problems import Invalid, NotFound
from survey.services.pulses import Pulse, build_pulse_items, estimated_minutes


@dataclass(frozen=True)
class ItemRow:
    """A question at a position in a survey."""

    position: int
    version_id: int
    code: str
    text: str
    kind: Kind
    # Its wording, hint or a choice has no Welsh yet (which a bilingual survey must fix).
    lacks_welsh: bool = False


@dataclass(frozen=True)
class SurveyView:
    """A survey with its questions, whether it is locked, and how long it takes."""

    id: int
    name: str
    items: tuple[ItemRow, ...]
    locked_by: tuple[str, ...]
    bilingual: bool = False

    @property
    def minutes(self) -> int:
        """Return the estimated completion time in whole minutes, rounded up."""
        return estimated_minutes(item.kind for item in self.items)


@dataclass(frozen=True)
class SurveyHeadline:
    """What a wave's page says of its survey: its name, how many questions, how long."""

    name: str
    kinds: tuple[Kind, ...]

    @property
    def questions(self) -> int:
        """Return how many questions it asks."""
        return len(self.kinds)

    @property
    def minutes(self) -> int:
        """Return the estimated completion time in whole minutes, rounded up."""
        return estimated_minutes(self.kinds)


def headline(survey_id: int) -> SurveyHeadline:
    """Return a survey's name and its questions' kinds in one query (a wave's page shows no
    more, and `get` reads every question, choice and wave using it)."""
    rows = db.session.execute(
        select(Survey.name, QuestionVersion.kind)
        .outerjoin(SurveyItem, SurveyItem.survey_id == Survey.id)
        .outerjoin(QuestionVersion, QuestionVersion.id == SurveyItem.question_version_id)
        .where(Survey.id == survey_id)
    ).all()
    if not rows:
        raise NotFound(survey_id)
    return SurveyHeadline(rows[0].name, tuple(row.kind for row in rows if row.kind is not None))


def listing() -> list[SurveyView]:
    """Return every survey with its questions."""
    ids = db.session.scalars(select(Survey.id).order_by(Survey.name)).all()
    return [get(survey_id) for survey_id in ids]


def choices() -> list[tuple[int, str]]:
    """Return every survey's id and name, by name (for choosing one, without its questions)."""
    return [
        tuple(row)
        for row in db.session.execute(select(Survey.id, Survey.name).order_by(Survey.name))
    ]


def get(survey_id: int) -> SurveyView:
    """Return one survey or raise NotFound."""
    # Items, their versions, questions and choices in four queries, not four per question.
    survey = db.session.scalar(
        select(Survey)
        .where(Survey.id == survey_id)
        .options(
            selectinload(Survey.items)
            .joinedload(SurveyItem.question_version)
            .options(joinedload(QuestionVersion.question), selectinload(QuestionVersion.options))
        )
    )
    if survey is None:
        raise NotFound(survey_id)
    gaps = set(questions.welsh_gaps(survey))
    items = tuple(
        ItemRow(
            item.position,
            item.question_version_id,
            item.question_version.question.code,
            item.question_version.text,
            item.question_version.kind,
            item.question_version.question.code in gaps,
        )
        for item in survey.items
    )
    locked_by = tuple(
        db.session.scalars(
            select(Wave.name)
            .where(Wave.survey_id == survey_id, Wave.launched_at.is_not(None))
            .order_by(Wave.opens_at)
        )
    )
    return SurveyView(survey.id, survey.name, items, locked_by, survey.bilingual)


def _unlocked(session: Session, survey_id: int) -> list[int]:
    """Return the survey's version ids in order, or raise if a launched wave uses it."""
    if session.get(Survey, survey_id) is None:
        raise NotFound(survey_id)
    if session.scalar(
        select(func.count())
        .select_from(Wave)
        .where(Wave.survey_id == survey_id, Wave.launched_at.is_not(None))
    ):
        raise Invalid(
            "",
            "A launched wave uses this survey, so its questions cannot change. "
            "Make a copy to change the questions for future waves.",
        )
    return list(
        session.scalars(
            select(SurveyItem.question_version_id)
            .where(SurveyItem.survey_id == survey_id)
            .order_by(SurveyItem.position)
        )
    )


def _store(session: Session, survey_id: int, version_ids: list[int]) -> None:
    """Replace the survey's items with `version_ids`, in order."""
    session.execute(delete(SurveyItem).where(SurveyItem.survey_id == survey_id))
    if version_ids:
        session.execute(
            insert(SurveyItem),
            [
                {"survey_id": survey_id, "position": i, "question_version_id": v}
                for i, v in enumerate(version_ids)
            ],
        )


def create(actor: User, name: str) -> int:
    """Add an empty survey and return its id."""
    with write_transaction() as session:
        name = name.strip()
        if session.scalar(select(Survey.id).where(Survey.name == name)) is not None:
            raise Invalid("name", "There is already a survey with this name")
        survey = Survey(name=name)
        session.add(survey)
        session.flush()
        audit.record(session, actor, "survey.add", name)
        return survey.id


def add_item(actor: User, survey_id: int, version_id: int) -> None:
    """Append a bank question's version to the survey."""
    with write_transaction() as session:
        versions = _unlocked(session, survey_id)
        version = session.get(QuestionVersion, version_id)
        if version is None:
            raise Invalid("question_version_id", "Choose a question from the list")
        if any(
            session.get_one(QuestionVersion, v).question_id == version.question_id for v in versions
        ):
            raise Invalid("question_version_id", "This question is already in the survey")
        _store(session, survey_id, [*versions, version_id])
        audit.record(
            session,
            actor,
            "survey.add_question",
            f"{session.get_one(Survey, survey_id).name}: {version.question.code}",
        )


def move(actor: User, survey_id: int, position: int, step: int) -> None:
    """Move the question at `position` up (step -1) or down (step +1)."""
    with write_transaction() as session:
        versions = _unlocked(session, survey_id)
        target = position + step
        if not (0 <= position < len(versions) and 0 <= target < len(versions)):
            raise Invalid("", "That question cannot move further")
        versions[position], versions[target] = versions[target], versions[position]
        _store(session, survey_id, versions)
        audit.record(
            session,
            actor,
            "survey.reorder",
            f"{session.get_one(Survey, survey_id).name}: moved question "
            f"{position + 1} to {target + 1}",
        )


def remove(actor: User, survey_id: int, position: int) -> None:
    """Take the question at `position` out of the survey."""
    with write_transaction() as session:
        versions = _unlocked(session, survey_id)
        if not 0 <= position < len(versions):
            raise Invalid("", "That question is not in the survey")
        del versions[position]
        _store(session, survey_id, versions)
        audit.record(
            session,
            actor,
            "survey.remove_question",
            f"{session.get_one(Survey, survey_id).name}: removed question {position + 1}",
        )


def set_bilingual(actor: User, survey_id: int, bilingual: bool) -> None:
    """Offer the survey in Welsh and English, or in English only, until a wave launches it."""
    with write_transaction() as session:
        _unlocked(session, survey_id)
        survey = session.get_one(Survey, survey_id)
        survey.bilingual = bilingual
        audit.record(
            session,
            actor,
            "survey.languages",
            f"{survey.name}: {'Welsh and English' if bilingual else 'English only'}",
        )


def copy(actor: User, survey_id: int) -> int:
    """Copy a survey (locked or not) under a new name and return the copy's id."""
    original = get(survey_id)
    with write_transaction() as session:
        name = names.unique(session, Survey.name, f"{original.name} (copy)")
        survey = Survey(name=name, bilingual=original.bilingual)
        session.add(survey)
        session.flush()
        _store(session, survey.id, [item.version_id for item in original.items])
        audit.record(session, actor, "survey.copy", f"{original.name} copied to {name}")
        return survey.id


def preview(survey_id: int) -> Pulse:
    """Return the survey as a pulse for previewing; nothing about it is cached or stored."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(survey_id)
    definition = questions.current_definition(db.session)
    return Pulse(
        wave_id=0,
        wave_name=f"Preview of {survey.name}",
        survey_id=survey.id,
        opens_at=survey.created_at,
        definition_id=None,
        definition_text=definition.text if definition else "",
        items=build_pulse_items(survey),
        bilingual=survey.bilingual,
        definition_text_cy=(definition.text_cy or "") if definition else "",
    )
