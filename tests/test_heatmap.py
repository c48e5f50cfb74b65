"""The heatmap's colours, marks and changes: contrasts computed, the barrier's precision."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from flask import Flask

from survey import aggregation as agg
from survey.services import heatmap
from tests.helpers import signed_in, unit_id

CSS = Path(__file__).parent.parent / "static" / "css" / "app.css"


def luminance(colour: str) -> float:
    """Return a colour's relative luminance (WCAG 2)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two colours."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_five_steps_each_apart_from_the_next_and_text_readable_on_each() -> None:
    assert len(heatmap.HEAT_COLOURS) == len(heatmap.key()) == 5
    for shade, text in zip(heatmap.HEAT_COLOURS, heatmap.HEAT_TEXT, strict=True):
        assert contrast(shade, text) >= 4.5  # WCAG AA for text
    for low, high in pairwise(heatmap.HEAT_COLOURS):
        assert contrast(low, high) >= 3  # non-text contrast between neighbouring steps


def test_barrier_ring_stands_out_on_every_step_a_barrier_can_have() -> None:
    barrier_steps = [k.step for k in heatmap.key() if k.low < agg.BARRIER_AT]
    for step in barrier_steps:
        shade = heatmap.HEAT_COLOURS[step]
        assert max(contrast(shade, ring) for ring in heatmap.BARRIER_RING) >= 3


def test_stylesheet_draws_the_colours_the_tests_check() -> None:
    css = CSS.read_text()
    for step, (shade, text) in enumerate(zip(heatmap.HEAT_COLOURS, heatmap.HEAT_TEXT, strict=True)):
        rule = re.search(rf"\.app-heat--{step} \{{ background: (#\w+); color: (#\w+); \}}", css)
        assert rule
        assert rule.groups() == (shade, text)


@pytest.mark.parametrize(
    ("mean", "text", "step"),
    [(1.0, "1.0", 0), (2.96, "3.0", 2), (3.0, "3.0", 2), (3.04, "3.04", 2), (4.9, "4.9", 4)],
)
def test_a_cell_reading_3_0_is_always_at_or_below_the_barrier_line(
    mean: float, text: str, step: int
) -> None:
    cell = heatmap.Cell(heatmap.mean_text(mean), heatmap.heat_step(mean))
    assert (cell.text, cell.step) == (text, step)
    assert (float(cell.text) <= agg.BARRIER_AT) == (mean <= agg.BARRIER_AT)


@pytest.mark.parametrize("pair", [(2.56, 2.64), (1.75, 1.84), (4.15, 4.24)])
def test_cells_that_read_the_same_are_shaded_the_same(pair: tuple[float, float]) -> None:
    # A hidden decimal once put two cells reading 2.6 on either side of a band's edge.
    texts = {heatmap.mean_text(mean) for mean in pair}
    steps = {heatmap.heat_step(mean) for mean in pair}
    assert len(texts) == len(steps) == 1
    shown, step = float(texts.pop()), steps.pop()
    band = next(b for b in heatmap.key() if b.step == step)
    assert band.low <= shown <= band.high  # and the key says so, with no shared edges


def test_the_keys_bands_meet_without_sharing_an_edge() -> None:
    bands = heatmap.key()
    assert [(b.low, b.high) for b in bands] == [
        (1.0, 1.8),
        (1.9, 2.6),
        (2.7, 3.4),
        (3.5, 4.2),
        (4.3, 5.0),
    ]


def test_heatmap_marks_significant_changes_only_and_draws_the_key(app: Flask, demo: None) -> None:
    client = signed_in(app, "analyst@test.org")
    html = client.get("/insights/heatmap").get_data(as_text=True)
    results = html[html.index('<div id="results"') :]
    assert 'role="region" aria-label="Heatmap: scroll sideways for every measure" tabindex="0"' in (
        results
    )
    assert results.count("app-heat-key__swatch app-heat app-heat--") == 5
    # Each arrow says in words that the change is significant, and since which wave.
    hidden = '<span class="govuk-visually-hidden"> points since '
    arrows = re.findall(r"[▲▼]</span>[+-]\d+" + re.escape(hidden) + r"(\w+)", html)
    assert arrows
    assert set(arrows) <= {"September"}
    below = unit_id(app, "Customer Services")
    assert client.get(f"/insights/heatmap?unit={below}").status_code == 200
