"""One statistical language: how the screens, the board report and the README word figures.

A change is "significant" only when its test says so (`verdict`), and in this one wording; the
minimum detectable change is "the smallest change this group could reliably show", never a
hint that a shown change "can be chance"; every headline figure is given with its n and its 95%
interval; the gap between saying and showing is given with both figures and their n, worked out
from the same rounded percentages that are shown so that the three always add up.
Pure functions of numbers: templates and the report call these, so none of them words it anew.
"""

from __future__ import annotations

from survey import aggregation as agg

SIGNIFICANT, NOT_SIGNIFICANT = "significant", "not significant"
SIGNIFICANCE_RULE = (
    "A change is called significant only when a two-sided test gives p < 0.05: a change that "
    "large would come up less than 1 time in 20 if nothing had really changed."
)
NO_SIGNIFICANT_CHANGE = "No change since the last wave is significant by its test."
INTERVAL_MEANING = (
    "The 95% interval is the range the true figure for the whole group most likely lies in; "
    "the more people answer, the narrower it is."
)
MEANINGS = {
    "claimed": "agree they know why the change is needed and what it means for their own job.",
    "demonstrated": "pick the real aims of the change and none of the decoys.",
    "cost_cutting": "say the change is mainly about cutting costs; lower is better.",
    "enps": "promoters (9 or 10 out of 10) minus detractors (0 to 6), as percentages of those "
    "asked whether they would recommend working here, from -100 to +100; above 0 means more "
    "promoters than detractors.",
}
GAP_MEANING = (
    "The gap is the share who say they understand minus the share who show it, in percentage "
    "points, over the same people: above 0, more people say they understand than can show it."
)


def pct(value: float) -> int:
    """Return a 0-1 share as the whole percentage shown everywhere."""
    return round(value * 100)


def points(difference: float) -> str:
    """Return a 0-1 difference in signed percentage points (a tenth where whole would hide it)."""
    shown = round(difference * 100)
    if shown == 0:
        return f"{difference * 100:+.1f} points" if difference else "0 points"
    return f"{shown:+d} point{'' if abs(shown) == 1 else 's'}"


def verdict(change: agg.Change) -> str:
    """Return the test's verdict on a change: the only place "significant" is decided."""
    return SIGNIFICANT if change.significant else NOT_SIGNIFICANT


def change_text(change: agg.Change | None, missing: str = "No figure to compare") -> str:
    """Return a change and its verdict, e.g. "+12 points (significant)"."""
    if change is None:
        return missing
    return f"{points(change.difference)} ({verdict(change)})"


def change_sentence(measure: str, unit: str, since: str, change: agg.Change, figures: str) -> str:
    """Return a tested change as a sentence: what moved, where, by how much, from what, verdict."""
    way = "rose" if change.difference > 0 else "fell"
    size = points(abs(change.difference)).lstrip("+")
    return f"{measure} in {unit} {way} {size} since {since} ({figures}): {verdict(change)}."


def share_of(value: float, n: int) -> str:
    """Return a share with its n, e.g. "45% of 80 people"."""
    return f"{pct(value)}% of {n} {'person' if n == 1 else 'people'}"


def interval_range(low: float, high: float, enps: bool = False) -> str:
    """Return an interval's ends, e.g. "36% to 58%" (eNPS, on its own scale: "-5 to +29")."""
    if enps:
        return f"{low:+.0f} to {high:+.0f}"
    return f"{pct(low)}% to {pct(high)}%"


def interval_text(low: float, high: float, enps: bool = False) -> str:
    """Return a 95% interval in words, e.g. "95% interval 36% to 58%"."""
    return f"95% interval {interval_range(low, high, enps)}"


def smallest_change(n: int) -> str:
    """Return the minimum detectable change of a group of n, in words."""
    size = round(agg.minimum_detectable_change(n) * 100)
    return (
        f"With {n} people, the smallest change this group could reliably show between two waves "
        f"is about {size} points. A smaller real change would often be missed; a change is "
        "called significant only by its test."
    )


def point_count(number: int) -> str:
    """Return a number of percentage points, unsigned: "1 point", "4 points"."""
    return f"{number} point" if number == 1 else f"{number} points"


def gap_points(claimed: float, demonstrated: float) -> int:
    """Return the gap from the rounded percentages shown, so the three figures add up."""
    return pct(claimed) - pct(demonstrated)


def gap_text(claimed: float, demonstrated: float, n: int) -> str:
    """Return the gap with both figures and n, never a bare number."""
    gap = gap_points(claimed, demonstrated)
    if gap > 0:
        lead = f"{point_count(gap)} more say they understand than show it"
    elif gap < 0:
        lead = f"{point_count(-gap)} more show they understand than say so"
    else:
        lead = "as many say they understand as show it"
    return f"{lead}: {pct(claimed)}% say, {pct(demonstrated)}% show, of the same {n} people"


def participation_lead(
    count: int | None, rate: float | None, asked: int, threshold: int, withheld: bool, so_far: str
) -> str:
    """Return participation of a scope in one sentence: its rate and n, or why they are hidden."""
    if withheld:
        return "This unit had more responses than people, so its answers are left out."
    if count is None:
        return (
            f"Fewer than {threshold} people have answered here{so_far}, or showing the count "
            "would let a smaller group be worked out, so it is hidden."
        )
    if rate is None:
        return f"n = {count} responses{so_far}; too few people were asked to give a rate."
    return f"{pct(rate)}% answered{so_far}: n = {count} responses of {asked} asked."
