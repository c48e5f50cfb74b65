"""Engine tuning per backend, the one way to run a write transaction, and bulk reads."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, Select, Table, event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from survey.extensions import db

BUSY_TIMEOUT_MS = 10_000
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
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Each time the write-ahead log starts over it is cut back to nothing, so pages written
        # before (rows deleted since) do not linger at its end.
        cursor.execute("PRAGMA journal_size_limit=0")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten, not left in free pages: a released wave's rows are
        # written again in random order (tallies._reorder), and the old ones must not linger.
        cursor.execute("PRAGMA secure_delete=ON")
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


def driver_rows(query: Select, size: int) -> Iterator[list[tuple]]:
    """Yield a query's rows in lists of plain tuples, straight from the database driver.

    For streams of millions of rows, where making SQLAlchemy rows would cost more than all the
    rest of the work. PostgreSQL reads through a server-side cursor; SQLite steps through the
    rows as they are fetched anyway; so memory stays constant whatever the size. Runs in the
    session's transaction.
    """
    connection = db.session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.construct_params()
    if compiled.positional:
        params = [params[name] for name in compiled.positiontup or ()]
    driver = connection.connection.dbapi_connection
    postgres = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name=f"rows_{secrets.token_hex(4)}") if postgres else driver.cursor()
    try:
        cursor.execute(compiled.string, params)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[tuple]
) -> None:
    """Insert many rows of plain tuples in the session's transaction, at the driver's speed:
    COPY on PostgreSQL, one prepared statement for them all on SQLite. Names come from our
    models, quoted; values are always parameters."""
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    target = f"{quote(table.name)} ({', '.join(map(quote, columns))})"
    driver = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor = driver.cursor()
    try:
        marks = ", ".join("?" * len(columns))
        cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", rows)  # noqa: S608
    finally:
        cursor.close()


def new_ids(session: Session, table: Table, count: int) -> list[int]:
    """Return `count` unused primary keys for rows the caller inserts with `insert_rows`.

    Only inside `write_transaction`: there SQLite holds its write lock from BEGIN, so the ids
    after the largest stay ours; PostgreSQL draws them from the table's sequence, so writers
    running at the same time never collide.
    """
    if session.get_bind().dialect.name == "postgresql":
        drawn = text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
        )
        return list(session.scalars(drawn, {"table": table.name, "n": count}))
    largest = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(largest + 1, largest + count + 1))


@contextmanager
def references_known(session: Session, parents: Mapping[Table, Iterable[int]]) -> Iterator[None]:
    """Let bulk inserts whose every reference the caller has made sure of skip PostgreSQL's
    foreign-key checks, which run row by row and cost more than the inserts themselves.

    Each parent row is locked FOR KEY SHARE once here, as the checks would lock it once per
    row, so nobody can delete it before the commit. Skipping needs the right to set
    session_replication_role (a superuser, or GRANT SET ON PARAMETER from PostgreSQL 15), as
    pg_restore's --disable-triggers does; without it the checks simply run. SQLite's checks
    are cheap lookups and stay on.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    for table, ids in parents.items():
        keys = sorted(set(ids))
        session.execute(
            select(table.c.id).where(table.c.id.in_(keys)).with_for_update(key_share=True)
        ).all()
    try:
        with session.begin_nested():
            session.execute(text("SET LOCAL session_replication_role = replica"))
        skipping = True
    except DBAPIError:  # not allowed: keep the checks
        skipping = False
    yield
    if skipping:
        session.execute(text("SET LOCAL session_replication_role = origin"))


def forget_old_pages() -> None:
    """On SQLite, copy the write-ahead log into the database and empty it: it holds pages as
    they were before recent writes (rows since deleted, in the order they came), and a copy of
    the files would hold them too. Does nothing where a reader still needs the log, or on
    PostgreSQL (whose old row versions go when vacuum reuses their space)."""
    if db.engine.dialect.name != "sqlite":
        return
    connection = db.engine.raw_connection()
    driver = connection.driver_connection
    try:
        # Never wait on a reader for this: where one holds the log, the next reset empties it
        # (journal_size_limit, in tune_sqlite).
        driver.execute("PRAGMA busy_timeout=0")
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.close()
