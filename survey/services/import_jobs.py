"""Uploads of past results, checked and imported by the task queue's worker with visible progress.

The job's row is the one place its state lives (queued, checking, importing, figures; then done or
failed), so any web worker can answer the page that polls it and a restarted worker knows which
runs were cut off. The uploaded file stays in the instance folder until its job ends.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from survey.database import write_transaction
from survey.extensions import db
from survey.logs import log_error
from survey.models import ImportJob, User, utcnow
from survey.services import audit, importing
from survey.services.problems import NotFound

log = logging.getLogger("survey.jobs")

RECENT = 10
RUNNING = ("checking", "importing")
# A run cut off by a restart is retried once; a file that takes the worker down twice is not
# tried a third time.
MAX_ATTEMPTS = 2
# An upload no job refers to was left by a web process that died while recording its job.
ORPHAN_AFTER_SECONDS = 3600
STOPPED = (
    "The import was cut off twice by a restart of the worker before it finished, so nothing "
    "was imported: upload the file again."
)
STOPPED_AFTER_STORING = (
    "Imported, but the worker was restarted while it updated the figures: they are brought up "
    "to date when the results are next viewed."
)
UNQUEUED = "The import could not be queued, so nothing was imported: try again in a minute."
UNEXPECTED = "The import stopped on an unexpected error; nothing was imported."

Enqueue = Callable[[int], object]


def _folder() -> Path:
    """Return the folder uploads wait in, created on first use."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _changed(job_id: int, status: str, **fields: object) -> None:
    """Log a job's change of state (ids, stages and counts only, never the file's content)."""
    log.info("import job %s", status, extra={"job_id": job_id, "status": status, **fields})


def start(actor: User, upload: FileStorage, dry_run: bool, enqueue: Enqueue) -> int:
    """Save the upload, record a queued job and hand it to the worker; return the job's id."""
    name = f"{secrets.token_hex(16)}.csv"
    path = _folder() / name
    upload.save(path)
    try:
        with write_transaction() as session:
            job = ImportJob(
                user_id=actor.id,
                filename=Path(upload.filename or "upload.csv").name[:200],
                dry_run=dry_run,
                upload=name,
                status="queued",
            )
            session.add(job)
            session.flush()
            job_id = job.id
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    _changed(job_id, "queued", dry_run=dry_run)
    try:
        enqueue(job_id)
    except Exception as error:  # the queue's storage (Redis, say) is unreachable
        log_error(log, "import job could not be queued", error, job_id=job_id)
        _finish(job_id, "failed", summary=UNQUEUED)
    return job_id


def _update(job_id: int, **values: object) -> None:
    """Write part of a job's state in its own short transaction; log a change of stage."""
    with write_transaction() as session:
        job = session.get_one(ImportJob, job_id)
        before = job.status
        for name, value in values.items():
            setattr(job, name, value)
    if values.get("status", before) != before:
        _changed(job_id, str(values["status"]), rows=values.get("rows_checked"))


def _finish(job_id: int, status: str, **values: object) -> None:
    """End a job with an outcome and remove its upload."""
    _update(job_id, status=status, finished_at=utcnow(), **values)
    upload = db.session.get_one(ImportJob, job_id).upload
    if upload:
        (_folder() / upload).unlink(missing_ok=True)


def _claim(job_id: int) -> ImportJob | None:
    """Mark a queued job as running and return it; None if it is not waiting (already taken)."""
    with write_transaction() as session:
        claimed = session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status == "queued")
            .values(status="checking", attempts=ImportJob.attempts + 1)
        ).rowcount
    if not claimed:
        return None
    job = db.session.get_one(ImportJob, job_id)
    db.session.refresh(job)
    _changed(job_id, "checking", attempt=job.attempts)
    return job


def run(job_id: int) -> None:
    """Check and import a queued job's file, keeping its row up to date (the worker's task)."""
    job = _claim(job_id)
    if job is None:
        return
    dry_run, actor_id, path = job.dry_run, job.user_id, _folder() / job.upload
    try:
        report = importing.import_responses(
            path.open,
            dry_run,
            lambda stage, rows: _update(job_id, status=stage, rows_checked=rows),
        )
        _finish(
            job_id,
            "done" if report.ok else "failed",
            rows_checked=report.rows,
            summary=importing.summary(report),
            problems="\n".join(str(p) for p in report.problems),
        )
        if report.ok and not dry_run:
            with write_transaction() as session:
                actor = session.get(User, actor_id) if actor_id else None
                audit.record(session, actor, "import.responses", importing.summary(report))
    except Exception as error:
        db.session.rollback()
        log_error(log, "import job stopped on an unexpected error", error, job_id=job_id)
        _finish(job_id, "failed", summary=UNEXPECTED)


def recover(enqueue: Enqueue) -> None:
    """On the worker's start: queue again the jobs whose run died with the last worker.

    One worker process (with several threads) serves a deployment, so every unfinished job it
    finds lost its run. The store is one transaction, so a run cut off while checking or
    importing stored nothing and is retried once; one cut off while updating the figures had
    stored everything (the figures catch up on the next read).
    """
    with write_transaction() as session:
        unfinished = session.scalars(
            select(ImportJob).where(ImportJob.finished_at.is_(None)).order_by(ImportJob.id)
        ).all()
        plan = {job.id: _outcome(job) for job in unfinished}
        for job in unfinished:
            if plan[job.id] == "queued":
                job.status = "queued"
    for job_id, outcome in plan.items():
        if outcome == "queued":
            _changed(job_id, "requeued")
            enqueue(job_id)
        elif outcome == "done":
            _finish(job_id, "done", summary=STOPPED_AFTER_STORING)
        else:
            _finish(job_id, "failed", summary=STOPPED)
    _remove_orphans()


def _outcome(job: ImportJob) -> str:
    """Decide what becomes of an unfinished job found at start: queued, done or failed."""
    if job.status == "figures":
        return "done"
    if job.status in RUNNING and job.attempts >= MAX_ATTEMPTS:
        return "failed"
    return "queued"


def _remove_orphans() -> None:
    """Remove old uploads that no unfinished job will read."""
    waiting = set(
        db.session.scalars(select(ImportJob.upload).where(ImportJob.finished_at.is_(None)))
    )
    cutoff = time.time() - ORPHAN_AFTER_SECONDS
    for upload in _folder().glob("*.csv"):
        if upload.name not in waiting and upload.stat().st_mtime < cutoff:
            upload.unlink(missing_ok=True)


def get(job_id: int) -> ImportJob:
    """Return a job or raise NotFound."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(job_id)
    return job


def recent() -> list[ImportJob]:
    """Return the latest jobs, newest first."""
    return list(db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(RECENT)))
