"""The organisation tree: listing, adding, renaming, moving, retiring and importing units."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.database import write_transaction
from survey.exports import NUL_IN_CELL, unreadable
from survey.extensions import db
from survey.models import Unit, User
from survey.numbers import parse_int
from survey.services import audit
from survey.services.problems import Invalid, NotFound

SEPARATOR = " > "
NAME_MAX = 120
# Directorate > service > team is three; twelve leaves room for any real organisation and keeps
# paths, pages and the anonymity roll-ups small however a file is written.
MAX_LEVELS = 12
TOO_DEEP = f"Units can be at most {MAX_LEVELS} levels deep"
IMPORT_COLUMNS = ("unit_path", "headcount")
HEADCOUNT_MAX = 1_000_000


@dataclass(frozen=True)
class UnitRow:
    """A unit as the tree lists it."""

    id: int
    name: str
    path: str
    depth: int
    headcount: int
    retired: bool
    parent_id: int | None


def ensure_paths(session: Session, paths: Iterable[str]) -> dict[str, Unit]:
    """Return the unit at each path ("Directorate > Service > Team"), creating missing levels
    and restoring retired ones. Reads the tree once, however many paths."""
    known = {(unit.parent_id, unit.name): unit for unit in session.scalars(select(Unit))}
    found: dict[str, Unit] = {}
    for path in paths:
        names = [name.strip() for name in path.split(SEPARATOR)]
        if len(names) > MAX_LEVELS:
            raise Invalid("unit_path", f"{TOO_DEEP}: {path[:200]} has {len(names)}")
        parent: Unit | None = None
        for name in names:
            unit = known.get((parent.id if parent else None, name))
            if unit is None:
                unit = Unit(name=name, parent=parent, headcount=0)
                session.add(unit)
                session.flush()
                known[(unit.parent_id, name)] = unit
            unit.retired = False
            parent = unit
        assert parent is not None
        found[path] = parent
    return found


def ensure_path(session: Session, path: str, headcount: int = 0) -> Unit:
    """Return the unit at `path`, as `ensure_paths` does, setting its headcount if given."""
    unit = ensure_paths(session, [path])[path]
    if headcount:
        unit.headcount = headcount
    return unit


def path_of(unit: Unit) -> str:
    """Return the unit's path from the root, joined with " > "."""
    names = []
    node: Unit | None = unit
    while node is not None:
        names.append(node.name)
        node = node.parent
    return SEPARATOR.join(reversed(names))


def tree() -> list[UnitRow]:
    """Return every unit, depth first, children in name order (walked without recursion)."""
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    rows: list[UnitRow] = []
    stack = [(unit, 0, "") for unit in reversed(children.get(None, []))]
    while stack:
        unit, depth, prefix = stack.pop()
        path = prefix + unit.name
        rows.append(
            UnitRow(unit.id, unit.name, path, depth, unit.headcount, unit.retired, unit.parent_id)
        )
        below = reversed(children.get(unit.id, []))
        stack.extend((child, depth + 1, path + SEPARATOR) for child in below)
    return rows


def get(unit_id: int) -> UnitRow:
    """Return one unit as a tree row, or raise NotFound."""
    row = next((r for r in tree() if r.id == unit_id), None)
    if row is None:
        raise NotFound(unit_id)
    return row


def find(path: str) -> UnitRow | None:
    """Return the unit at a path such as "A > B > C", or None when there is none."""
    wanted = SEPARATOR.join(name.strip() for name in path.split(SEPARATOR.strip()))
    return next((row for row in tree() if row.path == wanted), None)


def _check_name(session: Session, name: str, parent_id: int | None, unit_id: int | None) -> str:
    """Return the cleaned name, or raise Invalid if it is empty, too long or taken."""
    name = " ".join(name.split())
    if not name:
        raise Invalid("name", "Enter a name")
    if len(name) > NAME_MAX or SEPARATOR.strip() in name:
        raise Invalid("name", f"Name must be {NAME_MAX} characters or fewer, without “>”")
    clash = session.scalar(
        select(Unit.id).where(
            Unit.name == name,
            Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id,
        )
    )
    if clash is not None and clash != unit_id:
        raise Invalid("name", "There is already a unit with this name in the same place")
    return name


def _levels(session: Session, unit_id: int | None) -> int:
    """Return how many levels a unit and the units below it span (1 for a new unit)."""
    if unit_id is None:
        return 1
    children: dict[int | None, list[int]] = {}
    for child, parent in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent, []).append(child)
    levels, layer = 0, [unit_id]
    while layer and levels <= MAX_LEVELS:  # a deeper legacy tree is refused the same
        levels += 1
        layer = [child for node in layer for child in children.get(node, [])]
    return levels


