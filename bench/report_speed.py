"""Board report speed: seconds per report for the demo's top unit, and its pages, on SQLite.

Builds the demo in a temporary database, then builds and renders the report of the latest
released wave for the whole organisation (warm: the wave's release worked out once first), the
median of five runs, split into gathering the figures and drawing the PDF.

    .venv/bin/python -m bench.report_speed
"""

from __future__ import annotations

import statistics
import tempfile
import time
from io import BytesIO
from pathlib import Path

from flask_migrate import upgrade
from pypdf import PdfReader

from survey import create_app
from survey.database import write_transaction
from survey.models import utcnow
from survey.reporting import content, pdf
from survey.services import demo, insights

RUNS = 5


def main() -> None:
    """Print seconds per report (figures, drawing) and the page count."""
    with tempfile.TemporaryDirectory() as folder:
        url = "sqlite:///" + str(Path(folder) / "bench.sqlite")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
            with write_transaction() as session:
                demo.build_demo(session, utcnow())
            launched = insights.launched_waves()
            latest = insights.latest_released(launched, utcnow())
            up_to = launched[: launched.index(latest) + 1]
            content.board_report(up_to, None, None, utcnow())  # release worked out once
            gather, draw = [], []
            for _ in range(RUNS):
                start = time.perf_counter()
                report = content.board_report(up_to, None, None, utcnow())
                middle = time.perf_counter()
                data = pdf.render(report)
                gather.append(middle - start)
                draw.append(time.perf_counter() - middle)
            pages = len(PdfReader(BytesIO(data)).pages)
    total = statistics.median(a + b for a, b in zip(gather, draw, strict=True))
    print(
        f"board report, {report.unit_path}, {report.wave}: {total:.2f} s per report "
        f"(figures {statistics.median(gather):.2f} s, PDF {statistics.median(draw):.2f} s), "
        f"{pages} pages, {len(data):,} bytes"
    )


if __name__ == "__main__":
    main()
