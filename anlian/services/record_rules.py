"""The rules a record must keep that its table cannot check: pure functions of the data.

Each returns field → messages (empty when the data is acceptable), so the API and the pages
report every problem at once, next to its field.
"""

from datetime import date

from models.base import N_

PENALTY_OUTCOMES = ("fine", "suspension", "referral")
MAX_TEXT = 2000


def _add(errors: dict, field: str, message) -> None:
    errors.setdefault(field, []).append(message)


def not_future(errors: dict, field: str, day: date | None, today: date) -> None:
    """A record cannot be dated after today."""
    if day is not None and day > today:
        _add(errors, field, N_("Must not be in the future."))


def accident_problems(data: dict, today: date) -> dict:
    """A fatal accident has deaths, any other has none; not in the future."""
    errors: dict = {}
    not_future(errors, "occurred_on", data.get("occurred_on"), today)
    deaths = data.get("deaths") or 0
    if data.get("severity") == "fatal" and deaths < 1:
        _add(errors, "deaths", N_("A fatal accident needs at least one death."))
    if data.get("severity") != "fatal" and deaths > 0:
        _add(errors, "severity", N_("An accident with deaths must have severity fatal."))
    return errors


def inspection_problems(data: dict, today: date) -> dict:
    """Only a fine, suspension or referral carries a penalty; not in the future."""
    errors: dict = {}
    not_future(errors, "inspected_on", data.get("inspected_on"), today)
    if (data.get("penalty_cny") or 0) > 0 and data.get("outcome") not in PENALTY_OUTCOMES:
        _add(
            errors,
            "penalty_cny",
            N_("Only a fine, a suspension or a criminal referral carries a penalty."),
        )
    return errors


def hazard_problems(data: dict, today: date) -> dict:
    """Found not in the future; deadline and rectification not before found, rectification
    not in the future; a self-check report says what the hazard is."""
    errors: dict = {}
    found = data.get("found_on")
    not_future(errors, "found_on", found, today)
    not_future(errors, "rectified_on", data.get("rectified_on"), today)
    for field in ("deadline", "rectified_on"):
        day = data.get(field)
        if found is not None and day is not None and day < found:
            _add(errors, field, N_("Must not be before the day the hazard was found."))
    description = (data.get("description") or "").strip()
    if data.get("source") == "self_check" and not description:
        _add(errors, "description", N_("Describe the hazard."))
    if len(description) > MAX_TEXT:
        _add(errors, "description", (N_("At most {max} characters."), {"max": MAX_TEXT}))
    return errors
