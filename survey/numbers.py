"""Strict parsing of every number and date a person types or a page posts.

`str.isdigit()` is true for "²" and "①", and `int()` takes Arabic-Indic and full-width digits,
" 5", "+5" and "05", so neither is used on input anywhere: a number is ASCII digits only, no
sign, no spaces, no leading zero, and small enough for any database column; a date is ISO 8601
with ASCII digits, and the forms and the import keep it inside a sane window of years.
"""

from __future__ import annotations

import re
from datetime import date, datetime

# The largest id PostgreSQL's integer columns hold; SQLite's are larger, so both agree on this.
MAX_ID = 2**31 - 1
CANONICAL = re.compile(r"0|[1-9][0-9]{0,9}", re.ASCII)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
ISO_MINUTE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}", re.ASCII)
# Results are about a change programme running now: a year outside this is a typing mistake,
# and keeping far-off dates out keeps every date sum (a repeat, a window) inside datetime.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
YEARS = f"{EARLIEST_YEAR} to {LATEST_YEAR}"


def parse_int(text: object, low: int = 0, high: int = MAX_ID) -> int | None:
    """Return `text` as an int if it is a canonical ASCII integer in `low`..`high`, else None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        value = text
    elif isinstance(text, str) and CANONICAL.fullmatch(text):
        value = int(text)
    else:
        return None
    return value if low <= value <= high else None


def parse_id(text: object) -> int | None:
    """Return `text` as a database id (1 to MAX_ID), or None."""
    return parse_int(text, 1, MAX_ID)


def coerce_int(value: object) -> int:
    """Coerce a posted choice to an int for WTForms, raising ValueError unless canonical."""
    number = parse_int(value)
    if number is None:
        raise ValueError("not a whole number")
    return number


def coerce_id(value: object) -> int:
    """Coerce a posted choice to an id for WTForms, raising ValueError unless canonical."""
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


def coerce_optional_id(value: object) -> int | None:
    """Coerce a posted choice to an id, with '' (or None) meaning none, for WTForms."""
    if value in (None, "", "None"):
        return None
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


def in_window(moment: date) -> bool:
    """Return whether a date (or datetime) falls in the years dates may have."""
    return EARLIEST_YEAR <= moment.year <= LATEST_YEAR


def parse_date(text: str) -> date | None:
    """Return an ISO 8601 date like 2026-03-31 (ASCII digits, a real day), or None."""
    if not ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_minute(text: str) -> datetime | None:
    """Return a date and time like 2026-03-31T09:00 (ASCII digits, a real moment), or None."""
    if not ISO_MINUTE.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
