"""Insights at scale: 1,000,000 responses over 24 waves and 300 units, on SQLite and PostgreSQL.

Bulk-loads synthetic responses (the demo's answer patterns, about 14 answers each; PostgreSQL by
COPY with foreign-key triggers off for the session), builds the roll-ups (tallies) from nothing as
the first read would, checks they equal the raw answers, then times three pages through the app
(server time, warm, median of 5) against the plain GROUP BY over the raw answers that each page
would otherwise need. Prints the figures, the ratios and the targets.

    .venv/bin/python -m bench.insights_scale [--responses 1000000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from bench.databases import database_url
from survey import create_app
from survey.aggregation import ancestors
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Answer, Response, Role, utcnow
from survey.services import questions, tallies, units, users, waves
from survey.services.demo import synthetic_answers
from survey.services.pulses import load_pulse

WAVES = 24
DIRECTORATES, SERVICES_EACH, TEAMS = 7, 4, 264  # with the root: 300 units
REPEATS = 5
TARGET_MS = 150.0
TARGET_RATIO = 5.0
EMAIL, PASSWORD = "analyst@bench.example", "bench password 1"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RESPONSE_COLUMNS = "id, wave_id, unit_id, definition_id, nonce, submitted_on, shuffle"
ANSWER_COLUMNS = "id, response_id, question_version_id, value, option_id, text"


@dataclass(frozen=True)
class BenchWave:
    """What generating responses needs of a wave."""

    id: int
    definition_id: int | None
    opens_on: date


@dataclass
class Organisation:
    """The bench organisation: its waves oldest first, its teams (id, name) and its root unit."""

    waves: list[BenchWave]
    teams: list[tuple[int, str]]
    root: int


def build_organisation(app: Flask) -> Organisation:
    """Create 300 units in four levels and 24 monthly waves, all launched and closed."""
    now = utcnow()
    with app.app_context(), write_transaction() as session:
        survey = questions.ensure_default_survey(session)
        teams = []
        for t in range(TEAMS):
            d, s = t % DIRECTORATES, (t // DIRECTORATES) % SERVICES_EACH
            path = f"Council > Directorate {d} > Service {d}.{s} > Team {t}"
            teams.append(units.ensure_path(session, path, 200))
        created = []
        for k in range(WAVES):
            opens = now - timedelta(days=30 * (WAVES - k) + 30)
            wave = waves.create_wave(
                session, survey, f"Wave {k + 1:02d}", opens, opens + timedelta(days=21)
            )
            waves.launch_wave(session, wave, opens)
            created.append(wave)
        users.set_user(session, EMAIL, PASSWORD, Role.ANALYST)
        session.flush()
        return Organisation(
            [BenchWave(w.id, w.definition_id, w.opens_at.date()) for w in created],
            [(team.id, team.name) for team in teams],
            units.ensure_path(session, "Council").id,
        )


def generate(app: Flask, org: Organisation, total: int, rng: random.Random):
    """Yield (response rows, answer rows) per wave, with ids given here."""
    per_cell, extra = divmod(total, WAVES * len(org.teams))
    response_id = answer_id = 0
    with app.app_context():
        for step, wave in enumerate(org.waves):
            pulse = load_pulse(wave.id)
            day = wave.opens_on
            responses, answers = [], []
            for t, (team_id, team_name) in enumerate(org.teams):
                bias = (t % 11 - 5) / 20
                count = per_cell + (1 if (step * len(org.teams) + t) < extra else 0)
                for _ in range(count):
                    response_id += 1
                    responses.append(
                        (
                            response_id,
                            wave.id,
                            team_id,
                            wave.definition_id,
                            f"b{response_id}",
                            day,
                            rng.randrange(2**31),
                        )
                    )
                    for row in synthetic_answers(rng, pulse, team_name, step, bias):
                        answer_id += 1
                        answers.append(
                            (
                                answer_id,
                                response_id,
                                row["question_version_id"],
                                row["value"],
                                row["option_id"],
                                row["text"],
                            )
                        )
            yield responses, answers


def copy_line(row: tuple) -> str:
    """Return one row in PostgreSQL's COPY text format."""
    cells = (
        "\\N"
        if cell is None
        else str(cell)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        for cell in row
    )
    return "\t".join(cells) + "\n"


def bulk_insert(app: Flask, batches: Iterable[tuple[list, list]]) -> tuple[int, int, float]:
    """Store the rows with the backend's fastest path; return counts and seconds."""
    started = time.perf_counter()
    responses = answers = 0
    with app.app_context():
        raw = db.engine.raw_connection()
        postgres = db.engine.dialect.name == "postgresql"
        cursor = raw.cursor()
        if postgres:
            # The generator's ids are consistent by construction: skip per-row foreign-key checks.
            cursor.execute("SET session_replication_role = replica")
        for response_rows, answer_rows in batches:
            if postgres:
                for table, columns, rows in (
                    ("response", RESPONSE_COLUMNS, response_rows),
                    ("answer", ANSWER_COLUMNS, answer_rows),
                ):
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        copy.write("".join(map(copy_line, rows)))
                raw.commit()
            else:
                cursor.execute("BEGIN")
                cursor.executemany(
                    f"INSERT INTO response ({RESPONSE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    response_rows,
                )
                cursor.executemany(
                    f"INSERT INTO answer ({ANSWER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    answer_rows,
                )
                cursor.execute("COMMIT")
            responses += len(response_rows)
            answers += len(answer_rows)
            print(f"  loaded {responses:,} responses, {answers:,} answers", end="\r", flush=True)
        if postgres:
            for table in ("response", "answer"):
                cursor.execute(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
            raw.commit()
        cursor.close()
        raw.close()
        with db.engine.connect() as connection:
            if postgres:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE")
                )
            else:
                connection.execute(text("ANALYZE"))
                connection.commit()
    print()
    return responses, answers, time.perf_counter() - started


