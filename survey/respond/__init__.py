"""Staff answer a pulse: invitation links, team links, the card flow and the thank-you page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("respond", __name__)

from survey.respond import routes  # noqa: E402, F401  (routes register themselves on bp)
