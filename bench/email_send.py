"""E-mail at scale: send 10,000 invitations through the real sending code to a local SMTP server.

Builds a launched wave with 10,000 staff addresses on a fresh database, starts an aiosmtpd server
in a child process (so this process's memory is the worker's alone), then runs the worker's send
task (`mailing.send_due`: claim each address in its own transaction, write the message, send it,
record the outcome) and prints messages per second and the process's peak resident memory. The
baseline is the same number of messages, written by the same code, sent with plain smtplib over
one connection with no database: what the claim-send-record bookkeeping costs is their ratio.
MAIL_RATE is set far above what either reaches, so the pacing never waits.

    .venv/bin/python -m bench.email_send [--count 10000] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.databases import database_url
from survey import create_app, mail
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Recipient, Wave, utcnow
from survey.services import letters, mailing, questions, recipients, units, waves

UNITS = 20


def run_sink(port: int) -> None:
    """Run an SMTP server that accepts and counts every message (the child process)."""
    from aiosmtpd.controller import Controller

    class Count:
        received = 0

        async def handle_DATA(self, server, session, envelope) -> str:
            Count.received += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.run(asyncio.sleep(3600))
    finally:
        controller.stop()


def reset_peak() -> None:
    """Start the process's peak resident memory afresh (Linux), so set-up does not count."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    """Return the process's peak resident memory since the last reset, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_port() -> int:
    """Return a free TCP port."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build(app, count: int) -> int:
    """Create units, a launched wave open now and `count` queued addresses; return the wave id."""
    now = utcnow()
    with app.app_context():
        with write_transaction() as session:
            survey = questions.ensure_default_survey(session)
            team_ids = [
                units.ensure_path(session, f"Bench Council > Service {n // 5} > Team {n}", 60).id
                for n in range(UNITS)
            ]
            wave = waves.create_wave(
                session,
                survey,
                "Bench wave",
                now.replace(year=now.year - 1),
                now.replace(year=now.year + 1),
            )
            waves.launch_wave(session, wave, now)
            wave_id = wave.id
        entries = [
            recipients.Entry(n + 2, f"person{n}@council.example", team_ids[n % UNITS])
            for n in range(count)
        ]
        recipients.add(None, wave_id, entries, now)  # type: ignore[arg-type]
        with write_transaction() as session:
            mailing.queue_invitations(session, session.get_one(Wave, wave_id))
    return wave_id


def baseline(app, wave_id: int, count: int, port: int) -> float:
    """Send `count` messages written by the same code over one plain smtplib connection."""
    with app.app_context():
        facts = letters.facts_of(db.session.get_one(Wave, wave_id))
        settings = mail.Settings.of(app.config)
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for n in range(count):
                to = f"raw{n}@council.example"
                letter = letters.write(facts, mailing.INVITE, f"http://pulse.example/i/{n:032d}")
                smtp.sendmail(
                    settings.sender,
                    [to],
                    mail.build(settings, to, letter.subject, letter.text, letter.html),
                )
        return count / (time.perf_counter() - started)


def main() -> None:
    """Build, send, measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sink", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        run_sink(args.sink)
        return
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.email_send", "--sink", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        if sink.stdout is None or sink.stdout.readline().strip() != "ready":
            raise SystemExit("the SMTP server did not start")
        with tempfile.TemporaryDirectory() as folder:
            url = database_url(args.backend, Path(folder))
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "SECRET_KEY": "bench",
                    "TASK_QUEUE_IMMEDIATE": True,
                    "MAIL_HOST": "127.0.0.1",
                    "MAIL_PORT": port,
                    "MAIL_TLS": "none",
                    "MAIL_FROM": "pulse@council.example",
                    "MAIL_RATE": 1_000_000.0,
                    "BASE_URL": "http://pulse.example",
                }
            )
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
            wave_id = build(app, args.count)
            with app.app_context():
                db.session.remove()
            reset_peak()
            before = peak_mb()
            started = time.perf_counter()
            with app.app_context():
                mailing.send_due(wave_id, utcnow)
                elapsed = time.perf_counter() - started
                sent = db.session.scalar(
                    select(func.count()).where(Recipient.invite_status == "sent")
                )
            peak = peak_mb()
            raw = baseline(app, wave_id, args.count, port)
    finally:
        sink.terminate()
        sink.wait()
    rate = sent / elapsed
    print(f"backend {args.backend}: {sent:,} of {args.count:,} invitations sent in {elapsed:.1f} s")
    print(f"  real sending code: {rate:,.0f} messages/s")
    print(f"  plain smtplib, same messages, no database: {raw:,.0f} messages/s")
    print(f"  ratio (real / plain): {rate / raw:.2f}")
    print(
        f"  worker peak resident memory while sending: {peak:.1f} MB"
        f" ({before:.1f} MB when it started, {peak - before:+.1f} MB)"
    )


if __name__ == "__main__":
    main()
