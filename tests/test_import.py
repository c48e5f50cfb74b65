"""Import of past results: whole-file checks with line numbers, all or nothing, idempotent, and a
round trip that gives back every aggregate exactly."""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Answer, Response, Unit, utcnow
from survey.services import exporting, importing, insights
from tests.helpers import build_org, csrf_from, empty_tables, response_count, sign_in

HEADER = ",".join(exporting.RESPONSE_COLUMNS)
GOOD = (
    "Spring 2024,2024-03-01,2024-03-21,Council > Housing,r1,knowledge,1,"
    "I know what the change will mean for my work.,knowledge,scale5,4,,\r\n"
)


def closed_exports(app: Flask) -> tuple[str, str]:
    """Return the responses and aggregates files of every closed wave."""
    now = utcnow()
    with app.app_context():
        closed = [w.id for w in insights.launched_waves() if w.closes_at <= now]
        scope = exporting.Scope(closed)
        responses = "".join(exporting.responses_csv(scope, now))
        aggregates = "".join(exporting.aggregates_csv(scope, None, now))
    return responses, aggregates


def import_text(app: Flask, text: str | bytes, dry_run: bool = False) -> importing.Report:
    data = text.encode() if isinstance(text, str) else text
    with app.app_context():
        return importing.import_responses(lambda _mode: io.BytesIO(data), dry_run)


def test_round_trip_of_the_demo_gives_identical_aggregates(app: Flask, runner) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    responses, aggregates = closed_exports(app)
    with app.app_context():
        empty_tables()
    report = import_text(app, responses)
    assert report.ok, report.problems
    assert report.added == report.responses > 1000
    assert closed_exports(app)[1] == aggregates
    # The same file again adds nothing.
    again = import_text(app, responses)
    assert again.ok
    assert again.added == 0
    assert closed_exports(app)[1] == aggregates


COMMENTS = st.text(alphabet="=+-@'\t\"ab, \r\n", min_size=1, max_size=12).filter(str.strip)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    teams=st.tuples(st.integers(min_value=1, max_value=14), st.integers(min_value=0, max_value=14)),
    seed=st.integers(min_value=0, max_value=10_000),
    comments=st.lists(COMMENTS, min_size=1, max_size=12),
)
def test_round_trip_on_generated_data(
    app: Flask, teams: tuple[int, int], seed: int, comments: list[str]
) -> None:
    rng = random.Random(seed)
    with app.app_context():
        empty_tables()
        org = build_org(app, opens=-timedelta(days=20), closes=-timedelta(days=2))
        team_b = db.session.scalars(select(Unit.id).where(Unit.name == "Team B")).one()
        with write_transaction() as session:
            for unit, count in zip((org.unit_id, team_b), teams, strict=True):
                for n in range(count):
                    response = session.execute(
                        insert(Response)
                        .values(
                            wave_id=org.wave_id,
                            unit_id=unit,
                            nonce=f"g{unit}-{n}",
                            submitted_on=utcnow().date(),
                        )
                        .returning(Response.id)
                    ).scalar_one()
                    rows = []
                    for item in org.pulse.items:
                        row = {
                            "response_id": response,
                            "question_version_id": item.id,
                            "value": None,
                            "option_id": None,
                            "text": None,
                        }
                        if item.kind == "scale5":
                            rows.append(row | {"value": rng.randint(1, 5)})
                        elif item.kind == "scale11":
                            rows.append(row | {"value": rng.randint(0, 10)})
                        elif item.kind == "single":
                            rows.append(row | {"option_id": rng.choice(item.choices).id})
                        elif item.kind == "multi":
                            picked = rng.sample(item.choices[:-1], rng.randint(1, 3))
                            rows.extend(row | {"option_id": c.id} for c in picked)
                        elif rng.random() < 0.8:
                            rows.append(row | {"text": rng.choice(comments)})
                    session.execute(insert(Answer), rows)
    responses, aggregates = closed_exports(app)
    with app.app_context():
        empty_tables()
    assert import_text(app, responses).ok
    after = rows_of(closed_exports(app)[1])
    # A file of responses says nothing of a unit nobody in it answered from, so such a unit
    # (suppressed throughout) is not recreated; every other row is identical.
    answered = {row[3] for row in rows_of(responses)}
    before = rows_of(aggregates)
    missing = [row for row in before if row not in after]
    assert [row for row in after if row not in before] == []
    assert all(row[-1] == "true" and row[2] not in answered for row in missing)


