"""Structured logs: one JSON line per event on stderr, each tagged with its request's id.

Nothing a respondent wrote may reach a log line: request lines carry the path without its query
string and without the token of a staff link, and exceptions are logged by type and frames only
(their messages can quote a statement's parameters or a failing row).
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time
import traceback
from typing import Any, TextIO

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

# Loggers whose records go out as JSON lines, from which level: ours ("survey.*"), the task
# queue's, and the throttle's warnings (its info lines name the account a limit is keyed on).
LOGGED = {"survey": logging.INFO, "huey": logging.INFO, "flask-limiter": logging.WARNING}
HANDLER = "changepulse-json-lines"
# The task queue's name for the task that sends e-mail (survey/tasks.py).
MAIL_TASK = "send_mail"
# An incoming X-Request-ID is kept when it looks like an id (a proxy's or a load balancer's).
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# The token in a staff link is a secret that opens a pulse, so it never reaches a log line.
STAFF_LINK = re.compile(r"^/([it])/[^/]+")

request_log = logging.getLogger("survey.request")


def safe_traceback(error: BaseException | None) -> str:
    """Describe an exception and its causes by type and frames only, never by message."""
    lines: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        kind = type(error)
        lines.append(("caused by " if lines else "") + f"{kind.__module__}.{kind.__qualname__}")
        lines.extend(
            f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}'
            for frame in traceback.extract_tb(error.__traceback__)
        )
        error = error.__cause__ or error.__context__
    return "\n".join(lines)


def log_error(logger: logging.Logger, message: str, error: BaseException, **fields: Any) -> None:
    """Log an exception safely: its type and frames as fields, no message, no exc_info."""
    kind = type(error)
    logger.error(
        message,
        extra={
            "error_type": f"{kind.__module__}.{kind.__qualname__}",
            "traceback": safe_traceback(error),
            **fields,
        },
    )


class JsonLines(JsonFormatter):
    """JSON lines whose tracebacks (from any library's logger.exception) carry no messages."""

    def formatException(self, ei: Any) -> str:
        """Format exc_info by types and frames only."""
        return safe_traceback(ei[1])

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        """Put the time first, where a reader's eye starts."""
        return {"time": log_data.pop("time", None), **log_data}


class RequestIdFilter(logging.Filter):
    """Tag each record with the id of the request it was logged in (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `request_id` unless the record already has one."""
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class UntimedMail(logging.Filter):
    """Drop the task queue's "executed in" line of the mail task: messages are paced, so how long
    one run took (or when it ended) counts the reminders sent, the people yet to answer."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but the mail task's finishing line."""
        task = record.args[0] if isinstance(record.args, tuple) and record.args else None
        finished = record.msg == "%s executed in %0.3fs"
        return not (finished and getattr(task, "name", None) == MAIL_TASK)


class StderrHandler(logging.StreamHandler):
    """Write to whatever sys.stderr is when a record arrives (so captured output sees it)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:  # type: ignore[override]
        """Return the current standard error."""
        return sys.stderr


def configure() -> None:
    """Send our loggers' records to stderr as JSON lines, once per process."""
    handler = StderrHandler()
    handler.set_name(HANDLER)
    handler.setFormatter(
        JsonLines(
            "{levelname}{name}{message}",
            style="{",
            timestamp="time",
            rename_fields={"levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    huey = logging.getLogger("huey")
    if not any(isinstance(f, UntimedMail) for f in huey.filters):
        # On the logger, not the handler, so no handler anyone adds sees the line either.
        huey.addFilter(UntimedMail())
    for name, level in LOGGED.items():
        logger = logging.getLogger(name)
        if not any(h.get_name() == HANDLER for h in logger.handlers):
            logger.addHandler(handler)
        if logger.level == logging.NOTSET:
            logger.setLevel(level)


def request_id() -> str:
    """Return the current request's id ("" outside a request)."""
    return g.get("request_id", "") if has_request_context() else ""


def safe_path(path: str) -> str:
    """Return a path fit for a log line: a staff link's token replaced by an ellipsis."""
    return STAFF_LINK.sub(r"/\1/…", path)


def _begin_request() -> None:
    """Give the request its id (a sane incoming X-Request-ID, or a new one) and start its clock."""
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _end_request(response: Response) -> Response:
    """Send the request id back and log one line: method, safe path, status and duration."""
    started = g.get("request_started")
    response.headers["X-Request-ID"] = request_id()
    request_log.info(
        "%s %s %s",
        request.method,
        safe_path(request.path),
        response.status_code,
        extra={
            "method": request.method,
            "path": safe_path(request.path),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        },
    )
    return response


def init_app(app: Flask) -> None:
    """Configure JSON logging and tag every request with an id, before any other hook runs."""
    configure()
    app.before_request_funcs.setdefault(None, []).insert(0, _begin_request)
    app.after_request(_end_request)
    app.add_template_global(request_id)
