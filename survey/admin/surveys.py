"""Surveys: compose from the bank, reorder by keyboard, and preview exactly as staff see it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from survey.admin import bp
from survey.admin.forms import AddItemForm, LanguagesForm, SurveyForm
from survey.models import utcnow
from survey.numbers import parse_int
from survey.respond import flow, language
from survey.respond.forms import build_form_class
from survey.services import pulses, questions, surveys, tokens
from survey.services.landing import Recap
from survey.services.problems import Invalid, NotFound
from survey.services.pulses import Link
from survey.web import changed, page_or_fragment


def _survey(survey_id: int) -> surveys.SurveyView:
    try:
        return surveys.get(survey_id)
    except NotFound:
        abort(404)


def _add_form() -> AddItemForm:
    form = AddItemForm()
    form.question_version_id.choices = [
        SelectChoice(row.version_id, f"{row.code}: {row.text}") for row in questions.search()
    ]
    return form


@bp.route("/surveys", endpoint="surveys", methods=["GET", "POST"])
def surveys_page() -> object:
    """List surveys and start a new one."""
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            survey_id = surveys.create(current_user, form.name.data)
        except Invalid as problem:
            form[problem.field].errors.append(problem.message)
        else:
            return redirect(url_for("admin.survey", survey_id=survey_id), 303)
    status = 422 if form.errors else 200
    return render_template("admin/surveys.html", form=form, rows=surveys.listing()), status


@bp.get("/surveys/<id:survey_id>")
def survey(survey_id: int) -> object:
    """Show the composer: the ordered questions and a way to add more."""
    return render_template(
        "admin/survey.html", survey=_survey(survey_id), form=_add_form(), problem=None
    )


@bp.post("/surveys/<id:survey_id>/items")
def survey_items(survey_id: int) -> object:
    """Add, move or remove a question; htmx swaps the composer, a page load redirects."""
    _survey(survey_id)
    form = _add_form()
    action = request.form.get("action", "")
    position = parse_int(request.form.get("position", ""))
    try:
        if action == "add":
            if not form.validate_on_submit():
                raise Invalid("question_version_id", "Choose a question from the list")
            surveys.add_item(current_user, survey_id, form.question_version_id.data)
        elif action in ("up", "down", "remove"):
            if position is None:
                abort(400, "The question's position must be a whole number from 0.")
            if action == "remove":
                surveys.remove(current_user, survey_id, position)
            else:
                surveys.move(current_user, survey_id, position, -1 if action == "up" else 1)
        else:
            abort(400, "That change is not one this page makes.")
    except Invalid as problem:
        if problem.field:
            form[problem.field].errors.append(problem.message)
        return page_or_fragment(
            "admin/survey.html",
            "admin/_composer.html",
            422,
            survey=surveys.get(survey_id),
            form=form,
            problem=problem.message,
        )
    up_or_down = action in ("up", "down") and position is not None
    moved = position + (-1 if action == "up" else 1) if up_or_down else None
    return changed(
        "admin/_composer.html",
        url_for("admin.survey", survey_id=survey_id),
        survey=surveys.get(survey_id),
        form=_add_form(),
        problem=None,
        focus=(action, moved),
    )


@bp.post("/surveys/<id:survey_id>/languages")
def survey_languages(survey_id: int) -> object:
    """Offer the survey in Welsh and English, or in English only."""
    _survey(survey_id)
    form = LanguagesForm()
    if not form.validate_on_submit():
        abort(400, "This form has expired. Reload the page and try again.")
    try:
        surveys.set_bilingual(current_user, survey_id, form.bilingual.data)
    except Invalid as refused:
        problem = refused.message
        view = _survey(survey_id)
        page = render_template("admin/survey.html", survey=view, form=_add_form(), problem=problem)
        return page, 422
    flash(
        "Staff can now choose Welsh or English. Every question needs Welsh text before launch."
        if form.bilingual.data
        else "Staff see this survey in English only."
    )
    return redirect(url_for("admin.survey", survey_id=survey_id), 303)


@bp.post("/surveys/<id:survey_id>/copy")
def survey_copy(survey_id: int) -> object:
    """Copy a survey so a locked one can be changed for future waves."""
    _survey(survey_id)
    new_id = surveys.copy(current_user, survey_id)
    flash("Copied. Changes to this copy do not affect launched waves.")
    return redirect(url_for("admin.survey", survey_id=new_id), 303)


@bp.route("/surveys/<id:survey_id>/preview", methods=["GET", "POST"])
def survey_preview(survey_id: int) -> object:
    """Run the staff card flow on this survey; the last step says nothing was stored."""
    _survey(survey_id)
    pulse = surveys.preview(survey_id)
    # HR check a bilingual survey's Welsh with the same link staff use.
    pulse = pulses.in_language(pulse, language.choose(pulse.bilingual))
    link = Link("preview", "", 0, 0, "Preview", utcnow())
    form = build_form_class(pulse)()
    action = url_for("admin.survey_preview", survey_id=survey_id)
    context = {"link": link, "pulse": pulse, "form": form, "action": action, "preview": True}
    if request.method == "GET":
        form.nonce.data = tokens.new_nonce()
        return render_template("respond/pulse.html", screen=None, recap=Recap(None, ()), **context)
    screen = flow.advance(pulse, form, request.form)
    if screen is None:
        return render_template("admin/preview_done.html", survey=_survey(survey_id))
    return page_or_fragment(
        "respond/pulse.html", "respond/_screen.html", screen.status, screen=screen, **context
    )
