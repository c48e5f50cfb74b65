"""Units: the directorate > service > team tree, edited inline, and imported from CSV."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from survey.admin import bp
from survey.admin.forms import TOP_LEVEL, ImportForm, UnitForm, unit_choices
from survey.services import units
from survey.services.problems import Invalid, NotFound
from survey.web import changed, page_or_fragment


def _form(unit: units.UnitRow | None = None) -> UnitForm:
    """Return a unit form whose parent choices are the current tree."""
    # Each row's inline form gets its own prefix, so ids stay unique beside the add form.
    form = UnitForm(obj=unit, prefix=f"unit{unit.id}") if unit else UnitForm()
    form.parent_id.choices = unit_choices(units.tree(), TOP_LEVEL)
    return form


def _row(unit_id: int) -> units.UnitRow:
    try:
        return units.get(unit_id)
    except NotFound:
        abort(404)


@bp.route("/units", endpoint="units", methods=["GET", "POST"])
def units_page() -> object:
    """List the tree and add a unit."""
    form = _form()
    if form.validate_on_submit():
        try:
            units.add(current_user, form.name.data, form.parent_id.data, form.headcount.data)
        except Invalid as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash(f"Added {form.name.data}")
            return redirect(url_for("admin.units"), 303)
    status = 422 if form.errors else 200
    return page_or_fragment(
        "admin/units.html", "admin/_unit_add.html", status, form=form, rows=units.tree()
    )


@bp.route("/units/<id:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int) -> object:
    """Rename, move or change the headcount of a unit, inline with htmx or as a page."""
    row = _row(unit_id)
    form = _form(row)
    if form.validate_on_submit():
        try:
            units.update(
                current_user, unit_id, form.name.data, form.parent_id.data, form.headcount.data
            )
        except Invalid as problem:
            form[problem.field].errors.append(problem.message)
        else:
            return changed("admin/_unit_row.html", url_for("admin.units"), row=units.get(unit_id))
    status = 422 if form.errors else 200
    return page_or_fragment(
        "admin/unit_edit.html", "admin/_unit_edit_row.html", status, row=row, form=form
    )


@bp.post("/units/<id:unit_id>/retire")
def unit_retire(unit_id: int) -> object:
    """Retire a unit so it is left out of future waves."""
    return _set_retired(unit_id, True)


@bp.post("/units/<id:unit_id>/restore")
def unit_restore(unit_id: int) -> object:
    """Bring a retired unit back."""
    return _set_retired(unit_id, False)


def _set_retired(unit_id: int, retired: bool) -> object:
    _row(unit_id)
    units.set_retired(current_user, unit_id, retired)
    return changed("admin/_unit_row.html", url_for("admin.units"), row=units.get(unit_id))


@bp.route("/units/import", methods=["GET", "POST"])
def units_import() -> object:
    """Import units from a CSV; nothing changes unless every row is valid."""
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        rows, problems = units.parse_import(form.file.data.read())
        if not problems:
            count = units.import_units(current_user, rows)
            flash(f"Imported {count} units")
            return redirect(url_for("admin.units"), 303)
    status = 422 if problems or form.errors else 200
    return render_template("admin/units_import.html", form=form, problems=problems), status
