"""Bulk reads and writes through the driver: the same rows as the ORM, in the same transaction,
with foreign keys skipped only where the database role allows it and only inside the block."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from flask import Flask
from sqlalchemy import select, text

from survey.database import driver_rows, insert_rows, new_ids, references_known, write_transaction
from survey.extensions import db
from survey.models import Answer, Response, utcnow
from tests.helpers import Org

FIELDS = ("response_id", "question_version_id", "value", "option_id", "text")
BROKEN_KEY = (sqlite3.IntegrityError, psycopg.errors.ForeignKeyViolation)
PLAIN_ROLE = "changepulse_plain_test"


def test_driver_rows_and_insert_rows_round_trip(app: Flask, org: Org) -> None:
    item = org.item("knowledge")
    with app.app_context():
        with write_transaction() as session:
            ids = new_ids(session, Response.__table__, 3)
            assert len(set(ids)) == 3
            day = utcnow().date().isoformat()
            insert_rows(
                session,
                Response.__table__,
                ("id", "wave_id", "unit_id", "nonce", "submitted_on", "shuffle"),
                [(i, org.wave_id, org.unit_id, f"bulk-{i}", day, i) for i in ids],
            )
            rows = [(i, item.id, 1 + n, None, None) for n, i in enumerate(ids)]
            rows.append((ids[0], item.id, None, None, 'it\'s "quoted",\nand\ttabbed'))
            insert_rows(session, Answer.__table__, FIELDS, rows)
        query = select(
            Answer.response_id,
            Answer.question_version_id,
            Answer.value,
            Answer.option_id,
            Answer.text,
        ).where(Answer.response_id.in_(ids))
        read = [row for batch in driver_rows(query, 2) for row in batch]
        assert sorted(read, key=repr) == sorted(rows, key=repr)
        # Ids drawn later never collide with these.
        with write_transaction() as session:
            assert not set(new_ids(session, Response.__table__, 2)) & set(ids)


def test_key_checks_are_skipped_only_where_allowed_and_only_inside(app: Flask, org: Org) -> None:
    dangling = [(10**9, org.item("knowledge").id, 3, None, None)]  # no such response
    with app.app_context():
        session = db.session()
        postgres = session.get_bind().dialect.name == "postgresql"
        with references_known(session, {}):
            if postgres:  # the test role is a superuser: the checks are skipped
                insert_rows(session, Answer.__table__, FIELDS, dangling)
            else:  # SQLite keeps its checks
                with pytest.raises(BROKEN_KEY):
                    insert_rows(session, Answer.__table__, FIELDS, dangling)
        with pytest.raises(BROKEN_KEY):  # on again after the block
            insert_rows(session, Answer.__table__, FIELDS, dangling)
        session.rollback()
        if postgres:  # a role without the right keeps the checks inside the block too
            _drop_privileges(session)
            with pytest.raises(BROKEN_KEY), references_known(session, {}):
                insert_rows(session, Answer.__table__, FIELDS, dangling)
            session.rollback()
        assert session.scalar(select(Answer.id).where(Answer.response_id == 10**9)) is None


def _drop_privileges(session) -> None:
    """Act, until the transaction ends, as a role with the tables' rights and nothing more."""
    exists = session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": PLAIN_ROLE})
    if not exists:
        session.execute(text(f"CREATE ROLE {PLAIN_ROLE}"))
    session.execute(text(f"GRANT USAGE ON SCHEMA public TO {PLAIN_ROLE}"))
    session.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {PLAIN_ROLE}"))
    session.execute(text(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {PLAIN_ROLE}"))
    session.execute(text(f"SET LOCAL ROLE {PLAIN_ROLE}"))
