"""Pages, one blueprint per audience, and the locally served plotly.js."""

from pathlib import Path

import plotly
from flask import send_from_directory

from . import (
    audit,
    auth,
    bureau,
    chain,
    chain_codes,
    chain_gate,
    chain_ratings,
    chain_scheme,
    chain_suppliers,
    chain_trends,
    disputes,
    imports,
    jobs,
    notifications,
    sme,
    sme_chains,
)

PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"


def plotly_js():
    """plotly.min.js from the installed Python package: no CDN, works offline."""
    return send_from_directory(PLOTLY_DIR, "plotly.min.js", max_age=86400)


def init_app(app) -> None:
    for module in (
        auth,
        bureau,
        chain,
        sme,
        disputes,
        imports,
        jobs,
        notifications,
        chain_codes,
        chain_gate,
        chain_ratings,
        chain_scheme,
        chain_suppliers,
        sme_chains,
        chain_trends,
        audit,
    ):
        app.register_blueprint(module.bp)
    app.add_url_rule("/vendor/plotly.min.js", "plotly_js", plotly_js)
