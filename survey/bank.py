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

DEFAULT_DEFINITION_CY = (
    "Mae ein rhaglen drawsnewid yn golygu dau beth. Yn gyntaf, gwell canlyniadau i'r trigolion "
    "rydym yn eu gwasanaethu: gwasanaethau sy'n haws eu cyrraedd, yn gyflymach ac wedi'u "
    "cydgysylltu o amgylch bywydau pobl. Yn ail, ffyrdd newydd o weithio sy'n gwneud hyn yn "
    "bosibl: prosesau symlach, timau sy'n gweithio ar draws hen ffiniau, ac offer digidol sy'n "
    "rhyddhau amser ar gyfer y gwaith sy'n bwysig. Nid rhaglen torri costau yw hon, ac nid yw'n "
    "ymwneud â lleihau swyddi."
)


@dataclass(frozen=True)
class OptionSpec:
    """A choice in the default bank, in English and Welsh."""

    code: str
    label: str
    label_cy: str
    is_aim: bool | None = None
    exclusive: bool = False


@dataclass(frozen=True)
class QuestionSpec:
    """A question in the default bank, in English and Welsh."""

    code: str
    text: str
    text_cy: str
    kind: Kind
    dimension: str
    hint: str = ""
    hint_cy: str = ""
    required: bool = True
    options: tuple[OptionSpec, ...] = field(default_factory=tuple)


# Awareness carries the "the change is needed" belief and Ability the "we can do it" belief,
# which is how the ADKAR and change-readiness models overlap. That keeps every question about one
# thing and the pulse at 12 answered items plus an optional comment: about two minutes.
DEFAULT_QUESTIONS: tuple[QuestionSpec, ...] = (
    QuestionSpec(
        "awareness",
        "I understand why we need to change the way we work.",
        "Rwy'n deall pam mae angen i ni newid y ffordd rydym yn gweithio.",
        Kind.SCALE5,
        "awareness",
    ),
    QuestionSpec(
        "desire",
        "I want to play my part in making the change work.",
        "Rwyf eisiau chwarae fy rhan i wneud i'r newid weithio.",
        Kind.SCALE5,
        "desire",
    ),
    QuestionSpec(
        "knowledge",
        "I know what the change means for my own job.",
        "Rwy'n gwybod beth mae'r newid yn ei olygu i'm swydd i.",
        Kind.SCALE5,
        "knowledge",
    ),
    QuestionSpec(
        "ability",
        "I have the skills, time and tools to work in the new way.",
        "Mae gen i'r sgiliau, yr amser a'r offer i weithio yn y ffordd newydd.",
        Kind.SCALE5,
        "ability",
    ),
    QuestionSpec(
        "reinforcement",
        "When people work in the new way, it is noticed and supported.",
        "Pan fydd pobl yn gweithio yn y ffordd newydd, mae hynny'n cael ei sylwi a'i gefnogi.",
        Kind.SCALE5,
        "reinforcement",
    ),
    QuestionSpec(
        "right_change",
        "This is the right change for the residents we serve.",
        "Dyma'r newid cywir i'r trigolion rydym yn eu gwasanaethu.",
        Kind.SCALE5,
        "appropriateness",
    ),
    QuestionSpec(
        "leaders_back",
        "Senior leaders are fully behind the change.",
        "Mae uwch arweinwyr yn llwyr gefnogi'r newid.",
        Kind.SCALE5,
        "leadership",
    ),
    QuestionSpec(
        "good_for_me",
        "The change will be good for me.",
        "Bydd y newid yn dda i mi.",
        Kind.SCALE5,
        "valence",
    ),
    QuestionSpec(
        "plain_language",
        "Leaders explain the change in plain language.",
        "Mae arweinwyr yn esbonio'r newid mewn iaith glir.",
        Kind.SCALE5,
        "communication",
    ),
    QuestionSpec(
        "mainly_about",
        "In your view, what is the change mainly about?",
        "Yn eich barn chi, beth yw prif ddiben y newid?",
        Kind.SINGLE,
        "definition",
        hint="Choose the one answer closest to your view.",
        hint_cy="Dewiswch yr un ateb sydd agosaf at eich barn.",
        options=(
            OptionSpec("cost_cutting", "Cutting costs", "Torri costau"),
            OptionSpec(
                "better_services", "Better services for residents", "Gwell gwasanaethau i drigolion"
            ),
            OptionSpec("new_ways", "New ways of working", "Ffyrdd newydd o weithio"),
            OptionSpec("restructure", "Restructuring jobs", "Ailstrwythuro swyddi"),
            OptionSpec("dont_know", "I don't know", "Dydw i ddim yn gwybod"),
        ),
    ),
    QuestionSpec(
        "recognition",
        "Which of these are aims of the change?",
        "Pa rai o'r rhain sy'n nodau'r newid?",
        Kind.MULTI,
        "recognition",
        hint="Select all that apply.",
        hint_cy="Dewiswch bob un sy'n berthnasol.",
        options=(
            OptionSpec(
                "outcomes",
                "Better outcomes for residents",
                "Gwell canlyniadau i drigolion",
                is_aim=True,
            ),
            OptionSpec(
                "headcount", "Reducing the number of staff", "Lleihau nifer y staff", is_aim=False
            ),
            OptionSpec(
                "joined_up",
                "Simpler, joined-up ways of working",
                "Ffyrdd symlach a mwy cydgysylltiedig o weithio",
                is_aim=True,
            ),
            OptionSpec("offices", "Closing local offices", "Cau swyddfeydd lleol", is_aim=False),
            OptionSpec(
                "digital",
                "Digital tools that free up time for residents",
                "Offer digidol sy'n rhyddhau amser i drigolion",
                is_aim=True,
            ),
            OptionSpec(
                "outsourcing",
                "Outsourcing council services",
                "Allanoli gwasanaethau'r cyngor",
                is_aim=False,
            ),
            OptionSpec("not_sure", "I'm not sure", "Dim yn siŵr", exclusive=True),
        ),
    ),
    QuestionSpec(
        "advocacy",
        "How likely are you to recommend working here to a friend?",
        "Pa mor debygol ydych chi o argymell gweithio yma i ffrind?",
        Kind.SCALE11,
        "advocacy",
        hint="0 means not at all likely, 10 means extremely likely.",
        hint_cy="Mae 0 yn golygu ddim yn debygol o gwbl, ac mae 10 yn golygu hynod o debygol.",
    ),
    QuestionSpec(
        "comment",
        "Is there anything else you would like to tell us about the change?",
        "Oes unrhyw beth arall yr hoffech ei ddweud wrthym am y newid?",
        Kind.TEXT,
        "comment",
        required=False,
        hint="Optional. Please do not include names or anything that could identify you.",
        hint_cy="Dewisol. Peidiwch â chynnwys enwau nac unrhyw beth a allai ddangos pwy ydych chi.",
    ),
)
