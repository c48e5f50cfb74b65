"""Fresh, empty databases for the benchmarks: a SQLite file, or a PostgreSQL database made anew."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# Dropped and made anew on each run: name your own database when others share the server.
PG_BENCH_DB = os.environ.get("BENCH_PG_DB", "changepulse_bench")


def database_url(backend: str, folder: Path) -> str:
    """Return an empty database of the given backend."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite'}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {PG_BENCH_DB}"))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}"
