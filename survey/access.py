"""Who may see what: sign-in, roles and the unauthorised responses, enforced on the server."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

from survey.extensions import login_manager
from survey.models import Role
from survey.services import accounts


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirects)."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):
        return None
    return target


def unauthorised() -> Any:
    """Send a signed-out visitor to sign in: a redirect for pages, 401 for htmx requests."""
    login = url_for("auth.login", next=safe_next(request.full_path.rstrip("?")))
    if request.headers.get("HX-Request") == "true":
        # Never a fragment: htmx follows HX-Redirect with a full page load.
        return "", 401, {"HX-Redirect": login}
    return redirect(login)


def requires(*roles: Role) -> Callable:
    """Allow a view only to signed-in users holding one of `roles`; others get 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return unauthorised()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def init_app(app: Flask) -> None:
    """Bind Flask-Login to the session store of ended sessions."""
    login_manager.init_app(app)
    login_manager.user_loader(accounts.load_session_user)
    login_manager.unauthorized_handler(unauthorised)
    login_manager.session_protection = "basic"
