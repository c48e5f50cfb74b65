"""Comments: the tone of each (see `tone`: VADER taught how council staff write) and its themes.

Themes come from a plain lexicon of words and phrases per theme, which a deployment can replace
(`COMMENT_THEMES`), so a council can add the words its own staff use. A word ending in `*` also
matches anything starting with it ("cut*" finds "cuts" and "cutting").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from survey.aggregation.tone import TONES, sentiment, tone

__all__ = ["DEFAULT_THEMES", "THEME_NAMES", "TONES", "Themes", "sentiment", "tone"]

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
