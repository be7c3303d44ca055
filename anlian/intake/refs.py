"""Checks that need the database or the whole file: who may import, chains, enterprises,
scheme criteria and keys repeated inside the file. All lookups are set-based."""

from operator import itemgetter

from sqlalchemy import select

from anlian.scope import Scope, can_manage_chain
from models import Chain, Enterprise, Membership, Scheme

from . import messages as M
from .errors import ImportForbidden, Problems
from .kinds import Kind

# SQLite allows 999 bound parameters per statement; stay under it on every database.
CHUNK = 900
CHAIN_KINDS = frozenset({"ratings", "memberships"})


def chunks(values, size: int = CHUNK):
    """`values` as lists of at most `size`."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def check_allowed(scope: Scope, kind: str) -> None:
    """Bureau: any kind. Chain: ratings and memberships (own chain, checked per row). SME: none."""
    if scope.role == "bureau" or (scope.role == "chain" and kind in CHAIN_KINDS):
        return
    raise ImportForbidden(f"role {scope.role!r} may not import {kind}")


def resolve(session, scope: Scope, spec: Kind, rows: list, written: dict, problems: Problems):
    """Resolve references in place (enterprise ids, scheme criteria); report what fails."""
    bad_chains = _check_chains(session, scope, rows, written, problems) if spec.chain_kind else ()
    if spec.name != "enterprises":
        _resolve_enterprises(session, rows, written, problems)
    if spec.name == "ratings":
        # Another chain's scheme is not the caller's business, not even in an error message.
        mine = [(n, v) for n, v in rows if n not in bad_chains and "enterprise_id" in v]
        _check_suppliers(session, mine, written, problems)
        _check_criteria(session, mine, written, problems)
    _check_duplicates(spec, rows, written, problems)


def _check_chains(session, scope, rows, written, problems) -> set[int]:
    """Report rows whose chain is not the caller's or does not exist; return their numbers."""
    wanted = {v["chain_id"] for _, v in rows if can_manage_chain(scope, v["chain_id"])}
    found = set()
    for part in chunks(wanted):
        found.update(session.execute(select(Chain.id).where(Chain.id.in_(part))).scalars())
    bad = set()
    for number, values in rows:
        chain = values["chain_id"]
        # Scope first: a chain user learns nothing about chains that are not its own.
        if not can_manage_chain(scope, chain):
            problems.add(number, written["chain_id"], M.NOT_YOUR_CHAIN, value=chain)
        elif chain not in found:
            problems.add(number, written["chain_id"], M.UNKNOWN_CHAIN, value=chain)
        else:
            continue
        bad.add(number)
    return bad


def enterprise_ids(session, usccs) -> dict[str, int]:
    """USCC → enterprise id for those that exist."""
    ids = {}
    for part in chunks(set(usccs)):
        query = select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(part))
        ids.update((uscc, id_) for uscc, id_ in session.execute(query))
    return ids


def _resolve_enterprises(session, rows, written, problems):
    ids = enterprise_ids(session, (v["uscc"] for _, v in rows))
    for number, values in rows:
        found = ids.get(values["uscc"])
        if found is None:
            problems.add(number, written["uscc"], M.UNKNOWN_ENTERPRISE, value=values["uscc"])
        else:
            values["enterprise_id"] = found


def _check_suppliers(session, rows, written, problems):
    """A chain rates only enterprises that are or were its suppliers: one rating of someone
    else's supplier rejects the whole file."""
    linked = set()
    for part in chunks({v["chain_id"] for _, v in rows}):
        query = select(Membership.chain_id, Membership.enterprise_id)
        linked.update(
            tuple(row) for row in session.execute(query.where(Membership.chain_id.in_(part)))
        )
    for number, values in rows:
        if (values["chain_id"], values["enterprise_id"]) not in linked:
            problems.add(
                number,
                written["uscc"],
                M.NOT_A_SUPPLIER,
                value=values["uscc"],
                chain=values["chain_id"],
            )


def _schemes(session, chain_ids) -> dict[int, list]:
    """Each chain's schemes as (version, effective_from, criteria), newest version first."""
    out: dict[int, list] = {}
    for part in chunks(set(chain_ids)):
        query = select(Scheme.chain_id, Scheme.version, Scheme.effective_from, Scheme.criteria)
        for chain, version, start, criteria in session.execute(
            query.where(Scheme.chain_id.in_(part))
        ):
            out.setdefault(chain, []).append((version, start, criteria))
    for versions in out.values():
        versions.sort(key=lambda v: v[0], reverse=True)
    return out


def _check_criteria(session, rows, written, problems):
    """With a scheme in force for the period, the criterion must be one of its (by key or
    label, any case; stored as the key). Without one, any criterion but safety is accepted."""
    schemes = _schemes(session, (v["chain_id"] for _, v in rows))
    for number, values in rows:
        current = next(
            (
                criteria
                for _, start, criteria in schemes.get(values["chain_id"], ())
                if start <= values["period"]
            ),
            None,
        )
        if current is None:
            continue
        choices = {
            str(name).casefold(): c["key"]
            for c in current
            if c["key"] != "safety"
            for name in (c["key"], c.get("label") or c["key"])
        }
        key = choices.get(values["criterion"].casefold())
        if key is None:
            allowed = sorted(set(choices.values()))
            problems.add(
                number,
                written["criterion"],
                M.NOT_IN_SCHEME,
                value=values["criterion"],
                chain=values["chain_id"],
                period=values["period"],
                allowed=allowed,
            )
        else:
            values["criterion"] = key


def _check_duplicates(spec: Kind, rows, written, problems):
    seen: dict = {}
    names = spec.file_key
    key = itemgetter(*names)
    columns = [written[n] for n in names]
    for number, values in rows:
        first = seen.setdefault(key(values), number)
        if first != number and number not in problems.bad_rows:
            problems.add(number, columns[-1], M.DUPLICATE_ROW, other=first, columns=columns)
