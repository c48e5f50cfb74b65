"""The base of every form: WTForms' developer wording replaced by plain instructions."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

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
