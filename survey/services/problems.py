"""What a service raises when it will not do what was asked, for the view to show beside a field."""

from __future__ import annotations


class Invalid(ValueError):
    """Input that breaks a rule; `field` names the form field it belongs to ('' for the form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Conflict(RuntimeError):
    """Someone else changed the thing since this form was loaded."""


class NotFound(LookupError):
    """No such thing, or none the user may see: shown as 404 either way."""
