"""Memory of the responses import's check against the number of distinct questions.

For 1,000, 10,000 and 100,000 rows, checks a file where every row asks the same question (the
baseline) and one where every row asks a question of its own, and prints the peak memory the
check allocated (tracemalloc) for each and their ratio. Linear memory keeps the ratio small and
flat as rows grow; memory that grows with the square of the questions makes it climb tenfold
with each tenfold step.

    .venv/bin/python -m bench.import_questions [--rows 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import tracemalloc
from pathlib import Path

from flask_migrate import upgrade

from survey import create_app
from survey.services import exporting, importing

HEADER = ",".join(exporting.RESPONSE_COLUMNS) + "\r\n"
ROW = (
    "Spring 2024,2024-03-01,2024-03-21,Council > Housing,r{response},{code},1,"
    "Question {code},,scale5,4,,\r\n"
)


def csv_file(rows: int, distinct: bool) -> bytes:
    """Return a responses file: one response per row, each asking `q0` or its own question."""
    lines = (ROW.format(response=n, code=f"q{n}" if distinct else "q0") for n in range(rows))
    return (HEADER + "".join(lines)).encode()


def peak_of_check(data: bytes) -> tuple[float, float]:
    """Return the check's peak allocated memory (MB) and how long it took (s)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    report, plan = importing.check(io.BytesIO(data))
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.ok, report.problems[:3]
    del plan
    return peak / 2**20, elapsed


def main() -> None:
    """Print peak memory of the check, one question against one question per row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000,10000,100000")
    sizes = [int(n) for n in parser.parse_args().rows.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
            print(f"{'rows':>8} {'one question':>14} {'one per row':>13} {'ratio':>6} {'time':>7}")
            for rows in sizes:
                baseline, _ = peak_of_check(csv_file(rows, distinct=False))
                distinct, seconds = peak_of_check(csv_file(rows, distinct=True))
                print(
                    f"{rows:>8,} {baseline:>11.1f} MB {distinct:>10.1f} MB "
                    f"{distinct / baseline:>6.1f} {seconds:>6.1f}s"
                )


if __name__ == "__main__":
    main()
