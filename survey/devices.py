"""What a browser remembers about a team link: that it has answered, or that it is a kiosk.

Both are signed cookies scoped to the one team link's path, so they travel only with that link.
Each holds just the wave and unit of the link, the same for every browser, and expires a while
after the wave closes: nothing about when or what the person answered, and nothing is kept on
the server, so a response can never be tied to the browser that sent it. This is friction
against padding (a new browser, or a cleared one, can answer again), not proof.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from survey.services.pulses import TEAM, Link

ANSWERED = "pulse_answered"
KIOSK = "pulse_kiosk"
# Long enough to outlast any extension of the wave; the link itself stops working at close.
OUTLIVES_CLOSE = timedelta(days=90)


def _signer(name: str) -> URLSafeSerializer:
    """Return the signer for one kind of mark; the salt keeps the two kinds apart."""
    return URLSafeSerializer(current_app.secret_key or "", salt=f"team-link:{name}")


def _path(token: str) -> str:
    """Return the path of a team link, which its marks are scoped to."""
    return url_for("respond.pulse", prefix="t", token=token)


def _marked(name: str, link: Link) -> bool:
    """Return whether this browser carries a valid mark of this kind for this link."""
    raw = request.cookies.get(name)
    if link.kind != TEAM or not raw:
        return False
    try:
        return _signer(name).loads(raw) == [link.wave_id, link.unit_id]
    except BadSignature:
        return False


def on_kiosk(link: Link) -> bool:
    """Return whether this browser was set up by an admin as a kiosk for this team link."""
    return _marked(KIOSK, link)


def answered_here(link: Link) -> bool:
    """Return whether this browser has already answered through this team link (not a kiosk)."""
    return _marked(ANSWERED, link) and not on_kiosk(link)


def _set(
    response: Response, name: str, wave_id: int, unit_id: int, token: str, closes_at: datetime
) -> None:
    """Put a mark for one team link on a response."""
    response.set_cookie(
        name,
        _signer(name).dumps([wave_id, unit_id]),
        expires=closes_at + OUTLIVES_CLOSE,
        path=_path(token),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def remember_answer(response: Response, link: Link, closes_at: datetime) -> None:
    """Mark this browser as having answered through a team link, unless it is a kiosk."""
    if link.kind == TEAM and not on_kiosk(link):
        _set(response, ANSWERED, link.wave_id, link.unit_id, link.token, closes_at)


def start_kiosk(
    response: Response, wave_id: int, unit_id: int, token: str, closes_at: datetime
) -> None:
    """Make this browser a kiosk for one team link, and forget that it had answered there."""
    _set(response, KIOSK, wave_id, unit_id, token, closes_at)
    response.delete_cookie(ANSWERED, path=_path(token), httponly=True, samesite="Lax")


def stop_kiosk(response: Response, token: str) -> None:
    """Make this browser an ordinary one again for a team link."""
    response.delete_cookie(KIOSK, path=_path(token), httponly=True, samesite="Lax")
