"""Page weight of the staff pulse as a phone on a fresh visit would see it: bytes and requests.

Serves the app on a local port (a fresh SQLite database, one open wave), opens a team link in
Debian's headless Chromium through Playwright with an empty cache, and reads every request's
transferred size (headers and body, as sent on the wire) from Chrome DevTools Protocol network
events: first the landing page with everything it loads, then each card in turn. Runs once with
compression and once without.

    .venv/bin/python -m bench.page_weight [--cards 5]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, CDPSession, Page, sync_playwright
from werkzeug.serving import make_server

from bench.databases import database_url
from bench.respond_load import prepare
from survey import create_app
from tests.browser.conftest import ARGS, CHROMIUM

FIRST_LOAD_MAX_BYTES = 50 * 1024
FIRST_LOAD_MAX_REQUESTS = 4
CARD_MAX_BYTES = 3 * 1024


@dataclass
class Traffic:
    """Requests seen since the last reset, with the bytes each transferred."""

    sizes: dict[str, float] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        """Return how many requests went to the server: one from the browser's cache moves
        no bytes."""
        return sum(1 for size in self.sizes.values() if size > 0)

    @property
    def transferred(self) -> int:
        """Return the bytes transferred by every finished request, headers included."""
        return int(sum(self.sizes.values()))


class Meter:
    """Count a page's network traffic from DevTools Protocol events."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        """Listen to the page's network events."""
        self.traffic = Traffic()
        self.session: CDPSession = context.new_cdp_session(page)
        self.session.on("Network.requestWillBeSent", self._sent)
        self.session.on("Network.loadingFinished", self._finished)
        self.session.send("Network.enable")

    def _sent(self, event: dict) -> None:
        """Remember which URL a request is for."""
        self.traffic.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict) -> None:
        """Record a finished request's size on the wire."""
        self.traffic.sizes[event["requestId"]] = event["encodedDataLength"]

    def measure(self, page: Page, action: Callable[[], None]) -> Traffic:
        """Run `action` and return the traffic it caused, once every request it made is done."""
        self.traffic = traffic = Traffic()
        action()
        # DevTools events arrive after the page has what it needs: wait for each to be counted.
        for _ in range(100):
            if traffic.urls and traffic.urls.keys() <= traffic.sizes.keys():
                break
            page.wait_for_timeout(20)
        self.traffic = Traffic()
        return traffic


def open_pulse(page: Page, url: str) -> None:
    """Load a pulse link and wait until everything it loads has arrived."""
    page.goto(url, wait_until="networkidle")


def next_card(page: Page) -> None:
    """Answer the card on screen with its first option (or a short comment) and continue."""
    start = page.locator("button[value=start]")
    if start.count():
        button = start
    else:
        choice = page.locator("main input[type=radio], main input[type=checkbox]")
        if choice.count():
            choice.first.check()
        else:
            page.locator("main textarea").first.fill("Keep the briefings short.")
        button = page.locator("button[value=next]")
    with page.expect_response(lambda r: r.request.method == "POST"):
        button.click()
    page.wait_for_load_state("networkidle")


def walk(context: BrowserContext, url: str, cards: int) -> tuple[Traffic, list[Traffic]]:
    """Return the traffic of the first load of `url`, then of each of `cards` cards."""
    page = context.new_page()
    meter = Meter(context, page)
    first = meter.measure(page, lambda: open_pulse(page, url))
    later = [meter.measure(page, lambda: next_card(page)) for _ in range(cards)]
    page.close()
    return first, later


@contextmanager
def serving(compressed: bool, folder: Path) -> Iterator[tuple[str, str]]:
    """Serve the app on a free local port; yield its base URL and a team link's path."""
    url = database_url("sqlite", folder)
    links, _ = prepare(url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "COMPRESS_REGISTER": compressed}
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", f"/t/{links[0]}"
    finally:
        server.shutdown()
        thread.join()


def checks(first: Traffic, later: list[Traffic]) -> dict[str, bool]:
    """Return each target with whether it was met."""
    return {
        f"first load <= {FIRST_LOAD_MAX_BYTES // 1024} KB": first.transferred
        <= FIRST_LOAD_MAX_BYTES,
        f"first load <= {FIRST_LOAD_MAX_REQUESTS} requests": first.requests
        <= FIRST_LOAD_MAX_REQUESTS,
        f"each later card <= {CARD_MAX_BYTES // 1024} KB": max(t.transferred for t in later)
        <= CARD_MAX_BYTES,
    }


def report(label: str, first: Traffic, later: list[Traffic]) -> bool:
    """Print the figures of one run against the targets; return whether all were met."""
    print(f"\n== {label} ==")
    print(f"first load: {first.transferred:,} bytes in {first.requests} requests")
    for request_id, size in sorted(first.sizes.items(), key=lambda item: -item[1]):
        print(f"  {int(size):>8,}  {first.urls.get(request_id, '?').split('/', 3)[-1]}")
    for number, card in enumerate(later, 1):
        print(f"card {number}: {card.transferred:,} bytes in {card.requests} requests")
    results = checks(first, later)
    for name, ok in results.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {name}")
    return all(results.values())


def main() -> None:
    """Measure with and without compression and print both against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5)
    args = parser.parse_args()
    met = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for compressed in (True, False):
            label = "compressed (brotli/gzip)" if compressed else "uncompressed"
            with (
                tempfile.TemporaryDirectory() as folder,
                serving(compressed, Path(folder)) as (
                    base,
                    path,
                ),
            ):
                context = browser.new_context(viewport={"width": 375, "height": 667})
                met[label] = report(label, *walk(context, base + path, args.cards))
                context.close()
        browser.close()
    print("\nall targets met (compressed)" if met["compressed (brotli/gzip)"] else "\nMISSED")


if __name__ == "__main__":
    main()
