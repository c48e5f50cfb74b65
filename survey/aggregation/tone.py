"""Comment tone as a person reads it: VADER and workplace rules, read by a small learned model.

The rule reader: VADER (a lexicon that ships inside its package: offline, nothing downloaded)
scores each sentence; on top of it:

- a workplace lexicon: words and phrases staff use for cuts, workload and being unheard
  ("nicer word for", "tick-box", "lip service", "more with less") and words VADER reads as
  praise that are only names or fillers here ("social care", "support worker", "honestly");
  each phrase becomes one token, so VADER's own negation, intensifier and capitals rules
  still apply to it;
- sarcasm cues ("great, another ...", "oh good", "could have fooled me", scare quotes around
  the programme's own words) become one strongly negative token;
- contrast: "however", "although", "though" and "whereas" weigh clauses as VADER's "but" does,
  and a sentence opening with one of them outweighs the sentences before it;
- questions: a question's positive words count for little ("will there be support?" asks,
  it does not praise), and one opening "why" reads as a complaint.
A comment's rule score is the weighted mean of its sentences that carry any tone.

The learned reader on top: a multinomial logistic regression over the comment's words, word pairs,
negated words, marks, the rule score and VADER's shares of praise and complaint (`features`),
trained by `bench/train_tone.py` on the training part of `tone_samples.csv` only; its weights ship
in `tone_model.json` and are read with plain dot products. The score is P(positive) -
P(negative); the L2 strength and the neutral band were chosen by cross-validation inside the
training part. On a fresh held-out part (heldout3: 164 comments written and labelled after the
method was frozen, measured once) it agrees with a person's reading on 82.3% and finds 82.2% of
the negative comments. A council's own words (COMMENT_TONE_WORDS) move the score by as much as
they move the rule score.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from math import exp

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

TONES = ("positive", "neutral", "negative")
# The rule reader's own neutral band (chosen on its first training part); the learned model
# sees which side of it a comment falls as one of its features.
RULE_POSITIVE_FROM = 0.2
RULE_NEGATIVE_UP_TO = -0.05
# How much a question's positive words count, and the weight of a sentence after a contrast.
QUESTION_POSITIVE = 0.25
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5

# Valences on VADER's scale (-4 to 4). A phrase may use spaces or hyphens interchangeably.
WORKPLACE_WORDS: dict[str, float] = {
    # Reading the change as cost cutting.
    "cuts": -2.0,
    "cut": -1.5,
    "cutting": -1.5,
    "cutbacks": -2.0,
    "cost cutting": -2.2,
    "saving money": -1.8,
    "save money": -1.5,
    "savings": -1.2,
    "efficiencies": -1.5,
    "efficiency savings": -2.0,
    "austerity": -2.0,
    "cheaper": -1.0,
    "more with less": -2.2,
    "do more with less": -2.2,
    "nicer word for": -2.5,
    "fancy word for": -2.5,
    "posh word for": -2.5,
    "another word for": -2.0,
    "code for": -1.5,
    "dressed up": -1.8,
    "job losses": -2.5,
    "losing staff": -2.0,
    "not being replaced": -2.0,
    "redundancy": -2.0,
    "redundancies": -2.2,
    "restructure": -1.2,
    "restructures": -1.5,
    "restructuring": -1.2,
    "reorganisation": -1.2,
    "realignment": -1.2,
    "outsourcing": -1.5,
    "outsourced": -1.5,
    "consultants": -1.0,
    "at risk": -1.8,
    "reapply": -1.8,
    "re-apply": -1.8,
    "fewer of us": -1.8,
    "fewer staff": -1.8,
    "replaced": 0.6,
    "money": -0.6,
    "value for money": 0.0,
    "budget": -0.4,
    # Workload and staffing.
    "understaffed": -2.2,
    "short staffed": -2.2,
    "short of staff": -2.0,
    "stretched": -1.5,
    "overstretched": -2.0,
    "breaking point": -2.5,
    "unmanageable": -2.2,
    "firefighting": -1.5,
    "through the roof": -1.8,
    "overworked": -2.2,
    "burnout": -2.5,
    "exhausted": -2.0,
    "workload": -0.6,
    "caseloads": -0.5,
    "backlog": -1.0,
    "too busy": -1.5,
    "left out": -1.5,
    "leaves out": -1.5,
    "yet another": -1.5,
    "another": -0.4,
    "nothing changes": -1.8,
    "nothing ever changes": -2.0,
    "fix everything": -1.5,
    "silver bullet": -1.2,
    "paperwork": -0.8,
    "sign off": -0.6,
    "unrealistic": -1.8,
    "rushed": -1.5,
    "not thought through": -1.8,
    "thought through": 1.0,
    # Process and tools.
    "mess": -2.0,
    "shambles": -2.5,
    "chaos": -2.7,
    "clunky": -1.5,
    "doesn't work": -1.8,
    "don't work": -1.8,
    "takes longer": -1.5,
    "longer": -0.5,
    "slower": -1.2,
    "still waiting": -1.5,
    "give up": -1.5,
    "jargon": -1.5,
    "buzzword": -1.5,
    "buzzwords": -1.5,
    "tick box": -1.8,
    "box ticking": -1.8,
    "for show": -2.0,
    "talking shop": -1.8,
    "lip service": -2.2,
    "all talk": -2.0,
    "empty promises": -2.2,
    "hollow": -1.5,
    "vague": -1.2,
    "same old": -1.8,
    "change for the sake of change": -2.2,
    "rebranded": -1.0,
    "goalposts": -1.5,
    # Not being heard or told.
    "out of touch": -2.0,
    "in the dark": -1.8,
    "already decided": -1.8,
    "done deal": -1.8,
    "no idea": -1.5,
    "not sure": -1.0,
    "what's in it for": -1.2,
    "whats in it for": -1.2,
    "substance": 1.0,
    "no point": -1.8,
    "what's the point": -2.0,
    "whats the point": -2.0,
    "straight answer": 1.0,
    "listened": 1.2,
    "listening": 1.0,
    "listen": 1.0,
    "listens": 1.0,
    "explained": 1.0,
    "consulted": 1.0,
    "informed": 1.0,
    "involved": 1.2,
    "asked": 0.6,
    "explains": 1.0,
    "invited": 0.8,
    "recognition": 1.2,
    "saves": 1.5,
    "clearer": 1.5,
    "finally": 0.8,
    "settled down": 1.2,
    "joined up": 1.5,
    "made a real difference": 2.0,
    "made a big difference": 2.0,
    "makes a difference": 1.8,
    "made a difference": 1.8,
    "not as bad as": 1.5,
    "getting the hang of": 1.5,
    "bumpy": -1.0,
    "found out": -0.8,
    "undervalued": -2.0,
    "demoralising": -2.2,
    "lost faith": -2.5,
    "proud": 2.1,
    "given up": -1.8,
    "uncertainty": -1.5,
    "not convinced": -1.5,
    "convinced": 1.0,
    "cope": 1.0,
    "just a number": -2.0,
    "easier": 1.8,
    "quicker": 1.5,
    "faster": 1.3,
    "smoother": 1.5,
    "smoothly": 1.3,
    "fairer": 1.5,
    "manageable": 1.8,
    "improved": 1.8,
    "improvement": 1.8,
    "worth it": 2.0,
    "on paper": -0.8,
    # Words VADER reads as feelings that are names or fillers in council comments.
    "honestly": 0.0,
    "honest": 1.5,
    "to be honest": 0.0,
    "tbh": 0.0,
    "pretty": 0.0,
    "please": 0.0,
    "no": 0.0,
    "strong view": 0.0,
    "strong views": 0.0,
    "support": 1.0,
    "would be useful": 0.0,
    "would be helpful": 0.0,
    "would be good": 0.0,
    "would be nice": 0.0,
    "would help": 0.0,
    "broken down": 0.0,
    "waste services": 0.0,
    "waste collection": 0.0,
    "waste team": 0.0,
    "like": 1.0,
    "feels like": 0.0,
    "felt like": 0.0,
    "looks like": 0.0,
    "seems like": 0.0,
    "sounds like": 0.0,
    "more like": -0.5,
    "would like": 0.0,
    "i'd like": 0.0,
    "as well": 0.0,
    "social care": 0.0,
    "care homes": 0.0,
    "care home": 0.0,
    "caring responsibilities": 0.0,
    "support worker": 0.0,
    "support workers": 0.0,
    "business support": 0.0,
    "benefits team": 0.0,
    "housing benefit": 0.0,
    "engagement": 0.3,
    "wellbeing": 0.0,
    "values": 0.0,
    "vision": 0.0,
    "free": 0.0,
    "positive": 1.5,
    "empowering": 0.5,
}

# A praise word followed by more of what staff are tired of, or an ironic set phrase.
_PRAISE = r"(?:great|brilliant|fantastic|wonderful|lovely|marvellous|perfect|super|excellent|good)"
SARCASM = re.compile(
    r"|".join(
        (
            _PRAISE + r"\b[\s,.!…-]+(?:so\s+now\b|now\b|another\b|more\b|yet\b|just\s+what\b)",
            r"\boh\s+(?:good|great|joy|lovely|brilliant|wonderful|yay)\b",
            r"\byeah,?\s+right\b",
            r"\bcould\s+have\s+fooled\s+me\b",
            r"\bgood\s+luck\s+(?:getting|finding|trying|with\s+that)\b",
            r"\b(?:what\s+a\s+surprise|surprise,?\s+surprise)\b",
            r"\bwhat\s+could\s+(?:possibly\s+)?go\s+wrong\b",
            r"\bcan'?t\s+wait\s+for\s+the\s+next\b",
            r"\bshame\s+about\b",
            r"\bapparently\b",
            r"\bso[\s-]called\b",
            r"['\u2018\"\u201c](?:transformation\w*|efficienc\w*|realignment|modernis\w*|journeys?|"
            r"new\s+ways?\s+of\s+working|a\s+new\s+way\s+of\s+working|right[\s-]?siz\w*|"
            r"streamlin\w*|opportunit\w*)['\u2019\"\u201d]",
        )
    ),
    re.IGNORECASE,
)
SARCASM_TOKEN, SARCASM_VALENCE = "sarcasm_cue", -2.5
WHY_TOKEN, WHY_VALENCE = "why_question", -1.2
# Contrast words that weigh the clause after them, as VADER weighs "but".
CONTRAST = re.compile(r"\b(?:however|though|although|whereas|yet)\b,?", re.IGNORECASE)
LEADING_CONTRAST = re.compile(r"^\W*(?:but|however|though|yet|still)\b", re.IGNORECASE)
SENTENCES = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
# Words VADER does not count as negation: each is read as "not" (so "nobody listens" is negative).
NEGATORS = re.compile(r"\b(?:nobody|no\s+one|noone|used\s+to\s+be)\b", re.IGNORECASE)


def _phrase(term: str) -> str:
    """Return the regular expression of a phrase: any spaces or hyphens between its words."""
    return r"[\s-]+".join(re.escape(word) for word in re.split(r"[\s-]+", term.strip()))


def _token(term: str) -> str:
    """Return the one token a phrase becomes for VADER."""
    return "_".join(re.split(r"[\s-]+", term.strip().lower()))


class Tone:
    """A tone reader: VADER with a workplace lexicon (the built-in one plus a deployment's)."""

    def __init__(self, extra: Mapping[str, float] | None = None) -> None:
        words = WORKPLACE_WORDS | {k.lower().strip(): float(v) for k, v in (extra or {}).items()}
        self.analyser = SentimentIntensityAnalyzer()
        self.analyser.lexicon.update({_token(term): valence for term, valence in words.items()})
        self.analyser.lexicon[SARCASM_TOKEN] = SARCASM_VALENCE
        self.analyser.lexicon[WHY_TOKEN] = WHY_VALENCE
        phrases = sorted((t for t in words if re.search(r"[\s-]", t)), key=len, reverse=True)
        self.phrases = re.compile(
            r"(?<![\w'])(?:" + "|".join(_phrase(p) for p in phrases) + r")(?![\w'])", re.IGNORECASE
        )

    def _rewrite(self, sentence: str) -> str:
        """Return a sentence with cues and phrases turned into the tokens VADER will score."""
        sentence = SARCASM.sub(f" {SARCASM_TOKEN} ", sentence)
        sentence = self.phrases.sub(lambda m: f" {_token(m.group(0))} ", sentence)
        sentence = NEGATORS.sub("not", sentence)
        sentence = CONTRAST.sub(" but ", sentence)
        if sentence.rstrip().endswith("?") and re.match(r"\W*why\b", sentence, re.IGNORECASE):
            sentence = re.sub(r"\bwhy\b", WHY_TOKEN, sentence, count=1, flags=re.IGNORECASE)
        return sentence

    def _sentence(self, sentence: str) -> float:
        """Return the compound score of one sentence."""
        score = float(self.analyser.polarity_scores(self._rewrite(sentence))["compound"])
        if score > 0 and sentence.rstrip().endswith("?"):
            score *= QUESTION_POSITIVE
        return score

    def score(self, text: str) -> float:
        """Return a comment's score, from -1 (negative) to 1 (positive)."""
        # Once a comment is sarcastic, its praise elsewhere is read as irony and counts for nothing.
        ironic = SARCASM.search(text) is not None
        scored: list[tuple[float, float]] = []
        for found in SENTENCES.finditer(text):
            sentence = found.group(0)
            if not sentence.strip():
                continue
            if LEADING_CONTRAST.match(sentence) and scored:
                scored = [(score, weight * BEFORE_CONTRAST) for score, weight in scored]
                weight = AFTER_CONTRAST
            else:
                weight = 1.0
            value = self._sentence(sentence)
            if value < 0 or (value > 0 and not ironic):
                scored.append((value, weight))
        total = sum(weight for _, weight in scored)
        return sum(score * weight for score, weight in scored) / total if total else 0.0


# Words as the model sees them: lower case, apostrophes dropped (so "cant" and "can't" agree).
WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A comment's marks that carry tone without words: questions, exclamations and scare quotes.
MARKS = {"?": "mark:question", "!": "mark:exclaim", '"': "mark:quote", "\u201c": "mark:quote"}
# Words after one of these, to the end of the clause, are also seen negated ("not:listened").
NEGATION = frozenset(
    {"not", "no", "never", "nobody", "noone", "nothing", "none", "without", "cant", "dont"}
    | {"wont", "didnt", "doesnt", "isnt", "arent", "wasnt", "werent", "havent", "hasnt"}
    | {"couldnt", "wouldnt", "shouldnt"}
)
# VADER's shares run 0 to 1 and are rarely above 0.4; scaled so SGD moves their weights as fast
# as the words'.
SHARE_SCALE = 3.0
CLAUSES = re.compile(r"[.,;:!?()\n]+")


def _words(text: str) -> list[str]:
    """Return a text's words as the model sees them."""
    return [w.replace("'", "") for w in WORDS.findall(text.lower().replace("\u2019", "'"))]


def features(text: str, rule_score: float, ironic: bool) -> dict[str, float]:
    """Return a comment's features: its words and word pairs, marks and the rule reader's view."""
    words = _words(text)
    found: dict[str, float] = {"bias": 1.0, "rule:score": rule_score}
    found |= {f"w:{w}": 1.0 for w in words}
    found |= {f"b:{a} {b}": 1.0 for a, b in zip(["<s>", *words], words, strict=False)}
    for clause in CLAUSES.split(text):
        negated = False
        for word in _words(clause):
            if negated:
                found[f"n:{word}"] = 1.0
            negated = negated or word in NEGATION
    # How much of the comment VADER reads as praise and as complaint, apart: a mixed comment and a
    # flat one can share a compound score near 0 and still read differently.
    reader = _built_in()
    shares = reader.analyser.polarity_scores(reader._rewrite(text))
    found["rule:positive share"] = SHARE_SCALE * shares["pos"]
    found["rule:negative share"] = SHARE_SCALE * shares["neg"]
    found |= {name: 1.0 for mark, name in MARKS.items() if mark in text}
    found |= {f"rule:{tone(rule_score, RULE_POSITIVE_FROM, RULE_NEGATIVE_UP_TO)}": 1.0}
    if ironic:
        found["rule:sarcasm"] = 1.0
    return found


@dataclass(frozen=True)
class Model:
    """A multinomial logistic regression over `features`, trained by bench.train_tone."""

    weights: Mapping[str, tuple[float, float, float]]  # per feature, one weight per tone in TONES
    positive_from: float
    negative_up_to: float

    @classmethod
    def load(cls) -> Model:
        """Load the weights shipped in the package (tone_model.json)."""
        data = json.loads(files("survey.aggregation").joinpath("tone_model.json").read_text())
        return cls(
            {name: tuple(w) for name, w in data["weights"].items()},  # type: ignore[misc]
            data["positive_from"],
            data["negative_up_to"],
        )

    def probabilities(self, found: Mapping[str, float]) -> tuple[float, float, float]:
        """Return the probability of each tone in TONES for a comment's features."""
        logits = [0.0, 0.0, 0.0]
        for name, value in found.items():
            weights = self.weights.get(name)
            if weights is not None:
                for i, weight in enumerate(weights):
                    logits[i] += weight * value
        top = max(logits)
        odds = [exp(logit - top) for logit in logits]
        total = sum(odds)
        return odds[0] / total, odds[1] / total, odds[2] / total


@cache
def model() -> Model:
    """Load the shipped model once per process."""
    return Model.load()


@cache
def _built_in() -> Tone:
    """Build the built-in tone reader once per process."""
    return Tone()


@cache
def _with(extra: tuple[tuple[str, float], ...]) -> Tone:
    """Build a tone reader with a deployment's extra words once per process."""
    return Tone(dict(extra))


def rule_sentiment(text: str, extra: Mapping[str, float] | None = None) -> float:
    """Return the rule reader's score (VADER and the workplace rules), from -1 to 1."""
    reader = _with(tuple(sorted(extra.items()))) if extra else _built_in()
    return reader.score(text)


def sentiment(text: str, extra: Mapping[str, float] | None = None) -> float:
    """Return a comment's tone score, P(positive) - P(negative): from -1 to 1."""
    score = rule_sentiment(text)
    found = features(text, score, SARCASM.search(text) is not None)
    positive, _, negative = model().probabilities(found)
    if not extra:
        return positive - negative
    # A council's own words are an instruction, not evidence to weigh: they move the score by as
    # much as they move the rule reader's, which the model only learned from the built-in words.
    shift = rule_sentiment(text, extra) - score
    return max(-1.0, min(1.0, positive - negative + shift))


def tone(
    score: float, positive_from: float | None = None, negative_up_to: float | None = None
) -> str:
    """Return positive, neutral or negative for a score, by a neutral band (the model's)."""
    if positive_from is None:
        positive_from = model().positive_from
    if negative_up_to is None:
        negative_up_to = model().negative_up_to
    if score >= positive_from:
        return "positive"
    if score <= negative_up_to:
        return "negative"
    return "neutral"


@dataclass(frozen=True)
class Sample:
    """One labelled comment: its words, the tone a person reads, its part (train or heldout3)."""

    text: str
    tone: str
    part: str


def samples() -> Iterator[Sample]:
    """Yield the labelled staff-style comments shipped with the package."""
    with files("survey.aggregation").joinpath("tone_samples.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            yield Sample(row["text"], row["tone"], row["part"])


@dataclass(frozen=True)
class Agreement:
    """How a reader's tones agree with a person's: counts of (person's tone, reader's tone)."""

    table: Mapping[tuple[str, str], int]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Agreement:
        """Count (person's tone, reader's tone) pairs."""
        return cls(Counter(pairs))

    def _sum(self, person: str | None = None, reader: str | None = None) -> int:
        """Return how many comments a person and the reader put where asked (None: anywhere)."""
        return sum(
            n
            for (said, read), n in self.table.items()
            if person in (None, said) and reader in (None, read)
        )

    @property
    def overall(self) -> float:
        """Return the share of comments read as the person read them."""
        return sum(self._sum(t, t) for t in TONES) / (self._sum() or 1)

    @property
    def negative_recall(self) -> float:
        """Return the share of the person's negative comments the reader found."""
        return self._sum("negative", "negative") / (self._sum(person="negative") or 1)

    @property
    def negative_precision(self) -> float:
        """Return the share of the reader's negative comments a person reads as negative."""
        return self._sum("negative", "negative") / (self._sum(reader="negative") or 1)
