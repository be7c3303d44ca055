"""Assessment schemes: the versions of a chain's scheme, the one in force for a period, and
saving a new version (validated, version-checked, audited).

Editing never changes a version: it adds the next one with an `effective_from` month, so a
period keeps the version that was in force for it. A version cannot take effect in a period
the chain has already closed (its consequences are fixed).
"""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import Conflict

from models import Assessment, Scheme, User
from models.base import N_

from .. import months
from ..errors import Invalid
from ..scope import Scope
from . import audit
from .scheme_rules import normalise, percent, scheme_problems


def current(session, chain_id: int) -> Scheme | None:
    """The chain's newest version."""
    query = select(Scheme).where(Scheme.chain_id == chain_id).order_by(Scheme.version.desc())
    return session.execute(query.limit(1)).scalar_one_or_none()


def in_force(session, chain_id: int, period: str) -> Scheme | None:
    """The version in force for `period`: the newest one effective from that month or before."""
    query = (
        select(Scheme)
        .where(Scheme.chain_id == chain_id, Scheme.effective_from <= period)
        .order_by(Scheme.version.desc())
    )
    return session.execute(query.limit(1)).scalar_one_or_none()


def in_force_by_chain(session, period: str, chain_ids=None) -> dict[int, dict]:
    """{chain_id: scheme as a plain dict} of the versions in force for `period` (one query)."""
    query = select(Scheme).where(Scheme.effective_from <= period).order_by(Scheme.version)
    if chain_ids is not None:
        query = query.where(Scheme.chain_id.in_(list(chain_ids)))
    found = {}
    for scheme in session.execute(query).scalars():
        found[scheme.chain_id] = plain(scheme)  # ascending: the newest version wins
    return found


def plain(scheme: Scheme) -> dict:
    """What the composite needs of a version."""
    return {
        "version": scheme.version,
        "criteria": scheme.criteria,
        "bands": scheme.bands,
        "safety_weight_bp": scheme.safety_weight_bp,
    }


def versions(session, chain_id: int) -> list[Scheme]:
    """Every version of the chain's scheme, newest first."""
    query = select(Scheme).where(Scheme.chain_id == chain_id).order_by(Scheme.version.desc())
    return list(session.execute(query).scalars())


def public(scheme: Scheme) -> dict:
    """A version as the API shows it: weights as percentages, band upper edges spelled out."""
    uppers = [100.0] + [band["min_score"] for band in scheme.bands[:-1]]
    return {
        "version": scheme.version,
        "effective_from": scheme.effective_from,
        "criteria": [
            {"key": c["key"], "label": c["label"], "weight": percent(c["weight_bp"])}
            for c in scheme.criteria
        ],
        "bands": [
            band | {"max_score": upper} for band, upper in zip(scheme.bands, uppers, strict=True)
        ],
        "created_at": scheme.created_at,
    }


def authors(session, versions_: list[Scheme]) -> dict[int, str]:
    """{user id: display name or username} of the people who saved these versions."""
    ids = {s.created_by for s in versions_ if s.created_by is not None}
    query = select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    return {uid: display or name for uid, display, name in session.execute(query)}


def last_closed_period(session, chain_id: int) -> str | None:
    """The newest period whose assessment the month close has fixed for this chain."""
    query = select(func.max(Assessment.period)).where(Assessment.chain_id == chain_id)
    return session.execute(query).scalar()


def _effective_problems(session, chain_id: int, effective_from, latest) -> dict:
    if not months.is_month(effective_from):
        return {"effective_from": [N_("Must be a month written YYYY-MM.")]}
    if latest is not None and effective_from < latest.effective_from:
        message = N_("A new version cannot take effect before the current one ({month}).")
        return {"effective_from": [(message, {"month": latest.effective_from})]}
    closed = last_closed_period(session, chain_id)
    if closed is not None and effective_from <= closed:
        message = N_("{month} is already closed; a new version can take effect from {next} on.")
        params = {"month": closed, "next": months.shift(closed, 1)}
        return {"effective_from": [(message, params)]}
    return {}


def save(
    session,
    scope: Scope,
    chain,
    *,
    criteria: list,
    bands: list,
    effective_from: str,
    expected_version: int | None = None,
) -> Scheme:
    """Add the next version of the chain's scheme; 422 for a broken rule, 409 when someone
    saved a version since `expected_version` was read."""
    latest = current(session, chain.id)
    number = latest.version if latest else 0
    if expected_version is not None and expected_version != number:
        raise Conflict()
    errors = scheme_problems(criteria, bands)
    errors |= _effective_problems(session, chain.id, effective_from, latest)
    if errors:
        raise Invalid(errors)
    stored, safety_bp, stored_bands = normalise(criteria, bands)
    scheme = Scheme(
        chain_id=chain.id,
        version=number + 1,
        effective_from=effective_from,
        safety_weight_bp=safety_bp,
        criteria=stored,
        bands=stored_bands,
        created_by=scope.user_id,
    )
    session.add(scheme)
    try:
        session.flush()
    except IntegrityError:
        # Another editor inserted the same version number first (uq_scheme_version).
        raise Conflict() from None
    audit.record(
        session,
        scope,
        action="create",
        entity="scheme",
        entity_id=f"{chain.id}:v{scheme.version}",
        before=public(latest) if latest else None,
        after=public(scheme),
    )
    return scheme
