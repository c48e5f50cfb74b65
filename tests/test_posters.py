"""Team-link posters: the QR code on paper scans to exactly the team link, the words say when
and under what promise, and only admins of a wave that has not closed can print them."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import TeamLink, Unit, Wave, utcnow
from survey.reporting import posters
from survey.services import questions, waves
from survey.services.posters import TeamPoster
from survey.web import staff_link
from tests.helpers import Org, post, set_wave_times, signed_in, unit_id

# Reading the code back needs Debian's poppler-utils (pdftoppm) and zbar-tools (zbarimg);
# scripts/test installs both. Without them these tests fail, here and in CI, rather than skip.
RASTERISE, DECODE = shutil.which("pdftoppm"), shutil.which("zbarimg")


def team_link(app: Flask, org: Org, name: str = "Team A") -> tuple[int, str]:
    """Return a unit's id and its team link in the org's wave, as staff would open it."""
    with app.app_context():
        unit_id, token = db.session.execute(
            select(TeamLink.unit_id, TeamLink.token)
            .join(Unit, Unit.id == TeamLink.unit_id)
            .where(TeamLink.wave_id == org.wave_id, Unit.name == name)
        ).one()
        return unit_id, staff_link("t", token)


def closes_at(app: Flask, org: Org) -> datetime:
    """Return when the org's wave closes."""
    with app.app_context():
        return db.session.get_one(Wave, org.wave_id).closes_at


def download(client: FlaskClient, url: str) -> bytes:
    """Download a poster PDF and check it comes as a file that no cache keeps."""
    reply = client.get(url)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.mimetype == "application/pdf"
    assert reply.headers["Content-Disposition"].startswith("attachment;")
    assert reply.headers["Content-Disposition"].endswith('.pdf"')
    assert reply.headers["Cache-Control"] == "no-store"
    return reply.data


