"""Plain-language sentences for the owner's pages, from the engine's message keys and params.

The engine explains in codes (`message_key` + params, what-if `action` + params, veto rules);
this turns them into one short sentence each in the page's language, and says which page
shows the records behind a driver.
"""

from flask import url_for
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l

from models.vocab import RISK_COLORS, STANDARDIZATION

from ..i18n import label

COMPONENTS = {
    "accidents": _l("Accidents"),
    "enforcement": _l("Inspections and penalties"),
    "hazards": _l("Hazard checks"),
    "foundation": _l("Safety basics"),
}
COLORS = {
    "blue": _l("blue"),
    "yellow": _l("yellow"),
    "orange": _l("orange"),
    "red": _l("red"),
}
STATUSES = {
    "open": _l("Open"),
    "overdue": _l("Overdue"),
    "rectified_on_time": _l("Rectified on time"),
    "rectified_late": _l("Rectified late"),
}
VETOES = {
    "death": _l("Someone died in an accident in the last %(months)s months."),
    "major_hazard_overdue": _l("A major hazard is past its deadline and not rectified."),
    "suspension": _l("Production was ordered suspended in the last %(months)s months."),
    "dishonest": _l("The firm is on the list of seriously dishonest enterprises."),
}
INJURIES = (
    ("minor_injured", _l("%(num)s slightly injured")),
    ("serious_injured", _l("%(num)s seriously injured")),
    ("deaths", _l("%(num)s killed")),
)
ENFORCEMENT = (
    ("warnings", _l("warning ×%(num)s")),
    ("fines", _l("fine ×%(num)s")),
    ("suspensions", _l("suspension order ×%(num)s")),
    ("referrals", _l("criminal referral ×%(num)s")),
)


def labels(table: dict) -> dict[str, str]:
    """Every code of a vocabulary table with its label in the page's language."""
    return {code: label(table, code) for code in table}


def month_text(month: str | None) -> str:
    """'2025年3月' / '2025/3' for a YYYY-MM month."""
    if not month:
        return ""
    return gettext("%(year)s/%(month)s", year=month[:4], month=int(month[5:7]))


def _parts(params: dict, table) -> str:
    found = [str(text) % {"num": params[key]} for key, text in table if params.get(key)]
    return gettext(", ").join(found)


def _month_driver(key: str, params: dict) -> str:
    when = month_text(params.get("month"))
    if key == "accidents.month":
        return gettext("Accident in %(month)s: %(what)s", month=when, what=_parts(params, INJURIES))
    what = _parts(params, ENFORCEMENT)
    if params.get("penalty_cny"):
        amount = format_decimal(params["penalty_cny"], format="#,##0")
        what = gettext("%(what)s, CNY %(amount)s in fines", what=what, amount=amount)
    return gettext("Enforcement in %(month)s: %(what)s", month=when, what=what)


def _foundation_driver(key: str, params: dict) -> str:
    if key == "foundation.no_steward":
        return gettext("No safety steward contracted")
    if key == "foundation.standardization":
        if params.get("level", "none") == "none":
            return gettext("No valid work-safety standardization grade")
        level = label(STANDARDIZATION, params["level"])
        return gettext("Work-safety standardization only at %(level)s", level=level)
    if not params.get("risk_color"):
        return gettext("No four-colour risk class assigned yet")
    return gettext("Risk class %(color)s", color=label(RISK_COLORS, params["risk_color"]))


def driver_sentence(driver: dict) -> str:
    """One sentence for a driver of the score."""
    key, params = driver["message_key"], driver.get("params") or {}
    if key in ("accidents.month", "enforcement.month"):
        return _month_driver(key, params)
    if key.startswith("foundation."):
        return _foundation_driver(key, params)
    if key == "hazards.overdue":
        text = gettext(
            "Hazards past their deadline: %(num)s", num=params["general"] + params["major"]
        )
        if params.get("major"):
            text += gettext(" (%(num)s major)", num=params["major"])
        return text
    if key == "hazards.rectified_late":
        return gettext("Hazards rectified after their deadline: %(num)s", num=params["late"])
    if key == "hazards.self_check_low":
        return gettext(
            "Few self-check reports: %(found)s for %(workers)s workers",
            found=params["self_check_found"],
            workers=params["headcount"],
        )
    if key == "accidents.industry_rate":
        return gettext(
            "Your industry's accident rate (%(rate)s injured per million hours) still weighs on"
            " your score: your own record counts for %(share)s%%.",
            rate=format_decimal(params["industry_rate"], format="0.0"),
            share=round(100 * params["credibility"]),
        )
    return driver.get("text") or key


def driver_link(driver: dict) -> str | None:
    """Where the records behind a driver are shown (None for the safety basics)."""
    key, params = driver["message_key"], driver.get("params") or {}
    if key == "accidents.month":
        return url_for("sme.records_list", month=params.get("month"), _anchor="accidents")
    if key == "enforcement.month":
        return url_for("sme.records_list", month=params.get("month"), _anchor="inspections")
    if key == "hazards.overdue":
        return url_for("sme.hazards", status="overdue")
    if key == "hazards.rectified_late":
        return url_for("sme.hazards", status="rectified_late")
    if key == "hazards.self_check_low":
        return url_for("sme.hazards", _anchor="report")
    return None


def what_if_sentence(entry: dict, descriptions: dict[int, str]) -> str:
    """One sentence for a what-if action; hazards named by number and description."""
    action, params = entry["action"], entry.get("params") or {}
    if action == "rectify_hazard":
        hazard_id = params["hazard_id"]
        text = descriptions.get(hazard_id) or gettext("no description")
        return gettext("Rectify hazard #%(id)s (%(what)s)", id=hazard_id, what=text)
    if action == "contract_steward":
        return gettext("Contract a safety steward")
    if action == "months_without_accident":
        return gettext(
            "Go %(months)s more months without accident or penalty", months=params["months"]
        )
    if action == "standardize":
        level = label(STANDARDIZATION, params["to"])
        return gettext("Reach work-safety standardization %(level)s", level=level)
    return entry.get("text") or action


def veto_sentence(rule: str, window: int) -> str:
    """Why the grade is D whatever the points, in plain words."""
    text = VETOES.get(rule)
    return str(text) % {"months": window} if text is not None else rule
