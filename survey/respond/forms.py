"""The pulse form: one Flask-WTF field per question, built once per launched wave."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from survey.formtext import AppForm
from survey.models import Kind
from survey.numbers import coerce_id, coerce_int
from survey.services import tokens
from survey.services.pulses import Item, Pulse

AGREEMENT = tuple(
    SelectChoice(value, label)
    for value, label in enumerate(
        (
            lazy_gettext("Strongly disagree"),
            lazy_gettext("Disagree"),
            lazy_gettext("Neither agree nor disagree"),
            lazy_gettext("Agree"),
            lazy_gettext("Strongly agree"),
        ),
        start=1,
    )
)

REQUIRED_MESSAGE = {
    Kind.SCALE5: lazy_gettext("Select how much you agree"),
    Kind.SCALE11: lazy_gettext("Select a number from 0 to 10"),
    Kind.SINGLE: lazy_gettext("Select one answer"),
    Kind.MULTI: lazy_gettext("Select at least one answer"),
    Kind.TEXT: lazy_gettext("Enter an answer"),
}


class PulseFormBase(AppForm):
    """Fields every pulse form has besides its questions."""

    nonce = HiddenField(validators=[InputRequired(), Regexp(tokens.NONCE_PATTERN)])


def exclusive_choice(item: Item) -> Any:
    """Return a validator rejecting an exclusive choice ("I'm not sure") combined with others."""
    exclusive = {c.id: c.label for c in item.choices if c.exclusive}

    def check(_form: FlaskForm, field: Field) -> None:
        chosen = field.data or []
        for choice_id, label in exclusive.items():
            if choice_id in chosen and len(chosen) > 1:
                raise ValidationError(
                    gettext("Select \u201c%(choice)s\u201d on its own, or clear it", choice=label)
                )

    return check


def no_duplicates(_form: FlaskForm, field: Field) -> None:
    """Reject a choice sent twice, which no browser does."""
    if field.data and len(set(field.data)) != len(field.data):
        raise ValidationError(gettext("Choose each answer only once"))


def build_field(item: Item, text_max: int) -> Field:
    """Return the WTForms field for one question."""
    required = [InputRequired(REQUIRED_MESSAGE[item.kind])] if item.required else [Optional()]
    if item.kind is Kind.SCALE5:
        return RadioField(item.text, choices=AGREEMENT, coerce=coerce_int, validators=required)
    if item.kind is Kind.SCALE11:
        return RadioField(
            item.text,
            choices=[SelectChoice(n, str(n)) for n in range(11)],
            coerce=coerce_int,
            validators=required,
        )
    choices = [SelectChoice(c.id, c.label) for c in item.choices]
    if item.kind is Kind.SINGLE:
        return RadioField(item.text, choices=choices, coerce=coerce_id, validators=required)
    if item.kind is Kind.MULTI:
        return SelectMultipleField(
            item.text,
            choices=choices,
            coerce=coerce_id,
            validators=[*required, no_duplicates, exclusive_choice(item)],
        )
    return TextAreaField(
        item.text,
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            *required,
            Length(
                max=text_max,
                message=lazy_gettext(
                    "Answer must be %(count)s characters or fewer", count=f"{text_max:,}"
                ),
            ),
        ],
    )


def build_form_class(pulse: Pulse) -> type[PulseFormBase]:
    """Return a new form class with one field per question of the pulse."""
    text_max = current_app.config["TEXT_ANSWER_MAX_CHARS"]
    fields = {item.field: build_field(item, text_max) for item in pulse.items}
    return type(f"PulseForm{pulse.wave_id}", (PulseFormBase,), fields)


def form_class(pulse: Pulse, language: str) -> type[PulseFormBase]:
    """Return the form class for a launched wave's pulse in one language (its choices carry
    their labels), built once per worker."""
    cache: dict[tuple[int, str], type[PulseFormBase]] = current_app.extensions.setdefault(
        "form_cache", {}
    )
    key = (pulse.wave_id, language)
    if key not in cache:
        cache[key] = build_form_class(pulse)
    return cache[key]
