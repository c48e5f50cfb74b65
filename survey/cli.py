"""Flask CLI commands: init-db, create-user, demo, tick, worker, export, import-responses and
report."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, TextIO

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy.orm import Session

from survey import tasks
from survey.database import write_transaction
from survey.exports import BOM
from survey.models import Role, Unit, utcnow
from survey.reporting import content, pdf
from survey.services import demo, exporting, importing, insights, questions, units, users
from survey.services.problems import Invalid, NotFound
from survey.web import staff_link


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the schema, and install the default pulse if the bank is empty."""
    upgrade()
    with write_transaction() as session:
        questions.ensure_default_survey(session)
    click.echo("Database is up to date.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.ADMIN.value,
    show_default=True,
)
@click.option("--unit", "unit_path", default="", help='Scope for a manager: "A > B > C".')
@click.password_option(help="Prompted for (twice) when not given.")
def create_user_command(email: str, role: str, unit_path: str, password: str) -> None:
    """Create a user, or reset an existing user's password, role and scope."""
    try:
        with write_transaction() as session:
            unit = _unit(session, unit_path) if unit_path else None
            users.set_user(session, email, password, Role(role), unit)
    except users.UserError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"User {users.normal_email(email)} is ready ({role}).")


def _unit(session: Session, path: str) -> Unit:
    """Return the existing unit at `path` or fail with a message."""
    row = units.find(path)
    if row is None:
        raise users.UserError(f"there is no unit called {path!r}")
    return session.get_one(Unit, row.id)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Build the demo organisation and waves (once), then print a login and two links."""
    upgrade()
    with write_transaction() as session:
        result = demo.build_demo(session, utcnow())
    click.echo("Demo data " + ("created." if result.created else "already present; kept."))
    click.echo(f"Admin e-mail: {result.admin_email}")
    click.echo(f"Admin password: {result.admin_password}")
    team, invitation = staff_link("t", result.team_token), staff_link("i", result.invitation_token)
    click.echo(f"Team link (open, anyone in Reablement): {team}")
    click.echo(f"Invitation link (single use): {invitation}")


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Create and launch the next wave of every recurring series that is due (once, now)."""
    created = tasks.run_tick()
    for name in created:
        click.echo(f"Launched {name}")
    click.echo(f"{len(created)} new wave{'' if len(created) == 1 else 's'}.")


@click.command("worker")
@with_appcontext
@click.option("--threads", type=click.IntRange(1, 16), default=2, show_default=True)
def worker_command(threads: int) -> None:
    """Run imports and the periodic tick from the task queue until stopped (Ctrl+C or SIGTERM)."""
    try:
        worker = tasks.start_worker(current_app._get_current_object(), threads)  # type: ignore[attr-defined]
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    worker.run()


@click.command("export")
@with_appcontext
@click.argument("kind", type=click.Choice(["responses", "aggregates"]))
@click.option("--wave", "wave_name", default="", help="One wave by name (default: every wave).")
@click.option("--unit", "unit_path", default="", help='Only this unit and below: "A > B".')
@click.option("-o", "--output", type=click.File("w", encoding="utf-8", lazy=True), default="-")
@click.option("--excel", is_flag=True, help="Start with a byte-order mark, for Excel.")
def export_command(kind: str, wave_name: str, unit_path: str, output: TextIO, excel: bool) -> None:
    """Write responses (released waves, long form) or aggregates (as on screen) as CSV."""
    now = utcnow()
    launched = insights.launched_waves()
    if wave_name:
        chosen = [w for w in launched if w.name == wave_name]
    elif kind == "responses":  # every wave whose raw answers may go out: the released ones
        chosen = exporting.released_only(launched, now)
    else:
        chosen = launched
    if not chosen:
        raise click.ClickException(
            f"there is no launched wave called {wave_name!r}" if wave_name else "no wave to export"
        )
    unit = units.find(unit_path) if unit_path else None
    if unit_path and unit is None:
        raise click.ClickException(f"there is no unit called {unit_path!r}")
    scope = exporting.Scope([wave.id for wave in chosen], unit.id if unit else None)
    try:
        chunks = (
            exporting.responses_csv(scope, now)
            if kind == "responses"
            else exporting.aggregates_csv(scope, None, now)
        )
    except Invalid as problem:
        raise click.ClickException(problem.message) from problem
    if excel:
        output.write(BOM)
    for chunk in chunks:
        output.write(chunk)


@click.command("import-responses")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; store nothing.")
def import_responses_command(path: Path, dry_run: bool) -> None:
    """Import past results in the responses CSV format (checked whole first; all or nothing)."""
    report = importing.import_responses(path.open, dry_run)
    if not report.ok:
        for problem in report.problems:
            click.echo(str(problem), err=True)
        if report.problem_count > len(report.problems):
            click.echo(f"...and {report.problem_count - len(report.problems)} more", err=True)
        raise click.ClickException(f"{path.name}: {importing.summary(report)}")
    click.echo(f"{path.name}: {importing.summary(report)}")


@click.command("report")
@with_appcontext
@click.option("--wave", "wave_name", required=True, help="The wave by name.")
@click.option("--unit", "unit_path", default="", help='The unit: "A > B" (default: the top).')
@click.option("-o", "--output", type=click.File("wb", lazy=True), required=True)
def report_command(wave_name: str, unit_path: str, output: BinaryIO) -> None:
    """Write a board report (PDF) for a wave and a unit, with the figures the screens show."""
    launched = insights.launched_waves()
    names = [wave.name for wave in launched]
    if wave_name not in names:
        raise click.ClickException(f"there is no launched wave called {wave_name!r}")
    unit = units.find(unit_path) if unit_path else None
    if unit_path and unit is None:
        raise click.ClickException(f"there is no unit called {unit_path!r}")
    up_to = launched[: names.index(wave_name) + 1]
    try:
        report = content.board_report(up_to, unit.id if unit else None, None, utcnow())
    except NotFound as missing:
        raise click.ClickException(f"{unit_path!r} did not take part in {wave_name}") from missing
    output.write(pdf.render(report))


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (
        init_db_command,
        create_user_command,
        demo_command,
        tick_command,
        worker_command,
        export_command,
        import_responses_command,
        report_command,
    ):
        app.cli.add_command(command)
