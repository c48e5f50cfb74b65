"""Staff e-mail addresses for a wave: checked whole, added, corrected, and deleted at close.

Admins see how many messages went out and which addresses could not be reached, never whether
anyone has answered: the reminder state of an address (which says exactly that) is not shown.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Invitation, Recipient, Unit, User, Wave, WaveUnit
from survey.services import audit, forgetting, units, waves
from survey.services.problems import Invalid, NotFound

HEADER = ("email", "unit_path")
MAX_PROBLEMS_SHOWN = 20
# Shown to the admin: the invitation itself could not be delivered, or may not have been.
PROBLEM_STATES = ("failed", "unsure")
STOPPED_MID_SEND = (
    "The worker stopped while this message was being sent, so it may have arrived: it is not "
    "sent again unless you choose to"
)


@dataclass(frozen=True)
class Entry:
    """One address to add, the unit it belongs to, and the line it came from."""

    line: int
    email: str
    unit_id: int


@dataclass(frozen=True)
class Checked:
    """An address list after checking: the entries, or every problem by line."""

    entries: list[Entry]
    problems: list[str]


def normal_address(text: str) -> str:
    """Return an address in the one form it is stored and compared in, or raise Invalid."""
    try:
        found = validate_email(text.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise Invalid("email", f"{text.strip()[:80]!r} is not an e-mail address: {error}") from None
    # Mailboxes are case-insensitive in practice; one form stops "A@x" and "a@x" both being sent.
    return (found.ascii_email or found.normalized).lower()


def unit_paths(session: Session, wave: Wave) -> dict[str, int]:
    """Return the units a wave asks, by path: its snapshot once launched, else as it stands."""
    if wave.launched_at is not None:
        rows = session.execute(
            select(WaveUnit.path, WaveUnit.unit_id).where(WaveUnit.wave_id == wave.id)
        ).all()
        return {path: unit_id for path, unit_id in rows}  # noqa: C416  (rows are tuples of two)
    return {units.path_of(unit): unit.id for unit in waves.audience(session, wave)}


def _normal_path(text: str) -> str:
    """Return a unit path with the spacing around its separators made regular."""
    return units.SEPARATOR.join(part.strip() for part in text.split(units.SEPARATOR.strip()))


def _check_rows(rows: Iterable[tuple[int, str, int | None]], problems: list[str]) -> Checked:
    """Check addresses (line, text, unit id or None when its unit was not found already)."""
    entries: list[Entry] = []
    first_seen: dict[str, int] = {}
    for line, text, unit_id in rows:
        try:
            email = normal_address(text)
        except Invalid as problem:
            problems.append(f"Line {line}: {problem.message}")
            continue
        if email in first_seen:
            problems.append(f"Line {line}: {email} is also on line {first_seen[email]}")
            continue
        first_seen[email] = line
        if unit_id is not None:
            entries.append(Entry(line, email, unit_id))
    return Checked(entries, problems)


def check_csv(data: bytes, paths: dict[str, int]) -> Checked:
    """Check a whole `email,unit_path` file; nothing is stored unless every line is right."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Checked([], ["The file is not UTF-8 text: save it as CSV UTF-8 and try again"])
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(cell.strip().lower() for cell in header) != HEADER:
        return Checked([], ["Line 1: the first line must be the header email,unit_path"])
    problems: list[str] = []
    rows: list[tuple[int, str, int | None]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(HEADER):
                problems.append(
                    f"Line {line}: expected 2 values (email, unit_path), found {len(cells)}"
                )
                continue
            unit_id = paths.get(_normal_path(cells[1]))
            if unit_id is None:
                problems.append(
                    f"Line {line}: there is no unit {cells[1].strip()[:120]!r} in this wave"
                )
            rows.append((line, cells[0], unit_id))
    except csv.Error as error:
        problems.append(f"Line {reader.line_num}: the file is not valid CSV ({error})")
    checked = _check_rows(rows, problems)
    if not checked.entries and not checked.problems:
        return Checked([], ["The file has no addresses below its header"])
    return checked


def check_pasted(text: str, unit_id: int) -> Checked:
    """Check addresses pasted for one unit: one per line, or separated by commas or semicolons."""
    rows = []
    for line, content in enumerate(text.splitlines(), start=1):
        for part in content.replace(";", ",").split(","):
            if part.strip():
                rows.append((line, part, unit_id))
    checked = _check_rows(rows, [])
    if not checked.entries and not checked.problems:
        return Checked([], ["Enter at least one e-mail address"])
    return checked


def _open_for_addresses(session: Session, wave_id: int, now: datetime) -> Wave:
    """Return a wave that may still take addresses (not closed), or raise."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(wave_id)
    if waves.status(wave, now) == "closed":
        raise Invalid("", "This wave has closed: its addresses have been deleted")
    return wave


def paths_of(wave_id: int, now: datetime) -> dict[str, int]:
    """Return the unit paths a wave's address list may name."""
    return unit_paths(db.session, _open_for_addresses(db.session, wave_id, now))


def add(actor: User, wave_id: int, entries: list[Entry], now: datetime) -> tuple[int, int]:
    """Store checked addresses (skipping ones already listed); return (added, already listed)."""
    with write_transaction() as session:
        wave = _open_for_addresses(session, wave_id, now)
        listed = set(session.scalars(select(Recipient.email).where(Recipient.wave_id == wave_id)))
        new = [entry for entry in entries if entry.email not in listed]
        if new:
            session.execute(
                insert(Recipient),
                [{"wave_id": wave_id, "unit_id": e.unit_id, "email": e.email} for e in new],
            )
        # Counts only: an audit log is no place for staff addresses.
        audit.record(
            session, actor, "mail.addresses", f"{wave.name}: {len(new)} e-mail addresses added"
        )
    return len(new), len(entries) - len(new)


@dataclass(frozen=True)
class Problem:
    """An address whose invitation did not, or may not, arrive."""

    id: int
    email: str
    path: str
    status: str
    reason: str


@dataclass(frozen=True)
class Overview:
    """What the wave page says about e-mail: invitation counts and addresses to correct."""

    addresses: int
    sent: int
    to_send: int
    problems: list[Problem]


def overview(wave: Wave) -> Overview:
    """Return a wave's invitation counts and delivery problems (never who has answered)."""
    counts = dict(
        db.session.execute(
            select(Recipient.invite_status, func.count())
            .where(Recipient.wave_id == wave.id)
            .group_by(Recipient.invite_status)
        ).all()
    )
    rows = db.session.execute(
        select(Recipient.id, Recipient.email, Unit.id.label("unit_id"), Recipient.invite_status)
        .add_columns(Recipient.problem)
        .join(Unit, Unit.id == Recipient.unit_id)
        .where(Recipient.wave_id == wave.id, Recipient.invite_status.in_(PROBLEM_STATES))
        .order_by(Recipient.email)
    ).all()
    paths = {unit_id: path for path, unit_id in unit_paths(db.session, wave).items()}
    problems = [
        Problem(r.id, r.email, paths.get(r.unit_id, ""), r.invite_status, r.problem) for r in rows
    ]
    unsent = sum(counts.get(state, 0) for state in ("waiting", "queued", "sending", "retry"))
    return Overview(sum(counts.values()), counts.get("sent", 0), unsent, problems)


def correct(actor: User, wave_id: int, recipient_id: int, email: str, now: datetime) -> None:
    """Change an address whose invitation did not arrive and queue its invitation again (the same
    link to the same address; a new link, with the old one retired, to a new address)."""
    with write_transaction() as session:
        wave = _open_for_addresses(session, wave_id, now)
        recipient = _undelivered(session, wave_id, recipient_id)
        address = normal_address(email)
        clash = session.scalar(
            select(Recipient.id).where(Recipient.wave_id == wave_id, Recipient.email == address)
        )
        if clash is not None and clash != recipient_id:
            raise Invalid("email", f"{address} is already on this wave's list")
        if address != recipient.email:
            # The old link may have reached the old address (and been used): a new address gets a
            # new link, or an admin who sent it to their own mailbox would learn from the "already
            # answered" page that its owner had answered.
            _retire_link(session, recipient)
            recipient.link_key = secrets.token_hex(16)
        recipient.email = address
        recipient.invite_status = "queued" if recipient.invitation_id else "waiting"
        recipient.attempts, recipient.retry_at, recipient.problem = 0, None, ""
        # A reminder still waiting to be retried was for the old send; the address starts again.
        recipient.remind_status, recipient.last_mailed_on = "", None
        audit.record(session, actor, "mail.correct", f"{wave.name}: an address corrected")


def remove(actor: User, wave_id: int, recipient_id: int, now: datetime) -> None:
    """Take an address whose invitation did not arrive off the wave's list, and its link with it."""
    with write_transaction() as session:
        wave = _open_for_addresses(session, wave_id, now)
        recipient = _undelivered(session, wave_id, recipient_id)
        _retire_link(session, recipient)
        session.delete(recipient)
        audit.record(session, actor, "mail.remove", f"{wave.name}: an address removed")


def _undelivered(session: Session, wave_id: int, recipient_id: int) -> Recipient:
    """Return a wave's address whose invitation did not (or may not) arrive, or raise NotFound:
    only those may be corrected or removed."""
    recipient = session.get(Recipient, recipient_id)
    if (
        recipient is None
        or recipient.wave_id != wave_id
        or recipient.invite_status not in PROBLEM_STATES
    ):
        raise NotFound(recipient_id)
    return recipient


def _retire_link(session: Session, recipient: Recipient) -> None:
    """Delete the invitation an address was sent, used or not, so its link stops working.

    Used or not alike: the wave page's count of links issued then says nothing either way, and
    no used flag is left behind that the close (survey/services/forgetting.py) cannot reach,
    since invitations follow the order of the admin's own address list.
    """
    old = recipient.invitation_id
    if old is None:
        return
    recipient.invitation_id = None
    session.flush()
    session.execute(delete(Invitation).where(Invitation.id == old))


def set_reminder(actor: User, wave_id: int, days: int | None, now: datetime) -> None:
    """Set how many days before the close the scheduled reminder goes (None: none)."""
    with write_transaction() as session:
        wave = _open_for_addresses(session, wave_id, now)
        # Core update: a reminder setting must not clash with another admin editing the wave.
        session.execute(
            update(Wave)
            .where(Wave.id == wave_id)
            .values(remind_days_before=days, reminded_for=None)
            .execution_options(synchronize_session=False)
        )
        said = f"{days} days before the close" if days else "none scheduled"
        audit.record(session, actor, "mail.reminder", f"{wave.name}: reminder {said}")


def forget_closed(session: Session, now: datetime) -> int:
    """Delete the addresses of every wave that has closed; return how many went."""
    closed = select(Wave.id).where(Wave.closes_at <= now)
    return forgetting.forget_addresses(session, Recipient.wave_id.in_(closed))
