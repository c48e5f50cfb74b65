"""Comment tone against a person's reading: agreement on the labelled staff-style comments.

For the fresh held-out part (heldout3) and the training part of
`survey/aggregation/tone_samples.csv`: agreement overall, negative recall and precision and the
3x3 confusion table, for our reader (the learned model over the rules), for the rule reader alone
and for plain VADER with its own cut-offs (the baseline), then comments read per second. The
model and its neutral band are trained on the training part only (`python -m bench.train_tone`);
on the training part the model's figures are fitted ones, so only the held-out part judges it.

    .venv/bin/python -m bench.tone_agreement
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from survey.aggregation.tone import (
    RULE_NEGATIVE_UP_TO,
    RULE_POSITIVE_FROM,
    TONES,
    Agreement,
    Sample,
    model,
    rule_sentiment,
    samples,
    sentiment,
    tone,
)

TARGETS = {"agreement": 0.80, "negative recall": 0.80}
VADER_POSITIVE_FROM, VADER_NEGATIVE_UP_TO = 0.05, -0.05  # VADER's own suggested cut-offs
SPEED_ROUNDS = 5


def plain_vader() -> Callable[[str], float]:
    """Return plain VADER's compound score, the baseline."""
    analyser = SentimentIntensityAnalyzer()
    return lambda text: float(analyser.polarity_scores(text)["compound"])


def agreement(
    rows: list[Sample], scores: list[float], positive_from: float, negative_up_to: float
) -> Agreement:
    """Return how the tones of these scores agree with the people's readings."""
    return Agreement.of(
        (row.tone, tone(score, positive_from, negative_up_to))
        for row, score in zip(rows, scores, strict=True)
    )


def report(name: str, found: Agreement, targets: bool) -> None:
    """Print one reader's figures on one part, and the targets if asked."""
    print(
        f"  {name}: agreement {found.overall:.1%}, negatives found (recall) "
        f"{found.negative_recall:.1%}, negative precision {found.negative_precision:.1%}"
    )
    print(f"    {'person / reader':<18}" + "".join(f"{t:>10}" for t in TONES))
    for said in TONES:
        print(f"    {said:<18}" + "".join(f"{found.table.get((said, r), 0):>10}" for r in TONES))
    if targets:
        for label, figure in (
            ("agreement", found.overall),
            ("negative recall", found.negative_recall),
        ):
            verdict = "ok" if figure >= TARGETS[label] else "MISSED"
            print(f"    target {label} >= {TARGETS[label]:.0%}: {verdict}")


def speed(read: Callable[[str], float], texts: list[str]) -> float:
    """Return comments read per second, over every sample text a few times."""
    started = time.perf_counter()
    for _ in range(SPEED_ROUNDS):
        for text in texts:
            read(text)
    return SPEED_ROUNDS * len(texts) / (time.perf_counter() - started)


def main() -> None:
    """Print agreement for each part, with the rule reader and plain VADER beside it, then speed."""
    rows = list(samples())
    vader = plain_vader()
    readers = (
        ("learned reader", sentiment, model().positive_from, model().negative_up_to),
        ("rule reader alone", rule_sentiment, RULE_POSITIVE_FROM, RULE_NEGATIVE_UP_TO),
        ("plain VADER", vader, VADER_POSITIVE_FROM, VADER_NEGATIVE_UP_TO),
    )
    for part, title in (("heldout3", "fresh held-out part"), ("train", "training part")):
        chosen = [row for row in rows if row.part == part]
        print(f"{title}: {len(chosen)} comments")
        for name, read, positive_from, negative_up_to in readers:
            found = agreement(chosen, [read(r.text) for r in chosen], positive_from, negative_up_to)
            report(name, found, targets=part == "heldout3" and read is sentiment)
    texts = [row.text for row in rows]
    print(
        f"comments read per second: {speed(sentiment, texts):,.0f} "
        f"(plain VADER {speed(vader, texts):,.0f})"
    )


if __name__ == "__main__":
    main()
