"""Waves: create, edit, launch (threshold locked, audience snapshot), close, extend, recur."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Invitation, Recipient, Survey, TeamLink, Unit, User, Wave, WaveUnit
from survey.numbers import LATEST_YEAR
from survey.services import audit, forgetting, names, questions, tokens, units
from survey.services.problems import Conflict, Invalid, NotFound

CADENCES = ("weekly", "fortnightly", "monthly", "quarterly")


@dataclass(frozen=True)
class WaveRow:
    """A wave as the list shows it."""

    id: int
    name: str
    survey: str
    opens_at: datetime
    closes_at: datetime
    status: str
    cadence: str


def status(wave: Wave, now: datetime) -> str:
    """Return draft, scheduled, open or closed."""
    if wave.launched_at is None:
        return "draft"
    if now < wave.opens_at:
        return "scheduled"
    return "open" if now < wave.closes_at else "closed"


def next_opening(opens_at: datetime, cadence: str) -> datetime:
    """Return when the next wave of a recurring series opens."""
    if cadence in ("weekly", "fortnightly"):
        return opens_at + timedelta(days=7 if cadence == "weekly" else 14)
    months = 1 if cadence == "monthly" else 3
    month = opens_at.month - 1 + months
    year, month = opens_at.year + month // 12, month % 12 + 1
    day = min(opens_at.day, calendar.monthrange(year, month)[1])
    return opens_at.replace(year=year, month=month, day=day)


def listing(now: datetime) -> list[WaveRow]:
    """Return every wave, newest first."""
    waves = db.session.scalars(select(Wave).order_by(Wave.opens_at.desc())).all()
    return [
        WaveRow(w.id, w.name, w.survey.name, w.opens_at, w.closes_at, status(w, now), w.cadence)
        for w in waves
    ]


def get(wave_id: int) -> Wave:
    """Return a wave or raise NotFound."""
    wave = db.session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(wave_id)
    return wave


@dataclass(frozen=True)
class WaveDraft:
    """What the wave form says: name, survey, window, repeat and audience."""

    name: str
    survey_id: int
    opens_at: datetime
    closes_at: datetime
    cadence: str = ""
    audience_unit_id: int | None = None
    invitations_only: bool = False


def _check(session: Session, draft: WaveDraft, wave_id: int | None) -> str:
    """Return the cleaned name or raise Invalid for the first rule broken."""
    name = " ".join(draft.name.split())
    clash = session.scalar(select(Wave.id).where(Wave.name == name))
    if clash is not None and clash != wave_id:
        raise Invalid("name", "There is already a wave with this name")
    if session.get(Survey, draft.survey_id) is None:
        raise Invalid("survey_id", "Choose a survey from the list")
    if draft.closes_at <= draft.opens_at:
        raise Invalid("closes_at", "The closing time must be after the opening time")
    if draft.cadence and draft.cadence not in CADENCES:
        raise Invalid("cadence", "Choose how often the wave repeats")
    if draft.audience_unit_id is not None:
        audience = session.get(Unit, draft.audience_unit_id)
        if audience is None or audience.retired:
            raise Invalid("audience_unit_id", "Choose a unit that is not retired")
    return name


def create_wave(
    session: Session,
    survey: Survey,
    name: str,
    opens_at: datetime,
    closes_at: datetime,
    cadence: str = "",
    previous: Wave | None = None,
) -> Wave:
    """Add a draft wave with the configured anonymity thresholds."""
    config = current_app.config
    wave = Wave(
        survey=survey,
        name=name,
        opens_at=opens_at,
        closes_at=closes_at,
        cadence=cadence,
        anonymity_threshold=config["ANONYMITY_THRESHOLD"],
        comment_threshold=config["COMMENT_THRESHOLD"],
        previous=previous,
    )
    session.add(wave)
    session.flush()
    return wave


def create(actor: User, draft: WaveDraft) -> int:
    """Add a draft wave and return its id."""
    with write_transaction() as session:
        name = _check(session, draft, None)
        wave = create_wave(
            session,
            session.get_one(Survey, draft.survey_id),
            name,
            draft.opens_at,
            draft.closes_at,
            draft.cadence,
        )
        wave.audience_unit_id = draft.audience_unit_id
        wave.invitations_only = draft.invitations_only
        audit.record(session, actor, "wave.add", f"{name}: {draft.opens_at} to {draft.closes_at}")
        return wave.id


def _minute(moment: datetime) -> datetime:
    """Return a time to the minute, as the wave form shows it."""
    return moment.replace(second=0, microsecond=0)


def _locked_for_edit(session: Session, wave_id: int, row_version: str) -> Wave:
    """Return the wave if nobody changed it since the form was loaded, else raise Conflict."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(wave_id)
    if str(wave.row_version) != str(row_version):
        raise Conflict(
            "Someone else changed this wave while you were editing it. "
            "Its current details are shown below: check them and try again."
        )
    return wave


