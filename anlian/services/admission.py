"""The admission gate (安全准入): the basic safety conditions a supplier must meet before any
cooperation, kept per chain (`Chain.admission_conditions`, else the eight defaults), with a
per-supplier checklist (met, evidence, verification date). A supplier passes only when every
condition of its chain is met; one never checked has not passed. The gate is separate from
the score: failing it means no new orders and never preferred, whatever the composite.
"""

from datetime import date

from sqlalchemy import and_, func, or_, select

from models import AdmissionCheck, Chain
from models.base import N_

from ..errors import Invalid
from ..scope import Scope
from . import audit
from .scheme_rules import KEY_PATTERN

# 8项安全生产基本条件, as the first chain leaders reported them.
DEFAULT_CONDITIONS = (
    {
        "key": "responsibility",
        "label_zh": "安全生产责任制健全",
        "label_en": "Work-safety responsibility system in place",
    },
    {
        "key": "standardization",
        "label_zh": "安全生产标准化运行",
        "label_en": "Standardization in operation",
    },
    {"key": "risk_control", "label_zh": "风险分级管控", "label_en": "Risk grading and control"},
    {
        "key": "hazard_rectification",
        "label_zh": "隐患排查治理",
        "label_en": "Hazard investigation and rectification",
    },
    {"key": "emergency", "label_zh": "应急预案与演练", "label_en": "Emergency plan and drills"},
    {"key": "training", "label_zh": "安全教育培训", "label_en": "Safety training"},
    {
        "key": "certified",
        "label_zh": "设备设施合规、特种作业持证上岗",
        "label_en": "Equipment and special operations certified",
    },
    {
        "key": "reporting_insurance",
        "label_zh": "事故报告与安全生产责任保险",
        "label_en": "Accident reporting and liability insurance",
    },
)


def conditions(chain: Chain) -> list[dict]:
    """The chain's conditions, or the defaults when it has not set its own."""
    return list(chain.admission_conditions or DEFAULT_CONDITIONS)


def label(condition: dict, lang: str = "zh") -> str:
    """A condition's label in `lang` (zh or en)."""
    return condition["label_en"] if lang == "en" else condition["label_zh"]


def set_conditions(session, scope: Scope, chain: Chain, items: list[dict]) -> None:
    """Replace the chain's list of conditions (keys unique, both labels given)."""
    problems, seen = [], set()
    for item in items:
        key = item.get("key") or ""
        if not KEY_PATTERN.match(key) or key in seen:
            problems.append(
                (N_("Condition keys are unique lowercase words ({key})."), {"key": key})
            )
        if not (item.get("label_zh") or "").strip() or not (item.get("label_en") or "").strip():
            problems.append(
                (N_("Condition {key} needs a Chinese and an English label."), {"key": key})
            )
        seen.add(key)
    if not items:
        problems.append(N_("Keep at least one admission condition."))
    if problems:
        raise Invalid({"conditions": problems})
    before = conditions(chain)
    chain.admission_conditions = [
        {k: item[k].strip() for k in ("key", "label_zh", "label_en")} for item in items
    ]
    audit.record(
        session,
        scope,
        action="update",
        entity="admission_conditions",
        entity_id=chain.id,
        before={"conditions": before},
        after={"conditions": chain.admission_conditions},
    )
    session.flush()


def gate(session, chains: list[Chain], enterprise_ids=None) -> dict[tuple, set[str]]:
    """{(chain_id, enterprise_id): met condition keys} for the chains' suppliers: one query,
    one row per supplier (the keys joined in SQL)."""
    if not chains:
        return {}
    wanted = or_(
        *(
            and_(
                AdmissionCheck.chain_id == chain.id,
                AdmissionCheck.condition_key.in_([c["key"] for c in conditions(chain)]),
            )
            for chain in chains
        )
    )
    query = (
        select(
            AdmissionCheck.chain_id,
            AdmissionCheck.enterprise_id,
            func.aggregate_strings(AdmissionCheck.condition_key, ","),
        )
        .where(wanted, AdmissionCheck.met.is_(True))
        .group_by(AdmissionCheck.chain_id, AdmissionCheck.enterprise_id)
    )
    if enterprise_ids is not None:
        query = query.where(AdmissionCheck.enterprise_id.in_(enterprise_ids))
    rows = session.connection().execute(query)
    return {
        (chain_id, enterprise_id): set(keys.split(",")) for chain_id, enterprise_id, keys in rows
    }


def missing(chain: Chain, met_keys) -> list[dict]:
    """The chain's conditions not among `met_keys`."""
    met_keys = set(met_keys or ())
    return [c for c in conditions(chain) if c["key"] not in met_keys]


def _checks(session, chain_id: int, enterprise_id: int) -> dict[str, AdmissionCheck]:
    query = select(AdmissionCheck).where(
        AdmissionCheck.chain_id == chain_id, AdmissionCheck.enterprise_id == enterprise_id
    )
    return {check.condition_key: check for check in session.execute(query).scalars()}


def checklist(session, chain: Chain, enterprise_id: int) -> list[dict]:
    """Each condition with the supplier's check (met, evidence, verified on), in list order."""
    checks = _checks(session, chain.id, enterprise_id)
    rows = []
    for condition in conditions(chain):
        check = checks.get(condition["key"])
        rows.append(
            condition
            | {
                "met": bool(check and check.met),
                "evidence": check.evidence if check else "",
                "verified_on": check.verified_on if check else None,
            }
        )
    return rows


def save_checks(
    session, scope: Scope, chain: Chain, enterprise_id: int, items: list[dict], *, today: date
) -> None:
    """Record the supplier's checks [{key, met, evidence, verified_on}]; a met condition is
    verified on a day not in the future (today when not given)."""
    known = {c["key"] for c in conditions(chain)}
    errors = {}
    for item in items:
        if item["key"] not in known:
            errors[item["key"]] = [N_("Not one of this chain's admission conditions.")]
        elif item.get("verified_on") and item["verified_on"] > today:
            errors[item["key"]] = [N_("The verification date cannot be in the future.")]
    if errors:
        raise Invalid(errors)
    checks = _checks(session, chain.id, enterprise_id)
    before = {key: check.met for key, check in checks.items()}
    for item in items:
        check = checks.get(item["key"])
        if check is None:
            check = AdmissionCheck(
                chain_id=chain.id, enterprise_id=enterprise_id, condition_key=item["key"]
            )
            session.add(check)
        check.met = bool(item.get("met"))
        check.evidence = (item.get("evidence") or "").strip()
        check.verified_on = item.get("verified_on") or (today if check.met else None)
        check.verified_by = scope.user_id
    session.flush()
    audit.record(
        session,
        scope,
        action="update",
        entity="admission_check",
        entity_id=f"{chain.id}:{enterprise_id}",
        before=before,
        after={i["key"]: bool(i.get("met")) for i in items},
    )


def passed_counts(session, chain: Chain, enterprise_ids) -> dict[int, int]:
    """{enterprise_id: conditions met} for some suppliers of the chain."""
    keys = [c["key"] for c in conditions(chain)]
    query = (
        select(AdmissionCheck.enterprise_id, func.count())
        .where(
            AdmissionCheck.chain_id == chain.id,
            AdmissionCheck.met.is_(True),
            AdmissionCheck.condition_key.in_(keys),
            AdmissionCheck.enterprise_id.in_(list(enterprise_ids)),
        )
        .group_by(AdmissionCheck.enterprise_id)
    )
    return dict(session.execute(query).all())
