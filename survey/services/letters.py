"""What an invitation or reminder says, and the link it carries (never stored, derived)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale, format_datetime, gettext, ngettext
from markupsafe import Markup

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
    # A bilingual survey's messages are in Welsh, then English, as its pulse is offered.
    bilingual: bool = False


def facts_of(wave: Wave) -> WaveFacts:
    """Return what a wave's messages say."""
    pulse = pulses.load_pulse(wave.id)
    return WaveFacts(
        wave.id, wave.closes_at, len(pulse.items), pulse.minutes, wave.survey.bilingual
    )


def write(facts: WaveFacts, kind: str, link: str) -> Letter:
    """Write an invitation or a reminder carrying one person's link: in English, or for a
    bilingual survey in Welsh first and then English, each part's link opening the pulse in its
    language."""
    languages = ("cy", "en") if facts.bilingual else ("en",)
    subjects, texts, sections = [], [], []
    for language in languages:
        context = {
            "kind": kind,
            "link": f"{link}?lang=cy" if language == "cy" else link,
            "closes_at": facts.closes_at,
            "questions": facts.questions,
            "minutes": facts.minutes,
        }
        with force_locale(language):
            day = format_datetime(facts.closes_at, gettext("d MMMM"))
            subjects.append(
                gettext("Reminder: your anonymous staff pulse closes on %(day)s", day=day)
                if kind == REMIND
                else gettext(
                    "Your anonymous staff pulse: %(minutes)s, until %(day)s",
                    minutes=ngettext("%(num)d minute", "%(num)d minutes", facts.minutes),
                    day=day,
                )
            )
            texts.append(render_template("email/invitation.txt", **context))
            body = render_template("email/_invitation_body.html", **context)
            sections.append((language, Markup(body)))  # noqa: S704 - rendered with autoescape
    subject = " / ".join(subjects)
    return Letter(
        subject,
        "\n\n-----\n\n".join(texts),
        render_template("email/invitation.html", subject=subject, sections=sections),
    )
