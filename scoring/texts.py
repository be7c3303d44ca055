"""English fallback texts for drivers and what-if actions (the UI translates by message key)."""

from typing import Any

_OUTCOMES = (
    ("warnings", "warning", "warnings"),
    ("fines", "fine", "fines"),
    ("suspensions", "suspension order", "suspension orders"),
    ("referrals", "criminal referral", "criminal referrals"),
)
_INJURIES = (
    ("minor_injured", "minor injury", "minor injuries"),
    ("serious_injured", "serious injury", "serious injuries"),
    ("deaths", "death", "deaths"),
)


def _count(n: int, singular: str, plural: str) -> str:
    """'1 fine' / '3 fines'."""
    return f"{n} {singular if n == 1 else plural}"


def _counts(params: dict[str, Any], names: tuple) -> str:
    """Non-zero counts joined by commas, e.g. '1 serious injury, 2 deaths'."""
    parts = [_count(params.get(key, 0), one, many) for key, one, many in names if params.get(key)]
    return ", ".join(parts)


def _when(params: dict[str, Any]) -> str:
    """'in 2026-03' when the month label is known, else 'this month' / 'N months ago'."""
    if params.get("month"):
        return f"in {params['month']}"
    ago = params.get("months_ago", 0)
    return "this month" if ago == 0 else f"{_count(ago, 'month', 'months')} ago"


def _enforcement(params: dict[str, Any]) -> str:
    """Enforcement cases of a month with the penalty amount."""
    text = _counts(params, _OUTCOMES) or "penalties"
    if params.get("penalty_cny"):
        text += f" (CNY {params['penalty_cny']:,.0f})"
    return f"{text} {_when(params)}"


def _overdue(params: dict[str, Any]) -> str:
    """'2 hazards are past their deadline (1 major)'."""
    total = params["general"] + params["major"]
    verb = "is" if total == 1 else "are"
    text = f"{_count(total, 'hazard', 'hazards')} {verb} past the deadline"
    return text + (f" ({params['major']} major)" if params["major"] else "")


def driver_text(key: str, params: dict[str, Any]) -> str:
    """English fallback sentence of a driver."""
    match key:
        case "accidents.month":
            return f"{_counts(params, _INJURIES)} {_when(params)}"
        case "accidents.industry_rate":
            return (
                f"Industry accident rate {params['industry_rate']:.2f} per million hours; "
                f"own record weighs {params['credibility']:.0%}"
            )
        case "enforcement.month":
            return _enforcement(params)
        case "hazards.overdue":
            return _overdue(params)
        case "hazards.rectified_late":
            return f"{_count(params['late'], 'hazard', 'hazards')} rectified after the deadline"
        case "hazards.self_check_low":
            found = _count(params["self_check_found"], "self-check hazard", "self-check hazards")
            return f"{found} reported for {_count(params['headcount'], 'worker', 'workers')}"
        case "foundation.standardization":
            level = params["level"]
            return f"Standardization {level}" if level != "none" else "No valid standardization"
        case "foundation.no_steward":
            return "No safety steward contracted"
        case "foundation.risk_color":
            color = params["risk_color"]
            return f"Risk class {color}" if color else "No four-colour risk class assigned"
    return key


def what_if_text(action: str, params: dict[str, Any]) -> str:
    """English fallback sentence of a what-if action."""
    match action:
        case "rectify_hazard":
            state = "overdue" if params["overdue"] else "open"
            return f"Rectify {state} {params['level']} hazard #{params['hazard_id']}"
        case "contract_steward":
            return "Contract a safety steward"
        case "months_without_accident":
            return f"{params['months']} more months without accident or enforcement"
        case "standardize":
            return f"Reach standardization {params['to']}"
    return action
