"""The admin overview: where things stand, and the next step on a new install."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from survey.admin import bp
from survey.models import utcnow
from survey.services import setup


@bp.get("/", endpoint="dashboard")
def dashboard() -> str:
    """Show counts, the waves that are running, and what to set up next."""
    return render_template("admin/dashboard.html", state=setup.state(utcnow(), current_user))
