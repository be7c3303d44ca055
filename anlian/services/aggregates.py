"""Window aggregates for the score engine: five set-based queries over all enterprises.

`window_queries` builds them; `load_batch` runs them and scatters their long rows
(enterprise, month, value) into the engine's (n, W) matrices with numpy. Nothing here runs a
query per enterprise. The benchmark times the same queries bare, as the floor.
"""

from datetime import date

import numpy as np
from sqlalchemy import and_, case, func, or_, select

from models import Accident, Enterprise, Hazard, Inspection, WorkHours
from models.vocab import ENFORCEMENT_OUTCOMES
from scoring import EnterpriseBatch, HazardDetail

from .. import months

OUTCOME_COLUMN = {
    "warning": "warnings",
    "fine": "fines",
    "suspension": "suspensions",
    "referral": "referrals",
}
HAZARD_COLUMNS = (
    "hazards_found",
    "hazards_rectified_on_time",
    "hazards_rectified_late",
    "hazards_open_not_due",
    "hazards_overdue_general",
    "hazards_overdue_major",
    "self_check_found",
)


def window_queries(*, as_of: str, on: date, window: int, enterprise_ids=None) -> dict:
    """The five SELECTs behind a batch: enterprises, hours, accidents, inspections, hazards."""
    first, last = months.shift(as_of, 1 - window), as_of
    queries = {
        "enterprises": select(
            Enterprise.id,
            Enterprise.uscc,
            Enterprise.industry,
            Enterprise.headcount,
            Enterprise.standardization,
            Enterprise.standardization_expires_on,
            Enterprise.steward,
            Enterprise.risk_color,
            Enterprise.dishonest_listed_on,
            Enterprise.dishonest_repaired_on,
        ).order_by(Enterprise.id),
        "hours": select(WorkHours.enterprise_id, WorkHours.month, WorkHours.hours).where(
            WorkHours.month.between(first, last)
        ),
        # Injured persons by severity and deaths by month; the injured of a fatal accident
        # count as seriously injured.
        "accidents": select(
            Accident.enterprise_id,
            Accident.month,
            func.sum(case((Accident.severity == "minor", Accident.injured), else_=0)),
            func.sum(case((Accident.severity != "minor", Accident.injured), else_=0)),
            func.sum(Accident.deaths),
        )
        .where(Accident.month.between(first, last))
        .group_by(Accident.enterprise_id, Accident.month),
        # Inspections that found nothing are not read at all: they can never lower a score.
        "inspections": select(
            Inspection.enterprise_id,
            Inspection.month,
            Inspection.outcome,
            func.count(),
            func.sum(Inspection.penalty_cny),
        )
        .where(Inspection.month.between(first, last), Inspection.outcome.in_(ENFORCEMENT_OUTCOMES))
        .group_by(Inspection.enterprise_id, Inspection.month, Inspection.outcome),
        "hazards": select(
            Hazard.enterprise_id,
            *(
                func.sum(case((c, 1), else_=0))
                for c in _hazard_conditions(months.first_day(first), on)
            ),
        )
        .where(Hazard.found_on <= on)
        .group_by(Hazard.enterprise_id),
    }
    if enterprise_ids is not None:
        wanted = [int(i) for i in enterprise_ids]
        columns = {
            "enterprises": Enterprise.id,
            "hours": WorkHours.enterprise_id,
            "accidents": Accident.enterprise_id,
            "inspections": Inspection.enterprise_id,
            "hazards": Hazard.enterprise_id,
        }
        queries = {k: q.where(columns[k].in_(wanted)) for k, q in queries.items()}
    return queries


def _hazard_conditions(start: date, on: date):
    """Found, rectified on time, rectified late (in the window); open and not yet due, overdue
    general, overdue major (on day `on`); self-check reports (in the window)."""
    found = Hazard.found_on.between(start, on)
    rectified = Hazard.rectified_on.between(start, on)
    on_time = or_(Hazard.deadline.is_(None), Hazard.rectified_on <= Hazard.deadline)
    is_open = and_(
        Hazard.found_on <= on, or_(Hazard.rectified_on.is_(None), Hazard.rectified_on > on)
    )
    overdue = and_(is_open, Hazard.deadline < on)
    return (
        found,
        and_(rectified, on_time),
        and_(rectified, Hazard.deadline < Hazard.rectified_on),
        and_(is_open, or_(Hazard.deadline.is_(None), Hazard.deadline >= on)),
        and_(overdue, Hazard.level == "general"),
        and_(overdue, Hazard.level == "major"),
        and_(found, Hazard.source == "self_check"),
    )


