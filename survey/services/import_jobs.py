"""Uploads of past results, checked and imported on a background thread with visible progress.

The job's row is the one place progress lives, so any worker can answer the page that polls it.
The uploaded file is kept in the instance folder only while its job runs.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from survey.database import write_transaction
from survey.extensions import db
from survey.models import ImportJob, User, utcnow
from survey.services import audit, importing
from survey.services.problems import NotFound

RECENT = 10
# Far longer than the largest upload takes (README, "Benchmarks"): a job still running after
# this lost its thread to a restart of its server process.
STALE_AFTER = timedelta(minutes=30)
STOPPED = (
    "The import stopped before it finished (the server was restarted), so nothing was imported: "
    "upload the file again."
)
STOPPED_AFTER_STORING = (
    "Imported, but the server was restarted while it updated the figures: they are brought up "
    "to date when the results are next viewed."
)


def _folder() -> Path:
    """Return the folder uploads wait in, created on first use."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def start(actor: User, upload: FileStorage, dry_run: bool) -> int:
    """Save the upload, record a job and start it; return the job's id."""
    path = _folder() / f"{secrets.token_hex(16)}.csv"
    upload.save(path)
    name = Path(upload.filename or "upload.csv").name[:200]
    with write_transaction() as session:
        job = ImportJob(user_id=actor.id, filename=name, dry_run=dry_run)
        session.add(job)
        session.flush()
        job_id = job.id
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = threading.Thread(target=_run, args=(app, job_id, path, actor.id), daemon=True)
    worker.start()
    return job_id


def _update(job_id: int, **values: object) -> None:
    """Write part of a job's state in its own short transaction."""
    with write_transaction() as session:
        job = session.get_one(ImportJob, job_id)
        for name, value in values.items():
            setattr(job, name, value)


def _run(app: Flask, job_id: int, path: Path, actor_id: int) -> None:
    """Check and import the file, keeping the job's row up to date; always remove the file."""
    with app.app_context():
        try:
            dry_run = db.session.get_one(ImportJob, job_id).dry_run
            report = importing.import_responses(
                path.open,
                dry_run,
                lambda stage, rows: _update(job_id, status=stage, rows_checked=rows),
            )
            _update(
                job_id,
                status="done" if report.ok else "failed",
                rows_checked=report.rows,
                summary=importing.summary(report),
                problems="\n".join(str(p) for p in report.problems),
                finished_at=utcnow(),
            )
            if report.ok and not dry_run:
                with write_transaction() as session:
                    actor = session.get(User, actor_id)
                    audit.record(session, actor, "import.responses", importing.summary(report))
        except Exception:
            current_app.logger.exception("Import job %s failed", job_id)
            _update(
                job_id,
                status="failed",
                summary="The import stopped on an unexpected error; nothing was imported.",
                finished_at=utcnow(),
            )
        finally:
            path.unlink(missing_ok=True)
            db.session.remove()


def _close_abandoned() -> None:
    """End the jobs whose thread died with its process, and remove their uploads.

    The store is one transaction, so such a job stored nothing, unless it had reached the
    figures, which are caught up on the next read anyway.
    """
    cutoff = utcnow() - STALE_AFTER
    abandoned = (ImportJob.finished_at.is_(None), ImportJob.created_at < cutoff)
    if db.session.scalar(select(ImportJob.id).where(*abandoned).limit(1)) is not None:
        with write_transaction() as session:
            for job in session.scalars(select(ImportJob).where(*abandoned)):
                stored = job.status == "figures"
                job.status = "done" if stored else "failed"
                job.summary = STOPPED_AFTER_STORING if stored else STOPPED
                job.finished_at = utcnow()
    for upload in _folder().glob("*.csv"):
        if upload.stat().st_mtime < time.time() - STALE_AFTER.total_seconds():
            upload.unlink(missing_ok=True)


def get(job_id: int) -> ImportJob:
    """Return a job or raise NotFound."""
    _close_abandoned()
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(job_id)
    return job


def recent() -> list[ImportJob]:
    """Return the latest jobs, newest first."""
    _close_abandoned()
    return list(db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(RECENT)))
