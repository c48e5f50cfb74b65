"""Static files under content-hashed names with a year's caching, and compressed responses.

Every template links static files through `static_url(path)` (or `url_for('static', ...)`, which
is rewritten the same way), so a page always names the exact bytes it was built with: the file
can then be cached for a year, and a changed file gets a new name. HTML stays uncached.
"""

from __future__ import annotations

import hashlib
from mimetypes import guess_type
from pathlib import Path, PurePosixPath
from typing import Any

from flask import Flask, Request, Response, abort, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_compress import Compress
from werkzeug.security import safe_join

# Hashed names never change meaning, so browsers and proxies may keep them for a year unasked.
IMMUTABLE = "public, max-age=31536000, immutable"
# An un-hashed name (an old bookmark, a tool) still works but is re-checked on every use.
REVALIDATE = "no-cache"
DIGEST_CHARS = 12
# Stylesheets sent as one file, so a first visit costs one request for them, not two.
BUNDLES = {"css/site.css": ("vendor/govuk-frontend.min.css", "css/app.css")}

compress = Compress()


class Manifest:
    """Map each file under a folder to its content-hashed name, and back."""

    def __init__(self, folder: Path) -> None:
        """Hash every file under `folder` once, at start-up."""
        self.folder = folder
        self.hashed: dict[str, str] = {}
        self.original: dict[str, str] = {}
        files = {
            file.relative_to(folder).as_posix(): file.read_bytes()
            for file in sorted(p for p in folder.rglob("*") if p.is_file())
        }
        self.bundles = {
            name: b"\n".join(files[part] for part in parts)
            for name, parts in BUNDLES.items()
            if all(part in files for part in parts)
        }
        for name, data in {**files, **self.bundles}.items():
            digest = hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]
            self.hashed[name] = hashed_name(name, digest)
            self.original[self.hashed[name]] = name

    def read(self, name: str) -> bytes | None:
        """Return the bytes of a static file or bundle by its plain name, if it exists."""
        if name in self.bundles:
            return self.bundles[name]
        file = safe_join(str(self.folder), name)
        return Path(file).read_bytes() if file and Path(file).is_file() else None

    def url_name(self, name: str) -> str:
        """Return the hashed name of a static file; a name not in the folder is left as it is."""
        return self.hashed.get(name, name)


def hashed_name(name: str, digest: str) -> str:
    """Return `css/app.css` as `css/app.<digest>.css` (a name without a suffix gets it last)."""
    path = PurePosixPath(name)
    if not path.suffix:
        return f"{name}.{digest}"
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def manifest() -> Manifest:
    """Return the app's manifest, rebuilt on each call in debug mode so edits show at once."""
    app = current_app
    if app.debug:
        return Manifest(Path(app.static_folder or ""))
    return app.extensions["static_manifest"]


def add_hashed_name(endpoint: str, values: dict[str, Any]) -> None:
    """Give every URL built for the static endpoint its file's hashed name."""
    if endpoint == "static" and "filename" in values:
        values["filename"] = manifest().url_name(values["filename"])


def static_url(path: str) -> str:
    """Return the URL of a static file under its content-hashed name."""
    return url_for("static", filename=path)


def serve_static(filename: str) -> Response:
    """Serve a static file: under its hashed name for a year, under its plain name re-checked."""
    files = manifest()
    original = files.original.get(filename)
    if original is None and filename not in files.hashed:
        abort(404)
    name = original or filename
    # Held in memory rather than streamed, so compression runs once per file (cached) and not
    # chunk by chunk on every request; no byte ranges, which would compress only part of a file.
    data = files.read(name)
    if data is None:
        abort(404)
    response = current_app.response_class(data, mimetype=guess_type(name)[0] or "text/plain")
    response.set_etag(hashlib.sha256(data).hexdigest()[:DIGEST_CHARS])
    response.make_conditional(request, accept_ranges=False)
    response.headers["Cache-Control"] = IMMUTABLE if original else REVALIDATE
    return response


class StaticCompressionCache:
    """Keep the compressed bytes of each static file (a fixed set), so each is compressed once."""

    def __init__(self) -> None:
        """Start empty."""
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        """Return the compressed bytes kept under `key`, if any."""
        return self.data.get(key)

    def set(self, key: str, value: bytes) -> None:
        """Keep the bytes if the key names a static file; pages differ on every request."""
        # Flask-Compress keys are "<encoding>;<our key>", and our key is empty for pages.
        if not key.endswith(";"):
            self.data[key] = value


def compression_cache_key(req: Request) -> str:
    """Return the static file's path as the cache key, or nothing for any other response."""
    return req.path if req.endpoint == "static" else ""


class SessionsBesideStaticFiles(SecureCookieSessionInterface):
    """The usual signed-cookie sessions, left alone by static files, which never use one."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Save the session, except on a static file: there saving would add `Vary: Cookie`
        (an after-request hook reads the session), and a cached stylesheet would then be asked
        for again whenever the session cookie changes."""
        if request.endpoint != "static":
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Build the manifest, serve hashed names, and compress responses the browser accepts."""
    app.extensions["static_manifest"] = Manifest(Path(app.static_folder or ""))
    app.url_defaults(add_hashed_name)
    app.view_functions["static"] = serve_static
    app.session_interface = SessionsBesideStaticFiles()
    app.add_template_global(static_url)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # A 256 KB window holds the largest static file whole (same output as the default 4 MB) and
    # takes about a third less time to set up on every small card fragment.
    app.config.setdefault("COMPRESS_BR_WINDOW", 18)
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",  # what Python 3.11 calls .js files
            "application/json",
            "text/csv",
            "text/plain",
        ],
    )
    if not app.debug:  # in debug mode files change under their plain names
        app.config.setdefault("COMPRESS_CACHE_BACKEND", StaticCompressionCache)
        app.config.setdefault("COMPRESS_CACHE_KEY", compression_cache_key)
    compress.init_app(app)
