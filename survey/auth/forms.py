"""The sign-in form."""

from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from survey.formtext import AppForm


class LoginForm(AppForm):
    """E-mail and password."""

    email = EmailField(
        "Email address",
        validators=[InputRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password"), Length(max=200)]
    )
