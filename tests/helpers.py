"""Builders and a scripted respondent shared by the tests."""

from __future__ import annotations

import random
import re
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import func, insert, make_url, select, text

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Answer, Response, Role, Unit, Wave, utcnow
from survey.services import questions, units, waves
from survey.services.pulses import Item, Pulse, load_pulse
from survey.services.users import set_user

TEAM_PATH = "Test Council > Operations > Team A"


@dataclass
class Org:
    """An organisation with one launched wave and ways into it."""

    wave_id: int
    unit_id: int
    team_token: str
    invitations: list[str]
    pulse: Pulse

    def item(self, code: str) -> Item:
        """Return the pulse item with a question code."""
        return next(i for i in self.pulse.items if i.code == code)


def build_org(
    app: Flask,
    opens: timedelta,
    closes: timedelta,
    invitations: int = 5,
    more: Mapping[str, int] | None = None,
) -> Org:
    """Create units (Team A, Team B and `more`: path to headcount), the default survey and a
    launched wave open from now+opens to now+closes."""
    now = utcnow()
    with write_transaction() as session:
        survey = questions.ensure_default_survey(session)
        team = units.ensure_path(session, TEAM_PATH, 40)
        units.ensure_path(session, "Test Council > Operations > Team B", 12)
        for path, headcount in (more or {}).items():
            units.ensure_path(session, path, headcount)
        wave = waves.create_wave(session, survey, f"Wave {now:%H%M%S%f}", now + opens, now + closes)
        waves.launch_wave(session, wave, now)
        token = waves.team_link(session, wave, team)
        issued = waves.issue_invitations(session, wave, team, invitations)
        wave_id, unit_id = wave.id, team.id
    return Org(wave_id, unit_id, token, issued, load_pulse(wave_id))


def insert_responses(
    org: Org, unit: int, count: int, rng: random.Random, comment: Callable[[int], str | None]
) -> list[int]:
    """Store responses of a unit straight into the database, with random answers and the
    comment `comment(n)` for the n-th (none for None); return their ids in insertion order."""
    ids = []
    with write_transaction() as session:
        for n in range(count):
            response = session.execute(
                insert(Response)
                .values(
                    wave_id=org.wave_id,
                    unit_id=unit,
                    nonce=secrets.token_hex(16),
                    submitted_on=utcnow().date(),
                )
                .returning(Response.id)
            ).scalar_one()
            ids.append(response)
            blank = {"response_id": response, "value": None, "option_id": None, "text": None}
            rows = [blank | row for item in org.pulse.items for row in _random_answer(item, rng)]
            said = comment(n)
            if said is not None:
                free = next(item for item in org.pulse.items if item.kind == "text")
                rows.append(blank | {"question_version_id": free.id, "text": said})
            session.execute(insert(Answer), rows)
    return ids


def _random_answer(item: Item, rng: random.Random) -> list[dict[str, object]]:
    """Return the rows of one random answer to a question (none for free text)."""
    row: dict[str, object] = {"question_version_id": item.id}
    if item.kind == "text":
        return []
    if item.kind == "scale5":
        return [row | {"value": rng.randint(1, 5)}]
    if item.kind == "scale11":
        return [row | {"value": rng.randint(0, 10)}]
    if item.kind == "single":
        return [row | {"option_id": rng.choice(item.choices).id}]
    picked = rng.sample(item.choices[:-1], rng.randint(1, 3))
    return [row | {"option_id": choice.id} for choice in picked]


def response_count(app: Flask) -> int:
    """Return how many responses are stored."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Response)) or 0


def set_wave_times(app: Flask, wave_id: int, opens: timedelta, closes: timedelta) -> None:
    """Move a wave's window relative to now."""
    now = utcnow()
    with app.app_context(), write_transaction() as session:
        wave = session.get_one(Wave, wave_id)
        wave.opens_at, wave.closes_at = now + opens, now + closes


def good_answers(org: Org) -> dict[str, list[str]]:
    """Return a complete, valid set of answers as form fields."""
    answers: dict[str, list[str]] = {}
    for item in org.pulse.items:
        if item.kind in ("scale5",):
            answers[item.field] = ["4"]
        elif item.kind == "scale11":
            answers[item.field] = ["9"]
        elif item.kind == "single":
            answers[item.field] = [str(item.choices[1].id)]
        elif item.kind == "multi":
            answers[item.field] = [str(item.choices[0].id), str(item.choices[2].id)]
        else:
            answers[item.field] = ["Plain English, please."]
    return answers


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NONCE = re.compile(r'name="nonce" type="hidden" value="([^"]+)"')


