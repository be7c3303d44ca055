"""`flask --app app scheduler`: the one process that runs the scheduled jobs."""

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from . import lock, scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler (month close, overdue sweep, provisional refresh, webhooks)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        scheduler.serve(current_app._get_current_object())
    except lock.LockHeld as held:
        raise click.ClickException(f"not starting: {held}") from None
