"""Engine tuning per backend and the one way to run a write transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from survey.extensions import db

_immediate: ContextVar[bool] = ContextVar("sqlite_write_lock_at_begin", default=False)


def tune_sqlite(engine: Engine) -> None:
    """Use WAL, a busy timeout and foreign keys, and let writers take the lock at BEGIN."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A deferred writer that meets another writer fails with "database is locked" instead of
        # waiting; IMMEDIATE makes it queue on the busy timeout. Readers stay deferred.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


@contextmanager
def write_transaction() -> Iterator[Session]:
    """Run a block in its own transaction, committed at the end or rolled back on error."""
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        # End the read snapshot so the write starts fresh, holding SQLite's lock from BEGIN.
        # PostgreSQL's read-committed transaction can simply carry on into the write.
        session.commit()
    token = _immediate.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _immediate.reset(token)
