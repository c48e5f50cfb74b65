"""CSV out: RFC 4180 quoting, and every text cell protected against spreadsheet formulas; and
the words for what stops a CSV file being read in."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from itertools import chain

from flask import Response, stream_with_context

# A cell a spreadsheet might run as a formula or split into a new row. A leading quote mark is
# protected too, so that the import can always strip exactly one and get the original back.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
PROTECTED_START = (*FORMULA_START, "'")
NEEDS_QUOTES = re.compile(r'[",\r\n]')
SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
BOM = "\ufeff"  # lets Excel read the file as UTF-8
CHUNK = 64 * 1024


def safe_cell(value: object) -> str:
    """Return one CSV cell: text protected against formulas and quoted where RFC 4180 needs it.

    Numbers stay numbers (a negative number is not text, so it is not prefixed); None is empty;
    booleans are `true` and `false`.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return str(value)
    if value.startswith(PROTECTED_START):
        value = "'" + value
    if NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def original_text(cell: str) -> str:
    """Undo `safe_cell`'s protection on a cell read back by the csv module."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(PROTECTED_START) else cell


def unreadable(error: csv.Error) -> str:
    """Return why the csv module stopped reading a line, in words for the person who sent it."""
    if "field larger than field limit" in str(error):
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    return f"it is not valid CSV ({error})"


NUL_IN_CELL = "a cell contains a NUL character (\\0), which no text may contain"


def line(cells: Iterable[object]) -> str:
    """Return one CSV record, CRLF-terminated."""
    return ",".join(map(safe_cell, cells)) + "\r\n"


def chunked(lines: Iterable[str]) -> Iterator[str]:
    """Join records into chunks of about 64 KB, so streaming costs few writes."""
    parts: list[str] = []
    size = 0
    for text in lines:
        parts.append(text)
        size += len(text)
        if size >= CHUNK:
            yield "".join(parts)
            parts, size = [], 0
    yield "".join(parts)


def rows_to_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Yield CSV text in chunks, so any size streams in constant memory."""
    return chunked(chain([line(header)], map(line, rows)))


def filename(*parts: str, ext: str = "csv") -> str:
    """Return a file name made only of safe characters."""
    return "-".join(SAFE_FILENAME.sub("_", p).strip("_") for p in parts if p) + "." + ext


def download(chunks: Iterable[str], name: str, excel: bool = False) -> Response:
    """Stream CSV as an attachment; the Excel variant starts with a byte-order mark."""
    body = chain([BOM], chunks) if excel else chunks
    response = Response(stream_with_context(body), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"  # nosniff is on every response (survey/web.py)
    return response