def _check_parent(session: Session, parent_id: int | None, unit_id: int | None) -> None:
    """Raise Invalid if the parent does not exist, would put a unit inside itself, or would make
    the tree deeper than MAX_LEVELS."""
    node = session.get(Unit, parent_id) if parent_id is not None else None
    if parent_id is not None and node is None:
        raise Invalid("parent_id", "Choose a unit from the list")
    depth = 0  # levels above the unit once it is under `parent_id`
    while node is not None:
        if node.id == unit_id:
            raise Invalid("parent_id", "A unit cannot move inside itself or one of its teams")
        depth += 1
        node = node.parent
    if depth + _levels(session, unit_id) > MAX_LEVELS:
        raise Invalid("parent_id", f"{TOO_DEEP}: choose a unit higher up the tree")


def add(actor: User, name: str, parent_id: int | None, headcount: int) -> int:
    """Add a unit under `parent_id` and return its id."""
    with write_transaction() as session:
        _check_parent(session, parent_id, None)
        unit = Unit(
            name=_check_name(session, name, parent_id, None),
            parent_id=parent_id,
            headcount=headcount,
        )
        session.add(unit)
        session.flush()
        audit.record(session, actor, "unit.add", f"Added {path_of(unit)} (headcount {headcount})")
        return unit.id


def update(actor: User, unit_id: int, name: str, parent_id: int | None, headcount: int) -> None:
    """Rename, move or change the headcount of a unit."""
    with write_transaction() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound(unit_id)
        before = path_of(unit)
        _check_parent(session, parent_id, unit_id)
        unit.name = _check_name(session, name, parent_id, unit_id)
        unit.parent_id, unit.headcount = parent_id, headcount
        session.flush()
        session.refresh(unit)
        audit.record(
            session,
            actor,
            "unit.update",
            f"{before} is now {path_of(unit)} (headcount {headcount})",
        )


def set_retired(actor: User, unit_id: int, retired: bool) -> None:
    """Retire a unit (it leaves future waves; past results keep it) or bring it back."""
    with write_transaction() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise NotFound(unit_id)
        unit.retired = retired
        audit.record(session, actor, "unit.retire" if retired else "unit.restore", path_of(unit))


@dataclass(frozen=True)
class ImportRow:
    """A valid line of a unit import."""

    line: int
    path: str
    headcount: int


def _import_problem(path: str, count: str, seen: set[str]) -> str | None:
    """Return what is wrong with one line of a unit import (its cells cleaned), or None."""
    levels = path.split(SEPARATOR)
    if not path.replace(SEPARATOR, "").strip() or any(not p for p in levels):
        return "unit_path is empty or has an empty level"
    if any(len(p) > NAME_MAX for p in levels):
        return f"a unit name is longer than {NAME_MAX} characters"
    if len(levels) > MAX_LEVELS:
        return f"unit_path has {len(levels)} levels; {TOO_DEEP.lower()}"
    if path.lower() in seen:
        return f"{path} appears more than once"
    if parse_int(count, 0, HEADCOUNT_MAX) is None:
        return f"headcount must be a whole number from 0 to {HEADCOUNT_MAX:,}, not “{count[:20]}”"
    return None


def _records(text: str, problems: list[str]) -> Iterator[tuple[int, dict]]:
    """Yield (line, record) from unit CSV text; a line that is not CSV ends it with a problem."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            problems.append(
                f"Line 1: the header must have the columns {', '.join(IMPORT_COLUMNS)} "
                f"(missing {', '.join(missing)})"
            )
            return
        for record in reader:
            yield reader.line_num, record
    except csv.Error as error:
        problems.append(f"Line {reader.reader.line_num or 1}: {unreadable(error)}")


def parse_import(data: bytes) -> tuple[list[ImportRow], list[str]]:
    """Read a unit CSV; return its rows and every problem found, each with its line number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return [], [f"Line {line}: {NUL_IN_CELL}"]
    rows: list[ImportRow] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line, record in _records(text, problems):
        path = SEPARATOR.join(" ".join(p.split()) for p in (record["unit_path"] or "").split(">"))
        count = (record["headcount"] or "").strip()
        problem = _import_problem(path, count, seen)
        if problem:
            problems.append(f"Line {line}: {problem}")
        else:
            seen.add(path.lower())
            rows.append(ImportRow(line, path, int(count)))
    if not rows and not problems:
        problems.append("The file has a header but no units")
    return rows, problems


def import_units(actor: User, rows: list[ImportRow]) -> int:
    """Create or update every unit in `rows`, all in one transaction; return how many."""
    with write_transaction() as session:
        found = ensure_paths(session, [row.path for row in rows])
        for row in rows:
            found[row.path].headcount = row.headcount
        audit.record(session, actor, "unit.import", f"Imported {len(rows)} units from CSV")
    return len(rows)
