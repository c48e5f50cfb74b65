"""What staff read: the definition of the change, and the "you said, we did" actions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from survey.admin import bp
from survey.admin.forms import EVERYONE, ActionForm, DefinitionForm, NoticeForm, unit_choices
from survey.models import ActionStatus, utcnow
from survey.services import actions, definitions, notices, units, waves
from survey.services.problems import Conflict, Invalid, NotFound
from survey.web import page_or_fragment


def _latest(versions: Sequence[Any]) -> str:
    """Return the number of the newest of these versions (newest first), "0" if there are none:
    the version a form's edit is based on."""
    return str(versions[0].version if versions else 0)


@bp.route("/definition", endpoint="definition", methods=["GET", "POST"])
def definition_page() -> object:
    """Write a new version of the definition, with a preview before saving."""
    versions = definitions.history()
    form = DefinitionForm(
        data=None
        if request.method == "POST"
        else {
            "text": versions[0].text if versions else "",
            "text_cy": (versions[0].text_cy or "") if versions else "",
            "based_on": _latest(versions),
        }
    )
    problem, status = None, 200
    if request.method == "POST" and form.validate():
        if request.form.get("action") == "preview":
            return page_or_fragment(
                "admin/definition.html",
                "admin/_definition_preview.html",
                form=form,
                versions=versions,
                problem=None,
                preview=form.text.data,
            )
        try:
            number = definitions.save(
                current_user, form.text.data, form.based_on.data, form.text_cy.data or ""
            )
        except Conflict as conflict:
            problem, status = str(conflict), 409
            versions = definitions.history()
            form.based_on.data = _latest(versions)
        else:
            flash(f"Saved as version {number}. Waves launched from now on show it.")
            return redirect(url_for("admin.definition"), 303)
    elif form.errors:
        status = 422
    return render_template(
        "admin/definition.html", form=form, versions=versions, problem=problem, preview=None
    ), status


@bp.route("/notices/<any(privacy, accessibility):kind>", methods=["GET", "POST"])
def notice(kind: str) -> object:
    """Write a new version of the privacy notice or the accessibility statement."""
    versions = notices.history(kind)
    form = NoticeForm(
        data=None
        if request.method == "POST"
        else {
            "text": notices.current_text(kind),
            "based_on": _latest(versions),
        }
    )
    problem, status = None, 200
    if form.validate_on_submit():
        try:
            number = notices.save(current_user, kind, form.text.data, form.based_on.data)
        except Conflict as conflict:
            problem, status = str(conflict), 409
            versions = notices.history(kind)
            form.based_on.data = _latest(versions)
        else:
            flash(f"Saved as version {number}. Staff see it now.")
            return redirect(url_for("admin.notice", kind=kind), 303)
    elif form.errors:
        status = 422
    return render_template(
        "admin/notice.html",
        kind=kind,
        title=notices.TITLES[kind],
        form=form,
        versions=versions,
        problem=problem,
    ), status


def _action_form(**kwargs: object) -> ActionForm:
    form = ActionForm(**kwargs)
    form.wave_id.choices = [SelectChoice(w.id, w.name) for w in waves.listing(utcnow())]
    form.unit_id.choices = unit_choices(units.tree(), EVERYONE)
    return form


def _save_action(form: ActionForm, action_id: int | None) -> bool:
    """Save the action a valid form describes; put any refusal beside its field."""
    if not form.validate_on_submit():
        return False
    try:
        actions.save(
            current_user,
            action_id,
            form.wave_id.data,
            form.unit_id.data,
            form.text.data,
            ActionStatus(form.status.data),
            form.published.data,
        )
    except Invalid as problem:
        form[problem.field].errors.append(problem.message)
        return False
    flash("Action saved.")
    return True


@bp.route("/actions", endpoint="actions", methods=["GET", "POST"])
def actions_page() -> object:
    """List actions and record a new one."""
    form = _action_form()
    if _save_action(form, None):
        return redirect(url_for("admin.actions"), 303)
    status = 422 if form.errors else 200
    return render_template("admin/actions.html", form=form, rows=actions.listing()), status


@bp.route("/actions/<id:action_id>", methods=["GET", "POST"])
def action_edit(action_id: int) -> object:
    """Change an action's wording, status or whether staff see it."""
    try:
        action = actions.get(action_id)
    except NotFound:
        abort(404)
    form = _action_form(
        data=None
        if request.method == "POST"
        else {
            "wave_id": action.wave_id,
            "unit_id": action.unit_id,
            "text": action.text,
            "status": action.status.value,
            "published": action.published,
        }
    )
    if _save_action(form, action_id):
        return redirect(url_for("admin.actions"), 303)
    status = 422 if form.errors else 200
    return render_template("admin/action_edit.html", form=form, action_id=action_id), status
