"""Staff answer a pulse: invitation links, team links, the card flow and the thank-you page."""

from __future__ import annotations

from flask import Blueprint

from survey.web import no_store

bp = Blueprint("respond", __name__)


# On a shared device (a kiosk) the pages hold the last person's answers until they send them.
bp.after_request(no_store)

from survey.respond import routes  # noqa: E402, F401  (routes register themselves on bp)
