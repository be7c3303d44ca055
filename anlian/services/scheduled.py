"""The work of the scheduled jobs, in the caller's transaction (flush only): the month close,
the overdue sweep and the provisional refresh, each followed by its score alerts."""

from datetime import date, datetime

from sqlalchemy import and_, exists, or_, select, union, update

from models import Accident, Enterprise, Hazard, Inspection, ScoreSnapshot, WorkHours
from scoring import ScoringConfig

from .. import months
from . import alerts, month_close, scores

# Past this many changed enterprises one full batch is cheaper than a long IN (...) list.
REFRESH_ALL_ABOVE = 5000
RECORD_TABLES = (WorkHours, Accident, Inspection, Hazard)


def close_month(session, *, month: str, config: ScoringConfig, today: date) -> dict:
    """Every month-close step for `month`, then alerts against the month before's close
    (what orders and settlement use); closing a month again repeats no alert."""
    earlier = alerts.standings(session, month=month, kind="closed")
    steps = month_close.run_month_close(session, month=month, config=config)
    before = alerts.standings(session, month=months.shift(month, -1), kind="closed")
    after = alerts.standings(session, month=month, kind="closed")
    found = alerts.compare(before, after, month=month, kind="closed", seen=earlier)
    counts = {"steps": sorted(steps)}
    if "scores" in steps:
        counts |= {"enterprises": steps["scores"].enterprises, "grades": steps["scores"].grades}
    return counts | alerts.dispatch(session, found, today=today)


def sweep_overdue(session, *, config: ScoringConfig, today: date) -> dict:
    """Mark hazards past their deadline unrectified (a deadline of today is not past yet) and
    refresh the provisional scores of their enterprises."""
    overdue = and_(
        Hazard.rectified_on.is_(None),
        Hazard.deadline.is_not(None),
        Hazard.deadline < today,
        Hazard.overdue_marked_on.is_(None),
    )
    ids = list(session.execute(select(Hazard.enterprise_id).where(overdue).distinct()).scalars())
    # Keep updated_at: marking is not an edit, and the hourly refresh need not see it again.
    marked = session.execute(
        update(Hazard)
        .where(overdue)
        .values(overdue_marked_on=today, updated_at=Hazard.updated_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    counts = {"hazards_marked": marked, "enterprises": len(ids)}
    if ids:
        counts |= refresh_with_alerts(session, config=config, today=today, enterprise_ids=ids)
    return counts


def refresh_changed(session, *, config: ScoringConfig, today: date, since: datetime | None) -> dict:
    """Provisional scores of enterprises whose records changed since `since` (everyone's on
    the first run, or when the running month has no provisional scores yet)."""
    ids = None
    if since is not None and _has_provisional(session, months.of(today)):
        ids = changed_since(session, since)
        if not ids:
            return {"refreshed": 0, "alerts": 0}
        if len(ids) > REFRESH_ALL_ABOVE:
            ids = None
    return refresh_with_alerts(session, config=config, today=today, enterprise_ids=ids)


def refresh_with_alerts(session, *, config: ScoringConfig, today: date, enterprise_ids) -> dict:
    """Refresh provisional scores (of some enterprises, or all) and alert on any that fell."""
    month = months.of(today)
    before = alerts.before_refresh(session, month=month, enterprise_ids=enterprise_ids)
    written = scores.refresh_provisional(
        session, config=config, today=today, enterprise_ids=enterprise_ids
    )
    after = alerts.standings(
        session, month=month, kind="provisional", enterprise_ids=enterprise_ids
    )
    found = alerts.compare(before, after, month=month, kind="provisional")
    return {"refreshed": written} | alerts.dispatch(session, found, today=today)


def changed_since(session, since: datetime) -> list[int]:
    """Enterprises with a record (or their own facts) created or changed after `since`."""
    parts = [
        select(table.enterprise_id).where(or_(table.updated_at > since, table.created_at > since))
        for table in RECORD_TABLES
    ]
    parts.append(
        select(Enterprise.id).where(
            or_(Enterprise.updated_at > since, Enterprise.created_at > since)
        )
    )
    return sorted(session.execute(union(*parts)).scalars())


def _has_provisional(session, month: str) -> bool:
    return session.execute(
        select(exists().where(ScoreSnapshot.month == month, ScoreSnapshot.kind == "provisional"))
    ).scalar_one()
