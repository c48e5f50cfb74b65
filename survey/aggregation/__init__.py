"""The numbers: pure functions, no Flask and no database. Anonymity rules live here too, so no
view or export can show a figure that they have not let through."""

from __future__ import annotations

from survey.aggregation.indices import (
    ADKAR_STEPS,
    BARRIER_AT,
    AdkarProfile,
    Understanding,
    adkar_profile,
    demonstrates_understanding,
    understanding,
)
from survey.aggregation.stats import (
    Change,
    Share,
    Summary,
    compare_means,
    compare_shares,
    enps,
    favourable_share,
    is_favourable,
    minimum_detectable_change,
    summarise,
    wilson,
)
from survey.aggregation.suppression import (
    Tree,
    ancestors,
    checkpoint,
    released_count,
    roll_up,
    uncovered,
    visible_units,
)

__all__ = [
    "ADKAR_STEPS",
    "BARRIER_AT",
    "AdkarProfile",
    "Change",
    "Share",
    "Summary",
    "Tree",
    "Understanding",
    "adkar_profile",
    "ancestors",
    "checkpoint",
    "compare_means",
    "compare_shares",
    "demonstrates_understanding",
    "enps",
    "favourable_share",
    "is_favourable",
    "minimum_detectable_change",
    "released_count",
    "roll_up",
    "summarise",
    "uncovered",
    "understanding",
    "visible_units",
    "wilson",
]
