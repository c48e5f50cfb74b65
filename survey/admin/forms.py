"""Admin forms. Each validates on the server; messages say what to do, beside the field."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from survey.bank import CODE_PATTERN, CODE_RULE
from survey.formtext import AppForm, MinuteField, WholeNumberField
from survey.models import ActionStatus, Kind, Role
from survey.numbers import coerce_id, coerce_optional_id
from survey.services.units import UnitRow

TOP_LEVEL = SelectChoice("", "None (top level)")
EVERYONE = SelectChoice("", "Everyone")


def unit_choices(rows: list[UnitRow], blank: SelectChoice | None = None) -> list[SelectChoice]:
    """Return units as select choices, indented by depth, retired ones left out."""
    choices = [blank] if blank else []
    return choices + [
        SelectChoice(str(r.id), "\u2003" * r.depth + r.name) for r in rows if not r.retired
    ]


class UnitForm(AppForm):
    """Add or edit a unit."""

    name = StringField("Name", validators=[InputRequired("Enter a name"), Length(max=120)])
    parent_id = SelectField("Part of", coerce=coerce_optional_id, validate_choice=True)
    headcount = WholeNumberField(
        "Headcount",
        validators=[InputRequired("Enter the number of people, 0 or more")],
        low=0,
        high=1_000_000,
    )


class ImportForm(AppForm):
    """Upload a units CSV."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import")])


class ResponsesImportForm(AppForm):
    """Upload past results in the responses CSV format."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import")])
    dry_run = BooleanField("Only check the file; import nothing")


class UserForm(AppForm):
    """Create or edit a user."""

    email = EmailField(
        "Email address",
        validators=[
            InputRequired("Enter an email address"),
            Length(max=254),
        ],
    )
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(Role.ADMIN.value, "Admin: everything"),
            SelectChoice(Role.ANALYST.value, "Analyst: read-only insights and aggregate exports"),
            SelectChoice(Role.MANAGER.value, "Manager: insights for their own units"),
        ],
    )
    unit_id = SelectField("Unit (for managers)", coerce=coerce_optional_id)
    active = BooleanField("Account is active", default=True)


class QuestionForm(AppForm):
    """Add or edit a question in the bank."""

    code = StringField(
        "Code",
        validators=[
            InputRequired("Enter a short code"),
            Length(max=64),
            Regexp(f"^{CODE_PATTERN}$", message=f"Use {CODE_RULE}"),
        ],
    )
    text = TextAreaField(
        "Question", validators=[InputRequired("Enter the question"), Length(max=500)]
    )
    hint = StringField("Hint (optional)", validators=[Optional(), Length(max=500)])
    kind = SelectField(
        "Answer type",
        choices=[
            SelectChoice(Kind.SCALE5.value, "Agreement, 1 to 5"),
            SelectChoice(Kind.SCALE11.value, "Scale, 0 to 10"),
            SelectChoice(Kind.SINGLE.value, "One choice"),
            SelectChoice(Kind.MULTI.value, "Several choices"),
            SelectChoice(Kind.TEXT.value, "Free text"),
        ],
    )
    dimension = StringField(
        "Dimension (optional)",
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[a-z][a-z0-9_]*$", message="Use lower-case letters, digits and _ only"),
        ],
    )
    options = TextAreaField(
        "Choices, one per line (for one or several choices)",
        validators=[Optional(), Length(max=4000)],
    )
    required = BooleanField("An answer is required", default=True)
    text_cy = TextAreaField("Question in Welsh", validators=[Optional(), Length(max=500)])
    hint_cy = StringField("Hint in Welsh", validators=[Optional(), Length(max=500)])
    options_cy = TextAreaField(
        "Choices in Welsh, one per line, in the same order",
        validators=[Optional(), Length(max=4000)],
    )

    def validate_hint_cy(self, field: StringField) -> None:
        """A Welsh hint belongs to a question with Welsh wording."""
        if (field.data or "").strip() and not (self.text_cy.data or "").strip():
            raise ValidationError("Enter the question in Welsh too, or clear the Welsh hint")

    def validate_options_cy(self, field: TextAreaField) -> None:
        """Welsh choices belong to a question with Welsh wording."""
        if (field.data or "").strip() and not (self.text_cy.data or "").strip():
            raise ValidationError("Enter the question in Welsh too, or clear the Welsh choices")


class LanguagesForm(AppForm):
    """Offer a survey in Welsh and English."""

    bilingual = BooleanField("Offer this survey in Welsh and English")


class SurveyForm(AppForm):
    """Name a new survey."""

    name = StringField("Survey name", validators=[InputRequired("Enter a name"), Length(max=120)])


class AddItemForm(AppForm):
    """Add a bank question to a survey."""

    question_version_id = SelectField("Question", coerce=coerce_id)


class WaveForm(AppForm):
    """Create or edit a wave."""

    row_version = HiddenField()
    name = StringField("Name", validators=[InputRequired("Enter a name"), Length(max=80)])
    survey_id = SelectField("Survey", coerce=coerce_id)
    opens_at = MinuteField(
        "Opens (UTC)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Enter when the wave opens")],
    )
    closes_at = MinuteField(
        "Closes (UTC)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Enter when the wave closes")],
    )
    audience_unit_id = SelectField("Audience", coerce=coerce_optional_id)
    cadence = SelectField(
        "Repeats",
        choices=[
            SelectChoice("", "Does not repeat"),
            SelectChoice("weekly", "Weekly"),
            SelectChoice("fortnightly", "Fortnightly"),
            SelectChoice("monthly", "Monthly"),
            SelectChoice("quarterly", "Quarterly"),
        ],
    )
    invitations_only = BooleanField("Invitations only for small units")


class InvitationForm(AppForm):
    """Generate single-use invitation links for one unit."""

    unit_id = SelectField("Unit", coerce=coerce_id)
    count = WholeNumberField(
        "Number of links",
        validators=[InputRequired("Enter how many links to make")],
        low=1,
        high=5000,
    )


class AddressFileForm(AppForm):
    """Upload staff e-mail addresses for a wave: a CSV file of email,unit_path."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file of addresses")])