def scanned(data: bytes, page: int, tmp_path: Path) -> list[str]:
    """Print a PDF page to an image at 100 dpi and return every QR code zbarimg reads on it."""
    if RASTERISE is None or DECODE is None:
        pytest.fail(
            "Reading posters back needs pdftoppm and zbarimg: "
            "apt-get install poppler-utils zbar-tools (scripts/test does)"
        )
    pdf, image = tmp_path / "posters.pdf", tmp_path / f"page{page}"
    pdf.write_bytes(data)
    page_no = str(page)
    subprocess.run(  # noqa: S603  (fixed tools, arguments made here)
        [RASTERISE, "-r", "100", "-f", page_no, "-l", page_no, "-png", "-singlefile", pdf, image],
        check=True,
    )
    read = subprocess.run(  # noqa: S603
        [DECODE, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", f"{image}.png"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert read.returncode == 0, f"no QR code found on page {page}: {read.stderr}"
    return read.stdout.splitlines()


def pages_text(data: bytes) -> list[str]:
    """Return each page's text, read back from the PDF."""
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def one_line(text: str) -> str:
    """Return text with every run of white space as one space."""
    return " ".join(text.split())


def written_link(text: str) -> str:
    """Return the link as written on a poster: the lines between its two labels, joined."""
    after = text.split("as one line:", 1)[1]
    lines = after.strip().splitlines()
    link = []
    for line in lines:
        if not re.fullmatch(r"\S+", line.strip()):
            break
        link.append(line.strip())
    return "".join(link)


def test_a_units_poster_scans_to_exactly_its_team_link(
    app: Flask, org: Org, admin: FlaskClient, tmp_path: Path
) -> None:
    unit_id, link = team_link(app, org)
    data = download(admin, f"/admin/waves/{org.wave_id}/posters/{unit_id}.pdf")
    assert scanned(data, 1, tmp_path) == [link]
    (text,) = pages_text(data)
    assert written_link(text) == link
    closes = closes_at(app, org)
    flat = one_line(text)
    assert f"Open until {closes:%A} {closes.day} {closes:%B %Y} at {closes:%H:%M} (UTC)" in flat
    assert posters.PROMISE in flat
    assert "at least 5 people have answered" in flat
    assert "Tell us how the change is going" in flat
    assert "Everyone in Team A is invited" in flat


def test_the_promise_is_the_one_the_staff_pulse_makes(app: Flask, org: Org) -> None:
    with app.app_context():
        url = staff_link("t", org.team_token)
    page = app.test_client().get(url.removeprefix(app.config["BASE_URL"]))
    assert page.status_code == 200
    words = one_line(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
    assert posters.PROMISE in words
    assert posters.SHOWN_FROM.format(threshold=app.config["ANONYMITY_THRESHOLD"]) in words


def test_all_units_come_in_one_pdf_a_page_each_in_path_order(
    app: Flask, org: Org, admin: FlaskClient, tmp_path: Path
) -> None:
    links = [team_link(app, org, name)[1] for name in ("Team A", "Team B")]
    data = download(admin, f"/admin/waves/{org.wave_id}/posters.pdf")
    texts = pages_text(data)
    assert len(texts) == 2  # Test Council and Operations have no headcount, so no team link
    for page, (text, link) in enumerate(zip(texts, links, strict=True), start=1):
        assert scanned(data, page, tmp_path) == [link]
        assert written_link(text) == link
        assert posters.PROMISE in one_line(text)


def test_a_switched_off_link_gets_no_poster(app: Flask, org: Org, admin: FlaskClient) -> None:
    team_b, link_b = team_link(app, org, "Team B")
    switch = f"/admin/waves/{org.wave_id}/team-links/{team_b}"
    assert post(admin, switch, {"active": "0"}).status_code == 303
    reply = admin.get(f"/admin/waves/{org.wave_id}/posters/{team_b}.pdf")
    assert reply.status_code == 409
    assert "switched off" in reply.get_data(as_text=True)
    (text,) = pages_text(download(admin, f"/admin/waves/{org.wave_id}/posters.pdf"))
    assert "Team A" in text
    assert link_b not in "".join(text.split())
    team_a = team_link(app, org)[0]
    post(admin, f"/admin/waves/{org.wave_id}/team-links/{team_a}", {"active": "0"})
    reply = admin.get(f"/admin/waves/{org.wave_id}/posters.pdf")
    assert reply.status_code == 409
    assert "No unit of this wave has a team link that is switched on" in reply.get_data(
        as_text=True
    )


def test_a_closed_wave_has_no_posters_but_a_clear_message(
    app: Flask, org: Org, admin: FlaskClient
) -> None:
    unit_id, link = team_link(app, org)
    set_wave_times(app, org.wave_id, -timedelta(days=8), -timedelta(hours=1))
    for url in (
        f"/admin/waves/{org.wave_id}/posters.pdf",
        f"/admin/waves/{org.wave_id}/posters/{unit_id}.pdf",
    ):
        reply = admin.get(url)
        assert reply.status_code == 410
        assert reply.mimetype == "text/html"
        assert "This wave has closed" in reply.get_data(as_text=True)
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert "there are no posters to print" in one_line(page)
    assert "posters.pdf" not in page
    assert "Poster (PDF)" not in page
    # As the poster's code would now answer: the link itself says the pulse has closed.
    assert app.test_client().get(link.removeprefix(app.config["BASE_URL"])).status_code == 410


def test_the_wave_page_offers_every_poster_and_each_units(
    app: Flask, org: Org, admin: FlaskClient
) -> None:
    page = admin.get(f"/admin/waves/{org.wave_id}").get_data(as_text=True)
    assert f'href="/admin/waves/{org.wave_id}/posters.pdf"' in page
    for name in ("Team A", "Team B"):
        unit_id = team_link(app, org, name)[0]
        assert f'href="/admin/waves/{org.wave_id}/posters/{unit_id}.pdf"' in page
    assert page.count("Poster (PDF)") == 2


@pytest.mark.parametrize("who", ["analyst", "manager"])
def test_only_admins_get_posters(app: Flask, org: Org, accounts: None, who: str) -> None:
    unit_id, link = team_link(app, org)
    client = signed_in(app, f"{who}@test.org")
    for url in (
        f"/admin/waves/{org.wave_id}/posters.pdf",
        f"/admin/waves/{org.wave_id}/posters/{unit_id}.pdf",
    ):
        reply = client.get(url)
        assert reply.status_code == 403
        assert link.rsplit("/", 1)[1] not in reply.get_data(as_text=True)


def test_signed_out_people_are_sent_to_sign_in(app: Flask, org: Org) -> None:
    unit_id, _ = team_link(app, org)
    for url in (
        f"/admin/waves/{org.wave_id}/posters.pdf",
        f"/admin/waves/{org.wave_id}/posters/{unit_id}.pdf",
    ):
        reply = app.test_client().get(url)
        assert reply.status_code == 302
        assert "/login" in reply.headers["Location"]


def draft_wave(app: Flask) -> int:
    """Return the id of a wave that has not been launched."""
    with app.app_context(), write_transaction() as session:
        survey = questions.ensure_default_survey(session)
        now = utcnow()
        wave = waves.create_wave(session, survey, "Draft", now, now + timedelta(days=7))
        return wave.id


def test_unknown_draft_and_linkless_give_404(app: Flask, org: Org, admin: FlaskClient) -> None:
    team_a = team_link(app, org)[0]
    linkless = unit_id(app, "Operations")
    draft = draft_wave(app)
    for url in (
        "/admin/waves/999999/posters.pdf",
        f"/admin/waves/999999/posters/{team_a}.pdf",
        f"/admin/waves/{org.wave_id}/posters/999999.pdf",
        f"/admin/waves/{org.wave_id}/posters/{linkless}.pdf",
        f"/admin/waves/{draft}/posters.pdf",
        f"/admin/waves/{draft}/posters/{team_a}.pdf",
        f"/admin/waves/{org.wave_id}/posters/0{team_a}.pdf",
        f"/admin/waves/{org.wave_id}/posters/{team_a}.png",
    ):
        assert admin.get(url).status_code == 404, url


def test_a_scheduled_wave_poster_says_when_it_opens(
    app: Flask, org: Org, admin: FlaskClient, tmp_path: Path
) -> None:
    set_wave_times(app, org.wave_id, timedelta(days=2), timedelta(days=9))
    unit_id, link = team_link(app, org)
    data = download(admin, f"/admin/waves/{org.wave_id}/posters/{unit_id}.pdf")
    assert scanned(data, 1, tmp_path) == [link]
    flat = one_line(pages_text(data)[0])
    closes = closes_at(app, org)
    assert "Opens " in flat
    assert f"closes {closes:%A} {closes.day} {closes:%B %Y} at {closes:%H:%M} (UTC)" in flat


def test_a_long_address_and_unit_name_still_fit_one_scannable_page(
    app: Flask, org: Org, admin: FlaskClient, tmp_path: Path
) -> None:
    app.config["BASE_URL"] = (
        "https://staff-pulse-surveys.transformation.riverside-metropolitan-borough-council"
        ".gov.uk/change-programme/pulse"
    )
    long_name = "Adult Social Care Reablement and Home Support " * 2
    with app.app_context(), write_transaction() as session:
        unit = session.scalars(select(Unit).where(Unit.name == "Team A")).one()
        unit.name = long_name.strip()
    unit_id, link = team_link(app, org, long_name.strip())
    data = download(admin, f"/admin/waves/{org.wave_id}/posters/{unit_id}.pdf")
    assert len(PdfReader(BytesIO(data)).pages) == 1
    assert scanned(data, 1, tmp_path) == [link]
    text = pages_text(data)[0]
    assert written_link(text) == link
    token = link.rsplit("/", 1)[1]
    assert any(line.strip().endswith(token) for line in text.splitlines())  # never split
    assert posters.PROMISE in one_line(text)


@pytest.fixture
def pdf() -> Iterator[posters.PosterPDF]:
    """Return a poster document to measure in, written out afterwards (which closes its fonts)."""
    document = posters.PosterPDF("test")
    yield document
    document.add_page()
    document.output()


def test_the_written_link_breaks_only_after_a_slash_or_a_dot(pdf: posters.PosterPDF) -> None:
    link = "https://pulse.example.gov.uk/t/" + "lI1O0o-_" * 4
    size, lines = posters.link_lines(pdf, link, 120)
    assert "".join(lines) == link
    assert all(line[-1] in "/." for line in lines[:-1])
    assert lines[-1] == "t/" + "lI1O0o-_" * 4 or lines[-1] == "lI1O0o-_" * 4
    pdf.set_font(posters.MONO, "", size)
    assert all(pdf.get_string_width(line) <= 120 for line in lines)


def test_a_host_too_long_for_a_line_is_cut_where_the_line_ends(pdf: posters.PosterPDF) -> None:
    link = "https://" + "a" * 90 + ".example/t/" + "x" * 32
    size, lines = posters.link_lines(pdf, link, 100)
    assert size == posters.LINK_SIZES[1]
    assert "".join(lines) == link
    pdf.set_font(posters.MONO, "", size)
    assert all(pdf.get_string_width(line) <= 100 for line in lines)
    assert lines[-1].endswith("x" * 32)  # the token whole on one line


def poster_of(name: str, link: str) -> posters.Sheet:
    """Return the poster of a unit called `name` with this link, in a wave closing in a week."""
    closes = datetime(2026, 12, 10, 17, 0)
    unit = TeamPoster(
        1,
        name,
        f"Council > {name}",
        "x",
        "Wave 1",
        closes - timedelta(days=7),
        closes,
        13,
        3,
        5,
        False,
    )
    return posters.sheet(unit, link)


def test_unit_names_in_any_script_print_and_the_code_still_reads(tmp_path: Path) -> None:
    welsh, tokyo = "Gwasanaethau Cymdeithasol \N{EN DASH} Tîm Ŵyn", "東京チーム"
    links = [f"https://pulse.example/t/{n}" + "Ab0O1lI-_" * 3 + "xyzXY" for n in range(2)]
    drawn = posters.draw([poster_of(welsh, links[0]), poster_of(tokyo, links[1])], "Posters")
    data = bytes(drawn.output())
    texts = pages_text(data)
    assert welsh in texts[0]
    assert tokyo in texts[1]
    for page, link in enumerate(links, start=1):
        assert scanned(data, page, tmp_path) == [link]
    assert drawn.code_sizes == [posters.QR_LARGEST] * 2  # the largest code where words allow
