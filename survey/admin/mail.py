"""E-mail on the wave page: add staff addresses, schedule or send reminders, correct failures."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from survey import tasks
from survey.admin import bp
from survey.admin.forms import AddressFileForm, AddressFixForm, AddressPasteForm, ReminderForm
from survey.admin.waves import _detail, _form, _wave, mail_forms
from survey.models import Wave, utcnow
from survey.services import mailing, recipients
from survey.services.problems import Invalid, NotFound
from survey.services.recipients import Checked


def _back(wave_id: int) -> object:
    """Return to the wave page's e-mail section after a change."""
    return redirect(url_for("admin.wave", wave_id=wave_id, _anchor="email"), 303)


def _refused(wave: Wave, message: str, **forms: object) -> object:
    """Show the wave page again with a problem that is not about one field."""
    return _detail(wave, _form(wave), message, 422, mail_form=mail_forms(wave, **forms))


def _store(wave: Wave, checked: Checked, **forms: object) -> object:
    """Store a checked list whole, or show every problem by line and store nothing."""
    if checked.problems:
        page = mail_forms(wave, list_problems=checked.problems, **forms)
        return _detail(wave, _form(wave), status=422, mail_form=page)
    try:
        added, already = recipients.add(current_user, wave.id, checked.entries, utcnow())
    except Invalid as problem:
        return _refused(wave, problem.message, **forms)
    sent = mailing.start_invitations(wave.id, tasks.queue().send_mail)
    note = f" {already} were already on the list." if already else ""
    if sent:
        note += " Their invitations are on their way."
    elif wave.launched_at is None:
        note += " Invitations go out when you launch the wave."
    flash(f"{added} e-mail address{'' if added == 1 else 'es'} added.{note}")
    return _back(wave.id)


@bp.post("/waves/<id:wave_id>/addresses")
def addresses(wave_id: int) -> object:
    """Add staff addresses from a CSV file (email,unit_path), checked whole first."""
    wave = _wave(wave_id)
    form = AddressFileForm()
    if not form.validate_on_submit():
        return _detail(wave, _form(wave), status=422, mail_form=mail_forms(wave, upload=form))
    try:
        paths = recipients.paths_of(wave_id, utcnow())
    except Invalid as problem:
        return _refused(wave, problem.message, upload=form)
    return _store(wave, recipients.check_csv(form.file.data.read(), paths), upload=form)


@bp.post("/waves/<id:wave_id>/addresses/paste")
def addresses_paste(wave_id: int) -> object:
    """Add addresses pasted for one unit."""
    wave = _wave(wave_id)
    try:
        recipients.paths_of(wave_id, utcnow())  # refuses a closed wave before reading the form
    except Invalid as problem:
        return _refused(wave, problem.message)
    page = mail_forms(wave, paste=AddressPasteForm())
    form = page.paste
    if not form.validate_on_submit():
        return _detail(wave, _form(wave), status=422, mail_form=page)
    checked = recipients.check_pasted(form.addresses.data or "", form.unit_id.data)
    return _store(wave, checked, paste=form)


@bp.post("/waves/<id:wave_id>/addresses/<id:recipient_id>")
def address_fix(wave_id: int, recipient_id: int) -> object:
    """Correct an address whose invitation did not arrive and send it again, or remove it."""
    wave = _wave(wave_id)
    form = AddressFixForm()
    try:
        # CSRF is checked for every POST before any view (survey/__init__.py: csrf.init_app).
        if request.form.get("action") == "remove":
            recipients.remove(current_user, wave_id, recipient_id, utcnow())
            flash("The address was removed.")
            return _back(wave_id)
        if not form.validate_on_submit():
            message = next(iter(form.errors.values()))[0]
            page = mail_forms(wave, fix_problem=(recipient_id, message))
            return _detail(wave, _form(wave), status=422, mail_form=page)
        recipients.correct(current_user, wave_id, recipient_id, form.email.data or "", utcnow())
    except NotFound:
        abort(404)
    except Invalid as problem:
        page = mail_forms(wave, fix_problem=(recipient_id, problem.message))
        return _detail(wave, _form(wave), status=422, mail_form=page)
    # A new address has no invitation yet: it is made and queued here, else the worker is woken.
    if not mailing.start_invitations(wave_id, tasks.queue().send_mail):
        mailing.wake(wave_id, tasks.queue().send_mail)
    flash("The invitation will be sent again.")
    return _back(wave_id)


@bp.post("/waves/<id:wave_id>/reminders")
def reminder_schedule(wave_id: int) -> object:
    """Set how many days before the close the reminder goes."""
    wave = _wave(wave_id)
    form = ReminderForm()
    if not form.validate_on_submit():
        return _detail(wave, _form(wave), status=422, mail_form=mail_forms(wave, reminder=form))
    try:
        recipients.set_reminder(current_user, wave_id, form.days.data, utcnow())
    except Invalid as problem:
        return _refused(wave, problem.message, reminder=form)
    days = form.days.data
    flash(f"A reminder will go {days} days before the close." if days else "No reminder is due.")
    return _back(wave_id)


@bp.post("/waves/<id:wave_id>/reminders/now")
def remind_now(wave_id: int) -> object:
    """Send a reminder now to every address whose link is unused (at most one a day each)."""
    wave = _wave(wave_id)
    if not mailing.remind_now(wave_id, utcnow(), tasks.queue().send_mail):
        return _refused(wave, "Reminders can only be sent while the wave is open")
    # No count: the number reminded is the number yet to answer, finer than participation shows.
    flash(
        "Reminders are on their way to everyone who has not answered yet and has not had a "
        "message from us today."
    )
    return _back(wave_id)
