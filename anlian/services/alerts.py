"""Score alerts: a supplier moved down a grade or a veto fired, compared with its previous
snapshot. Standings are read set-wise (one query per side), compared in memory, and each
alert becomes notifications for the SME and its chains' users plus one signed webhook event
per chain (each chain hears only about its own current suppliers)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select

from models import Enterprise, Membership, ScoreSnapshot
from models.base import utcnow

from .. import months
from . import notifications, scores, webhooks

GRADES = "ABCD"


@dataclass(frozen=True)
class Alert:
    """One supplier's fall: grade before and after, and the vetoes that newly fired."""

    enterprise_id: int
    month: str
    kind: str
    from_grade: str
    to_grade: str
    vetoes: tuple[str, ...]

    @property
    def reasons(self) -> list[str]:
        fell = GRADES.index(self.to_grade) > GRADES.index(self.from_grade)
        return (["grade_down"] if fell else []) + (["veto"] if self.vetoes else [])


def standings(session, *, month: str, kind: str, enterprise_ids=None) -> dict:
    """{enterprise_id: (grade, vetoes)} of one month's snapshots of `kind`."""
    query = select(ScoreSnapshot.enterprise_id, ScoreSnapshot.grade, ScoreSnapshot.veto).where(
        ScoreSnapshot.month == month, ScoreSnapshot.kind == kind
    )
    if enterprise_ids is not None:
        query = query.where(ScoreSnapshot.enterprise_id.in_([int(i) for i in enterprise_ids]))
    return {eid: (grade, list(veto or [])) for eid, grade, veto in session.execute(query)}


def before_refresh(session, *, month: str, enterprise_ids=None) -> dict:
    """What a refresh of the running `month` is compared with: each enterprise's most recent
    snapshot (this or last month's provisional, or the latest close), so that an hourly
    refresh never repeats an alert and the turn of a month does not resurrect old ones."""
    closed = scores.latest_close(session, before_or_at=months.shift(month, -1))
    recent = ScoreSnapshot.month.in_([months.shift(month, -1), month])
    if closed is not None:
        recent = or_(recent, and_(ScoreSnapshot.kind == "closed", ScoreSnapshot.month == closed))
    query = (
        select(ScoreSnapshot.enterprise_id, ScoreSnapshot.grade, ScoreSnapshot.veto)
        .where(recent)
        .order_by(ScoreSnapshot.computed_at, ScoreSnapshot.id)
    )
    if enterprise_ids is not None:
        query = query.where(ScoreSnapshot.enterprise_id.in_([int(i) for i in enterprise_ids]))
    return {eid: (grade, list(veto or [])) for eid, grade, veto in session.execute(query)}


def compare(before: dict, after: dict, *, month: str, kind: str, seen=None) -> list[Alert]:
    """Alerts for enterprises whose grade fell or that gained a veto (no previous, no alert).
    `seen`: standings already alerted on (an earlier close of the same month), not repeated."""
    found = []
    for enterprise_id, (grade, vetoes) in sorted(after.items()):
        if enterprise_id not in before or (seen or {}).get(enterprise_id) == (grade, vetoes):
            continue
        old_grade, old_vetoes = before[enterprise_id]
        fired = tuple(rule for rule in vetoes if rule not in old_vetoes)
        if GRADES.index(grade) > GRADES.index(old_grade) or fired:
            found.append(Alert(enterprise_id, month, kind, old_grade, grade, fired))
    return found


def dispatch(session, found: list[Alert], *, today: date) -> dict:
    """Notifications and webhook events for `found`; returns their counts."""
    counts = {"alerts": len(found), "notifications": 0, "webhook_events": 0}
    if not found:
        return counts
    ids = [alert.enterprise_id for alert in found]
    firms = dict.fromkeys(ids)
    for enterprise_id, uscc, name in session.execute(
        select(Enterprise.id, Enterprise.uscc, Enterprise.name).where(Enterprise.id.in_(ids))
    ):
        firms[enterprise_id] = {"uscc": uscc, "name": name}
    described = {
        alert.enterprise_id: describe(alert, firms[alert.enterprise_id]) for alert in found
    }
    links = supplied_chains(session, ids, today=today)
    counts["notifications"] = notifications.notify(session, described, links)
    counts["webhook_events"] = webhooks.enqueue(session, described, links, now=utcnow())
    return counts


def describe(alert: Alert, firm: dict) -> dict:
    """The alert as plain JSON: notification parameters and webhook event item alike."""
    return {
        "uscc": firm["uscc"],
        "name": firm["name"],
        "month": alert.month,
        "kind": alert.kind,
        "from_grade": alert.from_grade,
        "to_grade": alert.to_grade,
        "vetoes": list(alert.vetoes),
        "reasons": alert.reasons,
    }


def supplied_chains(session, enterprise_ids, *, today: date) -> list[tuple[int, int]]:
    """(enterprise_id, chain_id) for every chain each enterprise supplies on `today`."""
    query = select(Membership.enterprise_id, Membership.chain_id).where(
        Membership.enterprise_id.in_(enterprise_ids),
        Membership.joined_on <= today,
        or_(Membership.left_on.is_(None), Membership.left_on > today),
    )
    return sorted({(row[0], row[1]) for row in session.execute(query)})
