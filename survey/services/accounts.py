"""Signing in and out: password checks that reveal nothing, and sessions that can be ended."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from survey.database import write_transaction
from survey.extensions import db
from survey.models import User
from survey.numbers import parse_id
from survey.services import units

# Checked when no account matches, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this e-mail and password, or None."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def load_session_user(identity: str) -> User | None:
    """Return the user a session cookie names, if that session has not been ended."""
    user_id, _, token = identity.partition(":")
    number = parse_id(user_id)
    if number is None or not token:
        return None
    user = db.session.get(User, number)
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def end_sessions(user_id: int) -> None:
    """End every session of a user, so an old cookie replayed later is refused."""
    with write_transaction() as session:
        session.get_one(User, user_id).session_token = secrets.token_hex(16)


def scope_path(user: User) -> str:
    """Return the path of the unit a user's view is limited to, or '' for the whole organisation."""
    return units.get(user.unit_id).path if user.unit_id is not None else ""
