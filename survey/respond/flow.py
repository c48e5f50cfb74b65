"""The card flow: which screen follows which button, with no state kept on the server.

Every screen is one form that carries all answers so far in hidden fields, so the same flow runs
with htmx (fragments swapped in place) or without JavaScript (ordinary page loads), and nothing is
stored until the respondent sends the whole pulse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from survey.numbers import parse_int
from survey.respond.forms import PulseFormBase
from survey.services.pulses import Pulse

FLOW_FIELDS = frozenset({"csrf_token", "nonce", "nav", "step", "return"})
NAV = re.compile(r"(start|next|back|submit|resume|change-(0|[1-9][0-9]{0,2}))", re.ASCII)
REVIEW = "review"
LANDING = "landing"
# The step of the landing screen: before the first card.
LANDING_STEP = -1


@dataclass(frozen=True)
class Screen:
    """What to show next: a question card (its index) or the review, and the HTTP status."""

    step: int | None
    from_review: bool = False
    status: int = 200
    # Shown again for a history move or reload, so the address bar already names it.
    restored: bool = False

    @property
    def is_review(self) -> bool:
        """Return whether this is the check-your-answers screen."""
        return self.step is None

    @property
    def is_landing(self) -> bool:
        """Return whether this is the welcome screen before the first card."""
        return self.step == LANDING_STEP


@dataclass(frozen=True)
class Move:
    """A parsed button press: where the respondent was and what they asked for."""

    nav: str
    step: int
    target: int | None
    from_review: bool


def check_fields(pulse: Pulse, form: MultiDict[str, str]) -> None:
    """Reject a post carrying fields this pulse never renders."""
    allowed = FLOW_FIELDS | {item.field for item in pulse.items}
    unknown = sorted(set(form) - allowed)
    if unknown:
        raise BadRequest(
            gettext(
                "This form does not have a field called \u201c%(field)s\u201d.",
                field=unknown[0][:40],
            )
        )


def parse_move(pulse: Pulse, form: MultiDict[str, str]) -> Move:
    """Read the pressed button and current step, refusing anything the pages never send."""
    if not pulse.items:  # a survey being composed, previewed before its first question
        raise BadRequest(gettext("This pulse has no questions yet."))
    match = NAV.fullmatch(form.get("nav", ""))
    if match is None:
        raise BadRequest(gettext("That button is not part of this pulse."))
    last = len(pulse.items) - 1
    raw_step = form.get("step", "0")
    if raw_step == LANDING and match.group(1) == "resume":
        step: int | None = LANDING_STEP
    else:
        step = last + 1 if raw_step == REVIEW else parse_int(raw_step, 0, last)
    if step is None:
        raise BadRequest(gettext("That question is not part of this pulse."))
    target = int(match.group(2)) if match.group(2) else None
    if target is not None and target > last:
        raise BadRequest(gettext("That question is not part of this pulse."))
    return Move(
        match.group(1) if target is None else "change", step, target, form.get("return") == REVIEW
    )


def first_invalid(pulse: Pulse, form: PulseFormBase) -> int | None:
    """Return the index of the first question whose answer fails validation, if any."""
    for index, item in enumerate(pulse.items):
        if form[item.field].errors:
            return index
    return None


def next_screen(pulse: Pulse, form: PulseFormBase, move: Move) -> Screen | None:
    """Return the screen to show after `move`, or None when the pulse is ready to store."""
    last = len(pulse.items) - 1
    if move.nav == "start":
        return Screen(0)
    if move.nav == "resume":
        # The browser went back, forward or reloaded: show the screen its address names, as is.
        return Screen(None if move.step > last else move.step, restored=True)
    if move.nav == "change":
        return Screen(move.target, from_review=True)
    if move.nav == "back":
        return Screen(max(move.step - 1, 0)) if move.step <= last else Screen(last)
    if move.nav == "next":
        if move.step > last:
            return Screen(None)
        field = form[pulse.items[move.step].field]
        if not field.validate(form):
            return Screen(move.step, move.from_review, status=422)
        return Screen(None) if move.from_review or move.step == last else Screen(move.step + 1)
    if form.validate():
        return None
    invalid = first_invalid(pulse, form)
    if invalid is None:
        # Only the hidden flow fields failed: the page was not one of ours.
        raise BadRequest(gettext("This pulse form is incomplete. Please open your link again."))
    return Screen(invalid, from_review=True, status=422)


def advance(pulse: Pulse, form: PulseFormBase, posted: MultiDict[str, str]) -> Screen | None:
    """Check a posted screen and return the next one, or None when the pulse is complete."""
    check_fields(pulse, posted)
    move = parse_move(pulse, posted)
    if not form.nonce.validate(form):
        raise BadRequest(gettext("This pulse form is incomplete. Please open your link again."))
    return next_screen(pulse, form, move)


def card_query(screen: Screen) -> dict[str, str]:
    """Return the query naming a screen in the address bar: the card only, never an answer."""
    if screen.is_landing:
        return {}
    if screen.is_review:
        return {"card": REVIEW}
    assert screen.step is not None
    return {"card": str(screen.step + 1)}


def answers(pulse: Pulse, form: PulseFormBase) -> dict[int, object]:
    """Return the validated answers keyed by question version id."""
    return {item.id: form[item.field].data for item in pulse.items}
