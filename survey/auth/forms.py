"""The sign-in and password forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from survey.formtext import AppForm
from survey.services.users import MIN_PASSWORD_LENGTH


class LoginForm(AppForm):
    """E-mail and password."""

    email = EmailField(
        "Email address",
        validators=[InputRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password"), Length(max=200)]
    )


class PasswordForm(AppForm):
    """The current password, then a new one typed twice.

    For a first sign-in with a one-time password the view removes `current`: the user has just
    typed it.
    """

    current = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password"), Length(max=200)],
    )
    new = PasswordField(
        "New password",
        validators=[
            InputRequired("Enter a new password"),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Enter a password of {MIN_PASSWORD_LENGTH} to 200 characters",
            ),
        ],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[
            InputRequired("Enter the new password again"),
            EqualTo("new", "Enter the same new password twice"),
        ],
    )
