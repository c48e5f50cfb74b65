"""Comments as insights show them: only for groups with enough respondents, in shuffled order.

A group's comments show only where its figures may show, at least the wave's comment threshold
responded and at least the anonymity threshold commented; the same suppression as the figures
runs on both counts (`insights.Release.comments`), so no group's comments can be had by
subtracting others. `shows_comments` decides for the screens and the raw export alike. Only a
released wave has comments (they are tallied at release), read in a stored random order that
says nothing of when each was written; each is dated by its wave's end alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from survey import aggregation as agg
from survey.aggregation.comments import DEFAULT_THEMES, TONES, Themes, tone
from survey.extensions import db
from survey.models import Answer, CommentNote, Wave
from survey.paging import Page, page_of
from survey.services.insights import WaveView

PER_PAGE = 20


def lexicon() -> Themes:
    """Return the deployment's theme lexicon, or the built-in one."""
    return Themes(current_app.config["COMMENT_THEMES"] or DEFAULT_THEMES)


@dataclass(frozen=True)
class Comment:
    """One comment as shown: its words, tone and themes, and when its wave ended."""

    text: str
    tone: str
    themes: frozenset[str]
    wave_end: datetime


@dataclass(frozen=True)
class WaveThemes:
    """How a group's comments in one wave split by theme and tone (None: not shown)."""

    wave: Wave
    total: int | None
    themes: dict[str, float]
    tones: dict[str, float]


@dataclass(frozen=True)
class Listing:
    """The comments screen: is the group shown, one page of its comments, and their trend."""

    shown: bool
    page: Page
    trend: list[WaveThemes]


def shows_comments(view: WaveView, unit: int) -> bool:
    """Return whether a unit's comments may be shown in a wave under the rules."""
    return view.released and unit in view.visible and unit in view.release.comments


def _comments(view: WaveView, unit: int, themes: Themes) -> list[Comment]:
    """Return the released comments of a unit and the units below it, in shuffled order."""
    below = [u for u in view.tree if unit in agg.ancestors(u, view.tree)]
    rows = db.session.execute(
        select(Answer.text, CommentNote.sentiment)
        .join(Answer, Answer.id == CommentNote.answer_id)
        .where(CommentNote.wave_id == view.wave.id, CommentNote.unit_id.in_(below))
        .order_by(CommentNote.shuffle, CommentNote.answer_id)
    ).all()
    return [
        Comment(text, tone(score), frozenset(themes.of(text)), view.wave.closes_at)
        for text, score in rows
    ]


def _split(wave: Wave, found: list[Comment] | None, themes: Themes) -> WaveThemes:
    """Return the theme and tone shares of one wave's comments (None: not shown)."""
    if found is None:
        return WaveThemes(wave, None, {}, {})
    total = len(found)
    by_theme = Counter(theme for comment in found for theme in comment.themes)
    by_tone = Counter(comment.tone for comment in found)
    return WaveThemes(
        wave,
        total,
        {theme: by_theme[theme] / total if total else 0.0 for theme in themes.patterns},
        {name: by_tone[name] / total if total else 0.0 for name in TONES},
    )


def listing(
    views: list[WaveView], unit: int, themes: Themes, theme: str, tone_: str, number: int
) -> Listing:
    """Return a page of the latest wave's comments matching the filters, and the trend."""
    # Each wave's comments are read once: for its trend row, and (the latest) for the list.
    found = [_comments(v, unit, themes) if shows_comments(v, unit) else None for v in views]
    latest = found[-1]
    matching = [
        comment
        for comment in latest or []
        if (not theme or theme in comment.themes) and (not tone_ or comment.tone == tone_)
    ]
    return Listing(
        latest is not None,
        page_of(matching, number, PER_PAGE),
        [_split(view.wave, each, themes) for view, each in zip(views, found, strict=True)],
    )
