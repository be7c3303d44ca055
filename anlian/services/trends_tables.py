"""The trend views' tables as (header, rows): one definition for the page and its CSV/XLSX
export. Headers are message ids (translated by the caller); cells are plain values."""

from models.base import N_
from models.vocab import INDUSTRIES

from .trends_colours import COLOURS
from .trends_pooling import FEW_EVENTS, REASONS

METRIC_LABELS = {
    "injury_rate": N_("Injury rate (cases per million hours)"),
    "enforcement_rate": N_("Enforcement cases per 100 enterprise-months"),
    "penalty_per_enterprise": N_("Penalty per enterprise-month (CNY)"),
    "inspection_rate": N_("Inspections per 100 enterprise-months"),
    "penalty_per_inspection": N_("Penalty per inspection (CNY)"),
    "enforcement_per_inspection": N_("Inspections ending in enforcement (%)"),
    "reporting_integrity": N_("Accidents known only from official sources (%)"),
}
COLOUR_LABELS = {
    "red": N_("Red"),
    "orange": N_("Orange"),
    "yellow": N_("Yellow"),
    "blue": N_("Blue"),
}
SERIES_COLUMNS = (
    "hours", "cases", "injury_rate", "fatalities", "enforcement_cases", "enforcement_rate",
    "penalty_cny", "penalty_per_enterprise", "inspections", "penalty_per_inspection",
    "enforcement_per_inspection", "accidents", "official_only_share", "hazards_found",
    "hazards_rectified_on_time", "mean_score", "enterprises",
)  # fmt: skip


class Msg(str):
    """A cell that is a message id, to be shown in the reader's language."""


class Coded(str):
    """A cell that is a code of a vocabulary (models.vocab: industries, towns, colours…), to
    be shown as its label in the reader's language, as the page shows it."""

    vocabulary: dict

    def __new__(cls, code: str, vocabulary: dict):
        cell = super().__new__(cls, code)
        cell.vocabulary = vocabulary
        return cell


GROUP_LABELS = {"members": N_("Linked suppliers"), "non_members": N_("Never-linked enterprises")}
NOTES = REASONS | {
    "few_events": FEW_EVENTS,
    "rising": N_("Rising: after joining, more accidents are known only from official sources."),
}


def _ci(part: dict | None) -> list:
    ci = (part or {}).get("ci95") or (None, None)
    return [ci[0], ci[1]]


def effect_table(effect: dict) -> tuple[list, list]:
    """One row per metric: before, after, change with its interval, and the DiD."""
    header = [N_("Metric"), N_("Before"), N_("After"), N_("Change %"), N_("Low (95% CI)")]
    header += [
        N_("High (95% CI)"),
        N_("Note"),
        N_("DiD %"),
        N_("DiD low (95% CI)"),
        N_("DiD high (95% CI)"),
    ]
    rows = []
    for name, label in METRIC_LABELS.items():
        part, did = effect[name], effect["did"].get(name)
        change = part.get("change_pct", part.get("change_pp"))
        note = part.get("reason") or ("few_events" if part.get("few_events") else None)
        note = note or ("rising" if part.get("rising") else None)
        note = Msg(NOTES[note]) if note else None
        did_cells = [did["change_pct"], *_ci(did)] if did else [None, None, None]
        cells = [Msg(label), part["before"], part["after"], change, *_ci(part), note]
        rows.append(cells + did_cells)
    return header, rows


def chain_rows(table: list) -> tuple[list, list]:
    """The chain comparison table."""
    header = [N_("Chain"), N_("Suppliers"), N_("Suppliers in the effect"), N_("Mean score")]
    header += [N_("Injury rate change %"), N_("Low (95% CI)"), N_("High (95% CI)")]
    header += [N_("Enforcement change %"), N_("Low (95% CI)"), N_("High (95% CI)")]
    header += [N_("Official-only share before %"), N_("after %")]
    rows = [
        [r["name"], r["suppliers"], r["n_enterprises"], r["mean_score"]]
        + [r["injury"]["change_pct"], *_ci(r["injury"])]
        + [r["enforcement"]["change_pct"], *_ci(r["enforcement"])]
        + [r["integrity"]["before"], r["integrity"]["after"]]
        for r in table
    ]
    return header, rows


