"""The question bank: the default pulse's questions and custom ones, with active search."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from survey.admin import bp
from survey.admin.forms import QuestionForm
from survey.models import Kind
from survey.services import questions
from survey.services.problems import Invalid, NotFound
from survey.web import page_or_fragment


def _draft(form: QuestionForm) -> questions.QuestionDraft:
    """Return what the editor says about a question, apart from its code."""
    return questions.QuestionDraft(
        form.text.data or "",
        form.hint.data or "",
        Kind(form.kind.data),
        form.dimension.data or "",
        form.required.data,
        form.options.data or "",
        form.text_cy.data or "",
        form.hint_cy.data or "",
        form.options_cy.data or "",
    )


@bp.get("/questions", endpoint="questions")
def questions_page() -> object:
    """List the bank; the search box narrows it as you type (htmx) or on submit."""
    query = request.args.get("q", "")[:100]
    return page_or_fragment(
        "admin/questions.html",
        "admin/_question_results.html",
        rows=questions.search(query),
        q=query,
    )


@bp.route("/questions/new", methods=["GET", "POST"])
def question_new() -> object:
    """Add a custom question."""
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            questions.create(current_user, form.code.data, _draft(form))
        except Invalid as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(f"Added question {form.code.data}")
            return redirect(url_for("admin.questions"), 303)
    status = 422 if form.errors else 200
    return render_template("admin/question_form.html", form=form, version=None), status


@bp.route("/questions/<id:question_id>", methods=["GET", "POST"])
def question_edit(question_id: int) -> object:
    """Edit a question; answered or launched wording is kept and a new version made."""
    try:
        version = questions.latest(question_id)
    except NotFound:
        abort(404)
    form = QuestionForm(
        data=None
        if request.method == "POST"
        else {
            "code": version.question.code,
            "text": version.text,
            "hint": version.hint,
            "kind": version.kind.value,
            "dimension": version.dimension,
            "required": version.required,
            "options": questions.options_text(version),
            "text_cy": version.text_cy or "",
            "hint_cy": version.hint_cy or "",
            "options_cy": questions.options_text_cy(version),
        }
    )
    form.code.data = version.question.code  # the code names the question for ever
    if form.validate_on_submit():
        try:
            new = questions.edit(current_user, question_id, _draft(form))
        except Invalid as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(
                f"Saved {version.question.code}"
                + (" as a new version; earlier answers keep their wording" if new else "")
            )
            return redirect(url_for("admin.questions"), 303)
    status = 422 if form.errors else 200
    return render_template("admin/question_form.html", form=form, version=version), status