def update(actor: User, wave_id: int, row_version: str, draft: WaveDraft, now: datetime) -> None:
    """Change a draft wave; a launched wave may only be extended, closed early or re-cadenced."""
    with write_transaction() as session:
        wave = _locked_for_edit(session, wave_id, row_version)
        name = _check(session, draft, wave_id)
        if wave.launched_at is not None:
            # The form shows minutes: a time it sends back unchanged keeps its seconds.
            if _minute(draft.opens_at) == _minute(wave.opens_at):
                draft = replace(draft, opens_at=wave.opens_at)
            if _minute(draft.closes_at) == _minute(wave.closes_at):
                draft = replace(draft, closes_at=wave.closes_at)
            fixed = (
                wave.name,
                wave.survey_id,
                wave.opens_at,
                wave.audience_unit_id,
                wave.invitations_only,
            )
            asked = (
                name,
                draft.survey_id,
                draft.opens_at,
                draft.audience_unit_id,
                draft.invitations_only,
            )
            if asked != fixed:
                raise Invalid(
                    "", "This wave has been launched: only its closing time and repeat can change"
                )
            if draft.closes_at != wave.closes_at and status(wave, now) == "closed":
                raise Invalid(
                    "closes_at",
                    "This wave has closed, so its results are final: it cannot be reopened "
                    "or extended, and its closing time cannot move",
                )
            if draft.closes_at != wave.closes_at and draft.closes_at < now:
                raise Invalid(
                    "closes_at",
                    "The closing time cannot be in the past; use “Close now” to close the wave",
                )
        before = f"{wave.opens_at} to {wave.closes_at}"
        wave.name, wave.survey_id, wave.opens_at = name, draft.survey_id, draft.opens_at
        wave.closes_at, wave.cadence = draft.closes_at, draft.cadence
        wave.audience_unit_id = draft.audience_unit_id
        wave.invitations_only = draft.invitations_only
        audit.record(
            session,
            actor,
            "wave.update",
            f"{name}: {before} is now {draft.opens_at} to {draft.closes_at}, "
            f"repeats {draft.cadence or 'never'}",
        )


def audience(session: Session, wave: Wave) -> list[Unit]:
    """Return the active units a wave asks: its audience unit and all below it, or everyone."""
    active = session.scalars(select(Unit).where(Unit.retired.is_(False))).all()
    if wave.audience_unit_id is None:
        return list(active)
    by_id = {unit.id: unit for unit in active}

    def inside(unit: Unit) -> bool:
        node: Unit | None = unit
        while node is not None:
            if node.id == wave.audience_unit_id:
                return True
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        return False

    return [unit for unit in active if inside(unit)]


NO_HEADCOUNT = "no_headcount"
INVITATIONS_ONLY = "invitations_only"


def no_team_link(headcount: int, threshold: int, invitations_only: bool) -> str | None:
    """Return why a unit gets no open team link in a wave, or None if it gets one.

    Padding is caught by comparing a unit's responses with its headcount, so a unit with no
    recorded headcount cannot be judged and gets none; an invitations-only wave keeps units
    smaller than twice the threshold to single-use links, where nobody can add dummy answers.
    """
    if headcount <= 0:
        return NO_HEADCOUNT
    if invitations_only and headcount < 2 * threshold:
        return INVITATIONS_ONLY
    return None


