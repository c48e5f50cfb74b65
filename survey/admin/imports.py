"""Import past results: upload a responses CSV, then watch it being checked and imported."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from survey import tasks
from survey.admin import bp
from survey.admin.forms import ResponsesImportForm
from survey.models import Role
from survey.services import import_jobs
from survey.services.problems import NotFound
from survey.web import page_or_fragment

# Endpoints that take an admin's large upload, and the setting that bounds each.
LARGE_UPLOADS = {"admin.imports": "IMPORT_MAX_BYTES", "admin.addresses": "MAIL_LIST_MAX_BYTES"}


def allow_large_upload() -> None:
    """Let a signed-in admin's import or address list upload past the small default body limit.

    Runs before CSRF protection reads the form, and only for admins, so nobody else can make
    the server spool a large body.
    """
    if (
        request.endpoint in LARGE_UPLOADS
        and request.method == "POST"
        and current_user.is_authenticated
        and current_user.role is Role.ADMIN
    ):
        request.max_content_length = current_app.config[LARGE_UPLOADS[request.endpoint]]


@bp.route("/imports", methods=["GET", "POST"])
def imports() -> object:
    """The upload form and the latest imports."""
    form = ResponsesImportForm()
    if form.validate_on_submit():
        job_id = import_jobs.start(
            current_user, form.file.data, form.dry_run.data, tasks.queue().import_job
        )
        return redirect(url_for("admin.import_job", job_id=job_id), 303)
    status = 422 if form.errors else 200
    return (
        render_template("admin/imports.html", form=form, jobs=import_jobs.recent()),
        status,
    )


@bp.get("/imports/<id:job_id>")
def import_job(job_id: int) -> object:
    """One import's progress; while it runs, htmx asks again every second."""
    try:
        job = import_jobs.get(job_id)
    except NotFound:
        abort(404)
    return page_or_fragment("admin/import_job.html", "admin/_import_job.html", job=job)
