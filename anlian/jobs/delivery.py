"""Webhook sending as units of work: lease the due events in one short transaction, POST
each with no transaction open (never hold SQLite's write lock across the network), then log
each attempt in its own transaction."""

from models.base import utcnow

from ..db import session_scope
from ..services import webhooks


def deliver_due(app, *, now=None) -> dict:
    """Send every due event once; counts of the outcomes by status."""
    settings, engine = app.extensions["scheduler_settings"], app.extensions["anlian_engine"]
    timeout = settings.webhook_timeout_seconds
    with session_scope(engine) as session:
        due = webhooks.claim_due(session, now=now or utcnow(), lease_seconds=timeout * 3)
    outcomes: dict[str, int] = {}
    for item in due:
        outcome = webhooks.send(item, timeout=timeout)
        with session_scope(engine) as session:
            status = webhooks.record(
                session,
                item["id"],
                outcome,
                now=now or utcnow(),
                max_attempts=settings.webhook_max_attempts,
                backoff_seconds=settings.webhook_backoff_seconds,
            )
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes
