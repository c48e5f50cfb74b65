"""What a respondent is answering: the link they hold and the wave's frozen questions."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, bindparam, select

from survey.extensions import db
from survey.models import Invitation, Kind, Survey, TeamLink, Unit, Wave
from survey.services import tokens

# Seconds a typical respondent spends per answer, from pulse-survey timing studies' rule of thumb.
SECONDS = {Kind.SCALE5: 7, Kind.SCALE11: 7, Kind.SINGLE: 10, Kind.MULTI: 15, Kind.TEXT: 30}
INTRO_SECONDS = 20


def estimated_minutes(kinds: Iterable[Kind]) -> int:
    """Return the time a pulse of these question kinds takes, in whole minutes rounded up: the
    one estimate staff and HR both see."""
    seconds = INTRO_SECONDS + sum(SECONDS[kind] for kind in kinds)
    return max(1, math.ceil(seconds / 60))


@dataclass(frozen=True)
class Choice:
    """An option a respondent can pick."""

    id: int
    code: str
    label: str
    exclusive: bool
    label_cy: str = ""


@dataclass(frozen=True)
class Item:
    """A question as a respondent sees it, frozen at launch."""

    id: int
    code: str
    text: str
    hint: str
    kind: Kind
    required: bool
    choices: tuple[Choice, ...]
    dimension: str = ""
    text_cy: str = ""
    hint_cy: str = ""

    @property
    def field(self) -> str:
        """Return the form field name that carries this item's answer."""
        return f"a{self.id}"


@dataclass(frozen=True)
class Pulse:
    """A launched wave's survey: immutable, so each worker caches it (its closing time can move,
    so it is not here: see `Link.closes_at`)."""

    wave_id: int
    wave_name: str
    survey_id: int
    opens_at: datetime
    definition_id: int | None
    definition_text: str
    items: tuple[Item, ...]
    # Offered in Welsh and English; the Welsh text rides along in the items.
    bilingual: bool = False
    definition_text_cy: str = ""

    @property
    def minutes(self) -> int:
        """Return the estimated time to answer, in whole minutes."""
        return estimated_minutes(item.kind for item in self.items)


@dataclass(frozen=True)
class Link:
    """A valid link and where it points: one wave and one unit."""

    kind: str
    token: str
    wave_id: int
    unit_id: int
    unit_name: str
    # Read with the link on every request, never cached: "Close now" moves it.
    closes_at: datetime
    # Whether the link's pulse is offered in Welsh too, so even its problem pages offer Welsh.
    bilingual: bool = False


class LinkProblem(Exception):
    """A link that cannot be answered now, with the page a respondent should see."""

    def __init__(
        self, status: int, reason: str, when: datetime | None = None, bilingual: bool = False
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.when = when
        self.bilingual = bilingual


INVITATION = "invitation"
TEAM = "team"


def load_pulse(wave_id: int) -> Pulse:
    """Return the frozen pulse of a launched wave, cached per worker."""
    cache: dict[int, Pulse] = current_app.extensions.setdefault("pulse_cache", {})
    if wave_id not in cache:
        cache[wave_id] = _build_pulse(db.session.get_one(Wave, wave_id))
    return cache[wave_id]


def build_pulse_items(survey: Survey) -> tuple[Item, ...]:
    """Turn a survey's questions into plain frozen items."""
    return tuple(
        Item(
            id=qv.id,
            code=qv.question.code,
            text=qv.text,
            hint=qv.hint,
            kind=qv.kind,
            required=qv.required,
            choices=tuple(
                Choice(o.id, o.code, o.label, o.exclusive, o.label_cy or "") for o in qv.options
            ),
            dimension=qv.dimension,
            text_cy=qv.text_cy or "",
            hint_cy=qv.hint_cy or "",
        )
        for qv in (item.question_version for item in survey.items)
    )


def _build_pulse(wave: Wave) -> Pulse:
    """Turn a wave's survey into plain frozen data."""
    items = build_pulse_items(wave.survey)
    return Pulse(
        wave_id=wave.id,
        wave_name=wave.name,
        survey_id=wave.survey_id,
        opens_at=wave.opens_at,
        definition_id=wave.definition_id,
        definition_text=wave.definition.text if wave.definition else "",
        items=items,
        bilingual=wave.survey.bilingual,
        definition_text_cy=(wave.definition.text_cy or "") if wave.definition else "",
    )


def in_language(pulse: Pulse, language: str) -> Pulse:
    """Return the pulse as staff see it in `language`: the same items (so the same question
    versions get the answers), worded in Welsh where the Welsh text exists."""
    if language != "cy":
        return pulse
    items = tuple(
        replace(
            item,
            text=item.text_cy or item.text,
            hint=item.hint_cy or item.hint,
            choices=tuple(replace(c, label=c.label_cy or c.label) for c in item.choices),
        )
        for item in pulse.items
    )
    return replace(
        pulse, items=items, definition_text=pulse.definition_text_cy or pulse.definition_text
    )


def _lookup_query(kind: str) -> Select:
    """Return the one query that finds a link with its wave's window and its unit's name."""
    link = Invitation if kind == INVITATION else TeamLink
    usable = ~Invitation.used if kind == INVITATION else TeamLink.active
    key = Invitation.token_hash if kind == INVITATION else TeamLink.token
    return (
        select(
            link.wave_id,
            link.unit_id,
            usable.label("usable"),
            Unit.name,
            Wave.opens_at,
            Wave.closes_at,
            Survey.bilingual,
        )
        .join(Wave, Wave.id == link.wave_id)
        .join(Survey, Survey.id == Wave.survey_id)
        .join(Unit, Unit.id == link.unit_id)
        .where(key == bindparam("key"), Wave.launched_at.is_not(None))
    )


LOOKUPS = {kind: _lookup_query(kind) for kind in (INVITATION, TEAM)}


def _lookup(kind: str, token: str) -> tuple[Link, bool, datetime, datetime]:
    """Return a token's link, whether it can still take answers, and its wave's window."""
    if not tokens.well_formed(token):
        raise LinkProblem(404, "unknown")
    key = tokens.token_hash(token) if kind == INVITATION else token
    row = db.session.execute(LOOKUPS[kind], {"key": key}).first()
    if row is None:
        raise LinkProblem(404, "unknown")
    link = Link(kind, token, row.wave_id, row.unit_id, row.name, row.closes_at, row.bilingual)
    return link, bool(row.usable), row.opens_at, row.closes_at


def resolve(kind: str, token: str, now: datetime) -> tuple[Link, Pulse]:
    """Return the link and pulse behind a token, or raise LinkProblem saying why not."""
    link, usable, opens_at, closes_at = _lookup(kind, token)
    welsh = link.bilingual
    if not usable:
        raise LinkProblem(410, "used" if kind == INVITATION else "switched_off", bilingual=welsh)
    if now < opens_at:
        raise LinkProblem(403, "not_open", opens_at, welsh)
    if now >= closes_at:
        raise LinkProblem(410, "closed", closes_at, welsh)
    return link, load_pulse(link.wave_id)


def resolve_answered(kind: str, token: str) -> tuple[Link, Pulse] | None:
    """Return the link and pulse of a link that has been answered through, else None."""
    link, usable, _opens, _closes = _lookup(kind, token)
    if kind == INVITATION and usable:
        return None
    return link, load_pulse(link.wave_id)
