"""Poster speed and legibility: seconds and bytes for every unit's posters in one PDF, and the
coarsest print of a poster from which zbarimg still reads the team link.

Draws posters for synthetic units (no database: what a request does after its one query), then
prints the first page at falling resolutions with pdftoppm (Debian's poppler-utils) and decodes
it with zbarimg (zbar-tools): the lowest dots per inch that still decode, and the pixels each QR
module had there, say how much blur and distance a poster stands.

    .venv/bin/python -m bench.poster_speed [--units 1,100,500] [--base https://pulse.example]
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from survey.reporting import posters
from survey.services.posters import TeamPoster

MM_PER_INCH = 25.4


def sheets(count: int, base: str) -> list[posters.Sheet]:
    """Return `count` posters of units with plausible names and fresh tokens."""
    closes = datetime(2026, 12, 10, 17, 0)
    made = []
    for n in range(count):
        name = f"Waste Collection Depot {n + 1}"
        poster = TeamPoster(
            n + 1,
            name,
            f"Riverside Council > Environment > Waste > {name}",
            secrets.token_urlsafe(24),
            "Monthly pulse 2026-12",
            closes - timedelta(days=10),
            closes,
            13,
            3,
            5,
            False,
        )
        made.append(posters.sheet(poster, f"{base}/t/{poster.token}"))
    return made


def coarsest_readable(data: bytes, link: str, folder: Path) -> int | None:
    """Return the lowest resolution (dpi) at which the first page's code still reads as `link`."""
    rasterise, decode = shutil.which("pdftoppm"), shutil.which("zbarimg")
    if rasterise is None or decode is None:
        raise SystemExit("needs pdftoppm and zbarimg: apt-get install poppler-utils zbar-tools")
    pdf = folder / "posters.pdf"
    pdf.write_bytes(data)
    lowest = None
    for dpi in range(100, 4, -5):
        image = folder / f"page-{dpi}"
        subprocess.run(
            [rasterise, "-r", str(dpi), "-f", "1", "-l", "1", "-png", "-singlefile", pdf, image],
            check=True,
        )
        read = subprocess.run(
            [decode, "--quiet", "--raw", f"{image}.png"],
            capture_output=True,
            text=True,
            check=False,
        )
        if read.stdout.strip() != link:
            break
        lowest = dpi
    return lowest


def main() -> None:
    """Print seconds and bytes per poster for each size, then the coarsest readable print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", default="1,100,500")
    parser.add_argument("--base", default="https://pulse.riverside.gov.uk")
    args = parser.parse_args()
    for count in (int(part) for part in args.units.split(",")):
        made = sheets(count, args.base)
        start = time.perf_counter()
        data = posters.render(made, "Posters")
        seconds = time.perf_counter() - start
        print(
            f"{count:>5} posters: {seconds:6.2f} s ({seconds / count * 1000:5.0f} ms each), "
            f"{len(data) / 1024:8.0f} KB ({len(data) / count / 1024:4.1f} KB each)"
        )
    one = sheets(1, args.base)[0]
    drawn = posters.draw([one], "Poster")
    size = drawn.code_sizes[0]
    data = bytes(drawn.output())
    with tempfile.TemporaryDirectory() as folder:
        dpi = coarsest_readable(data, one.link, Path(folder))
    # The symbol's width in modules, quiet zone included, as the poster draws it.
    modules = posters.segno.make_qr(one.link, error="q", boost_error=True).symbol_size(border=4)[0]
    print(
        f"{len(one.link)}-character link: a {modules}-module code (quiet zone included) "
        f"printed {size:.0f} mm wide, {size / modules:.2f} mm a module"
    )
    if dpi is None:
        print("the code did not read even at 100 dpi")
        return
    print(f"reads down to {dpi} dpi: {size / modules / MM_PER_INCH * dpi:.1f} pixels a module")


if __name__ == "__main__":
    main()
