"""A small asyncio HTTP/1.1 load generator: one connection per request, as gunicorn sync serves."""

from __future__ import annotations

import asyncio
import gzip
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import brotli

COOKIE = re.compile(rb"^Set-Cookie: ([^;]+)", re.I | re.M)
LOCATION = re.compile(rb"^Location: (\S+)", re.I | re.M)
ENCODING = re.compile(rb"^Content-Encoding: (\S+)", re.I | re.M)
# What Chromium sends: the server picks brotli from it.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"


@dataclass
class Reply:
    """Status, raw head and body of one response."""

    status: int
    head: bytes
    body: bytes

    def content(self) -> bytes:
        """Return the body decompressed; only on demand, as a browser's work is not the server's."""
        encoding = ENCODING.search(self.head)
        if encoding is None:
            return self.body
        if encoding.group(1) == b"br":
            return brotli.decompress(self.body)
        if encoding.group(1) == b"gzip":
            return gzip.decompress(self.body)
        raise ValueError(f"unexpected Content-Encoding {encoding.group(1)!r}")


@dataclass
class Stats:
    """Latencies and outcomes of one phase."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    completed: int = 0
    started: float = 0.0
    ended: float = 0.0

    def record(self, seconds: float, ok: bool) -> None:
        """Count one request."""
        self.latencies.append(seconds)
        self.errors += not ok

    @property
    def elapsed(self) -> float:
        """Return the phase's wall time."""
        return self.ended - self.started

    @property
    def rate(self) -> float:
        """Return requests per second."""
        return len(self.latencies) / self.elapsed

    def percentile(self, p: float) -> float:
        """Return the p-th latency percentile in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


class Client:
    """Sends requests to one host and port, keeping one cookie jar per virtual user."""

    def __init__(self, host: str, port: int, accept_encoding: str | None = None) -> None:
        """Remember the server and the encodings to accept (none: uncompressed replies)."""
        self.host, self.port = host, port
        self.accept_encoding = accept_encoding
        self.cookies: dict[str, bytes] = {}

    async def send(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Send one request and read the whole response."""
        body = urlencode(form or {}, doseq=True).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close"]
        if self.accept_encoding:
            lines.append(f"Accept-Encoding: {self.accept_encoding}")
        if self.cookies:
            lines.append("Cookie: " + "; ".join(v.decode() for v in self.cookies.values()))
        if form is not None:
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        data = await reader.read(-1)
        writer.close()
        head, _, rest = data.partition(b"\r\n\r\n")
        for cookie in COOKIE.findall(head):
            self.cookies[cookie.split(b"=", 1)[0].decode()] = cookie
        return Reply(int(head[9:12]), head, rest)


async def timed(stats: Stats, call, ok_statuses: tuple[int, ...]) -> Reply | None:
    """Run one request, recording its latency; return the reply, or None on failure."""
    begin = time.perf_counter()
    try:
        reply = await call()
    except OSError:
        stats.record(time.perf_counter() - begin, ok=False)
        return None
    ok = reply.status in ok_statuses
    stats.record(time.perf_counter() - begin, ok=ok)
    return reply if ok else None
