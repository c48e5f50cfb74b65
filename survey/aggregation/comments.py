"""Comments: the tone of each (VADER, a lexicon that ships with its library) and its themes.

Themes come from a plain lexicon of words and phrases per theme, which a deployment can replace
(`COMMENT_THEMES`), so a council can add the words its own staff use. A word ending in `*` also
matches anything starting with it ("cut*" finds "cuts" and "cutting").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# VADER's own suggested cut-offs on its compound score.
POSITIVE_FROM = 0.05
NEGATIVE_UP_TO = -0.05
TONES = ("positive", "neutral", "negative")

DEFAULT_THEMES: dict[str, tuple[str, ...]] = {
    "cost_cutting": (
        "cost cutting",
        "cut*",
        "saving*",
        "budget*",
        "austerity",
        "money",
        "cheap*",
        "efficienc*",
    ),
    "communication": (
        "communicat*",
        "told",
        "tell us",
        "inform*",
        "explain*",
        "listen*",
        "jargon",
        "message*",
        "update*",
    ),
    "workload": (
        "workload",
        "busy",
        "stress*",
        "overwork*",
        "pressure",
        "capacity",
        "too much",
        "no time",
        "overtime",
        "burnout",
        "exhaust*",
    ),
    "residents": ("resident*", "customer*", "public", "communit*", "citizen*", "service user*"),
    "leadership": (
        "leader*",
        "manag*",
        "senior*",
        "director*",
        "executive*",
        "chief*",
        "boss*",
    ),
    "jobs": (
        "job*",
        "redundan*",
        "restructur*",
        "role*",
        "posts",
        "headcount",
        "outsourc*",
        "losing staff",
    ),
}
THEME_NAMES = {
    "cost_cutting": "Cost cutting",
    "communication": "Communication",
    "workload": "Workload",
    "residents": "Residents and customers",
    "leadership": "Leadership",
    "jobs": "Jobs",
}


@cache
def _analyser() -> SentimentIntensityAnalyzer:
    """Load VADER's lexicon once per process."""
    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """Return VADER's compound score of a comment, from -1 (negative) to 1 (positive)."""
    return float(_analyser().polarity_scores(text)["compound"])


def tone(score: float) -> str:
    """Return positive, neutral or negative for a compound score."""
    if score >= POSITIVE_FROM:
        return "positive"
    if score <= NEGATIVE_UP_TO:
        return "negative"
    return "neutral"


def _pattern(terms: Iterable[str]) -> re.Pattern[str]:
    """Return one regular expression matching any of a theme's words or phrases."""
    parts = []
    for term in terms:
        words = term.lower().strip()
        stem = words.endswith("*")
        parts.append(re.escape(words.rstrip("*")).replace(r"\ ", r"\s+") + (r"\w*" if stem else ""))
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


class Themes:
    """A compiled theme lexicon."""

    def __init__(self, lexicon: Mapping[str, Iterable[str]]) -> None:
        self.patterns = {theme: _pattern(terms) for theme, terms in lexicon.items() if terms}

    def of(self, text: str) -> set[str]:
        """Return the themes a comment touches."""
        return {theme for theme, pattern in self.patterns.items() if pattern.search(text)}
