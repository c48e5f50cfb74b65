"""CSV at scale: export 10,000,000 answer rows and import 1,000,000, on SQLite and PostgreSQL.

Bulk-loads synthetic responses (as bench.insights_scale does), then streams the responses export
to nowhere, timing rows/s, time to first byte and peak memory (Python allocations, traced), with
the raw cursor scan of the same rows as the baseline. Then imports a file of about 1,000,000 rows
into an empty database of the same backend: rows/s for the checked, one-transaction import, and
separately the roll-up build it ends with.

    .venv/bin/python -m bench.csv_speed [--rows 10000000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import select

from bench.databases import database_url
from bench.insights_scale import build_organisation, bulk_insert, generate
from survey import create_app
from survey.extensions import db
from survey.database import driver_rows
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


def export(app, traced: bool = False) -> tuple[int, float, float, float]:
    """Stream every closed wave's responses to nowhere; return rows, seconds, first byte s and
    (traced run only: tracing slows Python, so the timed run is a separate one) peak MB."""
    with app.app_context():
        now = utcnow()
        closed = [w.id for w in insights.launched_waves() if w.closes_at <= now]
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        first = None
        rows = 0
        for chunk in exporting.responses_csv(exporting.Scope(closed), now):
            if first is None:
                first = time.perf_counter() - started
            rows += chunk.count("\r\n")  # no comment in the generated data spans lines
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
        tracemalloc.stop()
    return rows - 1, seconds, first or 0.0, peak


def raw_scan(app) -> tuple[int, float]:
    """Baseline: read the same answer rows from the driver, making no CSV at all."""
    with app.app_context():
        started = time.perf_counter()
        query = select(
            Answer.response_id,
            Response.unit_id,
            Answer.question_version_id,
            Answer.value,
            Answer.option_id,
            Answer.text,
        ).join(Answer, Answer.response_id == Response.id)
        rows = sum(len(batch) for batch in driver_rows(query, exporting.STREAM_ROWS))
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
        exported, seconds, first, _ = export(source)
        peak = export(source, traced=True)[3]
        rate = exported / seconds
        print(
            f"driver scan       {scanned:,} rows in {scan_s:.1f} s: {scanned / scan_s:,.0f} rows/s"
        )
        print(
            f"export            {exported:,} rows in {seconds:.1f} s: {rate:,.0f} rows/s "
            f"({rate / (scanned / scan_s):.2f} of the driver scan)"
        )
        print(
            f"                  first byte {first:.3f} s; peak traced Python memory {peak:.1f} MB"
        )
        ok = (
            rate >= TARGETS["export_rows_per_s"]
            and peak < TARGETS["export_peak_mb"]
            and first <= TARGETS["first_byte_s"]
        )
        verdict = "met" if ok else "MISSED"
        print(
            f"targets: >= {TARGETS['export_rows_per_s']:,} rows/s, "
            f"< {TARGETS['export_peak_mb']} MB, "
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
        print(
            f"import            {report.rows:,} rows ({report.added:,} responses) in "
            f"{imported_s:.1f} s: {report.rows / imported_s:,.0f} rows/s "
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
    args = parser.parse_args()
    results = [run(backend, args.rows) for backend in args.backends.split(",")]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
