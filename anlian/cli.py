"""Command line: `flask --app app db upgrade | demo | user create | …`."""

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from models import Enterprise

from . import backup, clock, migrate, months
from .config import PROJECT_ROOT
from .db import session_scope
from .errors import Invalid, translate
from .intake import KINDS, ImportRejected, render
from .jobs.cli import scheduler_command
from .scope import Scope
from .services import audit, evaluation, imports, month_close, rollup, scores, users

db_cli = AppGroup("db", help="Database schema.")
user_cli = AppGroup("user", help="User accounts.")
score_cli = AppGroup("score", help="Safety scores: month close and validation.")
audit_cli = AppGroup("audit", help="The audit trail.")


def _url() -> str:
    return current_app.config["DATABASE_URL"]


def _engine():
    return current_app.extensions["anlian_engine"]


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the configured database to the latest schema."""
    migrate.upgrade(_url(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("backup")
@click.option(
    "--to",
    "target",
    type=click.Path(dir_okay=False),
    default=None,
    help="Backup file (default: instance/backups/anlian-<time>.db or .dump).",
)
def db_backup(target: str | None) -> None:
    """Write a consistent backup of the database while the service runs."""
    url = _url()
    suffix = ".db" if url.startswith("sqlite") else ".dump"
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    default = PROJECT_ROOT / "instance" / "backups" / f"anlian-{stamp}{suffix}"
    path = Path(target) if target else default
    try:
        backup.backup(url, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {path}")


@db_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def db_restore(source: str, yes: bool) -> None:
    """Replace the database's contents with a backup."""
    if not yes:
        click.confirm("This replaces every row in the database. Continue?", abort=True)
    _engine().dispose()
    try:
        backup.restore(_url(), Path(source))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored from {source}")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """(developers) Autogenerate a migration from the models."""
    migrate.revision(_url(), message)


@click.command("demo")
@with_appcontext
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--scale", default="city", show_default=True, type=click.Choice(["small", "city", "bench"])
)
@click.option("--end-month", default=None, help="Last month with data (YYYY-MM).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has data.")
def demo(seed: int, scale: str, end_month: str | None, if_empty: bool) -> None:
    """Load the deterministic demo data set into an empty database."""
    from .demo import generate

    with session_scope(_engine()) as session:
        if session.execute(select(func.count()).select_from(Enterprise)).scalar_one():
            if if_empty:
                click.echo("database already has data; demo not loaded")
                return
            raise click.ClickException("the database is not empty; demo data needs an empty one")
        with _Progress() as progress:
            summary = generate(
                session, seed=seed, scale=scale, end_month=end_month, progress=progress
            )
            rollup.rebuild_all(session)
    _print_summary(summary)


class _Progress:
    """A click progress bar that follows the steps a long job reports."""

    def __init__(self):
        self.bar = None
        self.label = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, label: str, done: int, total: int) -> None:
        if label != self.label:
            if self.bar is not None:
                self.bar.__exit__(None, None, None)
            self.label, self.bar = label, click.progressbar(length=total, label=label)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)


def _print_summary(summary) -> None:
    for table, count in summary.counts.items():
        click.echo(f"  {table:<16} {count:>9,}")
    click.echo("demo users (username / password):")
    for user in summary.users:
        click.echo(f"  {user['role']:<7} {user['username']} / {user['password']}")


@user_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["bureau", "chain", "sme"]))
@click.option("--chain-id", type=int, default=None)
@click.option("--uscc", default=None)
def user_create(username: str, role: str, chain_id: int | None, uscc: str | None) -> None:
    """Create a user; the password comes from ANLIAN_PASSWORD or a prompt."""
    password = os.environ.get("ANLIAN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        with session_scope(_engine()) as session:
            users.create_user(
                session,
                Scope.system(),
                username=username,
                password=password,
                role=role,
                chain_id=chain_id,
                uscc=uscc,
            )
    except Invalid as error:
        lines = [
            f"{field}: {' '.join(map(translate, msgs))}" for field, msgs in error.errors.items()
        ]
        raise click.ClickException("; ".join(lines)) from None
    click.echo(f"user {username} created ({role})")


def _scoring_config():
    return current_app.extensions["scoring_config"]


@score_cli.command("close")
@click.option("--month", default=None, help="The month to close (YYYY-MM).")
@click.option("--all", "every", is_flag=True, help="Every month with data (backfill).")
@click.option("--missing", is_flag=True, help="With --all: only months not closed yet.")
def score_close(month: str | None, every: bool, missing: bool) -> None:
    """Snapshot every enterprise's score for one month, or for every month with data."""
    if bool(month) == every:
        raise click.UsageError("give either --month YYYY-MM or --all")
    if month and not months.is_month(month):
        raise click.BadParameter("must be YYYY-MM", param_hint="--month")
    with session_scope(_engine(), write=False) as session:
        todo = scores.months_with_data(session) if every else [month]
        if missing:
            todo = sorted(set(todo) - set(scores.closed_months(session)))
    closable = [m for m in todo if m < clock.current_month()]
    if month and not closable:
        raise click.ClickException(f"{month} has not ended yet; only ended months can be closed")
    if not closable:
        click.echo("every month with data is already closed")
        return
    with click.progressbar(closable, label="closing months") as bar:
        for each in bar:
            # One transaction per month: a month is either closed whole or left as it was.
            with session_scope(_engine()) as session:
                summary = month_close.run_month_close(
                    session, month=each, config=_scoring_config()
                )["scores"]
    click.echo(
        f"closed {len(closable)} month(s); last: {summary.month}, "
        f"{summary.enterprises:,} enterprises, grades {dict(sorted(summary.grades.items()))}"
    )


