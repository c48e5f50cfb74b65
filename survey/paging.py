"""The one paging helper: every long list in the app pages the same way."""

from __future__ import annotations

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


def paginate(query: Select, total: int, number: int, per_page: int = PER_PAGE) -> Page:
    """Return page `number` (1-based, clamped to the range) of `query`."""
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    rows = db.session.execute(query.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(list(rows), number, pages, total)
