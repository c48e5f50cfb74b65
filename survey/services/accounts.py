"""Signing in and out: password checks that reveal nothing, sessions that can be ended, and
people changing their own password."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from survey.database import write_transaction
from survey.extensions import db
from survey.models import User, utcnow
from survey.numbers import parse_id
from survey.services import units, users
from survey.services.problems import Invalid

# Checked when no account matches, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this e-mail and password, or None."""
    user = db.session.scalar(select(User).where(User.email == users.signing_in_as(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not usable(user):
        return None
    return user


def usable(user: User) -> bool:
    """Return whether an account may be used now: active, and not on an expired one-time
    password."""
    return user.active and not user.password_expired(utcnow())


def load_session_user(identity: str) -> User | None:
    """Return the user a session cookie names, if that session has not been ended."""
    user_id, _, token = identity.partition(":")
    number = parse_id(user_id)
    if number is None or not token:
        return None
    user = db.session.get(User, number)
    if user is None or not usable(user) or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def end_sessions(user_id: int) -> None:
    """End every session of a user, so an old cookie replayed later is refused."""
    with write_transaction() as session:
        session.get_one(User, user_id).session_token = secrets.token_hex(16)


def change_password(user_id: int, current: str | None, new: str) -> User:
    """Set a user's own password and end their other sessions; raise Invalid for a problem.

    `current` is None when the user has just signed in with a one-time password and must now
    choose their own; otherwise it must be their password. The caller keeps its own session by
    signing in again with the returned user's new session token.
    """
    with write_transaction() as session:
        user = session.get_one(User, user_id)
        if current is not None and not check_password_hash(user.password_hash, current):
            raise Invalid("current", "Your current password is not correct")
        if check_password_hash(user.password_hash, new):
            raise Invalid("new", "Choose a password that is different from your current one")
        user.password_hash = generate_password_hash(new)
        user.password_expires_at = None
        user.must_change_password = False
        user.session_token = secrets.token_hex(16)
    return user


def scope_path(user: User) -> str:
    """Return the path of the unit a user's view is limited to, or '' for the whole organisation."""
    return units.get(user.unit_id).path if user.unit_id is not None else ""
