"""Insights for HR, change leads, analysts and managers: results that respect anonymity."""

from __future__ import annotations

from flask import Blueprint, Response

from survey.access import requires
from survey.models import Role

bp = Blueprint("insights", __name__, url_prefix="/insights")


@bp.before_request
@requires(Role.ADMIN, Role.ANALYST, Role.MANAGER)
def signed_in_only() -> None:
    """Every insights route needs a signed-in user; scope is applied in the service."""


@bp.after_request
def no_store(response: Response) -> Response:
    """Keep results out of caches and the browser's back-forward history."""
    response.headers["Cache-Control"] = "no-store"
    return response


from survey.insights import routes  # noqa: E402, F401  (routes register themselves on bp)
