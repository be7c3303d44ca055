"""What the owner's pages read besides records: official score, standing in the industry,
score history, and the running month's score before and after a change."""

from datetime import date

from sqlalchemy import case, func, select

from models import Enterprise, ScoreSnapshot
from scoring import ScoringConfig, score_batch

from .. import months
from .aggregates import load_batch
from .scores import history, industry_for, latest_close

# Below this many scored firms in an industry a percentile would say too much about the rest.
MIN_PEERS = 5
HISTORY_MONTHS = 24


def official_month(session, *, today: date) -> str | None:
    """The latest closed month before the running one: the score chains settle on."""
    return latest_close(session, before_or_at=months.shift(months.of(today), -1))


def industry_standing(session, enterprise: Enterprise, month: str | None) -> dict | None:
    """Share of the industry's firms that scored below this one in `month` (no firm named);
    None without a closed score or with fewer than MIN_PEERS firms."""
    if month is None:
        return None
    mine = (
        select(ScoreSnapshot.score)
        .where(
            ScoreSnapshot.enterprise_id == enterprise.id,
            ScoreSnapshot.month == month,
            ScoreSnapshot.kind == "closed",
        )
        .scalar_subquery()
    )
    query = (
        select(func.count(), func.sum(case((ScoreSnapshot.score < mine, 1), else_=0)), mine)
        .join(Enterprise, Enterprise.id == ScoreSnapshot.enterprise_id)
        .where(
            ScoreSnapshot.month == month,
            ScoreSnapshot.kind == "closed",
            Enterprise.industry == enterprise.industry,
        )
    )
    peers, below, score = session.execute(query).one()
    if score is None or peers < MIN_PEERS:
        return None
    return {"peers": peers, "better_than_pct": round(100 * (below or 0) / peers)}


def recent_history(session, enterprise_id: int, *, today: date) -> list[dict]:
    """The closed scores of the last HISTORY_MONTHS months, oldest first."""
    first = months.shift(months.of(today), -HISTORY_MONTHS)
    return [h for h in history(session, enterprise_id) if h["as_of"] >= first]


def live_score(session, enterprise_id: int, *, today: date, config: ScoringConfig) -> float:
    """The running month's score as the records stand now (read only, nothing written)."""
    month = months.of(today)
    stats = industry_for(session, month=month, on=today, config=config)
    batch, _ = load_batch(
        session, as_of=month, on=today, window=config.window_months, enterprise_ids=[enterprise_id]
    )
    return float(score_batch(batch, config, stats).score[0])


def provisional_score(session, enterprise_id: int, *, today: date) -> float | None:
    """The stored provisional score of the running month."""
    query = select(ScoreSnapshot.score).where(
        ScoreSnapshot.enterprise_id == enterprise_id,
        ScoreSnapshot.month == months.of(today),
        ScoreSnapshot.kind == "provisional",
    )
    return session.execute(query).scalar()