@dataclass
class Respondent:
    """Drives the pulse through the test client as a browser without JavaScript would."""

    client: FlaskClient
    url: str
    csrf: str = ""
    nonce: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def open(self) -> str:
        """Load the landing page and keep its CSRF token and nonce."""
        page = self.client.get(self.url).get_data(as_text=True)
        self.csrf = CSRF.search(page).group(1)  # type: ignore[union-attr]
        self.nonce = NONCE.search(page).group(1)  # type: ignore[union-attr]
        return page

    def post(
        self,
        nav: str,
        step: str = "0",
        answers: dict[str, list[str]] | None = None,
        **extra: list[str] | str,
    ):
        """Post one screen's form with the given button and answers."""
        data: dict[str, list[str] | str] = {
            "csrf_token": self.csrf,
            "nonce": self.nonce,
            "nav": nav,
            "step": step,
        }
        data.update(answers or {})
        data.update(extra)
        return self.client.post(self.url, data=data, headers=self.headers)

    def submit(self, answers: dict[str, list[str]]):
        """Send the whole pulse from the review screen."""
        return self.post("submit", "review", answers)


PASSWORD = "correct horse battery"
ACCOUNTS = {
    "admin": ("admin@test.org", Role.ADMIN),
    "analyst": ("analyst@test.org", Role.ANALYST),
    "manager": ("manager@test.org", Role.MANAGER),
}


def make_accounts(app: Flask) -> None:
    """Create one user per role; the manager looks after Team B."""
    with app.app_context(), write_transaction() as session:
        team_b = session.scalars(select(Unit).where(Unit.name == "Team B")).one()
        for email, role in ACCOUNTS.values():
            set_user(session, email, PASSWORD, role, team_b if role is Role.MANAGER else None)


def csrf_from(client: FlaskClient, url: str) -> str:
    """Return the CSRF token of a page's first form."""
    return CSRF.search(client.get(url).get_data(as_text=True)).group(1)  # type: ignore[union-attr]


def sign_in(client: FlaskClient, who: str, password: str = PASSWORD):
    """Sign in as one of ACCOUNTS and return the response."""
    token = csrf_from(client, "/login")
    return client.post(
        "/login", data={"csrf_token": token, "email": ACCOUNTS[who][0], "password": password}
    )


def post(
    client: FlaskClient, url: str, data: dict | None = None, htmx: bool = False, **kwargs: object
):
    """Post a form with a valid CSRF token, as a page load or as htmx."""
    token = csrf_from(client, "/admin/")
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data={"csrf_token": token, **(data or {})}, headers=headers, **kwargs)


def make_demo_accounts(app: Flask) -> None:
    """Create an analyst, an admin and a manager of Customer Services in the demo organisation."""
    with app.app_context(), write_transaction() as session:
        stuck = session.scalars(select(Unit).where(Unit.name == "Customer Services")).one()
        set_user(session, "analyst@test.org", PASSWORD, Role.ANALYST)
        set_user(session, "admin@test.org", PASSWORD, Role.ADMIN)
        set_user(session, "manager@test.org", PASSWORD, Role.MANAGER, stuck)


def unit_id(app: Flask, name: str) -> int:
    """Return the id of the unit with this name."""
    with app.app_context():
        return db.session.scalars(select(Unit.id).where(Unit.name == name)).one()


def signed_in(app: Flask, email: str) -> FlaskClient:
    """Return a new client signed in with this e-mail address and the test password."""
    client = app.test_client()
    token = csrf_from(client, "/login")
    client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    return client


def empty_tables() -> None:
    """Delete every row, children first, and forget what workers cache about launched waves."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        # Every table is emptied, so no row's keys need checking (a tenth of TRUNCATE's time).
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if postgres:
        db.session.execute(
            text(
                "SELECT setval(oid::regclass, 1, false) FROM pg_class"
                " WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
            )
        )
    db.session.commit()
    for cache in ("pulse_cache", "snapshot_cache", "release_cache", "form_cache"):
        current_app.extensions.pop(cache, None)


@dataclass
class Snapshot:
    """A database as it was, to be written back unchanged: every table's binary COPY (and its
    highest ids, for the sequences) on PostgreSQL, the database file itself on SQLite."""

    tables: dict[str, bytes]
    tops: dict[tuple[str, str], int]  # PostgreSQL: (table, id column): highest id, for its sequence
    file: bytes = b""  # SQLite


def _driver_connection():
    """Return the DBAPI connection under the session's current transaction."""
    return db.session.connection().connection.driver_connection


def sqlite_file() -> Path | None:
    """Return the app's SQLite database file (None on PostgreSQL)."""
    address = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return Path(address.database) if address.get_backend_name() == "sqlite" else None


def take_snapshot() -> Snapshot:
    """Return a snapshot of the database, read through the driver, bypassing the ORM."""
    path = sqlite_file()
    if path is not None:
        # The last connection to close moves the write-ahead log into the file, which is then
        # the whole state.
        db.session.remove()
        db.engine.dispose()
        return Snapshot({}, {}, path.read_bytes())
    cursor = _driver_connection().cursor()
    tables: dict[str, bytes] = {}
    tops: dict[tuple[str, str], int] = {}
    for table in db.metadata.sorted_tables:
        with cursor.copy(f'COPY "{table.name}" TO STDOUT (FORMAT BINARY)') as copy:
            tables[table.name] = b"".join(bytes(block) for block in copy)
        key = list(table.primary_key)
        if len(key) == 1 and key[0].autoincrement is not False:
            top = db.session.scalar(select(func.max(key[0])))
            if top is not None:
                tops[(table.name, key[0].name)] = top
    db.session.commit()
    return Snapshot(tables, tops)


