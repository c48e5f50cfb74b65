"""The organisation tree: listing, adding, renaming, moving, retiring and importing units."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Unit, User
from survey.services import audit
from survey.services.problems import Invalid, NotFound

SEPARATOR = " > "
NAME_MAX = 120
IMPORT_COLUMNS = ("unit_path", "headcount")


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
        parent: Unit | None = None
        for name in (name.strip() for name in path.split(SEPARATOR)):
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
    """Return every unit, depth first, children in name order."""
    units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    rows: list[UnitRow] = []

    def walk(parent: int | None, depth: int, prefix: str) -> None:
        for unit in children.get(parent, []):
            path = prefix + unit.name
            rows.append(
                UnitRow(
                    unit.id, unit.name, path, depth, unit.headcount, unit.retired, unit.parent_id
                )
            )
            walk(unit.id, depth + 1, path + SEPARATOR)

    walk(None, 0, "")
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


def _check_parent(session: Session, parent_id: int | None, unit_id: int | None) -> None:
    """Raise Invalid if the parent does not exist or would put a unit inside itself."""
    node = session.get(Unit, parent_id) if parent_id is not None else None
    if parent_id is not None and node is None:
        raise Invalid("parent_id", "Choose a unit from the list")
    while node is not None:
        if node.id == unit_id:
            raise Invalid("parent_id", "A unit cannot move inside itself or one of its teams")
        node = node.parent


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


def parse_import(data: bytes) -> tuple[list[ImportRow], list[str]]:
    """Read a unit CSV; return its rows and every problem found, each with its line number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [
            f"Line 1: the header must have the columns {', '.join(IMPORT_COLUMNS)} "
            f"(missing {', '.join(missing)})"
        ]
    rows, problems, seen = [], [], set()
    for line, record in enumerate(reader, start=2):
        path = SEPARATOR.join(" ".join(p.split()) for p in (record["unit_path"] or "").split(">"))
        count = (record["headcount"] or "").strip()
        if not path.replace(SEPARATOR, "").strip() or any(not p for p in path.split(SEPARATOR)):
            problems.append(f"Line {line}: unit_path is empty or has an empty level")
        elif any(len(p) > NAME_MAX for p in path.split(SEPARATOR)):
            problems.append(f"Line {line}: a unit name is longer than {NAME_MAX} characters")
        elif path.lower() in seen:
            problems.append(f"Line {line}: {path} appears more than once")
        elif not count.isdigit() or int(count) > 1_000_000:
            problems.append(
                f"Line {line}: headcount must be a whole number from 0, not “{count[:20]}”"
            )
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
