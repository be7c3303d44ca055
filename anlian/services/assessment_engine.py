"""The assessment engine: every member's standing for a period from inputs read in one query
each for all of them (assessment_inputs), the trend against the period before, and the
ranking. Public entry points are in assessment.py."""

from .. import months
from . import admission, composite, schemes
from . import assessment_inputs as inputs
from .scheme_rules import SAFETY


def evaluate(session, *, period: str, members: list, chains: dict, ids) -> list[dict]:
    """The standing of each member (unsorted); `ids` selects their enterprise ids (a list or
    a subquery) so every input is read in one query for all of them."""
    chain_ids = list(chains)
    in_force = schemes.in_force_by_chain(session, period, chain_ids)
    keys = {c["key"] for scheme in in_force.values() for c in scheme["criteria"]}
    # An explicit list (one SME) narrows every read; for whole chains the chain filter is
    # enough, and a semi-join on the members subquery would only slow SQLite down.
    narrow = ids if isinstance(ids, list) else None
    safety = inputs.safety(session, period, ids)
    rated = inputs.ratings(session, period, chain_ids, narrow, keys - {SAFETY})
    met = admission.gate(session, list(chains.values()), narrow)
    states = inputs.code_states(session, chain_ids, narrow)
    required = {cid: [c["key"] for c in admission.conditions(c)] for cid, c in chains.items()}
    rows = []
    for member in members:
        key = (member.chain_id, member.enterprise_id)
        snap = safety.get(member.enterprise_id)
        missing = [k for k in required[member.chain_id] if k not in met.get(key, ())]
        scheme = in_force.get(member.chain_id)
        result = composite.standing(
            scheme,
            safety_score=snap.score if snap else None,
            veto=bool(snap and snap.veto),
            ratings=rated.get(key, {}),
            admission_passed=not missing,
            code_state=states.get(key, "clear"),
        )
        rows.append(_row(member, period, scheme, snap, missing, states.get(key, "clear"), result))
    return rows


def _row(member, period, scheme, snap, missing, state, result) -> dict:
    return {
        "chain_id": member.chain_id,
        "enterprise_id": member.enterprise_id,
        "uscc": member.uscc,
        "name": member.name,
        "industry": member.industry,
        "town": member.town,
        "tier": member.tier,
        "annual_spend_cny": member.annual_spend_cny,
        "period": period,
        "scheme_version": scheme["version"] if scheme else None,
        "safety_score": snap.score if snap else None,
        "grade": snap.grade if snap else None,
        "color": snap.color if snap else None,
        "veto_rules": list(snap.veto) if snap else [],
        "provisional": bool(snap and snap.kind == "provisional"),
        "admission_missing": missing,
        "code": state,
        **result,
    }


def previous_composites(session, *, period: str, members, chains, ids) -> dict:
    """{(chain, enterprise): composite} of the period before: as its close fixed it (what was
    applied), or computed live for a chain that has not closed it."""
    before = months.shift(period, -1)
    narrow = ids if isinstance(ids, list) else None
    found, closed = inputs.stored_composites(session, before, list(chains), narrow)
    live = {cid: chain for cid, chain in chains.items() if cid not in closed}
    if live:
        rest = [m for m in members if m.chain_id in live]
        for row in evaluate(session, period=before, members=rest, chains=live, ids=ids):
            found[(row["chain_id"], row["enterprise_id"])] = row["composite"]
    return found


def add_trend(session, rows: list[dict], *, period: str, members, chains, ids) -> None:
    """Each row's composite of the period before, and the change since (None if either is
    missing)."""
    previous = previous_composites(session, period=period, members=members, chains=chains, ids=ids)
    for row in rows:
        old = previous.get((row["chain_id"], row["enterprise_id"]))
        row["previous_composite"] = old
        row["trend"] = (
            round(row["composite"] - old, 2)
            if old is not None and row["composite"] is not None
            else None
        )


def ranked(rows: list[dict]) -> list[dict]:
    """Complete rows by composite, highest first, numbered; incomplete ones after, unranked."""
    complete = sorted(
        (r for r in rows if r["complete"]), key=lambda r: (-r["composite"], r["uscc"])
    )
    for rank, row in enumerate(complete, start=1):
        row["rank"] = rank
    incomplete = sorted((r for r in rows if not r["complete"]), key=lambda r: r["uscc"])
    for row in incomplete:
        row["rank"] = None
    return complete + incomplete
