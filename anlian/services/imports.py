"""Imports as the platform runs them: the intake service, then the rollup and the provisional
scores of every enterprise the file touched, in the same transaction (set-based, one pass)."""

from datetime import date

from scoring import ScoringConfig

from ..intake import ImportLimits, ImportResult, run_import
from . import rollup, scores

# Kinds whose rows change what the rollup sums, and those that change a score's inputs.
RECORD_KINDS = frozenset({"work_hours", "accidents", "inspections", "hazards"})
SCORED_KINDS = RECORD_KINDS | {"enterprises"}


def import_file(
    session,
    scope,
    kind: str,
    data: bytes,
    filename: str,
    *,
    today: date,
    config: ScoringConfig,
    dry_run: bool = False,
    sheet: str | None = None,
    max_bytes: int | None = None,
    progress=None,
) -> ImportResult:
    """Validate and (unless a dry run) write the file; ImportRejected if anything is wrong."""
    limits = ImportLimits(max_bytes=max_bytes) if max_bytes else ImportLimits()
    result = run_import(
        session,
        scope,
        kind,
        data,
        filename,
        dry_run=dry_run,
        sheet=sheet,
        limits=limits,
        today=today,
        progress=progress,
    )
    touched = result.affected_enterprise_ids
    if dry_run or not touched:
        return result
    if kind in RECORD_KINDS:
        rollup.refresh(session, touched)
    if kind in SCORED_KINDS:
        scores.refresh_provisional(session, config=config, today=today, enterprise_ids=touched)
    return result
