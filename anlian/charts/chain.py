"""Figures for the chain leader's pages, built from precomputed rows (pure: no database)."""

import plotly.graph_objects as go

from . import chart, grade_band_shapes

GRADE_COLORS = {"blue": "#1f6feb", "yellow": "#d4a20b", "orange": "#e8711a", "red": "#d1242f"}
NEUTRAL = "#8c959f"


def composite_distribution(
    composites: list[float], bands: list[dict], *, title: str, x_title: str, y_title: str
) -> go.Figure:
    """How the complete suppliers' composites spread, with the band edges marked."""
    figure = go.Figure(
        go.Histogram(
            x=composites,
            xbins={"start": 0, "end": 100.01, "size": 5},
            marker_color="#0b3d2e",
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    for band in bands[:-1]:
        figure.add_vline(
            x=band["min_score"],
            line_dash="dot",
            line_color=NEUTRAL,
            annotation_text=band["label"],
            annotation_position="top right",
        )
    return chart(
        figure,
        title=title,
        xaxis={"title": x_title, "range": [0, 100]},
        yaxis={"title": y_title},
        bargap=0.05,
    )


def safety_vs_composite(rows: list[dict], *, title: str, x_title: str, y_title: str) -> go.Figure:
    """Each complete supplier as a point: safety score across, composite up, grade colour."""
    figure = go.Figure(
        go.Scatter(
            x=[r["safety_score"] for r in rows],
            y=[r["composite"] for r in rows],
            text=[r["name"] for r in rows],
            mode="markers",
            marker={
                "color": [GRADE_COLORS.get(r["color"], NEUTRAL) for r in rows],
                "size": 9,
                "line": {"width": 1, "color": "#fff"},
            },
            hovertemplate="%{text}<br>%{x:.1f} → %{y:.2f}<extra></extra>",
        )
    )
    return chart(
        figure,
        title=title,
        xaxis={"title": x_title, "range": [0, 100]},
        yaxis={"title": y_title, "range": [0, 100]},
    )


def supplier_history(
    points: list[dict], *, title: str, safety_name: str, composite_name: str
) -> go.Figure:
    """24 months of the supplier's safety score and composite, on the grade bands."""
    periods = [p["period"] for p in points]
    figure = go.Figure(
        [
            go.Scatter(
                x=periods,
                y=[p["safety_score"] for p in points],
                name=safety_name,
                mode="lines+markers",
                line={"color": "#0b3d2e"},
            ),
            go.Scatter(
                x=periods,
                y=[p["composite"] for p in points],
                name=composite_name,
                mode="lines+markers",
                line={"color": "#1f6feb", "dash": "dash"},
            ),
        ]
    )
    figure.update_layout(shapes=grade_band_shapes(periods[0], periods[-1]) if periods else [])
    return chart(
        figure,
        title=title,
        yaxis={"range": [0, 100]},
        xaxis={"type": "category"},
        legend={"orientation": "h", "y": -0.2},
    )


def supply_risk(points: list[dict], *, title: str, index_name: str, share_name: str) -> go.Figure:
    """The spend-weighted safety index (line) and the share of spend with orange and red
    suppliers (bars, right axis), period by period."""
    periods = [p["period"] for p in points]
    figure = go.Figure(
        [
            go.Bar(
                x=periods,
                y=[p["risky_share_pct"] for p in points],
                name=share_name,
                marker_color="rgba(232,113,26,0.55)",
                yaxis="y2",
            ),
            go.Scatter(
                x=periods,
                y=[p["safety_index"] for p in points],
                name=index_name,
                mode="lines+markers",
                line={"color": "#0b3d2e"},
            ),
        ]
    )
    return chart(
        figure,
        title=title,
        xaxis={"type": "category"},
        yaxis={"title": index_name, "range": [0, 100]},
        yaxis2={"title": share_name, "overlaying": "y", "side": "right", "range": [0, 100]},
        legend={"orientation": "h", "y": -0.2},
    )