@score_cli.command("evaluate")
def score_evaluate() -> None:
    """Predictive validity of the closed scores against next-year accidents."""
    with session_scope(_engine(), write=False) as session:
        data = scores.months_with_data(session)
        if not data:
            raise click.ClickException("no data: load records and close months first")
        report = evaluation.evaluate(
            session, last_month=data[-1], window=_scoring_config().window_months
        )
    click.echo(evaluation.format_report(report))


@click.command("import")
@with_appcontext
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--sheet", default=None, help="XLSX sheet name (default: the first).")
def import_command(kind: str, file: str, dry_run: bool, sheet: str | None) -> None:
    """Import a CSV or XLSX file of records (all-or-nothing), as the API does."""
    path = Path(file)
    with click.progressbar(length=1, label=f"importing {path.name}") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            with session_scope(_engine()) as session:
                result = imports.import_file(
                    session,
                    Scope.system(),
                    kind,
                    path.read_bytes(),
                    path.name,
                    today=clock.today(),
                    config=_scoring_config(),
                    dry_run=dry_run,
                    sheet=sheet,
                    progress=progress,
                )
        except ImportRejected as error:
            _print_problems(error)
            raise click.ClickException(f"{path.name}: nothing was imported") from None
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{result.inserted:,} rows {verb} inserted, {result.updated:,} updated, "
        f"{result.unchanged:,} unchanged"
    )


def _print_problems(error: ImportRejected) -> None:
    for problem in error.errors:
        where = f"row {problem.row}" if problem.row else "file"
        column = f", column {problem.column}" if problem.column else ""
        click.echo(f"{where}{column}: {render(problem, 'en')}", err=True)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain from the first row to the last."""
    with session_scope(_engine(), write=False) as session:
        checked, broken = audit.verify(session)
    if broken is not None:
        raise click.ClickException(
            f"the audit trail is broken at event {broken} ({checked:,} rows before it are intact)"
        )
    click.echo(f"audit trail intact: {checked:,} events")


def init_app(app) -> None:
    """Register the command groups."""
    for command in (
        db_cli,
        user_cli,
        score_cli,
        audit_cli,
        import_command,
        demo,
        scheduler_command,
    ):
        app.cli.add_command(command)
