"""The task queue (Huey): imports, e-mail and the periodic tick run in `flask worker`, beside the
web app.

The queue lives in SQLite (instance/tasks.sqlite by default) or in Redis when TASK_QUEUE_URL is a
redis:// URL. Each app gets its own Huey instance with the tasks bound to it; the state of an
import lives in its ImportJob row, not in the queue, so it survives any restart.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer

from survey.models import utcnow
from survey.services import import_jobs, mailing, tallies, waves

EXTENSION = "task_queue"
SQLITE = "sqlite:///"
REDIS = ("redis://", "rediss://", "unix://")
# Polling a SQLite queue once a second at most is cheap and starts an upload promptly; Redis
# blocks on the queue instead of polling.
POLL_AT_MOST_EVERY = 1.0

log = logging.getLogger("survey.jobs")
# One import at a time per worker (and one worker per deployment): an import holds a whole file's
# plan in memory, and two imports creating the same wave or unit would collide.
ONE_IMPORT_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class TaskQueue:
    """An app's Huey instance and the tasks bound to it."""

    huey: Huey
    import_job: TaskWrapper
    tick: TaskWrapper
    send_mail: TaskWrapper


def _huey(app: Flask) -> Huey:
    """Create the Huey instance the settings ask for."""
    url = str(app.config["TASK_QUEUE_URL"])
    options = {
        "name": "changepulse",
        "results": False,  # a job's outcome lives in its ImportJob row
        "immediate": app.config["TASK_QUEUE_IMMEDIATE"],
    }
    if url.startswith(REDIS):
        return RedisHuey(url=url, **options)
    if url and not url.startswith(SQLITE):
        raise ValueError(
            "TASK_QUEUE_URL must be empty (a SQLite file in instance/), sqlite:///PATH "
            "or a redis:// URL"
        )
    path = url[len(SQLITE) :] if url else str(Path(app.instance_path) / "tasks.sqlite")
    return SqliteHuey(filename=path, **options)


def run_tick() -> list[str]:
    """Launch the next wave of every recurring series that is due, and log what was made; then
    delete closed waves' e-mail addresses, hand the worker the e-mail that is due, and tally
    the waves whose results are out (so no page waits for it, and their rows lose their order
    within minutes of the release, not when someone first looks)."""
    now = utcnow()
    created = waves.tick(now)
    if created:
        log.info("tick launched %d waves", len(created), extra={"waves": created})
    for wave_id in mailing.tick(now):
        mailing.wake(wave_id, queue().send_mail)
    tallies.refresh_released(now)
    return created


def init_app(app: Flask) -> None:
    """Create the app's queue and bind the import and tick tasks to it."""
    minutes = app.config["TICK_EVERY_MINUTES"]
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 59:
        raise ValueError("TICK_EVERY_MINUTES must be a whole number from 1 to 59")
    huey = _huey(app)

    @huey.task(name="import_job")
    def import_job(job_id: int) -> None:
        """Check and import one uploaded file."""
        with ONE_IMPORT_AT_A_TIME, app.app_context():
            import_jobs.run(job_id)

    @huey.periodic_task(crontab(minute=f"*/{minutes}"), name="tick")
    def tick() -> None:
        """Launch the waves that are due."""
        with app.app_context():
            run_tick()

    @huey.task(name="send_mail")
    def send_mail(wave_id: int) -> None:
        """Send a wave's due invitations and reminders; come back when a retry falls due."""
        with app.app_context():
            retry_in = mailing.send_due(wave_id, utcnow)
        if retry_in is not None and not huey.immediate:
            send_mail.schedule((wave_id,), delay=retry_in)

    app.extensions[EXTENSION] = TaskQueue(huey, import_job, tick, send_mail)


def queue(app: Flask | None = None) -> TaskQueue:
    """Return the app's task queue (the current app's by default)."""
    return (app or current_app).extensions[EXTENSION]  # type: ignore[union-attr]


def consumer(app: Flask, threads: int) -> Consumer:
    """Return a consumer of the app's queue: `threads` workers and the periodic scheduler."""
    huey = queue(app).huey
    if huey.immediate:
        raise ValueError("TASK_QUEUE_IMMEDIATE is set: tasks run in the caller, with no worker")
    return huey.create_consumer(
        workers=threads, worker_type="thread", periodic=True, max_delay=POLL_AT_MOST_EVERY
    )


def start_worker(app: Flask, threads: int) -> Consumer:
    """Deal with the jobs the last worker left unfinished, then return a consumer to run."""
    worker = consumer(app, threads)
    with app.app_context():
        import_jobs.recover(queue(app).import_job)
        mailing.recover()
        for wave_id in mailing.tick(utcnow()):
            mailing.wake(wave_id, queue(app).send_mail)
    return worker
