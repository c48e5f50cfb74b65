"""What an invitation or reminder says, and the link it carries (never stored, derived)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template

from survey.models import Wave
from survey.services import pulses, tokens

# The two kinds of message.
INVITE = "invite"
REMIND = "remind"


def link_token(link_key: str) -> str:
    """Return the invitation token an address's link carries: a keyed hash of its link key.

    Kept derivable, not stored, so a reminder can carry the same link as the invitation while
    the database holds only the token's hash (and a key that is useless without SECRET_KEY).
    """
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, b"invitation:" + link_key.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[: tokens.TOKEN_BYTES]).decode()


@dataclass(frozen=True)
class Letter:
    """What one message says, before it is addressed."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class WaveFacts:
    """What every message of a wave says, read once per batch (the close can move)."""

    wave_id: int
    closes_at: datetime
    questions: int
    minutes: int


def facts_of(wave: Wave) -> WaveFacts:
    """Return what a wave's messages say."""
    pulse = pulses.load_pulse(wave.id)
    return WaveFacts(wave.id, wave.closes_at, len(pulse.items), pulse.minutes)


def write(facts: WaveFacts, kind: str, link: str) -> Letter:
    """Write an invitation or a reminder carrying one person's link."""
    context = {
        "kind": kind,
        "link": link,
        "closes_at": facts.closes_at,
        "questions": facts.questions,
        "minutes": facts.minutes,
    }
    subject = (
        f"Reminder: your anonymous staff pulse closes on {facts.closes_at:%-d %B}"
        if kind == REMIND
        else f"Your anonymous staff pulse: {facts.minutes} minutes, until {facts.closes_at:%-d %B}"
    )
    return Letter(
        subject,
        render_template("email/invitation.txt", **context),
        render_template("email/invitation.html", **context),
    )