def launch_wave(session: Session, wave: Wave, now: datetime) -> None:
    """Lock thresholds and definition, snapshot the audience, and open team links where allowed."""
    wave.launched_at = now
    wave.definition = questions.current_definition(session)
    config = current_app.config
    wave.anonymity_threshold = config["ANONYMITY_THRESHOLD"]
    wave.comment_threshold = config["COMMENT_THRESHOLD"]
    session.flush()
    asked = audience(session, wave)
    if not asked:
        return
    # Core inserts: hundreds of rows per wave, and the ORM would fetch back each link's id.
    # The audience unit is the top of the wave's own tree, so roll-ups stop there.
    session.execute(
        insert(WaveUnit),
        [
            {
                "wave_id": wave.id,
                "unit_id": unit.id,
                "parent_unit_id": None if unit.id == wave.audience_unit_id else unit.parent_id,
                "path": units.path_of(unit),
                "headcount": unit.headcount,
            }
            for unit in asked
        ],
    )
    threshold, only = wave.anonymity_threshold, wave.invitations_only
    linked = [unit for unit in asked if no_team_link(unit.headcount, threshold, only) is None]
    if linked:
        session.execute(
            insert(TeamLink),
            [
                {"wave_id": wave.id, "unit_id": unit.id, "token": tokens.new_token()}
                for unit in linked
            ],
        )


def _check_welsh(session: Session, survey: Survey) -> None:
    """Refuse to launch a bilingual survey while staff choosing Welsh would meet English."""
    gaps = questions.welsh_gaps(survey)
    if gaps:
        raise Invalid(
            "",
            "This survey is offered in Welsh, but these questions have no Welsh text yet: "
            f"{', '.join(gaps)}. Add it in the question bank before launching.",
        )
    definition = questions.current_definition(session)
    if definition is not None and not definition.text_cy:
        raise Invalid(
            "",
            "This survey is offered in Welsh, but the definition of the change has no Welsh text "
            "yet. Add it on the definition page before launching.",
        )


def launch(actor: User, wave_id: int, row_version: str, now: datetime) -> None:
    """Launch a draft wave after checking it has questions, units and a future close."""
    with write_transaction() as session:
        wave = _locked_for_edit(session, wave_id, row_version)
        if wave.launched_at is not None:
            raise Invalid("", "This wave has already been launched")
        if not wave.survey.items:
            raise Invalid("", "The survey has no questions yet: add some before launching")
        if not session.scalar(
            select(func.count()).select_from(Unit).where(Unit.retired.is_(False))
        ):
            raise Invalid("", "There are no units yet: add or import units before launching")
        if wave.closes_at <= now:
            raise Invalid("", "The closing time has passed: set a later one before launching")
        if wave.survey.bilingual:
            _check_welsh(session, wave.survey)
        launch_wave(session, wave, now)
        audit.record(
            session,
            actor,
            "wave.launch",
            f"{wave.name} (anonymity threshold {wave.anonymity_threshold})",
        )


def close_now(actor: User, wave_id: int, row_version: str, now: datetime) -> None:
    """Close an open or scheduled wave now; it is final from then on."""
    with write_transaction() as session:
        wave = _locked_for_edit(session, wave_id, row_version)
        if status(wave, now) not in ("open", "scheduled"):
            raise Invalid("", "Only an open or scheduled wave can be closed")
        planned_opens, planned = wave.opens_at, wave.closes_at - wave.opens_at
        # A wave that never opened closes as it opens, so it reads "closed", not "scheduled".
        wave.opens_at = min(wave.opens_at, now - timedelta(seconds=1))
        wave.closes_at = now
        # Staff addresses are kept only while a wave is open.
        forgetting.forget_addresses(session, Recipient.wave_id == wave.id)
        audit.record(session, actor, "wave.close", f"{wave.name} closed early")
        if wave.cadence:
            # The series goes on as planned: left to tick, the next wave would take this one's
            # shortened length (a second, for one that never opened), and so would every later
            # one, and a wave called off before it opened would pull the series forward to now.
            try:
                with session.begin_nested():
                    _follow(session, wave, planned_opens, planned, now)
            except IntegrityError:
                pass  # a tick made it first, from the wave's planned times


