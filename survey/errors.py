"""Friendly error pages: a clear message and the right status, never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def render_error(error: HTTPException) -> Response:
    """Render an HTTP error as a page (or fragment: htmx 4 swaps 4xx responses).

    Keeps the error's own headers, such as `Allow` on a 405 and `Retry-After` on a 429.
    """
    response = current_app.response_class(
        render_template("error.html", error=error), status=error.code or 500
    )
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def render_csrf_error(error: CSRFError) -> tuple[str, int]:
    """Explain a missing or stale CSRF token in words a respondent understands."""
    return render_template("error.html", error=error, csrf=True), 400


def render_unexpected(error: Exception) -> tuple[str, int]:
    """Hide unexpected failures behind a plain 500 page; the log keeps the detail."""
    current_app.logger.error("Unhandled error", exc_info=error)
    return render_template("error.html", error=InternalServerError()), 500


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(Exception, render_unexpected)
