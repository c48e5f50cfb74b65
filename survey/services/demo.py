"""A believable demo organisation: 12 teams, six past monthly waves and one open wave.

The synthetic answers follow real patterns: understanding rises in most teams, the reading of the
change as cost cutting falls, Revenues and Benefits stays stuck at the Knowledge step, and Parks is
too small to report. A fixed seed makes every run build the same data.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.database import insert_rows, new_ids
from survey.models import Action, ActionStatus, Answer, Kind, Response, Role, Survey, Unit, Wave
from survey.services import questions, tokens, units, users, waves
from survey.services.importing import ANSWER_FIELDS, RESPONSE_FIELDS
from survey.services.pulses import Pulse, load_pulse

ADMIN_EMAIL = "admin@example.org"
ROOT = "Riverside Council"
PAST_WAVES = 6
STUCK_TEAM = "Revenues and Benefits"
SMALL_TEAM = "Parks"

TEAMS = {
    "Adults, Health and Wellbeing > Adult Social Care > Hospital Discharge": 34,
    "Adults, Health and Wellbeing > Adult Social Care > Reablement": 41,
    "Adults, Health and Wellbeing > Adult Social Care > Community Care North": 28,
    "Adults, Health and Wellbeing > Public Health > Health Improvement": 22,
    "Children and Families > Children's Social Care > Assessment": 38,
    "Children and Families > Children's Social Care > Fostering": 19,
    "Children and Families > Education > SEND Support": 26,
    "Children and Families > Education > School Admissions": 15,
    "Place and Resources > Customer Services > Contact Centre": 52,
    "Place and Resources > Customer Services > Revenues and Benefits": 36,
    "Place and Resources > Environment > Waste and Recycling": 30,
    "Place and Resources > Environment > Parks": 4,
}

COMMENTS = (
    "It still feels like this is mostly about saving money.",
    "I'd like more clarity on what changes for my team day to day.",
    "The new case system has saved me real time with residents.",
    "Workload is too high to learn new ways of working properly.",
    "Our manager explains things well, but senior leaders feel distant.",
    "People are worried about their jobs and nobody is saying anything.",
    "The briefings are full of jargon. Plain English please.",
    "Residents are getting quicker answers since we joined up with housing.",
    "Training was good but there is no time to practise.",
    "I can see the point now, the resident stories helped.",
)

ACTIONS = (
    (None, "Monthly drop-in sessions where directors answer questions in plain English."),
    (None, "A one-page guide: what the change means, and what it does not mean."),
    (STUCK_TEAM, "Team workshops walking through the new benefits process step by step."),
)


@dataclass(frozen=True)
class DemoResult:
    """What `flask demo` prints: the login and two links into the open wave."""

    admin_email: str
    admin_password: str
    team_token: str
    invitation_token: str
    created: bool


def _scale(rng: random.Random, mean: float, top: int, bottom: int = 1) -> int:
    """Draw a scale answer around `mean`."""
    return max(bottom, min(top, round(rng.gauss(mean, 0.9))))


def _means(team: str, step: int, team_bias: float) -> dict[str, float]:
    """Return each scale question's mean for a team at a wave (0 oldest)."""
    if team == STUCK_TEAM:
        return {
            "awareness": 3.7,
            "desire": 3.5,
            "knowledge": 2.5,
            "ability": 2.5,
            "reinforcement": 2.6,
            "right_change": 3.2,
            "leaders_back": 3.1,
            "good_for_me": 2.8,
            "plain_language": 2.7,
        }
    rise = 0.16 * step + team_bias
    return {
        "awareness": 3.0 + rise,
        "desire": 3.2 + rise * 0.7,
        "knowledge": 2.7 + rise,
        "ability": 2.8 + rise * 0.8,
        "reinforcement": 2.7 + rise * 0.6,
        "right_change": 3.0 + rise * 0.7,
        "leaders_back": 3.1 + rise * 0.5,
        "good_for_me": 2.8 + rise * 0.6,
        "plain_language": 2.6 + rise,
    }


def synthetic_answers(
    rng: random.Random, pulse: Pulse, team: str, step: int, bias: float
) -> list[dict]:
    """Return one synthetic respondent's answer rows."""
    means = _means(team, step, bias)
    cost_share = 0.42 if team == STUCK_TEAM else max(0.12, 0.46 - 0.05 * step)
    rows: list[dict] = []
    for item in pulse.items:
        row = {"question_version_id": item.id, "value": None, "option_id": None, "text": None}
        by_code = {c.code: c.id for c in item.choices}
        if item.kind is Kind.SCALE5:
            rows.append(row | {"value": _scale(rng, means[item.code], 5)})
        elif item.kind is Kind.SCALE11:
            rows.append(row | {"value": _scale(rng, 5.6 + 0.25 * step + bias, 10, 0)})
        elif item.kind is Kind.SINGLE:
            roll = rng.random()
            code = (
                "cost_cutting"
                if roll < cost_share
                else rng.choice(
                    ["better_services", "new_ways", "new_ways", "restructure", "dont_know"]
                )
            )
            rows.append(row | {"option_id": by_code[code]})
        elif item.kind is Kind.MULTI:
            know = 0.35 + 0.08 * step + bias if team != STUCK_TEAM else 0.35
            if rng.random() < max(0.03, 0.2 - 0.03 * step):
                chosen = ["not_sure"]
            else:
                chosen = [
                    c.code
                    for c in item.choices
                    if not c.exclusive
                    and rng.random()
                    < (know if c.code in {"outcomes", "joined_up", "digital"} else 0.7 - know)
                ]
            rows.extend(row | {"option_id": by_code[code]} for code in chosen or ["not_sure"])
        elif rng.random() < 0.3:
            rows.append(row | {"text": rng.choice(COMMENTS)})
    return rows


