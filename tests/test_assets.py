"""Light pages: static files under hashed names cached for a year, responses compressed."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest
from bs4 import BeautifulSoup
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from survey.assets import IMMUTABLE, Manifest
from tests.helpers import Org, signed_in

STATIC = Path(__file__).resolve().parent.parent / "static"
HASHED = re.compile(r"^/static/(.+)\.([0-9a-f]{12})(\.\w+)$")


def linked_files(client: FlaskClient, url: str) -> list[str]:
    """Return the stylesheet and script URLs a page links."""
    soup = BeautifulSoup(client.get(url).data, "html.parser")
    return [tag["href"] for tag in soup.select("link[rel=stylesheet]")] + [
        tag["src"] for tag in soup.select("script[src]")
    ]


def test_pages_link_static_files_by_a_hash_of_their_content(client: FlaskClient, org: Org) -> None:
    urls = linked_files(client, f"/t/{org.team_token}")
    assert len(urls) == 3
    for url in urls:
        match = HASHED.match(url)
        assert match, url
        source = Manifest(STATIC).read(f"{match.group(1)}{match.group(3)}")
        assert hashlib.sha256(source).hexdigest()[:12] == match.group(2)


def test_hashed_static_files_are_cached_for_a_year(client: FlaskClient, org: Org) -> None:
    for url in linked_files(client, f"/t/{org.team_token}"):
        reply = client.get(url)
        assert reply.status_code == 200
        assert reply.headers["Cache-Control"] == IMMUTABLE
        # Varying on the session cookie would make the browser ask again when the cookie changes.
        assert reply.headers["Vary"] == "Accept-Encoding"
        match = HASHED.match(url)
        assert reply.data == Manifest(STATIC).read(f"{match.group(1)}{match.group(3)}")


def test_url_for_static_gives_the_same_hashed_name(app: Flask) -> None:
    with app.test_request_context():
        built = render_template_string(
            "{{ url_for('static', filename='css/app.css') }} {{ static_url('css/app.css') }}"
        )
    first, second = built.split()
    assert first == second
    assert HASHED.match(first)


def test_pulse_pages_stay_uncached(client: FlaskClient, org: Org) -> None:
    reply = client.get(f"/t/{org.team_token}", headers={"Accept-Encoding": "br, gzip"})
    assert reply.headers["Cache-Control"] == "no-store"
    assert "immutable" not in reply.headers["Cache-Control"]


def test_plain_names_still_work_but_are_rechecked(client: FlaskClient) -> None:
    reply = client.get("/static/css/app.css")
    assert reply.status_code == 200
    assert reply.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/css/app.css", headers={"If-None-Match": reply.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url",
    [
        "/static/css/app.000000000000.css",  # a hash that is not the file's
        "/static/css/missing.css",
        "/static/../pyproject.toml",
        "/static/vendor",  # a folder
    ],
)
def test_unknown_static_names_are_not_found(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("accepted", "encoding", "decode"),
    [
        ("gzip, deflate, br, zstd", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
    ],
)
def test_pages_and_static_files_are_compressed_as_the_browser_accepts(
    client: FlaskClient, org: Org, accepted: str, encoding: str, decode
) -> None:
    page = f"/t/{org.team_token}"
    for url in [page, *linked_files(client, page)]:
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": accepted})
        assert packed.headers["Content-Encoding"] == encoding, url
        assert len(packed.data) < len(plain.data) / 2
        body = decode(packed.data)
        if url == page:  # each page load has its own nonce and token, so compare the shape
            assert b"Start now" in body
        else:
            assert body == plain.data
        assert "Accept-Encoding" in packed.headers["Vary"]


def test_nothing_is_compressed_for_a_client_that_does_not_ask(
    client: FlaskClient, org: Org
) -> None:
    reply = client.get(f"/t/{org.team_token}")
    assert "Content-Encoding" not in reply.headers
    # A shared cache must still keep the compressed and plain copies apart.
    assert {"Accept-Encoding", "HX-Request"} <= set(
        reply.headers["Vary"].replace(" ", "").split(",")
    )


def test_a_card_fragment_is_compressed(client: FlaskClient, org: Org) -> None:
    page = client.get(f"/t/{org.team_token}").data.decode()
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    reply = client.post(
        f"/t/{org.team_token}",
        data={"nonce": nonce, "nav": "start", "step": "0"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf, "Accept-Encoding": "br"},
    )
    assert reply.status_code == 200
    assert reply.headers["Content-Encoding"] == "br"
    assert b"Question 1 of" in brotli.decompress(reply.data)


def test_tiny_responses_are_sent_as_they_are(client: FlaskClient) -> None:
    reply = client.get("/healthz", headers={"Accept-Encoding": "br, gzip"})
    assert reply.data == b"ok"
    assert "Content-Encoding" not in reply.headers
    assert "Accept-Encoding" in reply.headers["Vary"]


def test_csv_downloads_are_compressed_too(app: Flask, demo: None) -> None:
    client = signed_in(app, "analyst@test.org")
    plain = client.get("/insights/export/aggregates.csv")
    # Streamed as it is written, and compressed as a stream.
    packed = client.get("/insights/export/aggregates.csv", headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.data) == plain.data
    assert packed.headers["Content-Disposition"] == plain.headers["Content-Disposition"]


def test_both_stylesheets_come_as_one_file(app: Flask, client: FlaskClient, org: Org) -> None:
    page = client.get(f"/t/{org.team_token}").get_data(as_text=True)
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert len(links) == 1
    sheet = client.get(links[0]).get_data(as_text=True)
    folder = Path(app.static_folder or "")
    for part in ("vendor/govuk-frontend.min.css", "css/app.css"):
        assert (folder / part).read_text() in sheet
