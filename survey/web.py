"""Request helpers shared by every blueprint: htmx detection, redirects, security headers, and
the input every request is checked for (unreadable text, ids in URLs and query strings)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Response, abort, current_app, redirect, render_template, request
from werkzeug.routing import BaseConverter, ValidationError

from survey.numbers import MAX_ID, parse_id, parse_int

# A NUL ends a string in C and PostgreSQL refuses it; a lone surrogate cannot be encoded. Neither
# is ever part of text a person means to send, so no request carrying one gets further.
UNREADABLE = re.compile("[\x00\ud800-\udfff]")
UNREADABLE_TEXT = (
    "{where} contains a character that text cannot have (a NUL byte, \\0, or half of a "
    "character pair). Remove it and try again."
)


def wants_fragment() -> bool:
    """Return whether to answer with a fragment: an htmx request, not boosted, not a restore."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def see_other(location: str) -> Response:
    """Redirect after a POST: a 303 for a browser, a full-page HX-Redirect for htmx."""
    if request.headers.get("HX-Request") == "true":
        response = current_app.response_class(status=200)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response: Response) -> Response:
    """Set the headers every response carries: CSP, no sniffing, no framing, no referrer."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Survey URLs carry tokens; sending no Referer anywhere means none can leak.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.mimetype == "text/html":
        # Any HTML URL may answer htmx with a fragment, so caches must key on the header.
        response.vary.add("HX-Request")
    return response


def staff_link(prefix: str, token: str) -> str:
    """Return the full address of a staff link, on the configured base URL (never on Host)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    # The URL map alone, so it works outside a request too (the demo command prints links).
    path = current_app.url_map.bind("").build("respond.pulse", {"prefix": prefix, "token": token})
    return base + path


def no_store(response: Response) -> Response:
    """Keep a page out of caches and the back-forward history (HR pages, and pulse pages that
    hold someone's answers on a shared device)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register the response hooks and the template helpers on the app."""
    app.after_request(add_security_headers)
    app.add_template_global(staff_link)


def page_or_fragment(page: str, fragment: str, status: int = 200, **context: object) -> Response:
    """Render the full page, or only its fragment for an htmx request; the one place that picks."""
    template = fragment if wants_fragment() else page
    return current_app.response_class(render_template(template, **context), status=status)


def changed(fragment: str, back_to: str, **context: object) -> Response:
    """Answer a successful change: htmx swaps in the updated fragment; a page load redirects."""
    if wants_fragment():
        return current_app.response_class(render_template(fragment, **context))
    return redirect(back_to, code=303)


class IdConverter(BaseConverter):
    """URL part for an id: canonical ASCII digits from 1 to MAX_ID; anything else is a 404."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        """Return the id, or refuse the match (so the URL is a 404)."""
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        """Return the id as URL text."""
        return str(int(value))


def _texts(value: Any) -> Iterator[str]:
    """Yield every string in a JSON value (keys too), without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _shown(name: str) -> str:
    """Return a field name as it can be shown in a message."""
    return UNREADABLE.sub("\ufffd", name)[:40]


def _check_pairs(pairs: Iterable[tuple[str, Any]]) -> None:
    """Abort with 400 naming the first field whose name or text is unreadable."""
    for name, value in pairs:
        texts = [name, value] if isinstance(value, str) else [name, value.filename or ""]
        if any(UNREADABLE.search(text) for text in texts):
            abort(400, UNREADABLE_TEXT.format(where=f"\u201c{_shown(name)}\u201d"))


def refuse_unreadable_text() -> None:
    """Refuse, with a clear 400, any request whose address, query, form or JSON has a NUL
    or a lone surrogate: the one check, before any view, form or log line sees the text."""
    if UNREADABLE.search(request.path):
        abort(400, UNREADABLE_TEXT.format(where="The address"))
    _check_pairs(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        _check_pairs(request.form.items(multi=True))
        _check_pairs(request.files.items(multi=True))
        if request.is_json:
            try:
                data = request.get_json(silent=True)
            except RecursionError:  # the parser recurses, and `silent` covers only ValueError
                abort(400, "The data sent is nested too deeply to read.")
            if any(UNREADABLE.search(text) for text in _texts(data)):
                abort(400, UNREADABLE_TEXT.format(where="The data sent"))


def id_arg(name: str, default: int | None = None) -> int | None:
    """Return query argument `name` as an id (`default` when absent); a malformed one is a 404."""
    raw = request.args.get(name)
    if raw is None:
        return default
    number = parse_id(raw)
    if number is None:
        abort(404)
    return number


def id_args(name: str) -> list[int]:
    """Return every value of a repeated query argument as ids; a malformed one is a 404."""
    numbers = [parse_id(raw) for raw in request.args.getlist(name)]
    if None in numbers:
        abort(404)
    return [n for n in numbers if n is not None]


def page_arg() -> int:
    """Return the `page` query argument (default 1); anything but a whole number is a 400."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    number = parse_int(raw, 1, MAX_ID)
    if number is None:
        abort(400, f"The page must be a whole number from 1 to {MAX_ID:,}.")
    return number
