"""Fixtures: every test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from huey.consumer import Consumer
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import Engine, create_engine, make_url, select, text
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash

from survey import create_app
from survey.extensions import db
from survey.models import Wave, utcnow
from survey.services import accounts as account_service
from survey.services import tallies, users
from tests.helpers import (
    Org,
    Snapshot,
    build_org,
    empty_tables,
    make_accounts,
    make_demo_accounts,
    restore,
    sign_in,
    take_snapshot,
)
from tests.worker import consumer_threads

T = TypeVar("T")
IN_CI = os.environ.get("CI") == "true"
# Under pytest-xdist each worker process ("gw0", "gw1", ...) gets a PostgreSQL database and a
# Redis database of its own, so tests in parallel never see each other's rows or keys.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _own(url: str, kind: str) -> str:
    """Return the worker's own database at the server `url` names (the url itself outside xdist)."""
    if not url or not WORKER:
        return url
    address = make_url(url)
    number = int(WORKER.removeprefix("gw"))
    if kind == "redis":
        return str(address.set(database=str(int(address.database or 0) + 1 + number)))
    return address.set(database=f"{address.database}_{WORKER}").render_as_string(
        hide_password=False
    )


BASE_PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PG_URL = _own(BASE_PG_URL, "postgresql")
REDIS_URL = _own(os.environ.get("TEST_REDIS_URL", ""), "redis")


