"""CSV at scale: export 10,000,000 answer rows and import 1,000,000, on SQLite and PostgreSQL.

Bulk-loads synthetic responses (as bench.insights_scale does), then streams the responses export
to nowhere in a fresh process (as a web worker would), timing rows/s and time to first byte and
taking its peak resident memory, with a plain driver read of the same rows as the baseline.
Then imports a file of about 1,000,000 rows into an empty database of the same backend: rows/s
for the checked, one-transaction import against one plain pass of the csv module over the same
file, and separately the roll-up build it ends with.

    .venv/bin/python -m bench.csv_speed [--rows 10000000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bench.databases import database_url
from bench.insights_scale import build_organisation, bulk_insert, generate
from survey import create_app
from survey.database import driver_rows
from survey.extensions import db
from survey.models import Answer, Response, utcnow
from survey.services import exporting, importing, insights, tallies

ANSWERS_PER_RESPONSE = 14  # the demo's patterns give about this many
TARGETS = {"export_rows_per_s": 400_000, "export_peak_mb": 150, "first_byte_s": 1.0}
IMPORT_TARGET = 100_000


def fresh_app(backend: str, folder: Path, name: str):
    """Return an app on a new, migrated database."""
    sub = folder / name
    sub.mkdir()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(backend, sub), "SECRET_KEY": "b"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


def export_in_child(url: str) -> dict:
    """Run the export in a fresh process, as a web worker would, and return its figures: peak
    resident memory is then the export's own, not the loader's."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.csv_speed", "--export-from", url],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(done.stdout.splitlines()[-1])


def export_to_nowhere(url: str) -> None:
    """Stream every closed wave's responses to nowhere; print rows, seconds, first byte and
    resident memory (when ready to export, and the peak) as JSON."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b"})
    with app.app_context():
        now = utcnow()
        closed = [w.id for w in insights.launched_waves() if w.closes_at <= now]
        ready = _memory_mb("VmRSS")
        started = time.perf_counter()
        first = None
        rows = 0
        for chunk in exporting.responses_csv(exporting.Scope(closed), now):
            if first is None:
                first = time.perf_counter() - started
            rows += chunk.count("\r\n")  # no comment in the generated data spans lines
        seconds = time.perf_counter() - started
    figures = {"rows": rows - 1, "seconds": seconds, "first": first, "ready_mb": ready}
    print(json.dumps(figures | {"peak_mb": _memory_mb("VmHWM")}))


def _memory_mb(field: str) -> float:
    """Return this process's resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    for entry in Path("/proc/self/status").read_text().splitlines():
        if entry.startswith(field + ":"):
            return int(entry.split()[1]) / 1024  # kB
    raise LookupError(field)


def csv_scan(path: Path) -> tuple[int, float]:
    """Baseline for the import: one plain pass of Python's csv module over the file."""
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    return rows, time.perf_counter() - started


def raw_scan(app) -> tuple[int, float]:
    """Baseline: read every answer row with its unit from the driver, unordered, making no CSV."""
    with app.app_context():
        started = time.perf_counter()
        every = select(*exporting.READ_COLUMNS).join(Answer, Answer.response_id == Response.id)
        rows = sum(len(batch) for batch in driver_rows(every, 10_000))
        return rows, time.perf_counter() - started


def run(backend: str, rows: int) -> bool:
    """Load, export, import; print the figures; return whether the targets were met."""
    print(f"\n== {backend}: export {rows:,} answer rows, import about 1,000,000 ==")
    with tempfile.TemporaryDirectory() as folder:
        source = fresh_app(backend, Path(folder), "source")
        org = build_organisation(source)
        responses = rows // ANSWERS_PER_RESPONSE
        _, answers, load = bulk_insert(source, generate(source, org, responses, random.Random(3)))
        with source.app_context():
            tallies.refresh([w.id for w in org.waves], utcnow())
        print(f"loaded {answers:,} answers in {load:.0f} s")
        scanned, scan_s = raw_scan(source)
        with source.app_context():
            url = db.engine.url.render_as_string(hide_password=False)
        figures = export_in_child(url)
        exported, seconds, first = figures["rows"], figures["seconds"], figures["first"]
        peak, rate = figures["peak_mb"], figures["rows"] / figures["seconds"]
        print(
            f"driver scan       {scanned:,} rows in {scan_s:.1f} s: {scanned / scan_s:,.0f} rows/s"
        )
        print(
            f"export            {exported:,} rows in {seconds:.1f} s: {rate:,.0f} rows/s "
            f"({rate / (scanned / scan_s):.2f} of the driver scan)"
        )
        added = peak - figures["ready_mb"]
        print(
            f"                  first byte {first:.3f} s; the export added {added:.1f} MB to "
            f"the process's resident memory (peak {peak:.0f} MB; {figures['ready_mb']:.0f} MB "
            "was the app with Flask, SQLAlchemy and SciPy loaded, before the export began)"
        )
        ok = (
            rate >= TARGETS["export_rows_per_s"]
            and added < TARGETS["export_peak_mb"]
            and first <= TARGETS["first_byte_s"]
        )
        verdict = "met" if ok else "MISSED"
        print(
            f"targets: >= {TARGETS['export_rows_per_s']:,} rows/s, "
            f"< {TARGETS['export_peak_mb']} MB added, "
            f"first byte <= {TARGETS['first_byte_s']} s: {verdict}"
        )
        # A file of about a million rows: the first waves of the source, exported.
        sample = Path(folder) / "sample.csv"
        with source.app_context():
            ids, total = [], 0
            for wave in insights.launched_waves():
                ids.append(wave.id)
                total += rows // len(org.waves)
                if total >= 1_000_000:
                    break
            with sample.open("w", encoding="utf-8") as handle:
                for chunk in exporting.responses_csv(exporting.Scope(ids), utcnow()):
                    handle.write(chunk)
            db.engine.dispose()
        target = fresh_app(backend, Path(folder), "target")
        with target.app_context():
            started = time.perf_counter()
            stages: dict[str, float] = {}
            report = importing.import_responses(
                sample.open,
                progress=lambda stage, _rows: stages.setdefault(stage, time.perf_counter()),
            )
            finished = time.perf_counter()
            db.engine.dispose()
        assert report.ok, report.problems[:5]
        checked, stored = stages["importing"] - started, stages["figures"] - stages["importing"]
        imported_s = checked + stored
        parsed, parse_s = csv_scan(sample)
        print(
            f"csv module pass   {parsed:,} rows in {parse_s:.1f} s: {parsed / parse_s:,.0f} rows/s"
        )
        print(
            f"import            {report.rows:,} rows ({report.added:,} responses) in "
            f"{imported_s:.1f} s: {report.rows / imported_s:,.0f} rows/s, "
            f"{(report.rows / imported_s) / (parsed / parse_s):.2f} of a plain csv pass "
            f"(checking the whole file {checked:.1f} s, storing {stored:.1f} s)"
        )
        print(f"                  then the roll-ups: {finished - stages['figures']:.1f} s")
        met = report.rows / imported_s >= IMPORT_TARGET
        print(f"target: >= {IMPORT_TARGET:,} rows/s: {'met' if met else 'MISSED'}")
        with source.app_context():
            db.engine.dispose()
    return ok and met


def main() -> None:
    """Run on each backend asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--export-from", help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args()
    if args.export_from:
        export_to_nowhere(args.export_from)
        return
    results = [run(backend, args.rows) for backend in args.backends.split(",")]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
