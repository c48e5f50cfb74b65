"""The one paging helper: every long list in the app pages the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from survey.extensions import db

PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    """One page of rows and where it sits in the whole list."""

    rows: list[Any]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        """Return whether a previous page exists."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Return whether a next page exists."""
        return self.number < self.pages


def _clamp(total: int, number: int, per_page: int) -> tuple[int, int]:
    """Return the number of pages and the requested page number brought within them."""
    pages = max(1, -(-total // per_page))
    return pages, min(max(1, number), pages)


def paginate(query: Select, total: int, number: int, per_page: int = PER_PAGE) -> Page:
    """Return page `number` (1-based, clamped to the range) of `query`."""
    pages, number = _clamp(total, number, per_page)
    rows = db.session.execute(query.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(list(rows), number, pages, total)


def page_of(items: Sequence[Any], number: int, per_page: int = PER_PAGE) -> Page:
    """Return page `number` (1-based, clamped to the range) of a list already in memory."""
    pages, number = _clamp(len(items), number, per_page)
    return Page(list(items[(number - 1) * per_page : number * per_page]), number, pages, len(items))
