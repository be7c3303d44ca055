"""SQLModel tables: one module per aggregate. Importing this package registers them all."""

from .audit import AuditEvent
from .chain import Chain, Membership, Rating, Scheme
from .enterprise import Enterprise
from .records import Accident, Hazard, Inspection, WorkHours
from .snapshots import MonthClose, ScoreSnapshot
from .users import ApiToken, User

__all__ = [
    "Accident",
    "ApiToken",
    "AuditEvent",
    "Chain",
    "Enterprise",
    "Hazard",
    "Inspection",
    "Membership",
    "MonthClose",
    "Rating",
    "Scheme",
    "ScoreSnapshot",
    "User",
    "WorkHours",
]