class AddressPasteForm(AppForm):
    """Paste staff e-mail addresses for one unit of a wave."""

    unit_id = SelectField("Unit", coerce=coerce_id)
    addresses = TextAreaField(
        "E-mail addresses, one per line",
        validators=[InputRequired("Enter at least one e-mail address"), Length(max=200_000)],
    )


class ReminderForm(AppForm):
    """Set when the scheduled reminder goes."""

    days = WholeNumberField(
        "Days before the close (leave empty for none)",
        validators=[Optional()],
        low=1,
        high=90,
    )


class AddressFixForm(AppForm):
    """Correct an address whose invitation did not arrive, or remove it."""

    email = StringField(
        "E-mail address", validators=[InputRequired("Enter an e-mail address"), Length(max=254)]
    )


class DefinitionForm(AppForm):
    """Write a new version of the definition of the change."""

    based_on = HiddenField()
    text = TextAreaField(
        "Definition",
        validators=[
            InputRequired("Enter the definition"),
            Length(min=20, max=4000, message="Write 20 to 4,000 characters"),
        ],
    )
    text_cy = TextAreaField(
        "Definition in Welsh",
        validators=[
            Optional(),
            Length(min=20, max=4000, message="Write 20 to 4,000 characters, or leave it empty"),
        ],
    )


class NoticeForm(AppForm):
    """Write a new version of the privacy notice or the accessibility statement."""

    based_on = HiddenField()
    text = TextAreaField(
        "Text",
        validators=[
            InputRequired("Enter the text"),
            Length(min=20, max=20000, message="Write 20 to 20,000 characters"),
        ],
    )


class ActionForm(AppForm):
    """Record a "you said, we did" action."""

    wave_id = SelectField("Wave", coerce=coerce_id)
    unit_id = SelectField("For", coerce=coerce_optional_id)
    text = TextAreaField(
        "What we did", validators=[InputRequired("Describe the action"), Length(max=1000)]
    )
    status = SelectField(
        "Status",
        choices=[
            SelectChoice(ActionStatus.PLANNED.value, "Planned"),
            SelectChoice(ActionStatus.IN_PROGRESS.value, "In progress"),
            SelectChoice(ActionStatus.DONE.value, "Done"),
        ],
    )
    published = BooleanField("Show to staff at the start of the next pulse")
