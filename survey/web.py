"""Request helpers shared by every blueprint: htmx detection, redirects, security headers."""

from __future__ import annotations

from flask import Flask, Response, current_app, redirect, render_template, request


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
    # Only the path is built, so no server name is needed: this works in the CLI too.
    adapter = current_app.url_map.bind("")
    return base + adapter.build("respond.pulse", {"prefix": prefix, "token": token})


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
