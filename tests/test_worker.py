"""Background work on a real task queue: imports and the periodic tick run in `flask worker`, and
a job cut off by a restart is retried or ended by the next worker, with nothing guessed."""

from __future__ import annotations

import io
import json
import os
import signal
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from huey.api import PeriodicTask
from huey.consumer import Consumer
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from survey import tasks
from survey.database import write_transaction
from survey.extensions import db
from survey.models import ImportJob, User, Wave
from survey.services import import_jobs
from tests.conftest import REDIS_URL
from tests.helpers import ACCOUNTS, Org, response_count
from tests.test_import import GOOD, HEADER, upload, wait_for
from tests.worker import consumer_threads, use_queue, wait_until, worker_process


def past_results(rows: int, respondent: str = "r") -> bytes:
    """Return a good responses file with `rows` answers from as many respondents, in a wave of
    its own (an import never adds to a wave that exists)."""
    wave = f"Spring 2024 {respondent}".strip(" -")
    answers = "".join(
        GOOD.replace(",r1,", f",{respondent}{n},").replace("Spring 2024,", f"{wave},")
        for n in range(rows)
    )
    return (HEADER + "\r\n" + answers).encode()


def job(app: Flask, job_id: int) -> ImportJob:
    """Return a job's row as stored now."""
    with app.app_context():
        found = db.session.get_one(ImportJob, job_id)
        db.session.expunge(found)
        return found


def job_id_of(reply) -> int:
    """Return the job id an upload redirected to."""
    return int(reply.headers["Location"].rsplit("/", 1)[1])


def uploads(app: Flask) -> set[str]:
    """Return the names of the uploads waiting in the instance folder."""
    return {path.name for path in (Path(app.instance_path) / "imports").glob("*.csv")}


def test_an_upload_waits_in_the_queue_until_a_worker_imports_it(app: Flask, admin) -> None:
    use_queue(app)
    reply = upload(admin, past_results(50))
    job_id = job_id_of(reply)
    page = admin.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Waiting for the worker to start" in page
    assert "hx-trigger" in page  # still polling
    queued = job(app, job_id)
    assert queued.status == "queued"
    assert queued.upload in uploads(app)  # the upload stays until the job ends
    with consumer_threads(app):
        page = wait_for(admin, reply.headers["Location"])
    assert "Imported 50 new responses" in page
    assert response_count(app) == 50
    assert queued.upload not in uploads(app)
    assert job(app, job_id).attempts == 1


@pytest.mark.parametrize("queue_url", ["sqlite", *(["redis"] if REDIS_URL else [])])
def test_imports_run_on_each_kind_of_queue(app: Flask, admin, queue_url: str) -> None:
    if queue_url == "redis":
        app.config["TASK_QUEUE_URL"] = REDIS_URL
        tasks.init_app(app)
        assert type(tasks.queue(app).huey).__name__ == "RedisHuey"
    use_queue(app)
    tasks.queue(app).huey.flush()
    try:
        with consumer_threads(app):
            page = wait_for(admin, upload(admin, past_results(20)).headers["Location"])
    finally:
        tasks.queue(app).huey.flush()
    assert "Imported 20 new responses" in page


def test_a_queue_that_cannot_be_reached_fails_the_job_clearly(app: Flask, admin) -> None:
    app.config["TASK_QUEUE_URL"] = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    app.config["TASK_QUEUE_IMMEDIATE"] = False
    tasks.init_app(app)
    reply = upload(admin, past_results(5))
    assert reply.status_code == 303
    page = admin.get(reply.headers["Location"]).get_data(as_text=True)
    assert "could not be queued, so nothing was imported" in page
    assert "hx-trigger" not in page
    assert response_count(app) == 0
    assert job(app, job_id_of(reply)).upload not in uploads(app)


