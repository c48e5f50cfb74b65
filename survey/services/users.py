"""Accounts for HR admins, analysts and managers."""

from __future__ import annotations

import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Role, Unit, User, utcnow
from survey.services import audit
from survey.services.problems import Invalid, NotFound

MIN_PASSWORD_LENGTH = 12


class UserError(ValueError):
    """A user that cannot be created as asked, with a message for the person asking."""


def normal_email(text: str) -> str:
    """Return an e-mail address as accounts store it, or raise Invalid saying what is wrong.

    The one check of an address, for the users form and `flask create-user` alike.
    """
    try:
        found = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise Invalid(
            "email", f"Enter an email address like name@council.gov.uk: {error}"
        ) from error
    if len(found.normalized) > 254:
        raise Invalid("email", "Enter an email address of at most 254 characters")
    return found.normalized.lower()


def signing_in_as(text: str) -> str:
    """Return the account a sign-in names: the address made normal as accounts store it (an
    internationalised domain, composed accents), or as typed, lower-cased, if it is no address."""
    try:
        return normal_email(text)
    except Invalid:
        return text.strip().lower()


def set_user(
    session: Session, email: str, password: str, role: Role, unit: Unit | None = None
) -> User:
    """Create the user, or update the password, role and scope of an existing one."""
    try:
        email = normal_email(email)
    except Invalid as problem:
        raise UserError(problem.message) from problem
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if role is Role.MANAGER and unit is None:
        raise UserError("a manager needs a unit to see")
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email)
        session.add(user)
    user.password_hash = generate_password_hash(password)
    user.role = role
    user.unit = unit
    user.active = True
    user.session_token = secrets.token_hex(16)
    # A password set here is chosen by the person running the command: it neither expires nor
    # has to be changed.
    user.password_expires_at = None
    user.must_change_password = False
    session.flush()
    return user


def listing() -> list[tuple[User, str]]:
    """Return every user with the name of their unit ('' when none)."""
    rows = db.session.execute(
        select(User, Unit.name).outerjoin(Unit, Unit.id == User.unit_id).order_by(User.email)
    ).all()
    return [(user, unit or "") for user, unit in rows]


def get(user_id: int) -> User:
    """Return one user or raise NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


def _check(
    session: Session, email: str, role: Role, unit_id: int | None, user_id: int | None
) -> str:
    """Return the cleaned e-mail, or raise Invalid for a bad address, a clash or a manager
    without a unit."""
    email = normal_email(email)
    clash = session.scalar(select(User.id).where(User.email == email))
    if clash is not None and clash != user_id:
        raise Invalid("email", "There is already a user with this email address")
    if role is Role.MANAGER and unit_id is None:
        raise Invalid("unit_id", "Choose the unit this manager looks after")
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise Invalid("unit_id", "Choose a unit from the list")
    return email


def _one_time_password(user: User) -> str:
    """Give a user a new one-time password, ending their sessions, and return it to hand over.

    It works for ONE_TIME_PASSWORD_DAYS and only to choose a password of their own.
    """
    password = secrets.token_urlsafe(12)
    user.password_hash = generate_password_hash(password)
    user.password_expires_at = utcnow() + timedelta(
        days=current_app.config["ONE_TIME_PASSWORD_DAYS"]
    )
    user.must_change_password = True
    user.session_token = secrets.token_hex(16)
    return password


def invite(actor: User, email: str, role: Role, unit_id: int | None) -> tuple[User, str]:
    """Create a user; return them and a one-time password to hand over."""
    with write_transaction() as session:
        email = _check(session, email, role, unit_id, None)
        user = User(email=email, role=role, unit_id=unit_id if role is Role.MANAGER else None)
        password = _one_time_password(user)
        session.add(user)
        audit.record(session, actor, "user.add", f"Added {email} as {role.value}")
    return user, password


def reset_password(actor: User, user_id: int) -> tuple[User, str]:
    """Replace another user's password with a new one-time password; return them and it."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(user_id)
        if user.id == actor.id:
            raise Invalid("", "To change your own password, use Change your password")
        password = _one_time_password(user)
        audit.record(
            session,
            actor,
            "user.password_reset",
            f"Issued a new one-time password for {user.email}",
        )
    return user, password


def update(
    actor: User, user_id: int, email: str, role: Role, unit_id: int | None, active: bool
) -> None:
    """Change a user's e-mail, role, scope or status; deactivating ends their sessions."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(user_id)
        if user.id == actor.id and (role is not Role.ADMIN or not active):
            raise Invalid("role", "You cannot remove your own admin access; ask another admin")
        user.email = _check(session, email, role, unit_id, user_id)
        changes = f"{user.email}: role {role.value}, " + ("active" if active else "deactivated")
        user.role, user.active = role, active
        user.unit_id = unit_id if role is Role.MANAGER else None
        if not active:
            user.session_token = secrets.token_hex(16)
        audit.record(session, actor, "user.update", changes)


def admin_count() -> int:
    """Return how many active admins there are."""
    return (
        db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
        )
        or 0
    )
