"""Comment tone reads staff comments as a person would: workplace words, negation, contrast,
sarcasm and questions, checked against a held-out set of labelled comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey import create_app
from survey.aggregation.tone import TONES, Agreement, samples, sentiment, tone

# What the reader reached on the held-out part when it was first measured (bench.tone_agreement);
# the 80% targets are not met yet (see the README's "Comment tone").
HELD_OUT_AGREEMENT_REACHED = 0.769  # 87 of 113
HELD_OUT_NEGATIVE_RECALL_REACHED = 0.68  # 34 of 50
TARGET = 0.80


def read(text: str) -> str:
    """Return the tone a comment is shown with."""
    return tone(sentiment(text))


@pytest.mark.parametrize(
    "complaint",
    [
        "It's mostly about saving money",
        "Transformation is just a nicer word for cuts",
        "Honestly it's a mess",
    ],
)
def test_plain_complaints_read_negative(complaint: str) -> None:
    assert read(complaint) == "negative"


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        ("negation", "Nobody has explained what it means for us.", "negative"),
        ("negation", "We were not consulted.", "negative"),
        ("negation", "No one listens to the front line.", "negative"),
        ("negation", "The system is not a mess any more.", "positive"),
        ("contrast", "The training was good but the new system is a mess.", "negative"),
        ("contrast", "The rollout was rushed. But the team has been brilliant.", "positive"),
        ("contrast", "Although the rollout was rushed, the support was excellent.", "positive"),
        ("contrast", "The team is lovely, however the workload is unmanageable.", "negative"),
        ("sarcasm", "Great, another restructure.", "negative"),
        ("sarcasm", "Oh good, more meetings.", "negative"),
        ("sarcasm", "Lovely plan. Shame about the staffing.", "negative"),
        ("sarcasm", "Apparently it's about better services.", "negative"),
        ("question", "Will there be support for staff on the new system?", "neutral"),
        ("question", "When does the new rota start?", "neutral"),
        ("question", "Is the help desk open on Saturdays?", "neutral"),
        ("question", "Why does nobody ask us?", "negative"),
    ],
)
def test_each_rule_reads_clear_cases_as_a_person_would(rule: str, text: str, expected: str) -> None:
    assert read(text) == expected, rule


def held_out() -> Agreement:
    """Return how the reader agrees with people on the held-out part of the labelled set."""
    return Agreement.of((s.tone, read(s.text)) for s in samples() if s.part == "test")


def test_the_labelled_set_is_large_varied_and_holds_a_third_out() -> None:
    rows = list(samples())
    assert len(rows) >= 300
    assert {row.tone for row in rows} == set(TONES)
    test_share = sum(row.part == "test" for row in rows) / len(rows)
    assert 0.3 <= test_share <= 0.36
    assert {row.part for row in rows} == {"train", "test"}


def test_held_out_agreement_never_falls_below_what_it_reached() -> None:
    found = held_out()
    assert found.overall >= HELD_OUT_AGREEMENT_REACHED
    assert found.negative_recall >= HELD_OUT_NEGATIVE_RECALL_REACHED


@pytest.mark.xfail(strict=True, reason="77% agreement and 68% of negatives found so far")
def test_held_out_agreement_and_negative_recall_reach_the_target() -> None:
    found = held_out()
    assert found.overall >= TARGET
    assert found.negative_recall >= TARGET


def test_a_council_can_add_its_own_words() -> None:
    text = "We are moving to hot desking next month."
    assert tone(sentiment(text)) == "neutral"
    assert tone(sentiment(text, {"hot desking": -2})) == "negative"
    assert tone(sentiment(text, {"HOT-DESKING": -2})) == "negative"  # any case, space or hyphen


@pytest.mark.parametrize(
    "words", [["cuts"], {"cuts": "bad"}, {"cuts": -9}, {"": 1}, {"cuts": True}]
)
def test_bad_tone_words_stop_start_up_with_a_clear_message(tmp_path: Path, words: object) -> None:
    with pytest.raises(ValueError, match="COMMENT_TONE_WORDS must map each word or phrase"):
        create_app(
            {
                "COMMENT_TONE_WORDS": words,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite",
            }
        )