def series_rows(series: dict) -> tuple[list, list]:
    """Every month of every group with all the metrics."""
    header = [N_("Month"), N_("Group"), *SERIES_COLUMNS]
    rows = [
        [row["month"], Msg(GROUP_LABELS[group]), *(row[c] for c in SERIES_COLUMNS)]
        for group, items in series.items()
        for row in items
    ]
    return header, rows


def colour_rows(colours: list) -> tuple[list, list]:
    header = [N_("Month"), *COLOUR_LABELS.values(), N_("Total")]
    return header, [[r["month"], *(r[c] for c in COLOURS), r["total"]] for r in colours]


def transition_rows(transitions: dict) -> tuple[list, list]:
    """From colour (rows) to colour (columns), with each row's total."""
    header = [N_("From \\ to"), *COLOUR_LABELS.values(), N_("Total")]
    matrix, totals = transitions["matrix"], transitions["from_totals"]
    rows = [[Msg(COLOUR_LABELS[a]), *(matrix[a][b] for b in COLOURS), totals[a]] for a in COLOURS]
    return header, rows


def outlier_rows(funnel: dict) -> tuple[list, list]:
    header = [N_("USCC"), N_("Enterprise"), N_("Industry"), N_("Cases"), N_("Hours")]
    header += [N_("Injury rate"), N_("Expected cases")]
    keys = ("cases", "hours", "rate", "expected")
    rows = [
        [o["uscc"], o["name"], Coded(o["industry"], INDUSTRIES), *(o[k] for k in keys)]
        for o in funnel["outliers"]
    ]
    return header, rows


def heatmap_rows(heatmap: dict, names: dict) -> tuple[list, list]:
    header = [N_("Chain"), N_("Month"), N_("Injury rate"), N_("Enforcement rate")]
    rows = [
        [names.get(chain_id, chain_id), month, cell["injury_rate"], cell["enforcement_rate"]]
        for (chain_id, month), cell in sorted(heatmap["cells"].items())
    ]
    return header, rows


def event_rows(effect: dict) -> tuple[list, list]:
    header = [N_("Months since joining"), N_("Cases"), N_("Hours"), N_("Injury rate")]
    header += [N_("Low (95% CI)"), N_("High (95% CI)"), N_("Never-linked rate, same months")]
    keys = ("rel", "cases", "hours", "injury_rate", "low", "high", "control_rate")
    return header, [[e[k] for k in keys] for e in effect["event_time"]]


def translated(header: list, rows: list, gettext, label) -> tuple[list, list]:
    """Header, message and code cells in the reader's language (`gettext` and
    `label(vocabulary, code)` from the caller); the series' metric columns keep their API
    names."""

    def cell(value):
        if isinstance(value, Msg):
            return gettext(value)
        if isinstance(value, Coded):
            return label(value.vocabulary, str(value))
        return value

    words = [h if h in SERIES_COLUMNS else gettext(h) for h in header]
    return words, [[cell(c) for c in row] for row in rows]


def build(table: str, data: dict, names: dict) -> tuple[list | None, list]:
    """(header, rows) of a named table of a trend view's data; (None, []) if it has none."""
    builders = {
        "effect": lambda: effect_table(data["effect"]),
        "chains": lambda: chain_rows(data["chains"]),
        "series": lambda: series_rows(data["series"]),
        "colours": lambda: colour_rows(data["colours"]),
        "transitions": lambda: transition_rows(data["transitions"]),
        "outliers": lambda: outlier_rows(data["funnel"]),
        "heatmap": lambda: heatmap_rows(data["heatmap"], names),
        "event": lambda: event_rows(data["effect"]),
    }
    if table not in builders or (table == "chains" and "chains" not in data):
        return None, []
    return builders[table]()
