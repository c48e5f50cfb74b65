"""Typed SQLAlchemy models: the organisation, the question bank, waves, links and responses."""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db


def utcnow() -> datetime:
    """Return the current UTC time as a naive datetime, the form every column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


class Kind(enum.StrEnum):
    """How a question is answered; the values are the CSV `kind` codes."""

    SCALE5 = "scale5"
    SCALE11 = "scale11"
    SINGLE = "single"
    MULTI = "multi"
    TEXT = "text"


class Role(enum.StrEnum):
    """What a signed-in user may do."""

    ADMIN = "admin"
    ANALYST = "analyst"
    MANAGER = "manager"


class ActionStatus(enum.StrEnum):
    """Progress of a "you said, we did" action."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    """Store an enum by value in a portable VARCHAR with a CHECK constraint."""
    return Enum(
        cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        create_constraint=True,
        name=cls.__name__.lower(),
        length=16,
    )


class Unit(db.Model):
    """A directorate, service or team in the organisation tree."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")

    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        CheckConstraint("headcount >= 0", name="headcount_not_negative"),
    )


class User(db.Model):
    """An HR admin, analyst or manager who signs in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Part of every session cookie; changing it ends all of the user's sessions at once.
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    # A one-time password (handed over by an admin) stops working at this time; None for a
    # password the user chose.
    password_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set with a one-time password: the user must choose their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)

    unit: Mapped[Unit | None] = relationship()

    # Flask-Login's interface, kept here so the model is the one place that knows a user.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Return whether the account may sign in."""
        return self.active

    def get_id(self) -> str:
        """Return the session identity: id and current session token."""
        return f"{self.id}:{self.session_token}"

    def password_expired(self, now: datetime) -> bool:
        """Return whether the user's one-time password has run out at `now`."""
        return self.password_expires_at is not None and self.password_expires_at <= now


class Question(db.Model):
    """A question's stable identity; its wording lives in immutable versions."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)

    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", order_by="QuestionVersion.version"
    )


class QuestionVersion(db.Model):
    """One wording of a question; once answered it never changes, so answers keep their meaning."""

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    hint: Mapped[str] = mapped_column(String(500), default="")
    # The same question in Welsh, for bilingual surveys: answers in either language are answers
    # to this one version. None until HR enter it.
    text_cy: Mapped[str | None] = mapped_column(String(500))
    hint_cy: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[Kind] = mapped_column(_enum(Kind))
    dimension: Mapped[str] = mapped_column(String(40), default="")
    reverse_scored: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    question: Mapped[Question] = relationship(back_populates="versions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question_version", order_by="Option.position"
    )

    __table_args__ = (UniqueConstraint("question_id", "version"),)


class Option(db.Model):
    """A choice of a single- or multiple-choice question version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    label_cy: Mapped[str | None] = mapped_column(String(200))
    # For the recognition check: True marks one of the organisation's real aims, False a decoy.
    is_aim: Mapped[bool | None] = mapped_column(Boolean)
    # An answer such as "Not sure" that cannot be combined with the other choices.
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)

    question_version: Mapped[QuestionVersion] = relationship(back_populates="options")

    __table_args__ = (UniqueConstraint("question_version_id", "code"),)


class Survey(db.Model):
    """An ordered set of question versions that staff answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Staff may answer in Welsh or English; it cannot launch until every question has Welsh text.
    bilingual: Mapped[bool] = mapped_column(Boolean, default=False)

    items: Mapped[list[SurveyItem]] = relationship(
        back_populates="survey", order_by="SurveyItem.position", cascade="all, delete-orphan"
    )


class SurveyItem(db.Model):
    """A question version at a position in a survey."""

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))

    survey: Mapped[Survey] = relationship(back_populates="items")
    question_version: Mapped[QuestionVersion] = relationship()


class Definition(db.Model):
    """A version of the organisation's plain-English definition of the change."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    text: Mapped[str] = mapped_column(Text)
    text_cy: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Notice(db.Model):
    """A version of a page staff can read from every pulse page: the privacy notice or the
    accessibility statement. Saved like the definition: every save a new version."""

    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Wave(db.Model):
    """One run of a survey between two times, for an audience snapshot taken at launch."""

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    name: Mapped[str] = mapped_column(String(80), unique=True)
    opens_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    launched_at: Mapped[datetime | None] = mapped_column(DateTime)
    cadence: Mapped[str] = mapped_column(String(16), default="")
    anonymity_threshold: Mapped[int] = mapped_column(Integer)
    comment_threshold: Mapped[int] = mapped_column(Integer)
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("definition.id"))
    # Who is asked: this unit and everything below it; None means the whole organisation.
    audience_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # Team links only for units of at least twice the threshold; smaller ones by invitation.
    invitations_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # The wave this one follows in a recurring series.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("wave.id"))
    # Optimistic locking: two admins editing one wave cannot silently overwrite each other.
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # The closing time the tallies were completed against: while it still holds they need no
    # catch-up. Written outside the ORM, so it never bumps row_version under an admin's edit.
    tallies_final_for: Mapped[datetime | None] = mapped_column(DateTime)
    # E-mail reminders go this many days before the close (None: only when sent by hand); the
    # closing time the scheduled one was queued for, so an extension schedules it again. Both
    # written outside the ORM, like tallies_final_for, so they never clash with an admin's edit.
    remind_days_before: Mapped[int | None] = mapped_column(Integer)
    reminded_for: Mapped[datetime | None] = mapped_column(DateTime)

    survey: Mapped[Survey] = relationship()
    definition: Mapped[Definition | None] = relationship()
    audience: Mapped[list[WaveUnit]] = relationship(back_populates="wave")
    previous: Mapped[Wave | None] = relationship(remote_side=[id], back_populates="next")
    next: Mapped[list[Wave]] = relationship(back_populates="previous")

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        # A wave has at most one successor, so two `tick`s at once cannot both make it.
        UniqueConstraint("previous_id"),
    )

    def is_open(self, now: datetime) -> bool:
        """Return whether staff may answer at `now`."""
        return self.launched_at is not None and self.opens_at <= now < self.closes_at


