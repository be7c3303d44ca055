"""Data intake: CSV and XLSX imports of every record kind, all-or-nothing and idempotent.

Flask-free: the API, the upload page and the CLI wrap `run_import` and `template`.
"""

from .columns import COLUMNS, KINDS
from .errors import ImportError, ImportForbidden, ImportRejected
from .messages import render
from .service import ImportLimits, ImportResult, run_import
from .template import template

__all__ = [
    "COLUMNS",
    "KINDS",
    "ImportError",
    "ImportForbidden",
    "ImportLimits",
    "ImportRejected",
    "ImportResult",
    "render",
    "run_import",
    "template",
]
