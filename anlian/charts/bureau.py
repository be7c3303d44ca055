"""The bureau's trend charts: pure builders from the trend services' numbers to figures.
`labels` carries every visible word, already translated by the caller."""

import plotly.graph_objects as go

from models.base import N_

from . import chart, figure_json

MEMBERS, OTHERS = "#0b3d2e", "#8c959f"
COLOUR_HEX = {"red": "#d1242f", "orange": "#e8711a", "yellow": "#d4a20b", "blue": "#1f6feb"}
# Titles live in the page (they wrap on a phone; a Plotly title is cut off).
MARGIN = {"l": 48, "r": 16, "t": 16, "b": 40}
PLAIN = {"template": "none", "legend": {"orientation": "h", "y": -0.22}, "margin": MARGIN}
TITLED_X = PLAIN | {"legend": {"orientation": "h", "y": -0.38}, "height": 360}
MONTH_AXIS = {"type": "category", "tickangle": -45, "nticks": 12}
LABELS = {  # message ids; the page translates them and passes them back in
    "members": N_("Linked suppliers"),
    "non_members": N_("Never-linked enterprises"),
    "inspections": N_("inspections"),
    "event_axis": N_("Months since joining (0 = the join month)"),
    "rate_unit": N_("per million hours"),
    "band": N_("Interval (95%)"),
    "limit_0.95": N_("Limits (95%)"),
    "limit_0.998": N_("Limits (99.8%)"),
    "industry_rate": N_("Industry rate"),
    "enterprises": N_("Enterprises"),
    "hours": N_("Hours worked in the period"),
    "red": N_("Red"),
    "orange": N_("Orange"),
    "yellow": N_("Yellow"),
    "blue": N_("Blue"),
}


def _line(rows: list, metric: str, name: str, colour: str, dash: str = "solid") -> go.Scatter:
    return go.Scatter(
        x=[r["month"] for r in rows],
        y=[r[metric] for r in rows],
        name=name,
        mode="lines+markers",
        line={"color": colour, "dash": dash},
        marker={"size": 4},
        connectgaps=False,
    )


def rate_lines(series: dict, metric: str, *, labels: dict) -> go.Figure:
    """A monthly rate of linked suppliers against never-linked enterprises."""
    figure = go.Figure()
    figure.add_trace(_line(series.get("members", []), metric, labels["members"], MEMBERS))
    figure.add_trace(_line(series.get("non_members", []), metric, labels["non_members"], OTHERS))
    return chart(figure, xaxis=MONTH_AXIS, yaxis={"rangemode": "tozero"}, **PLAIN)


def penalty_bars(series: dict, *, labels: dict) -> go.Figure:
    """Penalty amounts per month, with the inspections behind them on a second axis, so fewer
    inspections can be told from better behaviour."""
    figure = go.Figure()
    for group, colour in (("members", MEMBERS), ("non_members", OTHERS)):
        rows = series.get(group, [])
        months = [r["month"] for r in rows]
        figure.add_trace(
            go.Bar(x=months, y=[r["penalty_cny"] for r in rows], name=labels[group],
                   marker={"color": colour})
        )  # fmt: skip
        figure.add_trace(
            go.Scatter(
                x=months,
                y=[r["inspections"] for r in rows],
                name=f"{labels[group]} · {labels['inspections']}",
                yaxis="y2",
                mode="lines",
                line={"color": colour, "dash": "dot"},
            )
        )
    return chart(
        figure,
        barmode="group",
        xaxis=MONTH_AXIS,
        yaxis={"title": {"text": "CNY"}, "rangemode": "tozero"},
        yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False},
        **PLAIN,
    )


def heatmap(cells: dict, months: list, chains: list, *, labels: dict) -> go.Figure:
    """Chains (rows) × months (columns): the injury rate of the chain's suppliers in force."""
    z = [[(cells.get((c["id"], m)) or {}).get("injury_rate") for m in months] for c in chains]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=months,
            y=[c["name"] for c in chains],
            colorscale="YlOrRd",
            hoverongaps=False,
            colorbar={"title": {"text": labels["rate_unit"]}},
        )
    )
    height = max(320, 22 * len(chains) + 120)
    return chart(figure, height=height, xaxis=MONTH_AXIS, yaxis={"automargin": True},
                 template="none", margin=MARGIN)  # fmt: skip


