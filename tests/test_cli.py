"""The flask commands: init-db, create-user and demo."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from survey.extensions import db
from survey.models import Invitation, Response, Role, Unit, User, Wave
from survey.services import users
from survey.services.demo import SMALL_TEAM, STUCK_TEAM


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            m.__name__: db.session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Unit, Wave, Response, User)
        }


def test_init_db_is_safe_to_repeat(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert "up to date" in result.output


def test_create_user_then_reset(app: Flask, runner: FlaskCliRunner) -> None:
    args = ["create-user", "HR@Example.org", "--role", "analyst", "--password", "long-enough-pw"]
    assert runner.invoke(args=args).exit_code == 0
    assert runner.invoke(args=args).exit_code == 0
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert (user.email, user.role) == ("hr@example.org", Role.ANALYST)
        assert "long-enough-pw" not in user.password_hash


def test_passwords_are_stored_as_scrypt_hashes_outside_the_suite(
    app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite hashes with one cheap round (tests/conftest.py); the product must not.
    monkeypatch.setattr(users, "generate_password_hash", generate_password_hash)
    args = ["create-user", "hr@example.org", "--role", "admin", "--password", "long-enough-pw"]
    assert runner.invoke(args=args).exit_code == 0
    with app.app_context():
        stored = db.session.scalars(select(User.password_hash)).one()
    assert stored.startswith("scrypt:32768:8:1$")
    assert check_password_hash(stored, "long-enough-pw")


def test_create_user_rejects_bad_input_with_a_message(runner: FlaskCliRunner) -> None:
    cases = [
        (["create-user", "not-an-email", "--password", "long-enough-pw"], "Enter an email address"),
        (["create-user", "bob smith@example.org", "--password", "long-enough-pw"], "Enter an"),
        (["create-user", "bob@", "--password", "long-enough-pw"], "Enter an email address"),
        (["create-user", "a@b.org", "--password", "short"], "at least 12"),
        (
            ["create-user", "a@b.org", "--role", "manager", "--password", "long-enough-pw"],
            "needs a unit",
        ),
        (
            [
                "create-user",
                "a@b.org",
                "--role",
                "manager",
                "--unit",
                "Nowhere",
                "--password",
                "long-enough-pw",
            ],
            "no unit called",
        ),
        (
            ["create-user", "a@b.org", "--role", "king", "--password", "long-enough-pw"],
            "Invalid value",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, result.output


def test_demo_builds_once_and_prints_login_and_links(app: Flask, runner: FlaskCliRunner) -> None:
    # As deployed: no SERVER_NAME, and no request to build links from.
    app.config.update(BASE_URL="http://example.test:8000/", SERVER_NAME=None)
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert "Admin e-mail: admin@example.org" in lines
    assert any(re.fullmatch(r"Admin password: \S{12,}", line) for line in lines)
    assert any(re.search(r"http://example\.test:8000/t/[\w-]{32}$", line) for line in lines)
    assert any(re.search(r"http://example\.test:8000/i/[\w-]{32}$", line) for line in lines)
    built = counts(app)
    assert built["Wave"] == 7
    assert built["Unit"] == 1 + 3 + 6 + 12
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "already present" in second.output
    assert counts(app) == built


def test_demo_data_has_the_promised_patterns(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["demo"])
    with app.app_context():
        waves = db.session.scalars(select(Wave).order_by(Wave.opens_at)).all()
        small = db.session.scalars(select(Unit).where(Unit.name == SMALL_TEAM)).one()
        stuck = db.session.scalars(select(Unit).where(Unit.name == STUCK_TEAM)).one()
        for wave in waves:
            small_n = db.session.scalar(
                select(func.count())
                .select_from(Response)
                .where(Response.wave_id == wave.id, Response.unit_id == small.id)
            )
            assert small_n < wave.anonymity_threshold
        assert (
            db.session.scalar(
                select(func.count()).select_from(Response).where(Response.unit_id == stuck.id)
            )
            > 60
        )
        # Two links were printed for the open wave: one team link, one invitation.
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1
        open_waves = [w for w in waves if w.closes_at > waves[-1].opens_at]
        assert len(open_waves) == 1


def test_demo_prints_links_as_deployed(app: Flask, runner: FlaskCliRunner) -> None:
    # Deployed, no SERVER_NAME is set: the links still come from BASE_URL.
    app.config.update(SERVER_NAME=None, BASE_URL="https://pulse.council.example")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert re.search(r"https://pulse\.council\.example/t/[\w-]{32}$", result.output, re.M)
