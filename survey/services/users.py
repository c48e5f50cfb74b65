"""Accounts for HR admins, analysts and managers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from survey.models import Role, Unit, User

MIN_PASSWORD_LENGTH = 12


class UserError(ValueError):
    """A user that cannot be created as asked, with a message for the person asking."""


def set_user(
    session: Session, email: str, password: str, role: Role, unit: Unit | None = None
) -> User:
    """Create the user, or update the password, role and scope of an existing one."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an e-mail address")
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
    session.flush()
    return user
