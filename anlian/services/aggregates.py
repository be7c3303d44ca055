"""Window aggregates for the score engine: five set-based queries over all enterprises.

`window_queries` builds them; `load_batch` runs them and scatters their long rows
(enterprise, month, value) into the engine's (n, W) matrices with numpy. Nothing here runs a
query per enterprise. The benchmark times the same queries bare, as the floor.
"""

import itertools
from datetime import date

import numpy as np
from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select

from models import Accident, Enterprise, Hazard, Inspection, WorkHours
from models.vocab import ENFORCEMENT_OUTCOMES
from scoring import EnterpriseBatch, HazardDetail

from .. import months

FETCH_ROWS = 50_000
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


def _age(month_column, as_of: str):
    """Months between `as_of` and the row's `YYYY-MM` (0 = as_of), computed in SQL so the
    long queries return plain numbers that numpy takes in one step."""
    year = cast(func.substr(month_column, 1, 4), Integer)
    number = cast(func.substr(month_column, 6, 2), Integer)
    return (literal(months.index(as_of) + 1) - (year * 12 + number)).label("age")


def window_queries(*, as_of: str, on: date, window: int, enterprise_ids=None) -> dict:
    """The five SELECTs behind a batch: enterprises, hours, accidents, inspections, hazards.

    All but `enterprises` return numbers only: (enterprise_id, age, values...)."""
    first, last = months.shift(as_of, 1 - window), as_of
    outcome_code = case(
        *((Inspection.outcome == o, i) for i, o in enumerate(OUTCOME_COLUMN)), else_=-1
    )
    # Standardization counts only while valid, the dishonesty listing only while current
    # (both on day `on`); judged in SQL as 0/1, so no Python runs per enterprise.
    valid = or_(
        Enterprise.standardization_expires_on.is_(None),
        Enterprise.standardization_expires_on >= on,
    )
    listed = and_(
        Enterprise.dishonest_listed_on <= on,
        or_(Enterprise.dishonest_repaired_on.is_(None), Enterprise.dishonest_repaired_on > on),
    )
    queries = {
        "enterprises": select(
            Enterprise.id,
            Enterprise.uscc,
            Enterprise.industry,
            Enterprise.headcount,
            Enterprise.standardization,
            case((valid, 1), else_=0),
            Enterprise.steward,
            func.coalesce(Enterprise.risk_color, ""),
            case((listed, 1), else_=0),
        ).order_by(Enterprise.id),
        "hours": select(
            WorkHours.enterprise_id, _age(WorkHours.month, as_of), WorkHours.hours
        ).where(WorkHours.month.between(first, last)),
        # Injured persons by severity and deaths by month; the injured of a fatal accident
        # count as seriously injured.
        "accidents": select(
            Accident.enterprise_id,
            _age(Accident.month, as_of),
            func.sum(case((Accident.severity == "minor", Accident.injured), else_=0)),
            func.sum(case((Accident.severity != "minor", Accident.injured), else_=0)),
            func.sum(Accident.deaths),
        )
        .where(Accident.month.between(first, last))
        .group_by(Accident.enterprise_id, Accident.month),
        # Inspections that found nothing are not read at all: they can never lower a score.
        "inspections": select(
            Inspection.enterprise_id,
            _age(Inspection.month, as_of),
            outcome_code,
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
    connection = session.connection()
    firms = connection.execute(queries["enterprises"]).cursor.fetchall()
    ids, uscc, industry, headcount, standardization, valid, steward, risk, listed = (
        zip(*firms, strict=True) if firms else ([],) * 9
    )
    ids = np.array(ids, dtype=np.int64)
    grid = _Grid(ids, window)
    monthly = grid.hours(numeric_rows(connection, queries["hours"], 3))
    monthly |= grid.accidents(numeric_rows(connection, queries["accidents"], 5))
    monthly |= grid.inspections(numeric_rows(connection, queries["inspections"], 5))
    hazards = grid.hazards(numeric_rows(connection, queries["hazards"], 1 + len(HAZARD_COLUMNS)))
    batch = EnterpriseBatch.from_columns(
        list(uscc),
        window_months=window,
        industry=list(industry),
        headcount=np.array(headcount, dtype=np.int64),
        standardization=list(standardization),
        standardization_valid=np.array(valid, dtype=bool),
        steward=np.array(steward, dtype=bool),
        risk_color=list(risk),
        dishonest_listed=np.array(listed, dtype=bool),
        **monthly,
        **hazards,
    )
    return batch, ids


def numeric_rows(connection, query, width: int) -> np.ndarray:
    """A numbers-only query as an (n, width) float array, read from the DBAPI cursor.

    These queries return hundreds of thousands of rows of plain numbers; building a
    SQLAlchemy Row for each and transposing them in Python cost more than the SQL itself.
    Rows are taken FETCH_ROWS at a time, so at 250,000 enterprises the Python tuples of
    millions of rows never exist all at once."""
    cursor = connection.execute(query).cursor
    parts = [np.zeros((0, width))]
    while rows := cursor.fetchmany(FETCH_ROWS):
        # NULL sums (no matching rows) become NaN (then 0 where summed); PostgreSQL's
        # Decimal sums become floats.
        values = itertools.chain.from_iterable(rows)
        parts.append(np.fromiter(values, np.float64, len(rows) * width).reshape(-1, width))
    return np.concatenate(parts)


class _Grid:
    """Scatters (enterprise_id, age, values...) rows into (n, W) matrices."""

    def __init__(self, ids: np.ndarray, window: int):
        self.ids, self.shape = ids, (len(ids), window)

    def _at(self, rows: np.ndarray):
        positions = np.searchsorted(self.ids, rows[:, 0].astype(np.int64))
        return positions, rows[:, 1].astype(np.int64)

    def _sum(self, at, values: np.ndarray, dtype=np.int64) -> np.ndarray:
        # Counts are built as int64, the engine's dtype for them: a float matrix would be
        # copied on the way in (7 of them are 170 MB at 250,000 enterprises).
        matrix = np.zeros(self.shape, dtype=dtype)
        np.add.at(matrix, at, np.nan_to_num(values).astype(dtype))
        return matrix

    def hours(self, rows: np.ndarray) -> dict:
        matrix = np.full(self.shape, np.nan)  # NaN: no hours reported for that month
        matrix[self._at(rows)] = rows[:, 2]
        return {"hours": matrix}

    def accidents(self, rows: np.ndarray) -> dict:
        at = self._at(rows)
        names = ("minor_injured", "serious_injured", "deaths")
        return {name: self._sum(at, rows[:, 2 + k]) for k, name in enumerate(names)}

    def inspections(self, rows: np.ndarray) -> dict:
        positions, ages = self._at(rows)
        codes = rows[:, 2].astype(np.int64)
        out = {}
        for code, name in enumerate(OUTCOME_COLUMN.values()):
            mask = codes == code
            out[name] = self._sum((positions[mask], ages[mask]), rows[mask, 3])
        out["penalty_cny"] = self._sum((positions, ages), rows[:, 4], np.float64)
        return out

    def hazards(self, rows: np.ndarray) -> dict:
        counts = {name: np.zeros(len(self.ids), dtype=np.int64) for name in HAZARD_COLUMNS}
        positions = np.searchsorted(self.ids, rows[:, 0].astype(np.int64))
        for k, name in enumerate(HAZARD_COLUMNS):
            counts[name][positions] = rows[:, 1 + k].astype(np.int64)
        return counts


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
