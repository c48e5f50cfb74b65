"""Train the comment tone model on the training part of tone_samples.csv, and ship its weights.

A multinomial logistic regression over each comment's words, word pairs, marks and the rule
reader's score (`survey.aggregation.tone.features`), fitted by stochastic gradient descent in plain
Python (seeded, so the same rows give the same weights). Only rows with part "train" are read:
the regularisation strength and the neutral band on P(positive) - P(negative) are chosen by
five-fold cross-validation inside the training part, never on a held-out part. The weights are
written to survey/aggregation/tone_model.json, which the package reads at run time.

    .venv/bin/python -m bench.train_tone
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Mapping
from math import exp
from pathlib import Path

from survey.aggregation.tone import (
    SARCASM,
    TONES,
    Agreement,
    Model,
    features,
    rule_sentiment,
    samples,
    tone,
)

OUT = Path(__file__).resolve().parent.parent / "survey" / "aggregation" / "tone_model.json"
SEED = 12
FOLDS = 5
EPOCHS = 40
MIN_COUNT = 1  # keep every word and pair: cross-validation read better than dropping singletons
L2_GRID = (0.001, 0.003, 0.01)
WORDLIKE = ("w:", "b:", "n:")  # the features a vocabulary keeps or drops
BAND_STEPS = [round(0.05 * i, 2) for i in range(-10, 11)]

Example = tuple[dict[str, float], int]


def fit(examples: list[Example], l2: float) -> dict[str, list[float]]:
    """Return weights fitted by SGD on the softmax loss with an L2 penalty (lazily applied)."""
    weights: dict[str, list[float]] = {}
    order = list(range(len(examples)))
    rng = random.Random(SEED)
    step = 0
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        rate = 0.5 / (1 + epoch * 0.2)
        for i in order:
            found, label = examples[i]
            step += 1
            logits = [0.0, 0.0, 0.0]
            for name, value in found.items():
                for k, weight in enumerate(weights.setdefault(name, [0.0, 0.0, 0.0])):
                    logits[k] += weight * value
            top = max(logits)
            odds = [exp(logit - top) for logit in logits]
            total = sum(odds)
            for name, value in found.items():
                row = weights[name]
                for k in range(3):
                    error = odds[k] / total - (k == label)
                    row[k] -= rate * (error * value + l2 * row[k])
    return weights


def examples_of(rows: list[tuple[str, str]], keep: set[str] | None = None) -> list[Example]:
    """Return (features, tone index) for each (text, tone), dropping words outside `keep`."""
    made = []
    for text, said in rows:
        found = features(text, rule_sentiment(text), SARCASM.search(text) is not None)
        if keep is not None:
            found = {
                n: v for n, v in found.items() if n in keep or not n.startswith(("w:", "b:", "n:"))
            }
        made.append((found, TONES.index(said)))
    return made


def vocabulary(rows: list[tuple[str, str]]) -> set[str]:
    """Return the words and pairs seen in at least MIN_COUNT of these comments."""
    counts = Counter(n for found, _ in examples_of(rows) for n in found)
    return {n for n, c in counts.items() if c >= MIN_COUNT}


def scores(weights: Mapping[str, list[float]], made: list[Example]) -> list[float]:
    """Return P(positive) - P(negative) for each example."""
    reader = Model({n: (w[0], w[1], w[2]) for n, w in weights.items()}, 0.0, 0.0)
    out = []
    for found, _ in made:
        positive, _, negative = reader.probabilities(found)
        out.append(positive - negative)
    return out


def out_of_fold(rows: list[tuple[str, str]], l2: float) -> list[float]:
    """Return each training comment's score from a model fitted without its fold."""
    folds = [i % FOLDS for i in range(len(rows))]
    random.Random(SEED).shuffle(folds)
    found = [0.0] * len(rows)
    for fold in range(FOLDS):
        inside = [row for row, f in zip(rows, folds, strict=True) if f != fold]
        keep = vocabulary(inside)
        weights = fit(examples_of(inside, keep), l2)
        held = [i for i, f in enumerate(folds) if f == fold]
        made = examples_of([rows[i] for i in held], keep)
        for i, score in zip(held, scores(weights, made), strict=True):
            found[i] = score
    return found


def best_band(rows: list[tuple[str, str]], found: list[float]) -> tuple[float, float, Agreement]:
    """Return the neutral band with the best agreement, then negative recall, on these scores."""
    best = None
    for up in BAND_STEPS:
        for down in BAND_STEPS:
            if down >= up:
                continue
            agreed = Agreement.of(
                (said, tone(s, up, down)) for (_, said), s in zip(rows, found, strict=True)
            )
            key = (round(agreed.overall, 4), round(agreed.negative_recall, 4), -abs(up + down))
            if best is None or key > best[0]:
                best = (key, up, down, agreed)
    assert best is not None
    return best[1], best[2], best[3]


def main() -> None:
    """Choose the settings by cross-validation on the training part, fit, and write the model."""
    rows = [(s.text, s.tone) for s in samples() if s.part == "train"]
    print(f"training part: {len(rows)} comments")
    chosen = None
    for l2 in L2_GRID:
        found = out_of_fold(rows, l2)
        up, down, agreed = best_band(rows, found)
        print(
            f"  L2 {l2}: cross-validated agreement {agreed.overall:.1%}, negatives found "
            f"{agreed.negative_recall:.1%} (band {down} .. {up})"
        )
        key = (agreed.overall, agreed.negative_recall)
        if chosen is None or key > chosen[0]:
            chosen = (key, l2, up, down)
    assert chosen is not None
    _, l2, up, down = chosen
    keep = vocabulary(rows)
    weights = fit(examples_of(rows, keep), l2)
    OUT.write_text(
        json.dumps(
            {
                "about": "comment tone model: written by bench/train_tone.py, do not edit",
                "tones": list(TONES),
                "trained_on": len(rows),
                "l2": l2,
                "positive_from": up,
                "negative_up_to": down,
                "weights": {n: [round(x, 4) for x in w] for n, w in sorted(weights.items())},
            },
            indent=0,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"chose L2 {l2}, band {down} .. {up}; wrote {len(weights)} features to {OUT}")


if __name__ == "__main__":
    main()
