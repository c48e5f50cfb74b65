"""Users: invite, set role and scope, deactivate; and the audit log of admin changes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from survey.admin import bp
from survey.admin.forms import TOP_LEVEL as NO_UNIT
from survey.admin.forms import UserForm, unit_choices
from survey.models import Role
from survey.services import audit, units, users
from survey.services.problems import Invalid, NotFound
from survey.web import page_arg


def _form(**kwargs: object) -> UserForm:
    form = UserForm(**kwargs)
    form.unit_id.choices = unit_choices(units.tree(), NO_UNIT)
    return form


@bp.route("/users", endpoint="users", methods=["GET", "POST"])
def users_page() -> object:
    """List users and invite a new one, showing their one-time password once."""
    form = _form()
    invited = password = None
    if form.validate_on_submit():
        try:
            invited, password = users.invite(
                current_user, form.email.data, Role(form.role.data), form.unit_id.data
            )
        except Invalid as problem:
            form[problem.field].errors.append(problem.message)
    status = 422 if form.errors else 200
    return render_template(
        "admin/users.html", form=form, rows=users.listing(), invited=invited, password=password
    ), status


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int) -> object:
    """Change a user's role, scope or status."""
    try:
        user = users.get(user_id)
    except NotFound:
        abort(404)
    form = _form(
        obj=user,
        data=None
        if request.method == "POST"
        else {"role": user.role.value, "unit_id": user.unit_id, "active": user.active},
    )
    if form.validate_on_submit():
        try:
            users.update(
                current_user,
                user_id,
                form.email.data,
                Role(form.role.data),
                form.unit_id.data,
                form.active.data,
            )
        except Invalid as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(f"Saved {form.email.data}")
            return redirect(url_for("admin.users"), 303)
    status = 422 if form.errors else 200
    return render_template("admin/user_edit.html", form=form, user=user), status


@bp.post("/users/<id:user_id>/password")
def user_password(user_id: int) -> object:
    """Give a user a new one-time password, shown once, when they have lost theirs."""
    try:
        user, password = users.reset_password(current_user, user_id)
    except NotFound:
        abort(404)
    except Invalid as problem:
        abort(409, problem.message)
    return render_template("admin/user_password.html", invited=user, password=password)


@bp.get("/audit", endpoint="audit")
def audit_page() -> str:
    """Show the audit log, newest first, a page at a time."""
    page = audit.entries(page_arg())
    return render_template("admin/audit.html", page=page)
