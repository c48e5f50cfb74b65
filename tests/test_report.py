"""The board report (PDF): what it says, read back from the file, agrees with the screens."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from survey.database import write_transaction
from survey.models import WaveUnit, utcnow
from survey.reporting import content, pdf
from survey.reporting.content import Cell, Report, Section, Table
from survey.services import insights
from tests.helpers import signed_in, unit_id
from tests.test_insights import SCREENS, heatmap_row

INDICES = [insights.INDEX_NAMES[m] for m in content.HEADLINE]


def text_of(data: bytes) -> str:
    """Return every page's text of a PDF, pages joined by newlines."""
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def waves(app: Flask) -> tuple[int, int, str, str]:
    """Return the ids and names of the latest released wave and of the open one."""
    with app.app_context():
        launched = insights.launched_waves()
        released = insights.latest_released(launched, utcnow())
        return released.id, launched[-1].id, released.name, launched[-1].name


def released_count(app: Flask, unit: int) -> int | None:
    """Return the response count the screens show for a unit in the latest released wave."""
    with app.app_context():
        wave = insights.find_wave(waves(app)[0])
        return insights.frame(wave, None, utcnow()).count(unit)


def report_text(app: Flask, who: str, **query: object) -> str:
    """Download a board report as a signed-in user and return its text."""
    reply = signed_in(app, who).get("/insights/report.pdf", query_string=query)
    assert reply.status_code == 200
    assert reply.mimetype == "application/pdf"
    assert reply.headers["Content-Disposition"].startswith("attachment;")
    assert reply.headers["Content-Disposition"].endswith('.pdf"')
    assert reply.headers["Cache-Control"] == "no-store"
    return text_of(reply.data)


def test_report_has_the_unit_wave_n_and_every_headline_index(app: Flask, demo: None) -> None:
    released, _, name, _ = waves(app)
    top = unit_id(app, "Riverside Council")
    text = report_text(app, "analyst@test.org", wave=released, unit=top)
    assert "Riverside Council" in text
    assert f"Wave: {name}" in text
    assert f"n = {released_count(app, top)} responses" in text
    for index in INDICES:
        assert index in text
    assert "95% interval" in text
    assert "Steps of the change (ADKAR)" in text
    assert "Heatmap of the units below" in text
    assert "What people think the change is mainly about" in text
    assert "Share of comments touching each theme" in text
    assert "Produced " in text
    assert "Page 1 of" in text
    assert "http" not in text  # no link addresses on paper


def test_report_suppresses_what_the_screens_suppress(app: Flask, demo: None) -> None:
    environment = unit_id(app, "Environment")
    assert "Suppressed" in heatmap_row(signed_in(app, "analyst@test.org"), environment, "Parks")
    text = report_text(app, "analyst@test.org", unit=environment)
    parks_line = next(line for line in text.splitlines() if line.startswith("Parks"))
    assert "Suppressed" in parks_line or "Not shown" in parks_line
    assert text.count("Suppressed") >= 2  # the heatmap row and the definition rows


def test_the_stuck_team_report_names_its_barrier(app: Flask, demo: None) -> None:
    stuck = unit_id(app, "Revenues and Benefits")
    text = report_text(app, "admin@test.org", unit=stuck)
    assert "The barrier point is Knowledge" in text
    assert "Barrier point" in text


def test_an_open_wave_report_shows_participation_only(app: Flask, demo: None) -> None:
    _, open_wave, _, name = waves(app)
    text = report_text(app, "analyst@test.org", wave=open_wave)
    assert "Results not out yet" in text
    assert f"Results for {name} appear when the wave closes" in text
    assert "Participation" in text
    for index in INDICES:
        assert index not in text
    assert "Mean score" not in text
    assert "95% interval" not in text


def test_a_manager_reports_on_their_scope_only(app: Flask, demo: None) -> None:
    manager = signed_in(app, "manager@test.org")
    outside = unit_id(app, "Adult Social Care")
    assert manager.get(f"/insights/report.pdf?unit={outside}").status_code == 404
    text = report_text(app, "manager@test.org")
    assert "Customer Services" in text
    assert "Adult Social Care" not in text


def test_signed_out_and_unknown_waves_get_no_report(app: Flask, demo: None, client) -> None:
    assert client.get("/insights/report.pdf").status_code == 302
    analyst = signed_in(app, "analyst@test.org")
    assert analyst.get("/insights/report.pdf?wave=999999").status_code == 404
    assert analyst.get("/insights/report.pdf?unit=999999").status_code == 404


def test_every_screen_links_to_its_board_report(app: Flask, demo: None) -> None:
    analyst = signed_in(app, "analyst@test.org")
    for screen in SCREENS:
        page = analyst.get(screen).get_data(as_text=True)
        assert "Board report (PDF)" in page
        assert "/insights/report.pdf?" in page


def test_unit_names_in_any_script_print(app: Flask, demo: None) -> None:
    welsh, tokyo = "Gwasanaethau Cymraeg \N{EN DASH} Ŵ ŷ", "東京"
    renamed = {"Contact Centre": welsh, "Revenues and Benefits": tokyo}
    # The launch snapshot holds the names a wave's figures are reported under.
    with app.app_context(), write_transaction() as session:
        for snapshot in session.scalars(select(WaveUnit)):
            old = snapshot.path.rsplit(" > ", 1)[-1]
            if old in renamed:
                snapshot.path = snapshot.path.removesuffix(old) + renamed[old]
    app.extensions.pop("snapshot_cache", None)
    text = report_text(app, "analyst@test.org", unit=unit_id(app, "Customer Services"))
    assert welsh in text
    assert tokyo in text


def tiny_report(names: list[str]) -> Report:
    """Return a report of one table with a row per name."""
    rows = [(Cell(name), Cell("1")) for name in names]
    table = Table("Units", ("Unit", "People"), rows)
    return Report(names[0], "Wave 1", [names[0], "Produced today"], True, [Section("S", [table])])


def test_a_character_no_font_has_prints_as_a_replacement_mark() -> None:
    text = text_of(pdf.render(tiny_report(["Team \U00013000 North"])))
    assert "Team \N{REPLACEMENT CHARACTER} North" in text


def test_long_tables_repeat_their_header_on_every_page() -> None:
    data = pdf.render(tiny_report([f"Team {i:03d}" for i in range(150)]))
    pages = PdfReader(BytesIO(data)).pages
    assert len(pages) >= 3
    for page in pages:
        assert "Unit People" in page.extract_text()


def test_cli_writes_a_report_and_refuses_bad_names(
    app: Flask, demo: None, runner, tmp_path: Path
) -> None:
    _, _, name, _ = waves(app)
    out = tmp_path / "board.pdf"
    args = ["report", "--wave", name, "--unit", "Riverside Council > Place and Resources"]
    result = runner.invoke(args=[*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Place and Resources" in text_of(out.read_bytes())
    missing = runner.invoke(args=["report", "--wave", "No such wave", "-o", str(out)])
    assert missing.exit_code != 0
    assert "no launched wave called 'No such wave'" in missing.output
    nowhere = runner.invoke(args=["report", "--wave", name, "--unit", "Nowhere", "-o", str(out)])
    assert nowhere.exit_code != 0
    assert "no unit called 'Nowhere'" in nowhere.output
