"""What the chain's codes page lists: the suppliers holding a code and the latest
transitions (read only)."""

from sqlalchemy import case, select

from models import CodeEvent, Enterprise, SupplierCode


def board(session, chain_id: int) -> list[dict]:
    """The chain's suppliers with a yellow or red code, red first, with the event behind it."""
    query = (
        select(SupplierCode, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == SupplierCode.enterprise_id)
        .where(SupplierCode.chain_id == chain_id, SupplierCode.state != "clear")
        .order_by(case((SupplierCode.state == "red", 0), else_=1), Enterprise.name)
    )
    return [
        {"code": code, "uscc": uscc, "name": name} for code, uscc, name in session.execute(query)
    ]


def recent(session, chain_id: int, *, limit: int = 50) -> list[dict]:
    """The chain's latest code transitions, newest first."""
    query = (
        select(CodeEvent, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == CodeEvent.enterprise_id)
        .where(CodeEvent.chain_id == chain_id)
        .order_by(CodeEvent.id.desc())
        .limit(limit)
    )
    return [
        {"event": event, "uscc": uscc, "name": name} for event, uscc, name in session.execute(query)
    ]
