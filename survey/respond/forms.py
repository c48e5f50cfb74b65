"""The pulse form: one Flask-WTF field per question, built once per launched wave."""

from __future__ import annotations

from typing import Any

from flask import current_app
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
        ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
        start=1,
    )
)

REQUIRED_MESSAGE = {
    Kind.SCALE5: "Select how much you agree",
    Kind.SCALE11: "Select a number from 0 to 10",
    Kind.SINGLE: "Select one answer",
    Kind.MULTI: "Select at least one answer",
    Kind.TEXT: "Enter an answer",
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
                raise ValidationError(f"Select \u201c{label}\u201d on its own, or clear it")

    return check


def no_duplicates(_form: FlaskForm, field: Field) -> None:
    """Reject a choice sent twice, which no browser does."""
    if field.data and len(set(field.data)) != len(field.data):
        raise ValidationError("Choose each answer only once")


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
            Length(max=text_max, message=f"Answer must be {text_max:,} characters or fewer"),
        ],
    )


def build_form_class(pulse: Pulse) -> type[PulseFormBase]:
    """Return a new form class with one field per question of the pulse."""
    text_max = current_app.config["TEXT_ANSWER_MAX_CHARS"]
    fields = {item.field: build_field(item, text_max) for item in pulse.items}
    return type(f"PulseForm{pulse.wave_id}", (PulseFormBase,), fields)


def form_class(pulse: Pulse) -> type[PulseFormBase]:
    """Return the form class for a launched wave's pulse, built once per worker."""
    cache: dict[int, type[PulseFormBase]] = current_app.extensions.setdefault("form_cache", {})
    if pulse.wave_id not in cache:
        cache[pulse.wave_id] = build_form_class(pulse)
    return cache[pulse.wave_id]
