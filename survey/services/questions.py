"""The question bank: installing the default pulse and its definition."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey import bank
from survey.models import Definition, Option, Question, QuestionVersion, Survey, SurveyItem


def _install_question(session: Session, spec: bank.QuestionSpec) -> QuestionVersion:
    """Return the first version of a bank question, creating it if it does not exist."""
    question = session.scalar(select(Question).where(Question.code == spec.code))
    if question is not None:
        return question.versions[0]
    question = Question(code=spec.code)
    version = QuestionVersion(
        question=question,
        version=1,
        text=spec.text,
        hint=spec.hint,
        kind=spec.kind,
        dimension=spec.dimension,
        required=spec.required,
    )
    version.options = [
        Option(position=i, code=o.code, label=o.label, is_aim=o.is_aim, exclusive=o.exclusive)
        for i, o in enumerate(spec.options)
    ]
    session.add(question)
    return version


def ensure_default_survey(session: Session) -> Survey:
    """Return the default pulse, installing its questions and first definition when missing."""
    survey = session.scalar(select(Survey).where(Survey.name == bank.DEFAULT_SURVEY))
    if survey is None:
        versions = [_install_question(session, spec) for spec in bank.DEFAULT_QUESTIONS]
        survey = Survey(name=bank.DEFAULT_SURVEY)
        survey.items = [SurveyItem(position=i, question_version=v) for i, v in enumerate(versions)]
        session.add(survey)
    if session.scalar(select(func.count()).select_from(Definition)) == 0:
        session.add(Definition(version=1, text=bank.DEFAULT_DEFINITION))
    session.flush()
    return survey


def current_definition(session: Session) -> Definition | None:
    """Return the latest version of the organisation's definition of the change."""
    return session.scalar(select(Definition).order_by(Definition.version.desc()).limit(1))
