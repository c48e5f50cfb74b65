"""CSV out: RFC 4180 quoting, and every text cell protected against spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

# A cell a spreadsheet might run as a formula or split into a new row.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_cell(value: object) -> object:
    """Return the value, with text that could start a formula prefixed by a quote mark."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def rows_to_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Yield CSV text a row at a time, so any size streams in constant memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def filename(*parts: str) -> str:
    """Return a file name made only of safe characters."""
    return "-".join(SAFE_FILENAME.sub("_", p).strip("_") for p in parts if p) + ".csv"