class WaveUnit(db.Model):
    """A unit in a wave's audience as it stood at launch: its place in the tree and headcount."""

    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    parent_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    path: Mapped[str] = mapped_column(String(500))
    headcount: Mapped[int] = mapped_column(Integer)

    wave: Mapped[Wave] = relationship(back_populates="audience")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])


class Invitation(db.Model):
    """A single-use link for one person. Only the token's hash is kept; no response points here."""

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class Recipient(db.Model):
    """A member of staff's e-mail address for one wave, until the wave closes (then deleted).

    It points at the person's invitation so a reminder goes only to an unused link; nothing
    points from a response to either. Each message's state is written in its own transaction
    before the SMTP conversation, so a restarted worker never sends one twice.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    email: Mapped[str] = mapped_column(String(254))
    # With SECRET_KEY this makes the person's link (survey/services/mail_links.py); the link
    # itself is never stored, so a copy of the database alone opens nobody's pulse.
    link_key: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"), unique=True)
    # waiting (for launch or opening), queued, sending, sent, retry, failed, unsure
    invite_status: Mapped[str] = mapped_column(String(16), default="waiting")
    # "" (none asked), queued, sending, sent, retry, failed, unsure
    remind_status: Mapped[str] = mapped_column(String(16), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The last SMTP reply that refused the invitation for good, shown to the admin to correct.
    problem: Mapped[str] = mapped_column(String(300), default="")
    # The day of the last message (invitation or reminder): at most one a day per address.
    last_mailed_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("wave_id", "email"),
        db.Index("ix_recipient_wave_status", "wave_id", "invite_status"),
    )


class TeamLink(db.Model):
    """An open link for everyone in one unit for one wave; admins may switch it off."""

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("wave_id", "unit_id"),)


class Response(db.Model):
    """One person's submitted pulse: wave, unit and day only, nothing that identifies them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("definition.id"))
    # Random per rendered pulse, so a double click or a retry stores one response, not two.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_on: Mapped[date] = mapped_column(Date)
    # Random, so raw exports list responses in an order that says nothing of when they came.
    shuffle: Mapped[int] = mapped_column(Integer, default=lambda: secrets.randbelow(2**31))

    answers: Mapped[list[Answer]] = relationship(back_populates="response")

    __table_args__ = (
        db.Index("ix_response_wave_unit", "wave_id", "unit_id"),
        db.Index("ix_response_wave_shuffle", "wave_id", "shuffle"),
    )


class Answer(db.Model):
    """An answer to one question version: a scale value, a chosen option or free text."""

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    value: Mapped[int | None] = mapped_column(Integer)
    option_id: Mapped[int | None] = mapped_column(ForeignKey("option.id"))
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN value IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN option_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN text IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_value",
        ),
    )


class Action(db.Model):
    """A "you said, we did" action recorded against a wave, for one unit or everyone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    text: Mapped[str] = mapped_column(String(1000))
    status: Mapped[ActionStatus] = mapped_column(_enum(ActionStatus), default=ActionStatus.PLANNED)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ImportJob(db.Model):
    """An upload of past results being checked and imported in the background."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    filename: Mapped[str] = mapped_column(String(200))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # queued, checking, importing, figures; then done (good, or imported) or failed (nothing
    # stored). The worker keeps it up to date, so it survives a restart of any process.
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # The file waiting in instance/imports/ until the job ends; runs started, for one retry.
    upload: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rows_checked: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")  # one per line
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEntry(db.Model):
    """Who changed what, and when: one row per admin change."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TallyMark(db.Model):
    """How many of a unit's responses in a wave (oldest first) the tallies include."""

    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    counted: Mapped[int] = mapped_column(Integer, default=0)


class AnswerTally(db.Model):
    """How many responses of a unit and the units below it in a wave gave one scale value or
    chose one option."""

    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id"), primary_key=True
    )
    # The scale value, or the option id for a choice question.
    choice: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RespondentTally(db.Model):
    """How many responses of a unit and the units below it in a wave answered one question:
    its own n under the anonymity rules (a multiple choice's option counts are not people)."""

    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id"), primary_key=True
    )
    n: Mapped[int] = mapped_column(Integer)


class CommentNote(db.Model):
    """A free-text answer released to insights (open waves: at a checkpoint), with its tone."""

    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id"), primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    sentiment: Mapped[float] = mapped_column(Float)
    # Random, so comments are listed in an order that says nothing of when they were written.
    shuffle: Mapped[int] = mapped_column(Integer)

    __table_args__ = (db.Index("ix_comment_note_wave_unit", "wave_id", "unit_id", "shuffle"),)


class UnderstandingTally(db.Model):
    """How many responses of a unit and the units below it in a wave share one combination of
    understanding facts."""

    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    claims: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    demonstrates: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    # The "mainly about" option code, '' when unanswered.
    reading: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