def _respond(
    session: Session,
    rng: random.Random,
    wave: Wave,
    team: Unit,
    step: int,
    bias: float,
    rate: float,
) -> None:
    """Store synthetic responses for one team in one wave, in two bulk inserts."""
    pulse = load_pulse(wave.id)
    count = sum(rng.random() < rate for _ in range(team.headcount))
    responses, answers = [], []
    for response_id in new_ids(session, Response.__table__, count):
        day = wave.opens_at + timedelta(
            days=rng.randrange(max(1, (wave.closes_at - wave.opens_at).days))
        )
        responses.append(
            (
                response_id,
                wave.id,
                team.id,
                wave.definition_id,
                tokens.new_nonce(),
                day.date().isoformat(),
                secrets.randbelow(2**31),
            )
        )
        answers.extend(
            (response_id, *(row[field] for field in ANSWER_FIELDS[1:]))
            for row in synthetic_answers(rng, pulse, team.name, step, bias)
        )
    insert_rows(session, Response.__table__, RESPONSE_FIELDS, responses)
    insert_rows(session, Answer.__table__, ANSWER_FIELDS, answers)


def _build(session: Session, survey: Survey, now: datetime) -> Wave:
    """Create the organisation, the waves and their responses; return the open wave."""
    rng = random.Random(2026)
    teams = [units.ensure_path(session, f"{ROOT} > {path}", n) for path, n in TEAMS.items()]
    biases = {team.id: rng.uniform(-0.25, 0.25) for team in teams}
    # Whole minutes, as the wave form shows times, so every demo wave can be edited as it is.
    open_from = now.replace(second=0, microsecond=0) - timedelta(days=9)
    schedule = [open_from - timedelta(days=30 * k) for k in range(PAST_WAVES, 0, -1)]
    past: list[Wave] = []
    for step, opens in enumerate(schedule):
        # One monthly series: each wave follows the one before, so `tick` adds one wave, not one
        # per past wave.
        wave = waves.create_wave(
            session,
            survey,
            opens.strftime("%B %Y"),
            opens,
            opens + timedelta(days=21),
            cadence="monthly",
            previous=past[-1] if past else None,
        )
        waves.launch_wave(session, wave, opens)
        for team in teams:
            _respond(session, rng, wave, team, step, biases[team.id], rng.uniform(0.55, 0.85))
        past.append(wave)
    current = waves.create_wave(
        session,
        survey,
        open_from.strftime("%B %Y"),
        open_from,
        open_from + timedelta(days=28),
        cadence="monthly",
        previous=past[-1],
    )
    waves.launch_wave(session, current, open_from)
    for team in teams:
        _respond(session, rng, current, team, PAST_WAVES, biases[team.id], 0.3)
    names = {team.name: team.id for team in teams}
    for unit_name, text in ACTIONS:
        session.add(
            Action(
                wave_id=past[-1].id,
                unit_id=names.get(unit_name) if unit_name else None,
                text=text,
                status=ActionStatus.IN_PROGRESS,
                published=True,
            )
        )
    return current


def build_demo(session: Session, now: datetime) -> DemoResult:
    """Build the demo once (later runs keep its data), reset the admin login, issue two links."""
    survey = questions.ensure_default_survey(session)
    created = session.scalar(select(func.count()).select_from(Wave)) == 0
    if created:
        # The demo council offers its pulse in Welsh too, as a Welsh council must.
        survey.bilingual = True
        current = _build(session, survey, now)
    else:
        current = session.scalars(
            select(Wave).where(Wave.launched_at.is_not(None)).order_by(Wave.closes_at.desc())
        ).first()
        assert current is not None
    password = secrets.token_urlsafe(12)
    users.set_user(session, ADMIN_EMAIL, password, Role.ADMIN)
    team = session.scalars(select(Unit).where(Unit.name == "Reablement")).one()
    team_token = waves.team_link(session, current, team)
    invitation = waves.issue_invitations(session, current, team, 1)[0]
    return DemoResult(ADMIN_EMAIL, password, team_token, invitation, created)
