"""Waves: schedule, launch, close early, extend; and hand out team links and invitations."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from survey import devices, mail, tasks
from survey.admin import bp
from survey.admin.forms import (
    EVERYONE,
    AddressFileForm,
    AddressPasteForm,
    InvitationForm,
    ReminderForm,
    WaveForm,
    unit_choices,
)
from survey.exports import download, filename, rows_to_csv
from survey.extensions import db
from survey.models import Wave, utcnow
from survey.services import mailing, participation, recipients, surveys, units, waves
from survey.services.problems import Conflict, Invalid, NotFound
from survey.web import changed, staff_link


def _wave(wave_id: int) -> Wave:
    try:
        return waves.get(wave_id)
    except NotFound:
        abort(404)


def _form(wave: Wave | None = None, posted: bool = False) -> WaveForm:
    form = WaveForm(obj=None if posted else wave)
    form.survey_id.choices = [SelectChoice(id_, name) for id_, name in surveys.choices()]
    form.audience_unit_id.choices = unit_choices(units.tree(), EVERYONE)
    return form


def _draft(form: WaveForm) -> waves.WaveDraft:
    """Return what the wave form says."""
    return waves.WaveDraft(
        form.name.data or "",
        form.survey_id.data,
        form.opens_at.data,
        form.closes_at.data,
        form.cadence.data or "",
        form.audience_unit_id.data,
        form.invitations_only.data,
    )


def _invite_form(wave: Wave, links: list[waves.LinkRow] | None = None) -> InvitationForm:
    form = InvitationForm()
    rows = waves.links(wave) if links is None else links
    form.unit_id.choices = [SelectChoice(row.unit_id, row.path) for row in rows]
    return form


@dataclass
class MailForms:
    """The wave page's e-mail forms, and the problems of a list that was refused."""

    upload: AddressFileForm
    paste: AddressPasteForm
    reminder: ReminderForm
    list_problems: list[str] = field(default_factory=list)
    fix_problem: tuple[int, str] | None = None


def mail_forms(wave: Wave, **posted: object) -> MailForms:
    """Return the e-mail forms for a wave: the posted ones given, the others fresh (unit choices
    from its audience, the reminder as saved)."""
    forms = MailForms(
        AddressFileForm(formdata=None),
        AddressPasteForm(formdata=None),
        ReminderForm(formdata=None, days=wave.remind_days_before),
    )
    for name, value in posted.items():
        setattr(forms, name, value)
    closed = waves.status(wave, utcnow()) == "closed"
    paths = {} if closed else recipients.unit_paths(db.session, wave)
    forms.paste.unit_id.choices = [SelectChoice(i, p) for p, i in sorted(paths.items())]
    return forms


def _detail(
    wave: Wave,
    form: WaveForm,
    problem: str | None = None,
    status: int = 200,
    invite_form: InvitationForm | None = None,
    mail_form: MailForms | None = None,
) -> tuple[str, int]:
    """Render the wave page with its forms, links and participation (through insights)."""
    now = utcnow()
    links = waves.links(wave) if wave.launched_at else []
    page = render_template(
        "admin/wave.html",
        wave=wave,
        form=form,
        problem=problem,
        status=waves.status(wave, now),
        links=links,
        invite_form=invite_form or _invite_form(wave, links),
        participation=participation.of_wave(wave, current_user, now) if wave.launched_at else None,
        survey=surveys.headline(wave.survey_id),
        mail=recipients.overview(wave),
        mail_forms=mail_form or mail_forms(wave),
        mail_configured=mail.configured(current_app.config),
    )
    return page, status


@bp.route("/waves", endpoint="waves", methods=["GET", "POST"])
def waves_page() -> object:
    """List waves and schedule a new one."""
    form = _form(posted=request.method == "POST")
    if form.validate_on_submit():
        try:
            wave_id = waves.create(current_user, _draft(form))
        except Invalid as problem:
            form[problem.field].errors.append(problem.message)
        else:
            flash("Wave saved as a draft. Launch it when it is ready.")
            return redirect(url_for("admin.wave", wave_id=wave_id), 303)
    status = 422 if form.errors else 200
    return render_template("admin/waves.html", form=form, rows=waves.listing(utcnow())), status


