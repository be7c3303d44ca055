"""The month close: every step that fixes a month, in order, in one transaction.

Steps take (session, month=…, config=…) and flush; the caller (CLI, scheduler job or the
bureau's manual trigger) commits once, so a close is either complete or not there at all.
"""

from scoring import ScoringConfig

from . import assessment, scores, trends_totals

# Later steps read what earlier ones wrote (chain assessments read the month's scores; the
# trend totals the month's snapshots and its close).
STEPS = (scores.close_month, assessment.close_period, trends_totals.close_month)


def run_month_close(session, *, month: str, config: ScoringConfig) -> dict:
    """Run every close step for `month`; returns each step's summary by name."""
    return {
        step.__module__.rsplit(".", 1)[-1]: step(session, month=month, config=config)
        for step in STEPS
    }
