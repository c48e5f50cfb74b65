"""Real task-queue workers for tests: Huey's consumer on threads here, or `flask worker` apart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from huey.consumer import Consumer

from survey import ROOT, tasks

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def use_queue(app: Flask) -> None:
    """Send the app's tasks to its queue (a SQLite file per test) instead of running them inline."""
    tasks.queue(app).huey.immediate = False


@contextmanager
def consumer_threads(app: Flask) -> Iterator[Consumer]:
    """Run a worker in this process, as `flask worker` would, until the block ends."""
    use_queue(app)
    # The consumer takes over the main thread's signals; give them back afterwards.
    handlers = {number: signal.getsignal(number) for number in SIGNALS}
    consumer = tasks.start_worker(app, threads=2)
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        for number, handler in handlers.items():
            signal.signal(number, handler)


def worker_process(app: Flask, log: Path) -> subprocess.Popen:
    """Start `flask worker` in its own process on the app's database and queue, logging to `log`."""
    use_queue(app)
    env = os.environ | {
        "FLASK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_SECRET_KEY": app.config["SECRET_KEY"],
        "FLASK_TASK_QUEUE_URL": app.config["TASK_QUEUE_URL"],
    }
    with log.open("ab") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "survey", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def wait_until(condition: Callable[[], bool], seconds: float = 60, every: float = 0.01) -> None:
    """Poll until `condition()` holds, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(every)
