"""The database: migrations match the models, SQLite is tuned, constraints hold."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Answer, Response
from tests.helpers import Org


def test_migrations_produce_exactly_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_engine_is_tuned_for_its_backend(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        else:
            assert db.engine.dialect.driver == "psycopg"
            assert connection.exec_driver_sql("SHOW server_version_num").scalar() >= "130000"


def test_answer_must_carry_exactly_one_value(app: Flask, org: Org) -> None:
    with app.app_context():
        with write_transaction() as session:
            response = Response(
                wave_id=org.wave_id,
                unit_id=org.unit_id,
                nonce="n" * 22,
                submitted_on=org.pulse.opens_at.date(),
            )
            session.add(response)
        with pytest.raises(IntegrityError), write_transaction() as session:
            session.add(
                Answer(
                    response_id=response.id,
                    question_version_id=org.pulse.items[0].id,
                    value=3,
                    text="both",
                )
            )
        assert db.session.scalar(text("SELECT count(*) FROM answer")) == 0


def store_both(response: Response, answer: Answer) -> None:
    """Write a response and an answer in one transaction."""
    with write_transaction() as session:
        session.add(response)
        session.flush()
        session.add(answer)


def test_failed_write_leaves_nothing_half_written(app: Flask, org: Org) -> None:
    with app.app_context():
        orphan = Answer(response_id=-1, question_version_id=org.pulse.items[0].id, value=3)
        response = Response(
            wave_id=org.wave_id,
            unit_id=org.unit_id,
            nonce="m" * 22,
            submitted_on=org.pulse.opens_at.date(),
        )
        with pytest.raises(IntegrityError):
            store_both(response, orphan)
        assert db.session.scalar(text("SELECT count(*) FROM response")) == 0


def test_upgrade_keeps_existing_data(app: Flask) -> None:
    with app.app_context():
        downgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO unit (id, name, headcount, retired) VALUES (1, 'Kept', 7, false)")
            )
            connection.execute(
                text("INSERT INTO survey (id, name, created_at) VALUES (1, 'Pulse', '2026-01-01')")
            )
            connection.execute(
                text(
                    "INSERT INTO wave (id, survey_id, name, opens_at, closes_at, cadence, "
                    "anonymity_threshold, comment_threshold, row_version) "
                    "VALUES (1, 1, 'Jan', '2026-01-01', '2026-01-20', '', 5, 10, 1)"
                )
            )
            connection.execute(
                text(
                    'INSERT INTO "user" (id, email, password_hash, role, active, created_at) '
                    "VALUES (1, 'a@b.org', 'x', 'admin', true, '2026-01-01')"
                )
            )
            # A row that points at the wave, which SQLite's batch mode rebuilds.
            connection.execute(
                text(
                    "INSERT INTO action (id, wave_id, text, status, published, "
                    "created_at) VALUES (1, 1, 'Kept', 'done', true, "
                    "'2026-01-21')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT name, headcount FROM unit")).one() == ("Kept", 7)
            assert connection.execute(text("SELECT name FROM wave")).scalar_one() == "Jan"
            assert connection.execute(text("SELECT wave_id FROM action")).scalar_one() == 1
            token = connection.execute(text('SELECT session_token FROM "user"')).scalar_one()
            assert len(token) == 32
