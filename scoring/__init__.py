"""Anlian safety-score engine: pure, vectorised scoring of all enterprises in one batch.

Imports only the standard library and numpy; no I/O, no clock (the caller passes `as_of`).
See docs/scoring.md for every formula and default.
"""

from .batch import EnterpriseBatch, HazardDetail
from .config import MODEL_VERSION, ScoringConfig, grade_for
from .engine import ScoreResult, score_batch
from .explain import explain
from .industry import IndustryStats, industry_stats

__all__ = [
    "MODEL_VERSION",
    "EnterpriseBatch",
    "HazardDetail",
    "IndustryStats",
    "ScoreResult",
    "ScoringConfig",
    "explain",
    "grade_for",
    "industry_stats",
    "score_batch",
]
