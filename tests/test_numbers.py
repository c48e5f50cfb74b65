"""The one strict parser of typed and posted numbers and dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from survey.numbers import MAX_ID, in_window, parse_date, parse_id, parse_int, parse_minute

NOT_CANONICAL = [
    "",
    " 5",
    "5 ",
    "+5",
    "-5",
    "05",
    "00",
    "5.0",
    "1_000",
    "\u00b2",  # superscript two: isdigit() is true, int() fails
    "\u2460",  # circled one
    "\u0665",  # Arabic-Indic five: int() takes it
    "\uff15",  # full-width five: int() takes it
    "5\x00",
    "9" * 5000,  # beyond Python's int-from-text limit
    "5\n",
]


@pytest.mark.parametrize("text", NOT_CANONICAL)
def test_only_canonical_ascii_integers_are_numbers(text: str) -> None:
    assert parse_int(text) is None


@pytest.mark.parametrize(("text", "number"), [("0", 0), ("5", 5), ("1000000", 1_000_000)])
def test_canonical_integers_are_read(text: str, number: int) -> None:
    assert parse_int(text) == number


def test_bounds_are_kept() -> None:
    assert parse_int("6", 1, 5) is None
    assert parse_int("0", 1, 5) is None
    assert parse_int(str(MAX_ID)) == MAX_ID
    assert parse_int(str(MAX_ID + 1)) is None
    assert parse_id("0") is None
    assert parse_id("99999999999999999999") is None
    assert parse_int(True) is None  # a bool is not a number someone typed


@pytest.mark.parametrize(
    "text", ["2026-3-31", "20260331", "2026-W13-2", "2026-02-30", "\u0662026-03-31", "2026-03-31 "]
)
def test_dates_are_iso_with_ascii_digits(text: str) -> None:
    assert parse_date(text) is None


def test_dates_and_minutes_are_read_and_windowed() -> None:
    assert parse_date("2026-03-31") == date(2026, 3, 31)
    assert parse_minute("2026-03-31T09:30") == datetime(2026, 3, 31, 9, 30)
    assert parse_minute("2026-03-31T09:30:00") is None
    assert parse_minute("\uff12026-03-31T09:30") is None
    assert in_window(date(2100, 12, 31))
    assert not in_window(date(9999, 12, 31))
    assert not in_window(date(1999, 12, 31))
