"""The owner's score-history chart: closed monthly scores, this month's provisional score,
and the A/B/C/D grade bands shaded behind them."""

import plotly.graph_objects as go

from .. import months
from . import chart, grade_band_shapes

LINE = "#0b3d2e"


def score_history(history: list[dict], running: dict | None, *, labels: dict) -> go.Figure:
    """Closed scores `[{as_of, score}]` (oldest first) as a line, the running month's
    `{as_of, score}` as a hollow marker; `labels` names the two traces (already translated)."""
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[h["as_of"] for h in history],
            y=[h["score"] for h in history],
            mode="lines+markers",
            name=labels["closed"],
            line={"color": LINE},
            hovertemplate="%{x|%Y-%m}: %{y:.1f}<extra></extra>",
        )
    )
    points = [h["as_of"] for h in history]
    if running is not None:
        figure.add_trace(
            go.Scatter(
                x=[running["as_of"]],
                y=[running["score"]],
                mode="markers",
                name=labels["running"],
                marker={"symbol": "circle-open", "size": 12, "color": LINE},
                hovertemplate="%{x|%Y-%m}: %{y:.1f}<extra></extra>",
            )
        )
        points.append(running["as_of"])
    first, last = min(points, default=None), max(points, default=None)
    shapes = grade_band_shapes(months.shift(first, -1), months.shift(last, 1)) if first else []
    return chart(
        figure,
        # Plotly's default template adds ~6 KB of JSON to every page; plain is enough here.
        template="none",
        shapes=shapes,
        yaxis={"range": [0, 100], "fixedrange": True, "gridcolor": "#eaeef2"},
        xaxis={"type": "date", "tickformat": "%Y-%m", "fixedrange": True, "dtick": "M3"},
        legend={"orientation": "h", "y": -0.2},
        showlegend=running is not None,
    )