@bp.route("/waves/<id:wave_id>", methods=["GET", "POST"])
def wave(wave_id: int) -> object:
    """Show a wave; save its details, launch it or close it early."""
    wave = _wave(wave_id)
    if request.method == "GET":
        return _detail(wave, _form(wave))
    form = _form(wave, posted=True)
    action = request.form.get("action", "save")
    try:
        if action == "launch":
            waves.launch(current_user, wave_id, form.row_version.data, utcnow())
            sent = mailing.start_invitations(wave_id, tasks.queue().send_mail)
            flash(
                "Launched. Team links are ready below; make single-use links if you need them."
                + (f" Invitations are on their way to {sent} e-mail addresses." if sent else "")
            )
        elif action == "close":
            waves.close_now(current_user, wave_id, form.row_version.data, utcnow())
            flash("The wave is closed.")
        elif form.validate_on_submit():
            waves.update(current_user, wave_id, form.row_version.data, _draft(form), utcnow())
            flash("Saved.")
        else:
            return _detail(wave, form, status=422)
    except Conflict as conflict:
        fresh = waves.get(wave_id)
        return _detail(fresh, _form(fresh), problem=str(conflict), status=409)
    except Invalid as problem:
        if problem.field:
            form[problem.field].errors.append(problem.message)
        return _detail(wave, form, problem=None if problem.field else problem.message, status=422)
    return redirect(url_for("admin.wave", wave_id=wave_id), 303)


@bp.post("/waves/<id:wave_id>/team-links/<id:unit_id>")
def team_link(wave_id: int, unit_id: int) -> object:
    """Switch a unit's open team link on or off."""
    wave, now = _wave(wave_id), utcnow()
    try:
        row = waves.set_team_link(current_user, wave_id, unit_id, request.form.get("active") == "1")
    except NotFound:
        abort(404)
    return changed(
        "admin/_team_link_row.html",
        url_for("admin.wave", wave_id=wave_id),
        wave=wave,
        row=row,
        status=waves.status(wave, now),
        participation=participation.of_wave(wave, current_user, now),
    )


@bp.post("/waves/<id:wave_id>/team-links/<id:unit_id>/kiosk")
def kiosk(wave_id: int, unit_id: int) -> object:
    """Set up this browser as a kiosk for a unit's team link, or stop it being one."""
    wave = _wave(wave_id)
    on = request.form.get("kiosk") == "1"
    try:
        link = waves.kiosk(current_user, wave_id, unit_id, on, utcnow())
    except NotFound:
        abort(404)
    except Invalid as problem:
        return _detail(wave, _form(wave), problem=problem.message, status=422)
    response = redirect(url_for("admin.wave", wave_id=wave_id), 303)
    if on:
        devices.start_kiosk(response, wave_id, unit_id, link.token, link.closes_at)
        flash(
            f"This device is now a kiosk for {link.path}: it takes one response after another "
            "and clears itself after each. Sign out, then open the team link on it."
        )
    else:
        devices.stop_kiosk(response, link.token)
        flash(f"This device is no longer a kiosk for {link.path}.")
    return response


@bp.post("/waves/<id:wave_id>/invitations")
def invitations(wave_id: int) -> object:
    """Make single-use links for a unit and download them once, as CSV for a mail merge."""
    wave = _wave(wave_id)
    form = _invite_form(wave)
    if form.validate_on_submit():
        try:
            path, issued = waves.invite(
                current_user, wave_id, form.unit_id.data, form.count.data, utcnow()
            )
        except Invalid as problem:
            if problem.field:
                form[problem.field].errors.append(problem.message)
            return _detail(wave, _form(wave), None if problem.field else problem.message, 422, form)
        rows = [(path, staff_link("i", token)) for token in issued]
        name = filename("invitations", wave.name, path.rsplit(" > ", 1)[-1])
        return download(rows_to_csv(("unit_path", "link"), rows), name)
    return _detail(wave, _form(wave), status=422, invite_form=form)
