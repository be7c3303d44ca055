"""In-app notifications (the bell): who receives a score alert, unread counts, marking read.

Each user only ever reads or marks their own rows: every query here filters on user_id.
"""

from sqlalchemy import and_, func, insert, or_, select, update

from models import Notification, User
from models.base import utcnow

SCORE_ALERT = "score_alert"


def notify(session, described: dict[int, dict], links: list[tuple[int, int]]) -> int:
    """One notification per alert for each active user of the SME and of every chain it
    supplies (`links`: enterprise_id, chain_id); returns how many were written."""
    chains_of: dict[int, set[int]] = {}
    for enterprise_id, chain_id in links:
        chains_of.setdefault(enterprise_id, set()).add(chain_id)
    chain_ids = {chain for chains in chains_of.values() for chain in chains}
    users = session.execute(
        select(User.id, User.role, User.chain_id, User.enterprise_id).where(
            User.active.is_(True),
            or_(
                and_(User.role == "sme", User.enterprise_id.in_(list(described))),
                and_(User.role == "chain", User.chain_id.in_(sorted(chain_ids))),
            ),
        )
    ).all()
    rows = [
        {"user_id": user.id, "kind": SCORE_ALERT, "params": params}
        for enterprise_id, params in described.items()
        for user in users
        if user.enterprise_id == enterprise_id or user.chain_id in chains_of.get(enterprise_id, ())
    ]
    if rows:
        session.execute(insert(Notification), rows)
    return len(rows)


def unread_count(session, user_id: int) -> int:
    """The bell's number: one COUNT on the (user_id, read_at) index."""
    return session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()


def for_user(session, user_id: int, *, page: int = 1, per_page: int = 50):
    """The user's notifications, newest first, and how many there are."""
    mine = Notification.user_id == user_id
    total = session.execute(select(func.count()).select_from(Notification).where(mine)).scalar_one()
    items = session.execute(
        select(Notification)
        .where(mine)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).scalars()
    return list(items), total


def mark_read(session, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the user read."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return session.execute(query.values(read_at=utcnow())).rowcount


def owns(session, user_id: int, notification_id: int) -> bool:
    """True when the notification exists and is the user's."""
    return (
        session.execute(
            select(Notification.id).where(
                Notification.id == notification_id, Notification.user_id == user_id
            )
        ).first()
        is not None
    )
