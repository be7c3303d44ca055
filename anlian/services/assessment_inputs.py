"""What an assessment reads, each a single set-based query for whole chains: the suppliers in
force in the period, their safety snapshots, the chains' ratings, and the codes in force.

The safety score of a period is its closed snapshot, or the provisional one while the period
is still running (or not yet closed).
"""

from dataclasses import dataclass

from sqlalchemy import Float, case, func, or_, select, type_coerce

from models import Assessment, Enterprise, Membership, Rating, ScoreSnapshot, SupplierCode

from .suppliers import in_force


@dataclass(frozen=True)
class Member:
    """One supplier of one chain in the period, with what the ranking filters on."""

    chain_id: int
    enterprise_id: int
    uscc: str
    name: str
    industry: str
    town: str
    tier: int
    annual_spend_cny: float | None


@dataclass(frozen=True)
class Safety:
    score: float
    grade: str
    color: str
    veto: tuple
    kind: str


MEMBER_COLUMNS = (
    Membership.chain_id,
    Membership.enterprise_id,
    Enterprise.uscc,
    Enterprise.name,
    Enterprise.industry,
    Enterprise.town,
    Membership.tier,
    type_coerce(Membership.annual_spend_cny, Float),
)


def members(session, period: str, chain_ids=None) -> list[Member]:
    """The chains' suppliers in force in `period` (all chains when `chain_ids` is None)."""
    query = (
        select(*MEMBER_COLUMNS)
        .join(Enterprise, Enterprise.id == Membership.enterprise_id)
        .where(in_force(period))
        .order_by(Membership.joined_on)
    )
    if chain_ids is not None:
        query = query.where(Membership.chain_id.in_(list(chain_ids)))
    return _unique(_rows(session, query))


def members_of_enterprise(session, enterprise_id: int, period: str) -> list[Member]:
    """One enterprise's links in force in `period`, and those a red code has just ended (so
    the owner still sees the code and can appeal it)."""
    red = select(SupplierCode.chain_id).where(
        SupplierCode.enterprise_id == enterprise_id, SupplierCode.state == "red"
    )
    query = (
        select(*MEMBER_COLUMNS)
        .join(Enterprise, Enterprise.id == Membership.enterprise_id)
        .where(
            Membership.enterprise_id == enterprise_id,
            or_(in_force(period), Membership.chain_id.in_(red)),
        )
        .order_by(Membership.joined_on)
    )
    return _unique(_rows(session, query))


def _rows(session, query):
    """Plain rows straight from the connection: these reads need no ORM identity map, and
    skipping it matters at thousands of rows per request."""
    return session.connection().execute(query)


def _unique(rows) -> list[Member]:
    """One Member per (chain, enterprise): a supplier that left and rejoined within the
    period counts once, with its latest link."""
    found = {}
    for row in rows:
        found[(row[0], row[1])] = Member(*row)
    return list(found.values())


def safety(session, period: str, enterprise_ids) -> dict[int, Safety]:
    """{enterprise_id: Safety} for `period`: the closed snapshot, else the provisional one."""
    query = select(
        ScoreSnapshot.enterprise_id,
        ScoreSnapshot.kind,
        ScoreSnapshot.score,
        ScoreSnapshot.grade,
        ScoreSnapshot.color,
        ScoreSnapshot.veto,
    ).where(ScoreSnapshot.month == period, ScoreSnapshot.enterprise_id.in_(enterprise_ids))
    found: dict[int, Safety] = {}
    for enterprise_id, kind, score, grade, color, veto in _rows(session, query):
        if kind == "closed" or enterprise_id not in found:
            found[enterprise_id] = Safety(score, grade, color, tuple(veto or ()), kind)
    return found


def ratings(session, period: str, chain_ids, enterprise_ids, keys) -> dict[tuple, dict]:
    """{(chain_id, enterprise_id): {criterion: score}} of the chains' ratings for `period`,
    pivoted in SQL (one row per supplier, a column per criterion key)."""
    keys = sorted(keys)
    if not keys:
        return {}
    score = type_coerce(Rating.score, Float)  # exact to 2 decimals as a float; no Decimal cost
    columns = [func.max(case((Rating.criterion == key, score))) for key in keys]
    query = (
        select(Rating.chain_id, Rating.enterprise_id, *columns)
        .where(Rating.period == period, Rating.chain_id.in_(list(chain_ids)))
        .group_by(Rating.chain_id, Rating.enterprise_id)
    )
    if enterprise_ids is not None:
        query = query.where(Rating.enterprise_id.in_(enterprise_ids))
    return {
        (row[0], row[1]): {k: v for k, v in zip(keys, row[2:], strict=True) if v is not None}
        for row in _rows(session, query)
    }


def code_states(session, chain_ids, enterprise_ids=None) -> dict[tuple, str]:
    """{(chain_id, enterprise_id): state} of the codes that are not clear."""
    query = select(SupplierCode.chain_id, SupplierCode.enterprise_id, SupplierCode.state).where(
        SupplierCode.chain_id.in_(list(chain_ids)), SupplierCode.state != "clear"
    )
    if enterprise_ids is not None:
        query = query.where(SupplierCode.enterprise_id.in_(enterprise_ids))
    return {(c, e): s for c, e, s in _rows(session, query)}


def stored_composites(session, period: str, chain_ids, enterprise_ids) -> tuple[dict, set]:
    """({(chain, enterprise): composite} as the close of `period` fixed it, the chains that
    have closed it)."""
    query = select(Assessment.chain_id, Assessment.enterprise_id, Assessment.composite).where(
        Assessment.period == period, Assessment.chain_id.in_(list(chain_ids))
    )
    if enterprise_ids is not None:
        query = query.where(Assessment.enterprise_id.in_(enterprise_ids))
    found, closed = {}, set()
    for chain_id, enterprise_id, value in _rows(session, query):
        found[(chain_id, enterprise_id)] = value
        closed.add(chain_id)
    return found, closed


def member_ids(period: str, chain_ids=None):
    """The enterprise ids of the chains' suppliers in `period`, as a subquery."""
    query = select(Membership.enterprise_id).where(in_force(period))
    if chain_ids is not None:
        query = query.where(Membership.chain_id.in_(list(chain_ids)))
    return query
