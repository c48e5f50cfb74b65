"""CSV exports: exact columns, suppression as on screen, roles, headers, formula neutralising."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from survey.database import write_transaction
from survey.exports import original_text, safe_cell
from survey.models import Answer, Option, QuestionVersion, Response, Unit, Wave, utcnow
from survey.services import exporting, insights, units
from tests.helpers import (
    Org,
    Respondent,
    good_answers,
    set_wave_times,
    sign_in,
    signed_in,
    unit_id,
)

RESPONSES = list(exporting.RESPONSE_COLUMNS)
AGGREGATES = list(exporting.AGGREGATE_COLUMNS)
PAYLOADS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rline", "'=quoted")


def table(text: str) -> list[dict[str, str]]:
    """Read CSV text (with or without a byte-order mark) into rows of cells."""
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_safe_cell_neutralises_formulas_and_undoes_exactly() -> None:
    for payload in PAYLOADS:
        cell = next(csv.reader([safe_cell(payload)]))[0]
        assert cell.startswith("'")
        assert original_text(cell) == payload
    assert safe_cell(-2.5) == "-2.5"  # numbers stay numbers
    assert safe_cell('say "hi", then\r\nleave') == '"say ""hi"", then\r\nleave"'
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"


def test_aggregates_have_the_exact_columns_and_match_the_screens(app: Flask, demo: None) -> None:
    client = signed_in(app, "analyst@test.org")
    environment = unit_id(app, "Environment")
    reply = client.get(f"/insights/export/aggregates.csv?unit={environment}")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="aggregates-')
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "no-store"
    text = reply.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(AGGREGATES)
    rows = table(text)
    paths = {row["unit_path"] for row in rows}
    assert paths == {
        "Riverside Council > Place and Resources > Environment",
        "Riverside Council > Place and Resources > Environment > Waste and Recycling",
        "Riverside Council > Place and Resources > Environment > Parks",
    }
    # Every row is hidden exactly when the screens hide it (Parks has 4 people; Waste and
    # Recycling goes with it whenever Environment minus Waste would be Parks).
    with app.app_context():
        views = {w.name: insights.view(w, None, utcnow()) for w in insights.launched_waves()}
        paths = {u: p for v in views.values() for u, p in v.paths.items()}
        ids = {p: u for u, p in paths.items()}
        for row in rows:
            figure = views[row["wave"]].figure(ids[row["unit_path"]], row["measure"])
            assert (row["suppressed"] == "true") == figure.suppressed, row
            assert (row["n"] == "") == figure.suppressed
    parks = [r for r in rows if r["unit_path"].endswith("Parks")]
    assert parks
    assert all(r["suppressed"] == "true" for r in parks)
    assert all(r[c] == "" for r in parks for c in AGGREGATES[4:11])
    # Shown rows carry the same figures as the screens' view.
    centre = unit_id(app, "Contact Centre")
    with app.app_context():
        waves = insights.launched_waves()
        figure = insights.view(waves[-2], None, utcnow()).figure(centre, "knowledge")
    assert not figure.suppressed
    services = unit_id(app, "Customer Services")
    text = client.get(f"/insights/export/aggregates.csv?unit={services}").get_data(as_text=True)
    row = next(
        r
        for r in table(text)
        if r["wave"] == waves[-2].name
        and r["unit_path"].endswith("Contact Centre")
        and r["measure"] == "knowledge"
    )
    assert row["suppressed"] == "false"
    assert int(row["n"]) == figure.n
    assert float(row["favourable_pct"]) == round(figure.value * 100, 1)
    assert float(row["ci_low"]) == round(figure.low * 100, 1)
    assert row["significant"] in ("true", "false")
    measures = {r["measure"] for r in rows}
    assert {"knowledge", "plain_language", "claimed", "demonstrated", "gap", "enps"} <= measures


def test_excel_variant_starts_with_a_byte_order_mark(app: Flask, demo: None) -> None:
    client = signed_in(app, "analyst@test.org")
    reply = client.get("/insights/export/aggregates.csv?excel=1")
    assert reply.get_data().startswith("\ufeff".encode())
    assert "excel" in reply.headers["Content-Disposition"]


def test_roles_and_scope_of_exports(app: Flask, demo: None, client: FlaskClient) -> None:
    assert client.get("/insights/export/aggregates.csv").status_code == 302
    manager = signed_in(app, "manager@test.org")
    rows = table(manager.get("/insights/export/aggregates.csv").get_data(as_text=True))
    assert rows
    assert all("Customer Services" in r["unit_path"] for r in rows)
    outside = unit_id(app, "Adult Social Care")
    assert manager.get(f"/insights/export/aggregates.csv?unit={outside}").status_code == 404
    assert manager.get("/insights/export/responses.csv").status_code == 403
    assert (
        signed_in(app, "analyst@test.org").get("/insights/export/responses.csv").status_code == 403
    )


def test_responses_export_long_form_for_released_waves_only(app: Flask, demo: None) -> None:
    admin = signed_in(app, "admin@test.org")
    with app.app_context():
        waves = insights.launched_waves()
    closed, still_open = waves[-2], waves[-1]
    reply = admin.get(f"/insights/export/responses.csv?from={closed.id}&wave={closed.id}")
    assert reply.status_code == 200
    text = reply.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(RESPONSES)
    rows = table(text)
    assert {r["wave"] for r in rows} == {closed.name}
    assert {r["wave_start"] for r in rows} == {closed.opens_at.date().isoformat()}
    assert {r["kind"] for r in rows} == {"scale5", "scale11", "single", "multi", "text"}
    # One row per chosen option of a multiple-choice answer, grouped by a keyed response id.
    first = rows[0]["response_id"]
    one = [r for r in rows if r["response_id"] == first]
    assert len([r for r in one if r["question_code"] == "recognition"]) >= 1
    again = table(
        admin.get(f"/insights/export/responses.csv?wave={closed.id}&from={closed.id}").get_data(
            as_text=True
        )
    )
    assert [r["response_id"] for r in again] == [r["response_id"] for r in rows]
    # Parks has 4 people: below the comment threshold, so its comments are not exported.
    assert not [r for r in rows if r["unit_path"].endswith("Parks") and r["kind"] == "text"]
    assert [r for r in rows if r["kind"] == "text" and r["text"]]
    only_open = admin.get(
        f"/insights/export/responses.csv?from={still_open.id}&wave={still_open.id}"
    )
    assert only_open.status_code == 409
    assert "once a wave has closed" in only_open.get_data(as_text=True)


def test_every_text_field_is_neutralised(app: Flask, org: Org, accounts: None) -> None:
    comment = org.item("comment")
    with app.app_context(), write_transaction() as session:
        team = session.get_one(Unit, org.unit_id)
        team.name = PAYLOADS[0]
        session.execute(
            update(QuestionVersion).where(QuestionVersion.id == comment.id).values(text=PAYLOADS[1])
        )
        session.execute(
            update(Option)
            .where(Option.id == org.item("mainly_about").choices[1].id)
            .values(code="@code")
        )
        wave = session.get_one(Wave, org.wave_id)
        wave.name = PAYLOADS[3]
    for payload in (PAYLOADS * 2)[:10]:
        person = Respondent(app.test_client(), f"/t/{org.team_token}")
        person.open()
        person.submit(good_answers(org) | {comment.field: [payload]})
    set_wave_times(app, org.wave_id, timedelta(days=-10), timedelta(days=-1))
    admin = app.test_client()
    sign_in(admin, "admin")
    text = admin.get("/insights/export/responses.csv?excel=1").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1:]
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for row in rows:
        for cell in (row[0], row[3], row[7], row[11], row[12]):
            assert not cell.startswith(dangerous), cell
    texts = {original_text(r[12]) for r in rows if r[9] == "text"}
    assert texts == {p.strip() for p in PAYLOADS}  # answers are stored trimmed


def test_cli_exports_and_explains_bad_choices(app: Flask, demo: None, runner, tmp_path) -> None:
    out = tmp_path / "figures.csv"
    result = runner.invoke(
        args=[
            "export",
            "aggregates",
            "--unit",
            "Riverside Council > Place and Resources",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    rows = table(out.read_text())
    assert rows
    assert all(r["unit_path"].startswith("Riverside Council > Place") for r in rows)
    result = runner.invoke(args=["export", "responses", "--wave", "No such wave"])
    assert result.exit_code != 0
    assert "no launched wave called 'No such wave'" in result.output
    result = runner.invoke(args=["export", "aggregates", "--unit", "Nowhere"])
    assert result.exit_code != 0
    assert "no unit called 'Nowhere'" in result.output
    with app.app_context():
        still_open = insights.launched_waves()[-1].name
    result = runner.invoke(args=["export", "responses", "--wave", still_open])
    assert result.exit_code != 0
    assert "once its results are released" in result.output
    responses = tmp_path / "responses.csv"
    result = runner.invoke(args=["export", "responses", "-o", str(responses)])
    assert result.exit_code == 0
    assert still_open not in {r["wave"] for r in table(responses.read_text())}


def test_responses_of_a_unit_outside_the_snapshot_do_not_break_the_export(
    app: Flask, org: Org, accounts: None
) -> None:
    for _ in range(6):
        person = Respondent(app.test_client(), f"/t/{org.team_token}")
        person.open()
        person.submit(good_answers(org))
    with app.app_context(), write_transaction() as session:
        # As an import into an existing wave once could: a response for a unit the wave's
        # launch snapshot does not have.
        late = units.ensure_path(session, "Test Council > Late Team", 3)
        session.flush()
        response = Response(
            wave_id=org.wave_id, unit_id=late.id, nonce="late", submitted_on=utcnow().date()
        )
        session.add(response)
        session.flush()
        session.add(
            Answer(response_id=response.id, question_version_id=org.item("awareness").id, value=2)
        )
    set_wave_times(app, org.wave_id, timedelta(days=-10), timedelta(days=-1))
    admin = app.test_client()
    sign_in(admin, "admin")
    reply = admin.get("/insights/export/responses.csv")
    assert reply.status_code == 200
    rows = table(reply.get_data(as_text=True))
    assert {row["unit_path"] for row in rows} == {"Test Council > Operations > Team A"}
    assert len({row["response_id"] for row in rows}) == 6
