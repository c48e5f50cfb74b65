"""The base of every form: WTForms' developer wording replaced by plain instructions, and the
number and date fields that parse strictly (survey/numbers.py)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField

from survey.numbers import MAX_ID, YEARS, in_window, parse_int, parse_minute

ONE = "Choose one of the options shown"
ONLY = "Choose only from the options shown"
PLAIN_MESSAGES = {
    "Not a valid choice.": ONE,
    "Invalid Choice: could not coerce.": ONE,
    "'%(value)s' is not a valid choice for this field.": ONLY,
    "'%(value)s' are not valid choices for this field.": ONLY,
    "Invalid choice(s): one or more data inputs could not be coerced.": ONLY,
    "Not a valid integer value.": "Enter a whole number",
    "Not a valid datetime value.": "Enter a date and time",
    "Invalid email address.": "Enter an email address like name@council.gov.uk",
}


class PlainMessages:
    """WTForms translations object that swaps technical messages for plain ones."""

    def gettext(self, string: str) -> str:
        """Return the plain message for `string`."""
        return PLAIN_MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Return the plain message for the singular or plural form."""
        return self.gettext(singular if n == 1 else plural)


class AppForm(FlaskForm):
    """A Flask-WTF form (so CSRF-protected) that speaks plainly."""

    class Meta:
        def get_translations(self, form: Any) -> PlainMessages:
            return PlainMessages()


class WholeNumberField(IntegerField):
    """A number box that takes only a canonical ASCII whole number from `low` to `high`."""

    def __init__(
        self,
        label: str | None = None,
        validators: list[Any] | None = None,
        low: int = 0,
        high: int = MAX_ID,
        message: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.low, self.high = low, high
        self.message = message or f"Enter a whole number from {low:,} to {high:,}"

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the posted text; an empty box is left to InputRequired or Optional."""
        self.data = None
        if not valuelist or valuelist[0] == "":
            return
        self.data = parse_int(valuelist[0], self.low, self.high) if len(valuelist) == 1 else None
        if self.data is None:
            raise ValueError(self.message)


class MinuteField(DateTimeLocalField):
    """A date-and-time box (to the minute) that takes ASCII digits and years in the window."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the posted text; an empty box is left to InputRequired or Optional."""
        self.data = None
        if not valuelist or valuelist[0] == "":
            return
        found = parse_minute(valuelist[0]) if len(valuelist) == 1 else None
        if found is None:
            raise ValueError("Enter a date and time like 31/03/2026 09:00")
        if not in_window(found):
            raise ValueError(f"Enter a date in the years {YEARS}")
        self.data = found