def load_batch(session, *, as_of: str, on: date, window: int, enterprise_ids=None):
    """(batch, ids): the engine's input for `as_of`, hazard states judged on day `on`."""
    queries = window_queries(as_of=as_of, on=on, window=window, enterprise_ids=enterprise_ids)
    firms = session.connection().execute(queries["enterprises"]).fetchall()
    ids = np.array([row.id for row in firms], dtype=np.int64)
    grid = _Grid(ids, months.window(as_of, window))
    monthly = grid.hours(_columns(session, queries["hours"]))
    monthly |= grid.accidents(_columns(session, queries["accidents"]))
    monthly |= grid.inspections(_columns(session, queries["inspections"]))
    hazards = grid.hazards(_columns(session, queries["hazards"]))
    return EnterpriseBatch.from_columns(
        [row.uscc for row in firms],
        window_months=window,
        **_foundation(firms, on),
        **monthly,
        **hazards,
    ), ids


def _columns(session, query) -> list | None:
    """The query's rows transposed to columns (None when it returns nothing).

    Runs on the session's connection (Core), skipping ORM row processing: these are plain
    aggregates over hundreds of thousands of rows."""
    rows = session.connection().execute(query).fetchall()
    return list(zip(*rows, strict=True)) if rows else None


class _Grid:
    """Scatters long rows keyed by (enterprise_id, month) into (n, W) matrices."""

    def __init__(self, ids: np.ndarray, cols: list[str]):
        self.ids, self.shape = ids, (len(ids), len(cols))
        self.col = {month: i for i, month in enumerate(cols)}

    def _at(self, enterprise_ids, month_keys):
        rows = np.searchsorted(self.ids, np.asarray(enterprise_ids, dtype=np.int64))
        return rows, np.array([self.col[m] for m in month_keys], dtype=np.int64)

    def _sum(self, at, values) -> np.ndarray:
        matrix = np.zeros(self.shape)
        np.add.at(matrix, at, np.asarray([float(v or 0) for v in values]))
        return matrix

    def hours(self, columns) -> dict:
        matrix = np.full(self.shape, np.nan)  # NaN: no hours reported for that month
        if columns:
            matrix[self._at(columns[0], columns[1])] = np.asarray(columns[2], dtype=np.float64)
        return {"hours": matrix}

    def accidents(self, columns) -> dict:
        names = ("minor_injured", "serious_injured", "deaths")
        if not columns:
            return {name: np.zeros(self.shape) for name in names}
        at = self._at(columns[0], columns[1])
        return {
            name: self._sum(at, values) for name, values in zip(names, columns[2:], strict=True)
        }

    def inspections(self, columns) -> dict:
        out = {name: np.zeros(self.shape) for name in (*OUTCOME_COLUMN.values(), "penalty_cny")}
        if not columns:
            return out
        rows, cols = self._at(columns[0], columns[1])
        outcomes, counts = np.asarray(columns[2]), np.asarray(columns[3], dtype=np.float64)
        for outcome, name in OUTCOME_COLUMN.items():
            mask = outcomes == outcome
            np.add.at(out[name], (rows[mask], cols[mask]), counts[mask])
        out["penalty_cny"] = self._sum((rows, cols), columns[4])
        return out

    def hazards(self, columns) -> dict:
        counts = {name: np.zeros(len(self.ids), dtype=np.int64) for name in HAZARD_COLUMNS}
        if columns:
            rows = np.searchsorted(self.ids, np.asarray(columns[0], dtype=np.int64))
            for name, values in zip(HAZARD_COLUMNS, columns[1:], strict=True):
                counts[name][rows] = np.asarray(values, dtype=np.int64)
        return counts


def _foundation(firms, on: date) -> dict:
    """Standardization counts only while valid; the dishonesty listing only while current."""

    def listed(row) -> bool:
        return (
            row.dishonest_listed_on is not None
            and row.dishonest_listed_on <= on
            and (row.dishonest_repaired_on is None or row.dishonest_repaired_on > on)
        )

    return {
        "industry": [r.industry for r in firms],
        "headcount": np.array([r.headcount for r in firms], dtype=np.int64),
        "standardization": [r.standardization for r in firms],
        "standardization_valid": np.array(
            [
                r.standardization_expires_on is None or r.standardization_expires_on >= on
                for r in firms
            ],
            dtype=bool,
        ),
        "steward": np.array([bool(r.steward) for r in firms], dtype=bool),
        "risk_color": [r.risk_color or "" for r in firms],
        "dishonest_listed": np.array([listed(r) for r in firms], dtype=bool),
    }


def open_hazards(session, enterprise_id: int, *, on: date) -> list[HazardDetail]:
    """The enterprise's hazards open on day `on` (for the rectify what-ifs), oldest first."""
    query = (
        select(Hazard.id, Hazard.level, Hazard.source, Hazard.deadline, Hazard.description)
        .where(
            Hazard.enterprise_id == enterprise_id,
            Hazard.found_on <= on,
            or_(Hazard.rectified_on.is_(None), Hazard.rectified_on > on),
        )
        .order_by(Hazard.found_on, Hazard.id)
    )
    return [
        HazardDetail(
            hazard_id=h.id,
            level=h.level,
            source=h.source,
            overdue=h.deadline is not None and h.deadline < on,
            description=h.description or "",
        )
        for h in session.execute(query).all()
    ]