def make_job(app: Flask, status: str, attempts: int, rows: int = 3) -> int:
    """Record a job as a dead worker left it, with its upload in place."""
    name = f"left-{status}-{attempts}.csv"
    folder = Path(app.instance_path) / "imports"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(past_results(rows, respondent=f"{status}-"))
    with app.app_context(), write_transaction() as session:
        row = ImportJob(filename=name, status=status, attempts=attempts, upload=name)
        session.add(row)
        session.flush()
        return row.id


def test_a_new_worker_retries_or_ends_what_the_last_one_left(app: Flask, admin) -> None:
    queued = make_job(app, "queued", 0)
    checking = make_job(app, "checking", 1)  # cut off once: tried again
    importing = make_job(app, "importing", 2)  # cut off twice: ended
    figures = make_job(app, "figures", 1)  # stored before it was cut off
    names = uploads(app)
    with consumer_threads(app):
        pages = {i: wait_for(admin, f"/admin/imports/{i}") for i in (queued, checking, figures)}
        pages[importing] = wait_for(admin, f"/admin/imports/{importing}")
    assert "Imported 3 new responses" in pages[queued]
    assert "Imported 3 new responses" in pages[checking]
    assert job(app, checking).attempts == 2
    assert "cut off twice by a restart of the worker" in pages[importing]
    assert "so nothing was imported: upload the file again" in pages[importing]
    assert "Imported, but the worker was restarted" in pages[figures]
    assert response_count(app) == 6
    assert not names & uploads(app)  # every ended job's upload is gone


def queue_upload(app: Flask, data: bytes) -> int:
    """Queue an admin's upload as the import page does (the test client leaks large bodies)."""
    with app.test_request_context():
        admin = db.session.scalars(select(User).where(User.email == ACCOUNTS["admin"][0])).one()
        upload = FileStorage(io.BytesIO(data), filename="big.csv")
        return import_jobs.start(admin, upload, False, tasks.queue(app).import_job)


# Enough to take the worker a second or more, so the kill lands mid-run.
ROWS = 60_000


def test_a_worker_killed_mid_import_is_retried_by_the_next(
    app: Flask, admin: FlaskClient, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    use_queue(app)
    job_id = queue_upload(app, past_results(ROWS))
    first = worker_process(app, log)
    try:
        wait_until(lambda: job(app, job_id).status != "queued")
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    cut_off = job(app, job_id)
    assert cut_off.status in import_jobs.RUNNING  # the kill came mid-run, as meant
    assert cut_off.finished_at is None
    assert cut_off.upload in uploads(app)
    assert response_count(app) == 0  # all or nothing
    second = worker_process(app, log)
    try:
        wait_until(lambda: job(app, job_id).finished_at is not None, every=0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    done = job(app, job_id)
    assert (done.status, done.attempts) == ("done", 2)
    assert f"Imported {ROWS:,} new responses" in wait_for(admin, f"/admin/imports/{job_id}")
    assert response_count(app) == ROWS
    assert cut_off.upload not in uploads(app)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    changes = [line["status"] for line in lines if line.get("job_id") == job_id]
    # (The first worker may die before it logs its start; the second says what it did.)
    assert changes[-5:] == ["requeued", "checking", "importing", "figures", "done"]


def test_the_worker_ticks_every_few_minutes(app: Flask, org: Org, worker: Consumer) -> None:
    tick = tasks.queue(app).tick
    assert tick.task_class().validate_datetime(datetime(2026, 3, 2, 9, 5))
    assert not tick.task_class().validate_datetime(datetime(2026, 3, 2, 9, 7))
    assert issubclass(tick.task_class, PeriodicTask)  # the consumer's scheduler enqueues it
    with app.app_context(), write_transaction() as session:
        session.get_one(Wave, org.wave_id).cadence = "weekly"
    tick()  # what the scheduler enqueues on the minute
    wait_until(lambda: len(wave_names(app)) == 2)


def wave_names(app: Flask) -> list[str]:
    """Return every wave's name."""
    with app.app_context():
        return list(db.session.scalars(select(Wave.name)))


def test_worker_command_refuses_to_run_without_a_queue(runner) -> None:
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "TASK_QUEUE_IMMEDIATE is set" in result.output