def first_opening_after(opens_at: datetime, cadence: str, now: datetime) -> datetime:
    """Return the series' next opening that is still ahead of `now`, skipping missed ones."""
    opens = next_opening(opens_at, cadence)
    while opens <= now:
        opens = next_opening(opens, cadence)
    return opens


def tick(now: datetime) -> list[str]:
    """Create and launch the next wave of each recurring series that is due; return their names.

    A series' next wave is made once its latest wave has opened, so staff links for it exist
    before it opens; it never opens in the past (missed openings are skipped). Idempotent at any
    frequency: a wave has at most one successor (a unique key), so of two ticks at once one makes
    the wave and the other finds it made.
    """
    created = []
    try:
        with write_transaction() as session:
            due = session.scalars(
                select(Wave)
                .where(
                    Wave.cadence != "",
                    Wave.launched_at.is_not(None),
                    Wave.opens_at <= now,
                    ~Wave.next.any(),
                )
                .order_by(Wave.id)
            ).all()
            for wave in due:
                name = _follow(session, wave, wave.opens_at, wave.closes_at - wave.opens_at, now)
                if name is not None:
                    created.append(name)
    except IntegrityError:
        return []  # another tick made these waves first
    return created


def _follow(
    session: Session, wave: Wave, opened: datetime, length: timedelta, now: datetime
) -> str | None:
    """Create and launch the wave that follows `wave` in its series: open for `length` from the
    series' first opening after `now`, counting on from `opened`. Return its name, or None where
    it would close past the latest year a wave may have (the series ends there)."""
    opens = first_opening_after(opened, wave.cadence, now)
    if (opens + length).year > LATEST_YEAR:
        return None
    name = names.unique(session, Wave.name, f"{wave.survey.name} {opens:%Y-%m-%d}")
    following = create_wave(session, wave.survey, name, opens, opens + length, wave.cadence, wave)
    following.audience_unit_id = wave.audience_unit_id
    following.invitations_only = wave.invitations_only
    launch_wave(session, following, now)
    audit.record(session, None, "wave.recur", f"{name} follows {wave.name}")
    return name


@dataclass(frozen=True)
class LinkRow:
    """A unit of a launched wave: its team link (if it has one, or why not) and invitations."""

    unit_id: int
    path: str
    token: str | None
    active: bool
    invitations: int
    no_link: str | None = None


def links(wave: Wave) -> list[LinkRow]:
    """Return every unit of a launched wave with its team link and how many invitations it has."""
    invited = dict(
        db.session.execute(
            select(Invitation.unit_id, func.count())
            .where(Invitation.wave_id == wave.id)
            .group_by(Invitation.unit_id)
        ).all()
    )
    rows = db.session.execute(
        select(WaveUnit.unit_id, WaveUnit.path, WaveUnit.headcount, TeamLink.token, TeamLink.active)
        .outerjoin(
            TeamLink,
            (TeamLink.wave_id == WaveUnit.wave_id) & (TeamLink.unit_id == WaveUnit.unit_id),
        )
        .where(WaveUnit.wave_id == wave.id)
        .order_by(WaveUnit.path)
    ).all()
    threshold, only = wave.anonymity_threshold, wave.invitations_only
    return [
        LinkRow(
            r.unit_id,
            r.path,
            r.token,
            bool(r.active),
            invited.get(r.unit_id, 0),
            None if r.token else no_team_link(r.headcount, threshold, only),
        )
        for r in rows
    ]


