"""HR set-up screens: units, questions, surveys, waves, links, definition, actions, users, audit."""

from __future__ import annotations

from flask import Blueprint, Response

from survey.access import requires
from survey.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@requires(Role.ADMIN)
def admins_only() -> None:
    """Every admin route is for admins; the decorator answers everyone else."""


@bp.after_request
def no_store(response: Response) -> Response:
    """Keep HR pages out of caches and the browser's back-forward history."""
    response.headers["Cache-Control"] = "no-store"
    return response


from survey.admin import (  # noqa: E402, F401  (routes register themselves on bp)
    content,
    dashboard,
    imports,
    questions,
    surveys,
    units,
    users,
    waves,
)