def colour_bars(rows: list, *, labels: dict) -> go.Figure:
    """How many enterprises hold each colour, month by month (stacked)."""
    figure = go.Figure()
    for colour in ("blue", "yellow", "orange", "red"):
        figure.add_trace(
            go.Bar(x=[r["month"] for r in rows], y=[r[colour] for r in rows],
                   name=labels[colour], marker={"color": COLOUR_HEX[colour]})
        )  # fmt: skip
    return chart(figure, barmode="stack", xaxis=MONTH_AXIS, **PLAIN)


def event_time(rows: list, *, labels: dict) -> go.Figure:
    """Pooled injury rate by month relative to joining, its 95% band, and the never-linked
    rate over the same calendar months; the join month is marked."""
    rel = [r["rel"] for r in rows]
    band = [r["high"] for r in rows] + [r["low"] for r in rows][::-1]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=rel + rel[::-1], y=band, fill="toself", fillcolor="rgba(11,61,46,0.15)",
                   line={"width": 0}, hoverinfo="skip", name=labels["band"])
    )  # fmt: skip
    figure.add_trace(_rel_line(rows, "injury_rate", labels["members"], MEMBERS))
    figure.add_trace(_rel_line(rows, "control_rate", labels["non_members"], OTHERS, "dash"))
    join = {"type": "line", "x0": -0.5, "x1": -0.5, "y0": 0, "y1": 1, "yref": "paper",
            "line": {"color": "#d1242f", "dash": "dot"}}  # fmt: skip
    return chart(
        figure,
        shapes=[join],
        xaxis={"title": {"text": labels["event_axis"]}, "dtick": 3, "zeroline": False},
        yaxis={"title": {"text": labels["rate_unit"]}, "rangemode": "tozero"},
        **TITLED_X,
    )


def _rel_line(rows, key: str, name: str, colour: str, dash: str = "solid") -> go.Scatter:
    return go.Scatter(x=[r["rel"] for r in rows], y=[r[key] for r in rows], name=name,
                      mode="lines+markers", line={"color": colour, "dash": dash})  # fmt: skip


def funnel(data: dict, *, labels: dict) -> go.Figure:
    """Each enterprise's injury rate against its hours, inside 95% and 99.8% Poisson limits
    around its industry's rate; points beyond 99.8% are drawn red."""
    figure = go.Figure()
    points, limits = data["points"], data["limits"]
    if limits:
        hours = limits["hours"]
        for level, dash in (("0.95", "dash"), ("0.998", "solid")):
            for side in ("high", "low"):
                figure.add_trace(
                    go.Scatter(x=hours, y=limits[level][side], mode="lines",
                               line={"color": "#656d76", "dash": dash, "width": 1},
                               name=labels[f"limit_{level}"], showlegend=side == "high")
                )  # fmt: skip
        figure.add_trace(
            go.Scatter(x=[hours[0], hours[-1]], y=[data["industry_rate"]] * 2, mode="lines",
                       line={"color": MEMBERS}, name=labels["industry_rate"])
        )  # fmt: skip
    figure.add_trace(
        go.Scatter(
            x=[p["hours"] for p in points],
            y=[p["rate"] for p in points],
            mode="markers",
            text=[p["name"] for p in points],
            marker={"size": 6, "opacity": 0.7,
                    "color": ["#d1242f" if p["flag998"] == 1 else "#1f6feb" for p in points]},
            name=labels["enterprises"],
            hovertemplate="%{text}<br>%{x:,.0f} h · %{y:.2f}<extra></extra>",
        )
    )  # fmt: skip
    return chart(
        figure,
        xaxis={"type": "log", "title": {"text": labels["hours"]}},
        yaxis={"title": {"text": labels["rate_unit"]}, "rangemode": "tozero"},
        **TITLED_X,
    )


def figures(data: dict, chains: list, *, labels: dict) -> dict:
    """Every chart of a trend view as page-ready JSON, by slot name."""
    series, span = data["series"], data["span"]
    built = {
        "injury": rate_lines(series, "injury_rate", labels=labels),
        "enforcement": rate_lines(series, "enforcement_rate", labels=labels),
        "penalty": penalty_bars(series, labels=labels),
        "colours": colour_bars(data["colours"], labels=labels),
        "event": event_time(data["effect"]["event_time"], labels=labels),
        "funnel": funnel(data["funnel"], labels=labels),
    }
    if chains and span:
        month_list = [r["month"] for r in series.get("members", [])]
        cells = data["heatmap"]["cells"]
        built["heatmap"] = heatmap(cells, month_list, chains, labels=labels)
    return {name: figure_json(figure) for name, figure in built.items()}