def set_team_link(actor: User, wave_id: int, unit_id: int, active: bool) -> LinkRow:
    """Switch a unit's team link on or off."""
    with write_transaction() as session:
        link = session.scalar(
            select(TeamLink).where(TeamLink.wave_id == wave_id, TeamLink.unit_id == unit_id)
        )
        if link is None:
            raise NotFound(unit_id)
        link.active = active
        path = session.scalar(
            select(WaveUnit.path).where(WaveUnit.wave_id == wave_id, WaveUnit.unit_id == unit_id)
        )
        audit.record(session, actor, "link.team", f"{path}: team link {'on' if active else 'off'}")
    return next(row for row in links(get(wave_id)) if row.unit_id == unit_id)


def team_link(session: Session, wave: Wave, unit: Unit) -> str:
    """Return the unit's open link for the wave, creating it if the unit joined late.

    A unit that may not have one (see `no_team_link`) raises Invalid.
    """
    link = session.scalar(
        select(TeamLink).where(TeamLink.wave_id == wave.id, TeamLink.unit_id == unit.id)
    )
    if link is None:
        if no_team_link(unit.headcount, wave.anonymity_threshold, wave.invitations_only):
            raise Invalid("unit_id", "This unit takes answers by single-use links only")
        link = TeamLink(wave_id=wave.id, unit_id=unit.id, token=tokens.new_token())
        session.add(link)
        session.flush()
    return link.token


def issue_invitations(session: Session, wave: Wave, unit: Unit, count: int) -> list[str]:
    """Create `count` single-use invitations and return their tokens, which are never stored."""
    issued = [tokens.new_token() for _ in range(count)]
    session.execute(
        insert(Invitation),
        [
            {
                "wave_id": wave.id,
                "unit_id": unit.id,
                "token_hash": tokens.token_hash(t),
                "used": False,
            }
            for t in issued
        ],
    )
    return issued


def invite(
    actor: User, wave_id: int, unit_id: int, count: int, now: datetime
) -> tuple[str, list[str]]:
    """Issue invitations for a unit of a launched, not yet closed wave; return path and tokens."""
    with write_transaction() as session:
        wave = session.get(Wave, wave_id)
        if wave is None:
            raise NotFound(wave_id)
        if status(wave, now) not in ("scheduled", "open"):
            raise Invalid("", "Links can only be made for a launched wave that has not closed")
        path = session.scalar(
            select(WaveUnit.path).where(WaveUnit.wave_id == wave_id, WaveUnit.unit_id == unit_id)
        )
        if path is None:
            raise Invalid("unit_id", "Choose a unit from this wave's audience")
        issued = issue_invitations(session, wave, session.get_one(Unit, unit_id), count)
        audit.record(
            session, actor, "link.invitations", f"{wave.name}: {count} single-use links for {path}"
        )
    return path, issued


@dataclass(frozen=True)
class KioskLink:
    """The team link a device is set up (or stops being set up) as a kiosk for."""

    wave_id: int
    unit_id: int
    path: str
    token: str
    closes_at: datetime


def kiosk(actor: User, wave_id: int, unit_id: int, on: bool, now: datetime) -> KioskLink:
    """Record that a device starts (or stops) taking many responses through a unit's team link."""
    with write_transaction() as session:
        wave = session.get(Wave, wave_id)
        link = session.scalar(
            select(TeamLink).where(TeamLink.wave_id == wave_id, TeamLink.unit_id == unit_id)
        )
        if wave is None or link is None:
            raise NotFound(unit_id)
        if on and (not link.active or status(wave, now) not in ("scheduled", "open")):
            raise Invalid(
                "", "A kiosk needs a team link that is switched on, in a wave that has not closed"
            )
        path = session.scalar(
            select(WaveUnit.path).where(WaveUnit.wave_id == wave_id, WaveUnit.unit_id == unit_id)
        )
        change = "set up as a kiosk" if on else "taken out of kiosk mode"
        audit.record(session, actor, "link.kiosk", f"{wave.name}: a device {change} for {path}")
        return KioskLink(wave_id, unit_id, path or "", link.token, wave.closes_at)
