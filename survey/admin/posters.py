"""Team-link posters (PDF) of a wave: every unit's in one download, or one unit's.

Admins only, like every admin route (the blueprint checks): a team link is a secret of the wave,
so managers, analysts and staff never reach a poster.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, current_app

from survey.admin import bp
from survey.exports import filename
from survey.models import utcnow
from survey.reporting import posters as drawing
from survey.services import posters
from survey.services.problems import NotFound
from survey.web import staff_link


def _wanted(wave_id: int, now: datetime, unit_id: int | None = None) -> list[posters.TeamPoster]:
    """Return the posters asked for, or abort with the status and reason there are none."""
    try:
        return posters.of_wave(wave_id, now, unit_id)
    except NotFound:
        abort(404)
    except posters.NoPoster as problem:
        abort(problem.status, problem.message)


def _pdf(wanted: list[posters.TeamPoster], title: str, name: str) -> Response:
    """Return the posters as a PDF download that no cache keeps (it carries the links)."""
    sheets = [drawing.sheet(poster, staff_link("t", poster.token)) for poster in wanted]
    response = current_app.response_class(drawing.render(sheets, title), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/waves/<id:wave_id>/posters.pdf")
def posters_pdf(wave_id: int) -> Response:
    """Every unit's team-link poster of a wave, one A4 page each."""
    wanted = _wanted(wave_id, utcnow())
    wave_name = wanted[0].wave_name
    return _pdf(wanted, f"Posters: {wave_name}", filename("posters", wave_name, ext="pdf"))


@bp.get("/waves/<id:wave_id>/posters/<id:unit_id>.pdf")
def poster_pdf(wave_id: int, unit_id: int) -> Response:
    """One unit's team-link poster of a wave."""
    (poster,) = _wanted(wave_id, utcnow(), unit_id)
    name = filename("poster", poster.wave_name, poster.unit_name, ext="pdf")
    return _pdf([poster], f"Poster: {poster.unit_name}, {poster.wave_name}", name)
