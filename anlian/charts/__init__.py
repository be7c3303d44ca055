"""Plotly figures as data: pure builders (one module per audience) turn precomputed numbers
into figure dicts; pages embed them as JSON and static/charts.js draws them with the
plotly.js served from the Python package, so no inline script and no CDN is needed."""

import plotly.graph_objects as go
from markupsafe import Markup

GRADE_BANDS = (  # (low, high, colour) of the grade bands, for shading score charts
    (85, 100, "rgba(31,111,235,0.10)"),
    (70, 85, "rgba(212,162,11,0.10)"),
    (60, 70, "rgba(232,113,26,0.10)"),
    (0, 60, "rgba(209,36,47,0.10)"),
)
# template "none": Plotly's default template adds ~6 KB of JSON to every chart.
LAYOUT = {
    "template": "none",
    "margin": {"l": 48, "r": 16, "t": 36, "b": 40},
    "height": 320,
    "font": {"family": "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"},
}


def figure_json(figure: go.Figure) -> Markup:
    """A figure as JSON that is safe to put inside <script type="application/json">."""
    text = figure.to_json()
    # "</script>" or "<!--" inside data must not end the script element early.
    # <, > and & are escaped below (bandit B704).
    return Markup(  # nosec B704
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )


def grade_band_shapes(x0, x1) -> list[dict]:
    """Background rectangles for the A/B/C/D score bands between x0 and x1."""
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": x0,
            "x1": x1,
            "y0": low,
            "y1": high,
            "fillcolor": colour,
            "line": {"width": 0},
            "layer": "below",
        }
        for low, high, colour in GRADE_BANDS
    ]


def chart(figure: go.Figure, **layout) -> go.Figure:
    """Apply the house layout (fonts, margins, height) and any overrides."""
    figure.update_layout(**(LAYOUT | layout))
    return figure
