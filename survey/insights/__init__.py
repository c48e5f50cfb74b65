"""Insights for HR, change leads, analysts and managers: results that respect anonymity."""

from __future__ import annotations

from flask import Blueprint

from survey.access import requires
from survey.models import Role
from survey.web import no_store

bp = Blueprint("insights", __name__, url_prefix="/insights")


@bp.before_request
@requires(Role.ADMIN, Role.ANALYST, Role.MANAGER)
def signed_in_only() -> None:
    """Every insights route needs a signed-in user; scope is applied in the service."""


bp.after_request(no_store)


from survey.insights import routes  # noqa: E402, F401  (routes register themselves on bp)
