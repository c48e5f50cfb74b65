"""Results on a phone, a desktop and paper: no sideways scroll, a readable heatmap and charts."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from survey.extensions import db
from survey.models import Wave
from tests.browser.conftest import axe_violations, sign_in_browser
from tests.helpers import unit_id
from tests.test_insights import SCREENS

pytestmark = pytest.mark.browser
ADMIN = "admin@test.org"
WIDTHS = (320, 375, 1280)
# Scrolled sideways by more than this, a page is wider than the screen (not a rounding error).
SLACK = 1


@pytest.fixture
def admin_page(app: Flask, demo: None, page: Page, live_url: str) -> Page:
    """The demo organisation, and its admin signed in."""
    return sign_in_browser(app, page, live_url, ADMIN)


def admin_urls(app: Flask) -> list[str]:
    """Return every admin page without parameters, and a wave's page."""
    urls = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        and "GET" in (rule.methods or ())
        and not rule.arguments
    )
    with app.app_context():
        wave = db.session.scalars(select(Wave.id).order_by(Wave.id)).first()
    return [*urls, f"/admin/waves/{wave}"]


def overflow(page: Page) -> int:
    """Return how far the page itself scrolls sideways, in CSS pixels."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def widest(page: Page) -> list[str]:
    """Name the elements that stick out past the right of the screen (for a failure message)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
             .filter(e => !e.parentElement.closest('.app-table-scroll, .govuk-table'))
             .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' +
                              Math.round(e.getBoundingClientRect().right))"""
    )


def html_pages(page: Page, live_url: str, paths: list[str]) -> list[str]:
    """Return the paths that answer with an HTML page (not a download)."""
    return [
        path
        for path in paths
        if "text/html" in page.request.get(live_url + path).headers.get("content-type", "")
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(app: Flask, admin_page: Page, live_url: str, width: int) -> None:
    page = admin_page
    page.set_viewport_size({"width": width, "height": 800})
    paths = html_pages(page, live_url, [*SCREENS, *admin_urls(app)])
    assert len(paths) >= len(SCREENS) + 12
    wide, cut = {}, {}
    for path in paths:
        page.goto(live_url + path)
        if overflow(page) > SLACK:
            wide[path] = widest(page)
        # A table scrolls sideways on a phone; its caption's words wrap on the screen, never
        # run on under its edge.
        captions = page.evaluate(
            """() => [...document.querySelectorAll('.govuk-table__caption')]
                 .filter(c => c.offsetParent)
                 .filter(c => {
                   const words = document.createRange();
                   words.selectNodeContents(c);
                   return words.getBoundingClientRect().right > window.innerWidth + 1;
                 })
                 .map(c => c.textContent.trim().slice(0, 40))"""
        )
        if captions:
            cut[path] = captions
    assert wide == {}
    assert cut == {}


@pytest.mark.parametrize("width", [375, 1280])
def test_heatmap_scrolls_in_its_region_to_the_last_measure(
    admin_page: Page, live_url: str, width: int
) -> None:
    page = admin_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_url}/insights/heatmap")
    region = page.get_by_role("region", name="Heatmap: scroll sideways for every measure")
    assert region.get_attribute("tabindex") == "0"
    last = page.locator(".app-heatmap thead th").last
    expect(last).to_have_text("Communication")
    # The keyboard scrolls the region to its far end (the scroll is smooth, so wait for it).
    region.focus()
    for _ in range(40):
        page.keyboard.press("ArrowRight")
    region.evaluate(
        """r => new Promise(done => { const check = () =>
             r.scrollLeft + r.clientWidth >= r.scrollWidth - 1 ? done() : setTimeout(check, 50);
           check(); })"""
    )
    box, frame = last.bounding_box(), region.bounding_box()
    assert box
    assert frame
    # Scroll positions are whole pixels while cell widths are not: allow the 1 px the wait allows.
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 2
    # The unit names stay in view while the measures scroll under them.
    unit = page.locator(".app-heatmap tbody th").first.bounding_box()
    assert unit
    assert unit["x"] >= frame["x"] - 1
    assert overflow(page) <= SLACK
    expect(page.locator(".app-heat-key")).to_be_visible()
    expect(page.locator(".app-heat-key .app-heat")).to_have_count(5)


@pytest.mark.parametrize("width", [375, 1280])
def test_chart_text_is_at_least_14px_as_drawn(admin_page: Page, live_url: str, width: int) -> None:
    page = admin_page
    page.set_viewport_size({"width": width, "height": 800})
    sizes = []
    for path in ("/insights/", "/insights/trends"):
        page.goto(live_url + path)
        sizes += page.evaluate(
            """() => [...document.querySelectorAll('#results svg text')].map(t => {
                 const svg = t.ownerSVGElement;
                 const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                 return parseFloat(getComputedStyle(t).fontSize) * scale;
               })"""
        )
    assert len(sizes) > 10
    assert min(sizes) >= 14


def test_trends_compares_five_units_in_small_multiples_with_a_matching_key(
    app: Flask, admin_page: Page, live_url: str
) -> None:
    page = admin_page
    names = ("Customer Services", "Contact Centre", "Environment", "Waste and Recycling")
    names = (*names, "Reablement")
    units = [unit_id(app, name) for name in names]
    query = "&".join([f"unit={units[0]}", *(f"compare={u}" for u in units[1:])])
    page.goto(f"{live_url}/insights/trends?measure=knowledge&{query}")
    expect(page.locator("#results svg.app-chart")).to_have_count(5)
    expect(page.locator("#results table")).to_have_count(5)
    # The key's line is drawn with the charts' own style: same stroke, same dashes.
    style = """e => { const s = getComputedStyle(e);
                      return [s.stroke, s.strokeDasharray, s.strokeWidth].join(' '); }"""
    key_line = page.locator(".app-chart-key .app-chart__line").evaluate(style)
    lines = page.locator("svg.app-chart .app-chart__line").evaluate_all(f"els => els.map({style})")
    assert set(lines) == {key_line}
    assert axe_violations(page) == []


def test_printed_heatmap_keeps_every_column_the_shading_and_no_link_addresses(
    admin_page: Page, live_url: str
) -> None:
    page = admin_page
    page.set_viewport_size({"width": 800, "height": 1000})
    page.goto(f"{live_url}/insights/heatmap")
    page.emulate_media(media="print")
    table = page.locator(".app-heatmap")
    box = table.bounding_box()
    assert box
    assert box["x"] + box["width"] <= 800
    for header in page.locator(".app-heatmap thead th").all():
        expect(header).to_be_visible()
        cell = header.bounding_box()
        assert cell
        assert cell["x"] + cell["width"] <= 800
    shading = page.locator(".app-heat").first.evaluate("e => getComputedStyle(e).printColorAdjust")
    assert shading == "exact"
    expect(page.locator(".app-heat-key")).to_be_visible()
    after = page.evaluate(
        """() => [...document.querySelectorAll('a[href]')]
             .map(a => getComputedStyle(a, '::after').content)
             .filter(c => c && c !== 'none' && c !== 'normal')"""
    )
    assert after == []


def test_focus_moves_to_the_results_after_a_drill_down(admin_page: Page, live_url: str) -> None:
    page = admin_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_url}/insights/heatmap")
    link = page.locator("a.app-drill").first
    name = link.inner_text()
    link.click()
    expect(page.locator("#results caption")).to_contain_text(f"{name} and the units")
    expect(page.locator("#results")).to_be_focused()


@pytest.mark.parametrize("width", [320, 1280])
def test_changed_screens_have_no_axe_violations(
    admin_page: Page, live_url: str, width: int
) -> None:
    page = admin_page
    page.set_viewport_size({"width": width, "height": 800})
    found = {}
    for path in ("/insights/", "/insights/heatmap", "/insights/trends", "/admin/"):
        page.goto(live_url + path)
        found[path] = axe_violations(page)
    assert found == {path: [] for path in found}
