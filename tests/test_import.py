"""Import of past results: whole-file checks with line numbers, all or nothing, idempotent, and a
round trip that gives back every aggregate exactly."""

from __future__ import annotations

import csv
import io
import random
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from survey.extensions import db
from survey.models import Question, Unit, Wave, utcnow
from survey.services import exporting, importing, insights
from tests.helpers import (
    build_org,
    csrf_from,
    empty_tables,
    insert_responses,
    response_count,
    sign_in,
)

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


def preserved(responses: str, aggregates: str) -> list[list[str]]:
    """Return what a round trip must keep: the aggregate rows of every unit the raw export
    names (its responses are exactly those of its subtree that the screens show)."""
    named = {(row[0], row[3]) for row in rows_of(responses)}
    return [row for row in rows_of(aggregates) if (row[0], row[2]) in named]


def wave_totals(app: Flask) -> dict[str, int]:
    """Return each released wave's count of responses where the screens show it."""
    with app.app_context():
        views = insights.frames(insights.launched_waves(), None, utcnow())
        return {
            view.wave.name: count
            for view in views
            for unit, parent in view.tree.items()
            if view.released and parent is None and (count := view.count(unit)) is not None
        }


def per_wave(responses: str) -> dict[str, int]:
    """Return how many responses a raw export has of each wave (comments belong to none)."""
    ids = {(row[0], row[4]) for row in rows_of(responses) if row[4]}
    return dict(Counter(wave for wave, _ in ids))


def test_round_trip_of_the_demo_keeps_every_named_unit_and_wave_total(
    app: Flask, demo: None
) -> None:
    responses, aggregates = closed_exports(app)
    totals = wave_totals(app)
    assert per_wave(responses) == totals
    with app.app_context():
        empty_tables()
    report = import_text(app, responses)
    assert report.ok, report.problems
    assert report.added == report.responses > 1000
    after = closed_exports(app)
    assert preserved(responses, after[1]) == preserved(responses, aggregates)
    assert wave_totals(app) == totals
    # The file again, or the new database's own export, adds nothing.
    for again in (responses, after[0]):
        report = import_text(app, again)
        assert report.ok, report.problems
        assert (report.added, report.present) == (0, report.responses)
    assert closed_exports(app)[1] == after[1]


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

        def comment(_n: int) -> str | None:
            return rng.choice(comments) if rng.random() < 0.8 else None

        for unit, count in zip((org.unit_id, team_b), teams, strict=True):
            insert_responses(org, unit, count, rng, comment)
    responses, aggregates = closed_exports(app)
    totals = wave_totals(app)
    with app.app_context():
        empty_tables()
    if rows_of(responses):  # else no unit could be shown, so the file is empty
        assert import_text(app, responses).ok
    assert preserved(responses, closed_exports(app)[1]) == preserved(responses, aggregates)
    assert wave_totals(app) == totals == per_wave(responses)


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
    "wave far in the future": (
        GOOD.replace("2024-03-21", "9999-12-31"),
        "line 2: wave_start and wave_end must be dates in the years 2000 to 2100",
    ),
    "wave before 2000": (
        GOOD.replace("2024-03-01", "1999-03-01"),
        "line 2: wave_start and wave_end must be dates in the years",
    ),
    "date in full-width digits": (
        GOOD.replace("2024-03-21", "\uff12024-03-21"),
        "line 2: wave_start and wave_end must be dates like",
    ),
    "scale with a sign": (GOOD.replace(",4,,", ",+4,,"), "line 2: a scale5 answer is a whole"),
    "scale with a leading zero": (GOOD.replace(",4,,", ",04,,"), "line 2: a scale5 answer"),
    "scale in Arabic-Indic digits": (GOOD.replace(",4,,", ",\u0664,,"), "line 2: a scale5 answer"),
    "version in superscript": (
        GOOD.replace(",knowledge,1,", ",knowledge,\u00b9,"),
        "line 2: question_version must be a whole number",
    ),
    "NUL in a unit": (
        GOOD.replace("Housing", "Hous\x00ing"),
        "line 2: unit_path: a cell contains a NUL",
    ),
    "NUL in a wave": (
        GOOD.replace("Spring 2024", "Spring\x00"),
        "line 2: wave: a cell contains a NUL",
    ),
    "NUL in a question": (
        GOOD.replace("I know", "I\x00know"),
        "line 2: question_text or dimension",
    ),
    "unit too deep": (
        GOOD.replace("Council > Housing", " > ".join(f"L{n}" for n in range(13))),
        "line 2: unit_path has 13 levels",
    ),
    "cell over the csv limit": (
        GOOD.replace(",4,,\r\n", ",4,," + "x" * 200_000 + "\r\n"),
        "line 2: a cell is longer than 131,072 characters",
    ),
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