def restore(snapshot: Snapshot) -> None:
    """Make an empty database what the snapshot was: on SQLite, with no connection open, write
    its file back; on PostgreSQL, copy its rows in, parents first, in one transaction."""
    path = sqlite_file()
    if path is not None:
        db.session.remove()
        db.engine.dispose()
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        path.write_bytes(snapshot.file)
        return
    cursor = _driver_connection().cursor()
    # The rows were consistent when taken: PostgreSQL need not check each row's keys again.
    cursor.execute("SET LOCAL session_replication_role = replica")
    for table in db.metadata.sorted_tables:
        with cursor.copy(f'COPY "{table.name}" FROM STDIN (FORMAT BINARY)') as copy:
            copy.write(snapshot.tables[table.name])
    for (name, column), top in snapshot.tops.items():
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), :top)"),
            {"table": f'"{name}"', "column": column, "top": top},
        )
    db.session.commit()


# Attacks: what a determined admin, analyst or manager can collect over time ----------------


def launch_tree(
    app: Flask,
    headcounts: dict[str, int],
    closes: timedelta = timedelta(days=6),
    invitations_only: bool = False,
) -> Org:
    """Launch the default pulse, open since yesterday, to units made by path with headcounts.

    The wave's tree is everything under the paths' common top unit, whose team link it returns
    ("" where the top has no headcount, and so no team link).
    """
    now = utcnow()
    with app.app_context(), write_transaction() as session:
        survey = questions.ensure_default_survey(session)
        for path, headcount in headcounts.items():
            units.ensure_path(session, path, headcount)
        top = units.ensure_path(session, next(iter(headcounts)).split(" > ")[0])
        wave = waves.create_wave(
            session, survey, f"Wave {now:%H%M%S%f}", now - timedelta(days=1), now + closes
        )
        wave.audience_unit_id = top.id
        wave.invitations_only = invitations_only
        waves.launch_wave(session, wave, now)
        token = waves.team_link(session, wave, top) if top.headcount else ""
        wave_id, unit_id = wave.id, top.id
    with app.app_context():
        return Org(wave_id, unit_id, token, [], load_pulse(wave_id))


def team_tokens(app: Flask, wave_id: int) -> dict[str, str]:
    """Return each unit's team link token in a wave, by unit path."""
    with app.app_context():
        wave = db.session.get_one(Wave, wave_id)
        return {row.path: row.token for row in waves.links(wave) if row.token is not None}


def answer(app: Flask, url: str, answers: dict[str, list[str]]) -> int:
    """Answer a pulse from a fresh browser (its own cookies); return the submit's status."""
    person = Respondent(app.test_client(), url)
    person.open()
    return person.submit(answers).status_code


def answers_with(org: Org, **by_code: str | None) -> dict[str, list[str]]:
    """Return good answers with some questions answered otherwise (None: left unanswered)."""
    answers = good_answers(org)
    for code, value in by_code.items():
        field_name = org.item(code).field
        if value is None:
            answers.pop(field_name)
        else:
            answers[field_name] = [value]
    return answers


class Clock:
    """The app's clock, held by the test: every `utcnow` the app's modules imported reads it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = utcnow()
        for name, module in list(sys.modules.items()):
            if name.startswith("survey") and getattr(module, "utcnow", None) is utcnow:
                monkeypatch.setattr(module, "utcnow", self)

    def __call__(self) -> datetime:
        """Return the time the test has reached."""
        return self.now

    def passes(self, delta: timedelta) -> None:
        """Let time pass."""
        self.now += delta


ROW = re.compile(r"<tr class=\"govuk-table__row\">(.*?)</tr>", re.S)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def table_rows(page: str) -> list[list[str]]:
    """Return the text of each body row's cells in a page's tables (header rows left out)."""
    rows = []
    for row in ROW.findall(page):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in CELL.findall(row)]
        if cells and 'scope="col"' not in row:
            rows.append(cells)
    return rows


def participation(client: FlaskClient, wave_id: int, unit_ids: list[int]) -> dict[str, int | None]:
    """Return the count the rates screen shows for each of these units and those below them."""
    shown: dict[str, int | None] = {}
    for unit in unit_ids:
        page = client.get(f"/insights/rates?wave={wave_id}&unit={unit}").get_data(as_text=True)
        for cells in table_rows(page):
            shown[cells[0]] = int(cells[2]) if len(cells) > 3 and cells[2].isdigit() else None
    return shown