def pytest_configure(config: pytest.Config) -> None:
    """Fail at once in CI when the PostgreSQL half of the suite would be missing."""
    if IN_CI and not (PG_URL and REDIS_URL):
        raise pytest.UsageError(
            "CI must run the PostgreSQL and Redis suites too: set "
            "TEST_DATABASE_URL and TEST_REDIS_URL (scripts/test does)"
        )
    # The collector's default, a young-generation pass every 700 new objects, each pass also
    # walking the older ones, cost a sixth of the suite's CPU: tests make objects by the
    # million. Rarer passes free the same cycles later, for a little more memory.
    gc.set_threshold(50_000, 20, 20)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Set aside everything imported and collected (modules, tests, fixtures), which lives as
    long as the process, so that no collection walks it again."""
    gc.collect()
    gc.freeze()


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember every skipped test (an expected failure ran, so it is not one)."""
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test means a required suite did not run, which is a failure."""
    if IN_CI and _skipped and exitstatus == 0:
        print(f"\nCI: {len(_skipped)} tests were skipped; every suite must run in CI:")
        for nodeid in _skipped[:20]:
            print(f"  {nodeid}")
        session.exitstatus = 1


# Hashed with one round in tests, as Django's test settings do: scrypt's deliberate 50-80 ms per
# hash and per check, on every account a test makes and every sign-in, was most of the suite's
# set-up time. The hash records its method, so checks take the same cheap path. What production
# hashes with is asserted in tests/test_accounts.py.
QUICK_HASH = partial(generate_password_hash, method="pbkdf2:sha256:1")


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing() -> Iterator[None]:
    """Make every password hash the suite stores a cheap one, the unknown-account check too (it
    stands in for a real account's hash, so it must cost what theirs costs)."""
    with pytest.MonkeyPatch.context() as patch:
        for module in (users, account_service):
            patch.setattr(module, "generate_password_hash", QUICK_HASH)
        patch.setattr(account_service, "_DUMMY_HASH", QUICK_HASH("not anyone's password"))
        yield


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per test process, not once per test's app (keyed by Jinja on the
    template's name and a checksum of its source, so an edited template compiles again)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


_builders: dict[tuple, Callable] = {}
_compile_builder = Rule._compile_builder


def _shared_builder(rule: Rule, append_unknown: bool = True) -> Callable:
    """Werkzeug's URL builder for a rule, compiled once per test process, not once per test's
    app: compiling every rule's builder was nine tenths of making an app. The compiled function
    takes its rule as an argument, so equal rules can share it."""
    key = (
        rule.rule,
        rule.host if rule.map.host_matching else rule.subdomain,
        tuple(rule._trace),
        tuple(sorted((rule.defaults or {}).items())),
        append_unknown,
    )
    if key not in _builders:
        _builders[key] = _compile_builder(rule, append_unknown)
    return _builders[key]


@pytest.fixture(scope="session", autouse=True)
def shared_url_builders() -> Iterator[None]:
    """Give every app of the session the same compiled URL builders."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", _shared_builder)
        yield


BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


def _engine(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _reset_postgres(url: str) -> None:
    """Give the test database an empty public schema, creating a worker's database first."""
    if url != BASE_PG_URL:
        server = _engine(BASE_PG_URL).execution_options(isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            name = make_url(url).database
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        server.dispose()
    engine = _engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return a migrated, empty database for the whole session, one per backend (on SQLite, the
    file each test's own database is copied from)."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "empty.sqlite")
    else:
        _reset_postgres(PG_URL)
        url = PG_URL
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test", "TASK_QUEUE_IMMEDIATE": True}
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Return an app on an empty database: on SQLite a copy of the session's own, dropped after
    the test (a copy is a tenth of the time of emptying every table); on PostgreSQL the
    session's database, emptied after the test."""
    url = database_url
    template = make_url(database_url)
    if template.get_backend_name() == "sqlite":
        own = tmp_path / "test.sqlite"
        shutil.copyfile(template.database, own)
        url = f"sqlite:///{own}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": "localhost",
            # Tasks run inside the request unless a test starts a worker (tests/worker.py).
            "TASK_QUEUE_URL": "sqlite:///" + str(tmp_path / "tasks.sqlite"),
            "TASK_QUEUE_IMMEDIATE": True,
        }
    )
    app.jinja_env.bytecode_cache = COMPILED
    yield app
    with app.app_context():
        if url == database_url:
            empty_tables()
        db.engine.dispose()
    if url != database_url:
        for path in tmp_path.glob("test.sqlite*"):
            path.unlink()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """Return a CLI runner."""
    return app.test_cli_runner()


_built: dict[tuple[str, str], tuple[Snapshot, Any]] = {}


def built_once(app: Flask, database_url: str, name: str, build: Callable[[], T]) -> T:
    """Run `build` the first time a test process needs it on a database and keep a snapshot of
    what it wrote; later, write that back into the empty database the `app` fixture gives (a
    tenth of the time or less) and return the same result. What is built sits days from its
    dates, so minutes of drift between tests change nothing a test sees."""
    key = (database_url, name)
    if key in _built:
        snapshot, result = _built[key]
        with app.app_context():
            restore(snapshot)
        return result
    result = build()
    with app.app_context():
        _built[key] = (take_snapshot(), result)
    return result


@pytest.fixture
def org(app: Flask, database_url: str) -> Org:
    """Return a small organisation with the default pulse open now and links to answer it."""

    def build() -> Org:
        with app.app_context():
            return build_org(app, opens=-timedelta(days=1), closes=timedelta(days=6))

    made = built_once(app, database_url, "org", build)
    return replace(made, invitations=list(made.invitations))


@pytest.fixture
def accounts(app: Flask, org: Org) -> None:
    """Create an admin, an analyst and a manager (of Team B)."""
    make_accounts(app)


@pytest.fixture
def admin(app: Flask, accounts: None) -> FlaskClient:
    """Return a client signed in as an admin."""
    client = app.test_client()
    sign_in(client, "admin")
    return client


@pytest.fixture
def demo(app: Flask, runner, database_url: str) -> None:
    """The demo organisation, with an analyst, an admin and a manager of Customer Services, and
    every released wave tallied, as the first look at its results would leave it."""

    def build() -> None:
        assert runner.invoke(args=["demo"]).exit_code == 0
        make_demo_accounts(app)
        with app.app_context():
            tallies.refresh(list(db.session.scalars(select(Wave.id))), utcnow())

    built_once(app, database_url, "demo", build)


@pytest.fixture
def worker(app: Flask) -> Iterator[Consumer]:
    """Run a real task-queue worker (Huey's consumer, on threads) for the length of a test."""
    with consumer_threads(app) as consumer:
        yield consumer
