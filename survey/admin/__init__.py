"""HR set-up screens: units, questions, surveys, waves, links, definition, actions, users, audit."""

from __future__ import annotations

from flask import Blueprint

from survey.access import requires
from survey.models import Role
from survey.web import no_store

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@requires(Role.ADMIN)
def admins_only() -> None:
    """Every admin route is for admins; the decorator answers everyone else."""


bp.after_request(no_store)


from survey.admin import (  # noqa: E402, F401  (routes register themselves on bp)
    content,
    dashboard,
    imports,
    mail,
    posters,
    questions,
    surveys,
    units,
    users,
    waves,
)
