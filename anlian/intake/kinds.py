"""Each import kind: its table, schema, natural key and who may import it."""

from dataclasses import dataclass

from models import Accident, Enterprise, Hazard, Inspection, Membership, Rating, WorkHours

from . import schemas
from .columns import KINDS


@dataclass(frozen=True)
class Kind:
    """How one kind of row is validated, matched and stored."""

    name: str
    model: type
    schema: type[schemas.RowSchema]
    # The natural key as model columns; `uscc` stands for the enterprise in files.
    key: tuple[str, ...]
    # The date whose month fills the record's `month` column.
    month_from: str | None = None
    chain_kind: bool = False

    @property
    def table(self):
        return self.model.__table__

    @property
    def file_key(self) -> tuple[str, ...]:
        """The key as file columns (`uscc` in place of `enterprise_id`)."""
        return tuple("uscc" if k == "enterprise_id" else k for k in self.key)

    @property
    def entity(self) -> str:
        """The audit entity name: the table's name."""
        return self.table.name


_RECORD_KEY = ("enterprise_id", "source_ref")

SPECS = {
    "enterprises": Kind("enterprises", Enterprise, schemas.EnterpriseSchema, ("uscc",)),
    "memberships": Kind("memberships", Membership, schemas.MembershipSchema,
                        ("chain_id", "enterprise_id", "joined_on"), chain_kind=True),
    "work_hours": Kind("work_hours", WorkHours, schemas.WorkHoursSchema,
                       ("enterprise_id", "month")),
    "accidents": Kind("accidents", Accident, schemas.AccidentSchema, _RECORD_KEY, "occurred_on"),
    "inspections": Kind("inspections", Inspection, schemas.InspectionSchema, _RECORD_KEY,
                        "inspected_on"),
    "hazards": Kind("hazards", Hazard, schemas.HazardSchema, _RECORD_KEY, "found_on"),
    "ratings": Kind("ratings", Rating, schemas.RatingSchema,
                    ("chain_id", "enterprise_id", "period", "criterion"), chain_kind=True),
}


def kind_spec(kind: str) -> Kind:
    """The spec of `kind`; ValueError for a kind that does not exist."""
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}; kinds are {', '.join(KINDS)}") from None
