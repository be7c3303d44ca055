"""What each owner page shows, assembled from the services (the views stay thin).

Numbers come from the engine through `services.scores.score_detail`; this module only picks
them out, attaches plain sentences and links, and never scores anything itself.
"""

from datetime import date

from flask_babel import gettext

from models.vocab import HAZARD_SOURCES, OUTCOMES, SEVERITIES

from .. import months
from ..charts import figure_json
from ..charts.sme import score_history
from ..services import aggregates, chains, disputes, record_lists, scores, sme_portal
from . import sme_texts

WHAT_IF_TEASER = 3


def running_detail(session, enterprise, *, today: date, config) -> dict:
    """The running month's provisional score with drivers and what-ifs."""
    return scores.score_detail(session, enterprise, as_of=months.of(today), on=today, config=config)


def components(detail: dict) -> list[dict]:
    """The four components as bars: points earned out of the component's weight."""
    return [
        {
            "key": key,
            "label": sme_texts.COMPONENTS[key],
            "percent": part["score"],
            "points": part["weight"] * part["score"] / 100,
            "weight": part["weight"],
        }
        for key, part in detail["components"].items()
    ]


def what_ifs(session, enterprise, detail: dict, *, today: date) -> list[dict]:
    """What-if actions, best first, each with its sentence (hazards named by description)."""
    open_now = aggregates.open_hazards(session, enterprise.id, on=today)
    descriptions = {h.hazard_id: h.description for h in open_now}
    return [
        entry
        | {
            "sentence": sme_texts.what_if_sentence(entry, descriptions),
            "hazard_id": (entry.get("params") or {}).get("hazard_id"),
        }
        for entry in detail["what_if"]
    ]


def drivers(detail: dict) -> list[dict]:
    """Drivers, biggest loss first, with a sentence and a link to the records behind them."""
    return [
        d
        | {
            "sentence": sme_texts.driver_sentence(d),
            "link": sme_texts.driver_link(d),
            "component_label": sme_texts.COMPONENTS.get(d["component"], d["component"]),
        }
        for d in detail["drivers"]
    ]


def score_page(session, scope, enterprise, *, today: date, config) -> dict:
    """My score: the running month large, the official month beside it, history, standing."""
    detail = running_detail(session, enterprise, today=today, config=config)
    history = sme_portal.recent_history(session, enterprise.id, today=today)
    official_month = sme_portal.official_month(session, today=today)
    figure = score_history(
        history,
        {"as_of": detail["as_of"], "score": detail["score"]},
        labels={
            "closed": gettext("Official monthly score"),
            "running": gettext("This month so far"),
        },
    )
    return {
        "enterprise": enterprise,
        "detail": detail,
        "components": components(detail),
        "vetoes": [sme_texts.veto_sentence(r, config.window_months) for r in detail["veto"]],
        "official": next((h for h in history if h["as_of"] == official_month), None),
        "standing": sme_portal.industry_standing(session, enterprise, official_month),
        "official_month": official_month,
        "official_label": sme_texts.month_text(official_month),
        "month_label": sme_texts.month_text(detail["as_of"]),
        "colors": sme_texts.COLORS,
        "figure": figure_json(figure) if history else None,
        "what_ifs": what_ifs(session, enterprise, detail, today=today)[:WHAT_IF_TEASER],
        "chains": chains.list_chains(session, scope, on=today),
    }


def hazards_page(session, enterprise, *, today: date, config, status: str | None, page: int):
    """My hazards: one page of them with status, counts, and the points rectifying each adds."""
    per_page = 30
    items, total = record_lists.list_hazards(
        session, enterprise.id, on=today, status=status, page=page, per_page=per_page
    )
    detail = running_detail(session, enterprise, today=today, config=config)
    gains = {
        w["params"]["hazard_id"]: w["delta"]
        for w in detail["what_if"]
        if w["action"] == "rectify_hazard"
    }
    return {
        "enterprise": enterprise,
        "detail": detail,
        "hazards": items,
        "gains": gains,
        "counts": record_lists.status_counts(session, enterprise.id, on=today),
        "statuses": sme_texts.STATUSES,
        "sources": sme_texts.labels(HAZARD_SOURCES),
        "status": status,
        "page": page,
        "pages": max((total - 1) // per_page + 1, 1),
        "total": total,
    }


def records_page(session, enterprise, *, month: str | None) -> dict:
    """My records: accidents and inspections (one month, or the latest), and my disputes."""
    limit = 100
    accidents, n_accidents = record_lists.list_records(
        session, enterprise.id, "accident", page=1, per_page=limit, month=month
    )
    inspections, n_inspections = record_lists.list_records(
        session, enterprise.id, "inspection", page=1, per_page=limit, month=month
    )
    return {
        "enterprise": enterprise,
        "month": month,
        "month_label": sme_texts.month_text(month),
        "accidents": accidents,
        "inspections": inspections,
        "totals": {"accident": n_accidents, "inspection": n_inspections},
        "disputes": disputes.disputes_of(session, enterprise.id),
        "severities": sme_texts.labels(SEVERITIES),
        "outcomes": sme_texts.labels(OUTCOMES),
    }
