"""Sign in and sign out for HR admins, analysts and managers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)

from survey.auth import routes  # noqa: E402, F401  (routes register themselves on bp)
