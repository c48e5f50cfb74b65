"""Comment tone against a person's reading: agreement on the labelled staff-style comments.

For the held-out (test) part and the training part of `survey/aggregation/tone_samples.csv`:
agreement overall, negative recall and precision and the 3x3 confusion table, for our reader
and for plain VADER with its own cut-offs (the baseline), then comments read per second.
`--tune` searches the neutral band on the training part only and prints the best one.

    .venv/bin/python -m bench.tone_agreement [--tune]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from survey.aggregation.tone import (
    NEGATIVE_UP_TO,
    POSITIVE_FROM,
    TONES,
    Agreement,
    Sample,
    samples,
    sentiment,
    tone,
)

TARGETS = {"agreement": 0.80, "negative recall": 0.80}
VADER_POSITIVE_FROM, VADER_NEGATIVE_UP_TO = 0.05, -0.05  # VADER's own suggested cut-offs
SPEED_ROUNDS = 30


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


def tune(rows: list[Sample]) -> None:
    """Print the neutral band with the best agreement on the training part (recall breaks ties)."""
    train = [row for row in rows if row.part == "train"]
    scores = [sentiment(row.text) for row in train]
    steps = [round(0.05 * i, 2) for i in range(13)]
    best = max(
        (found.overall, found.negative_recall, up, -down)
        for up in steps
        for down in steps
        for found in [agreement(train, scores, up, -down)]
    )
    print(
        f"best band on the training part: positive from {best[2]}, negative up to {best[3]} "
        f"(agreement {best[0]:.1%}, negative recall {best[1]:.1%})"
    )


def main() -> None:
    """Print agreement for each part, with plain VADER beside it, then speed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="search the band on the training part")
    rows = list(samples())
    if parser.parse_args().tune:
        tune(rows)
        return
    vader = plain_vader()
    for part, title in (("test", "held-out part"), ("train", "training part")):
        chosen = [row for row in rows if row.part == part]
        print(f"{title}: {len(chosen)} comments")
        ours = agreement(chosen, [sentiment(r.text) for r in chosen], POSITIVE_FROM, NEGATIVE_UP_TO)
        report("workplace reader", ours, targets=part == "test")
        baseline = [vader(r.text) for r in chosen]
        report(
            "plain VADER",
            agreement(chosen, baseline, VADER_POSITIVE_FROM, VADER_NEGATIVE_UP_TO),
            targets=False,
        )
    texts = [row.text for row in rows]
    print(
        f"comments read per second: {speed(sentiment, texts):,.0f} "
        f"(plain VADER {speed(vader, texts):,.0f})"
    )


if __name__ == "__main__":
    main()