def test_nul_in_a_text_answer_is_reported_by_line(app: Flask) -> None:
    text = GOOD.replace(",knowledge,scale5,4,,", ",comment,text,,,Fine\x00")
    text = text.replace(",knowledge,1,", ",comment,1,")
    report = import_text(app, HEADER + "\r\n" + text)
    assert [str(p) for p in report.problems] == [
        "line 2: text: a cell contains a NUL character (\\0), which no text may contain"
    ]


def test_answering_one_of_many_questions_twice_is_found(app: Flask) -> None:
    """Past the questions marked in a response's word of bits, the rest are still checked."""
    rows = [
        GOOD.replace("knowledge,1,", f"q{n},1,").replace(",knowledge,scale5", ",,scale5")
        for n in range(importing.WORD_BITS + 10)
    ]
    report = import_text(app, HEADER + "\r\n" + "".join(rows) + rows[-1], dry_run=True)
    assert [str(p) for p in report.problems] == [
        f"line {len(rows) + 2}: response r1 answers q{len(rows) - 1} twice"
    ]
    report = import_text(app, HEADER + "\r\n" + "".join(rows), dry_run=True)
    assert report.ok, report.problems


def test_a_raw_export_imported_again_adds_nothing_and_says_so(app: Flask) -> None:
    with app.app_context():
        org = build_org(app, -timedelta(days=20), -timedelta(days=2))
        insert_responses(org, org.unit_id, 12, random.Random(5), "said {}".format)
    responses = closed_exports(app)[0]
    dry = import_text(app, responses, dry_run=True)
    assert dry.ok, dry.problems
    assert "good to import: 0 new responses, 12 already there" in importing.summary(dry)
    done = import_text(app, responses)
    assert importing.summary(done).startswith("imported 0 new responses, 12 already there")
    # The export's comments belong to no response, so an import says it leaves them out.
    assert "; 12 comments with no response_id left out)" in importing.summary(done)
    assert response_count(app) == 12


@pytest.mark.parametrize("closes", [timedelta(days=3), -timedelta(days=2)], ids=["open", "out"])
def test_an_import_never_adds_to_an_existing_wave(app: Flask, closes: timedelta) -> None:
    with app.app_context():
        org = build_org(app, -timedelta(days=20), closes)
        insert_responses(org, org.unit_id, 6, random.Random(5), lambda _n: None)
        wave = db.session.get_one(Wave, org.wave_id)
        cells = (wave.name, wave.opens_at.date(), wave.closes_at.date())
    row = GOOD.replace("Spring 2024,2024-03-01,2024-03-21", ",".join(map(str, cells)))
    report = import_text(app, HEADER + "\r\n" + row)
    refused = f"line 2: wave {cells[0]!r} already exists: an import cannot add responses to a "
    assert any(str(p).startswith(refused) for p in report.problems), report.problems
    assert response_count(app) == 6


def test_an_import_makes_only_waves_that_have_ended(app: Flask) -> None:
    today = utcnow().date().isoformat()
    report = import_text(app, HEADER + "\r\n" + GOOD.replace("2024-03-21", today))
    assert [str(p) for p in report.problems] == [
        f"line 2: wave 'Spring 2024' ends on {today}: an import makes only waves that closed "
        "before today"
    ]


def test_question_codes_of_other_tools_are_kept_and_matched_whatever_their_case(
    app: Flask,
) -> None:
    upper = GOOD.replace(",knowledge,1,", ",HX_AWARE,1,") + GOOD.replace(
        ",knowledge,1,", ",hx_aware,1,"
    ).replace(",r1,", ",r2,")
    odd = GOOD.replace(",knowledge,1,", ",Q1.a-2,1,").replace(",r1,", ",r3,")
    report = import_text(app, HEADER + "\r\n" + upper + odd)
    assert report.ok, report.problems
    assert report.added == 3
    later = (upper + odd).replace("Spring 2024", "Autumn 2024").replace("HX_AWARE", "Hx_Aware")
    assert import_text(app, HEADER + "\r\n" + later).ok
    with app.app_context():
        codes = db.session.scalars(select(Question.code).order_by(Question.code)).all()
    assert codes == ["HX_AWARE", "Q1.a-2"]