def rows_of(text: str) -> list[list[str]]:
    """Return a CSV file's records after the header."""
    return list(csv.reader(io.StringIO(text)))[1:]


def test_dry_run_checks_and_stores_nothing(app: Flask) -> None:
    report = import_text(app, HEADER + "\r\n" + GOOD, dry_run=True)
    assert report.ok
    assert report.rows == 1
    assert response_count(app) == 0
    assert "nothing stored (dry run)" in importing.summary(report)


BAD = {
    "unknown kind": (GOOD.replace("scale5", "slider"), "line 2: unknown kind 'slider'"),
    "value out of range": (
        GOOD.replace(",4,,", ",6,,"),
        "line 2: a scale5 answer is a whole",
    ),
    "bad date": (
        GOOD.replace("2024-03-21", "21/03/2024"),
        "line 2: wave_start and wave_end",
    ),
    "end before start": (
        GOOD.replace("2024-03-21", "2024-02-01"),
        "line 2: wave_end is before",
    ),
    "option on a scale": (GOOD.replace(",4,,", ",4,yes,"), "line 2: a scale5 answer"),
    "no unit": (GOOD.replace("Council > Housing", " > "), "line 2: unit_path must name units"),
    "cell count": ("a,b\r\n", "line 2: has 2 cells, the header has 13"),
    "other dates for the wave": (
        GOOD.replace("2024-03-21", "2024-03-28").replace(",r1,", ",r2,"),
        "line 2: wave 'Spring 2024' runs from 2024-03-01 to 2024-03-21 on line 2",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_bad_row_is_reported_with_its_line(app: Flask, case: str) -> None:
    row, message = BAD[case]
    report = import_text(app, HEADER + "\r\n" + GOOD + row)
    assert not report.ok
    assert any(str(p).startswith(message.replace("line 2:", "line 3:")) for p in report.problems), (
        report.problems
    )
    assert response_count(app) == 0


def test_file_level_problems(app: Flask) -> None:
    report = import_text(app, "wave,unit_path\r\nA,B\r\n")
    assert [str(p) for p in report.problems] == [
        "line 1: missing columns wave_start, wave_end, response_id, question_code, "
        "question_version, question_text, dimension, kind, value, option, text"
    ]
    latin = (HEADER + "\r\n" + GOOD.replace("Housing", "Logement é")).encode("latin-1")
    report = import_text(app, latin)
    assert "line 2 is not UTF-8 text" in str(report.problems[0])
    assert str(import_text(app, "").problems[0]) == "the file is empty"
    assert "no answers" in str(import_text(app, HEADER + "\r\n").problems[0])
    inconsistent = GOOD + GOOD.replace("r1", "r2").replace("I know", "We know")
    report = import_text(app, HEADER + "\r\n" + inconsistent)
    assert str(report.problems[0]) == "line 3: question knowledge version 1 differs from line 2"
    twice = GOOD + GOOD.replace(",4,,", ",5,,")
    assert "answers knowledge twice" in str(import_text(app, HEADER + "\r\n" + twice).problems[0])
    assert response_count(app) == 0


def test_the_same_bad_cells_on_many_lines_are_reported_on_each(app: Flask) -> None:
    bad = "".join(GOOD.replace(",4,,", ",9,,").replace(",r1,", f",r{n},") for n in (7, 8, 9))
    report = import_text(app, HEADER + "\r\n" + GOOD + bad + GOOD.replace(",r1,", ",r4,"))
    assert [p.line for p in report.problems] == [3, 4, 5]


def test_text_that_is_not_utf8_far_into_a_file_is_found_by_line(app: Flask) -> None:
    rows = "".join(GOOD.replace(",r1,", f",r{n},") for n in range(5000))
    latin = GOOD.replace("Housing", "Logement \u00e9").replace(",r1,", ",r9999,")
    report = import_text(app, (HEADER + "\r\n" + rows).encode() + latin.encode("latin-1"))
    assert str(report.problems[0]).startswith("line 5002 is not UTF-8 text (byte 54)")


def test_columns_may_come_in_any_order(app: Flask) -> None:
    order = list(reversed(exporting.RESPONSE_COLUMNS))
    cells = next(csv.reader(io.StringIO(GOOD)))
    row = ",".join(reversed(cells))
    report = import_text(app, ",".join(order) + "\r\n" + row + "\r\n")
    assert report.ok, report.problems
    assert report.added == 1


def test_a_file_with_one_bad_row_imports_nothing(app: Flask) -> None:
    rows = "".join(GOOD.replace("r1", f"r{n}") for n in range(50))
    bad = GOOD.replace(",4,,", ",9,,").replace(",r1,", ",r99,")
    report = import_text(app, HEADER + "\r\n" + rows + bad)
    assert report.problem_count == 1
    assert response_count(app) == 0
    assert import_text(app, HEADER + "\r\n" + rows).added == 50


def test_cli_import(app: Flask, runner, tmp_path: Path) -> None:
    good = tmp_path / "past.csv"
    good.write_text(HEADER + "\r\n" + GOOD)
    result = runner.invoke(args=["import-responses", str(good), "--dry-run"])
    assert result.exit_code == 0
    assert "nothing stored" in result.output
    result = runner.invoke(args=["import-responses", str(good)])
    assert result.exit_code == 0
    assert "imported 1 new responses" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\r\n" + GOOD.replace("scale5", "dial"))
    result = runner.invoke(args=["import-responses", str(bad)])
    assert result.exit_code != 0
    assert "line 2: unknown kind 'dial'" in result.output
    assert "nothing was imported" in result.output


def wait_for(client, url: str) -> str:
    """Poll an import job's page until it has finished; return the page."""
    for _ in range(100):
        page = client.get(url).get_data(as_text=True)
        if "hx-trigger" not in page:
            return page
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def upload(client, data: bytes, dry_run: bool = False):
    """Post a file to the import page with a valid CSRF token."""
    token = csrf_from(client, "/admin/imports")
    form = {"csrf_token": token, "file": (io.BytesIO(data), "past results.csv")}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/admin/imports", data=form, content_type="multipart/form-data")


def test_admin_uploads_a_large_file_and_watches_it_import(app: Flask, admin) -> None:
    rows = "".join(GOOD.replace(",r1,", f",r{n},") for n in range(3000))
    data = (HEADER + "\r\n" + rows).encode()
    assert len(data) > 256 * 1024  # past the limit every other form has
    reply = upload(admin, data)
    assert reply.status_code == 303
    page = wait_for(admin, reply.headers["Location"])
    assert "Imported" in page
    assert "Imported 3,000 new responses" in page
    assert response_count(app) == 3000
    listing = admin.get("/admin/imports").get_data(as_text=True)
    assert "past results.csv" in listing


def test_upload_with_problems_lists_them_and_imports_nothing(app: Flask, admin) -> None:
    before = response_count(app)
    data = (HEADER + "\r\n" + GOOD + GOOD.replace(",r1,", ",r2,").replace(",4,,", ",0,,")).encode()
    page = wait_for(admin, upload(admin, data).headers["Location"])
    assert "1 problem found, so nothing was imported" in page
    assert "line 3: a scale5 answer is a whole number from 1 to 5" in page
    assert response_count(app) == before
    checked = wait_for(
        admin, upload(admin, (HEADER + "\r\n" + GOOD).encode(), True).headers["Location"]
    )
    assert "The file is good" in checked
    assert response_count(app) == before


def test_only_admins_may_import(app: Flask, accounts: None) -> None:
    analyst = app.test_client()
    sign_in(analyst, "analyst")
    assert analyst.get("/admin/imports").status_code == 403
    big = {"file": (io.BytesIO(b"x" * (300 * 1024)), "a.csv")}
    reply = analyst.post("/admin/imports", data=big, content_type="multipart/form-data")
    assert reply.status_code in (403, 413)
    assert app.test_client().get("/admin/imports").status_code == 302