def raw_group_by(wave_ids: list[int]) -> list:
    """The plain way: count every answer of these waves by wave, unit, question and choice."""
    choice = func.coalesce(Answer.value, Answer.option_id)
    return db.session.execute(
        select(Response.wave_id, Response.unit_id, Answer.question_version_id, choice, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id.in_(wave_ids), Answer.text.is_(None))
        .group_by(Response.wave_id, Response.unit_id, Answer.question_version_id, choice)
    ).all()


def roll_ups_equal_raw(wave_id: int) -> bool:
    """Return whether every unit's tallies of a wave equal the raw answers rolled up the tree."""
    tree = tallies.snapshot_tree(wave_id)
    raw: dict = defaultdict(Counter)
    for _w, unit, version, choice, n in raw_group_by([wave_id]):
        for node in ancestors(unit, tree):
            raw[(wave_id, node, version)][choice] += n
    return tallies.answer_counts([wave_id]) == {k: dict(v) for k, v in raw.items()}


def signed_in(app: Flask) -> FlaskClient:
    """Return a client signed in as the analyst."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})
    return client


def timed(action: Callable[[], object], repeats: int = REPEATS) -> list[float]:
    """Return the milliseconds each of `repeats` warm runs took (after one untimed run)."""
    action()
    spent = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def page(client: FlaskClient, url: str) -> Callable[[], object]:
    """Return a call that loads a page and insists it worked."""

    def load() -> object:
        reply = client.get(url)
        assert reply.status_code == 200, (url, reply.status_code)
        return reply

    return load


def run(backend: str, total: int) -> bool:
    """Load, build the roll-ups, time the pages; return whether every target was met."""
    print(f"\n== {backend}: {total:,} responses, {WAVES} waves, 300 units ==")
    with tempfile.TemporaryDirectory() as folder:
        url = database_url(backend, Path(folder))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        org = build_organisation(app)
        responses, answers, seconds = bulk_insert(app, generate(app, org, total, random.Random(7)))
        print(f"bulk load        {responses:,} responses, {answers:,} answers in {seconds:.1f} s")
        print(f"                 {answers / seconds:,.0f} answer rows/s")
        ids = [w.id for w in org.waves]
        with app.app_context():
            started = time.perf_counter()
            tallies.refresh(ids, utcnow())
            built = time.perf_counter() - started
            equal = roll_ups_equal_raw(ids[-1])
        print(f"roll-ups built   {built:.1f} s from nothing, {answers / built:,.0f} answers/s")
        verdict = "yes" if equal else "NO"
        print(f"roll-ups equal the raw GROUP BY (wave {WAVES}, every unit): {verdict}")

        client = signed_in(app)
        first, last = ids[0], ids[-1]
        pages = {
            "overview (6 waves)": (f"/insights/?wave={last}&unit={org.root}", ids[-6:]),
            "trend (24 waves)": (
                f"/insights/trends?from={first}&wave={last}&unit={org.root}&measure=knowledge",
                ids,
            ),
            "heatmap (1 wave)": (f"/insights/heatmap?wave={last}&unit={org.root}", [last]),
        }
        ok = equal
        # The release rules (per-measure suppression, comment and export sets) are worked out
        # once per released wave and cached; this is the one-off cost of all 24.
        trend_url = pages["trend (24 waves)"][0]
        app.extensions.pop("release_cache", None)
        started = time.perf_counter()
        page(client, trend_url)()
        cold = (time.perf_counter() - started) * 1000
        print(f"first trend view, release rules of {WAVES} waves worked out: {cold:,.0f} ms")
        print(f"{'page':<20}{'median ms':>10}{'max ms':>9}{'raw GROUP BY ms':>17}{'faster':>9}")
        for name, (path, wave_ids) in pages.items():
            ours = timed(page(client, path))
            with app.app_context():
                plain = timed(lambda wave_ids=wave_ids: raw_group_by(wave_ids))
            median, baseline = statistics.median(ours), statistics.median(plain)
            ratio = baseline / median
            met = median <= TARGET_MS and ratio >= TARGET_RATIO
            ok &= met
            print(
                f"{name:<20}{median:>10.1f}{max(ours):>9.1f}{baseline:>17.1f}{ratio:>8.1f}x"
                f"  {'ok' if met else 'MISSED'}"
            )
        print(
            f"targets: each page <= {TARGET_MS:.0f} ms and >= {TARGET_RATIO:.0f}x the raw GROUP BY"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process so far: {peak:,.0f} MB")
        with app.app_context():
            db.engine.dispose()
    return ok


def main() -> None:
    """Run the benchmark on each backend asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = [run(backend, args.responses) for backend in args.backends.split(",")]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
