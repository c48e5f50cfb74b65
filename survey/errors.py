"""Friendly errors: a clear message and the right status, never a stack trace.

A page load gets the error page. An htmx request gets the message alone, aimed by response
headers at the page's error area (`#app-error` in base.html), so the page stays whole and no
error page lands inside the element that asked. (Validation errors are not errors here: views
answer them with their form's fragment and 422.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from survey.logs import log_error, safe_path
from survey.web import wants_fragment

ERROR_AREA = "#app-error"
# htmx 4 reads these response headers: swap into the error area, and leave the address bar alone.
IN_ERROR_AREA = {"HX-Retarget": ERROR_AREA, "HX-Reswap": "innerHTML", "HX-Push-Url": "false"}

log = logging.getLogger("survey.errors")


def _respond(status: int, headers: Iterable[tuple[str, str]] = (), **context: object) -> Response:
    """Render an error as a page, or for htmx as a fragment for the page's error area."""
    fragment = wants_fragment()
    response = current_app.response_class(
        render_template("_error.html" if fragment else "error.html", **context), status=status
    )
    for name, value in headers:
        if name.lower() != "content-type":
            response.headers[name] = value
    if fragment:
        response.headers.update(IN_ERROR_AREA)
    return response


def render_error(error: HTTPException) -> Response:
    """Render an HTTP error, keeping its own headers (`Allow` on a 405, `Retry-After` on a 429)."""
    return _respond(error.code or 500, error.get_headers(), error=error)


def render_csrf_error(error: CSRFError) -> Response:
    """Explain a missing or stale CSRF token in words a respondent understands."""
    return _respond(400, error=error, csrf=True)


def render_unexpected(error: Exception) -> Response:
    """Hide an unexpected failure behind a plain 500 with a reference; log its type and frames."""
    log_error(log, "unhandled error", error, method=request.method, path=safe_path(request.path))
    return _respond(500, error=InternalServerError())


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(Exception, render_unexpected)
