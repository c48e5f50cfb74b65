"""The default "Understanding the change" pulse and definition, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from survey.models import Kind

# Question codes as other survey tools write them (`HX_AWARE`, `q1.a`): kept as written for
# display, compared without regard to case.
CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
CODE_RULE = "letters, digits, _, - and . only, starting with a letter or digit"

DEFAULT_SURVEY = "Understanding the change"

DEFAULT_DEFINITION = (
    "Our transformation programme means two things. First, better outcomes for the residents we "
    "serve: services that are easier to reach, quicker and joined up around people's lives. "
    "Second, new ways of working that make this possible: simpler processes, teams that work "
    "across old boundaries, and digital tools that free up time for the work that matters. "
    "It is not a cost-cutting programme, and it is not about reducing jobs."
)


@dataclass(frozen=True)
class OptionSpec:
    """A choice in the default bank."""

    code: str
    label: str
    is_aim: bool | None = None
    exclusive: bool = False


@dataclass(frozen=True)
class QuestionSpec:
    """A question in the default bank."""

    code: str
    text: str
    kind: Kind
    dimension: str
    hint: str = ""
    required: bool = True
    options: tuple[OptionSpec, ...] = field(default_factory=tuple)


# Awareness carries the "the change is needed" belief and Ability the "we can do it" belief,
# which is how the ADKAR and change-readiness models overlap. That keeps every question about one
# thing and the pulse at 12 answered items plus an optional comment: about two minutes.
DEFAULT_QUESTIONS: tuple[QuestionSpec, ...] = (
    QuestionSpec(
        "awareness", "I understand why we need to change the way we work.", Kind.SCALE5, "awareness"
    ),
    QuestionSpec(
        "desire", "I want to play my part in making the change work.", Kind.SCALE5, "desire"
    ),
    QuestionSpec(
        "knowledge", "I know what the change means for my own job.", Kind.SCALE5, "knowledge"
    ),
    QuestionSpec(
        "ability",
        "I have the skills, time and tools to work in the new way.",
        Kind.SCALE5,
        "ability",
    ),
    QuestionSpec(
        "reinforcement",
        "When people work in the new way, it is noticed and supported.",
        Kind.SCALE5,
        "reinforcement",
    ),
    QuestionSpec(
        "right_change",
        "This is the right change for the residents we serve.",
        Kind.SCALE5,
        "appropriateness",
    ),
    QuestionSpec(
        "leaders_back", "Senior leaders are fully behind the change.", Kind.SCALE5, "leadership"
    ),
    QuestionSpec("good_for_me", "The change will be good for me.", Kind.SCALE5, "valence"),
    QuestionSpec(
        "plain_language",
        "Leaders explain the change in plain language.",
        Kind.SCALE5,
        "communication",
    ),
    QuestionSpec(
        "mainly_about",
        "In your view, what is the change mainly about?",
        Kind.SINGLE,
        "definition",
        hint="Choose the one answer closest to your view.",
        options=(
            OptionSpec("cost_cutting", "Cutting costs"),
            OptionSpec("better_services", "Better services for residents"),
            OptionSpec("new_ways", "New ways of working"),
            OptionSpec("restructure", "Restructuring jobs"),
            OptionSpec("dont_know", "I don't know"),
        ),
    ),
    QuestionSpec(
        "recognition",
        "Which of these are aims of the change?",
        Kind.MULTI,
        "recognition",
        hint="Select all that apply.",
        options=(
            OptionSpec("outcomes", "Better outcomes for residents", is_aim=True),
            OptionSpec("headcount", "Reducing the number of staff", is_aim=False),
            OptionSpec("joined_up", "Simpler, joined-up ways of working", is_aim=True),
            OptionSpec("offices", "Closing local offices", is_aim=False),
            OptionSpec("digital", "Digital tools that free up time for residents", is_aim=True),
            OptionSpec("outsourcing", "Outsourcing council services", is_aim=False),
            OptionSpec("not_sure", "I'm not sure", exclusive=True),
        ),
    ),
    QuestionSpec(
        "advocacy",
        "How likely are you to recommend working here to a friend?",
        Kind.SCALE11,
        "advocacy",
        hint="0 means not at all likely, 10 means extremely likely.",
    ),
    QuestionSpec(
        "comment",
        "Is there anything else you would like to tell us about the change?",
        Kind.TEXT,
        "comment",
        required=False,
        hint="Optional. Please do not include names or anything that could identify you.",
    ),
)
