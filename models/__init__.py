"""SQLModel tables: one module per aggregate. Importing this package registers them all."""

from .assessment import AdmissionCheck, Appeal, Assessment, CodeEvent, SupplierCode
from .audit import AuditEvent
from .chain import Chain, Membership, Rating, Scheme
from .enterprise import Enterprise
from .jobs import JobRun, Notification, SchedulerLock, WebhookDelivery
from .records import Accident, Hazard, Inspection, RecordDispute, WorkHours
from .rollup import MonthlyRollup
from .snapshots import MonthClose, ScoreSnapshot
from .trend_series import EnterpriseSeries
from .trend_totals import EnterpriseTotals, MonthlyScoreTotals, MonthlyTotals
from .users import ApiToken, LoginAttempt, User

__all__ = [
    "Accident",
    "AdmissionCheck",
    "ApiToken",
    "Appeal",
    "Assessment",
    "AuditEvent",
    "Chain",
    "CodeEvent",
    "Enterprise",
    "EnterpriseSeries",
    "EnterpriseTotals",
    "Hazard",
    "Inspection",
    "JobRun",
    "LoginAttempt",
    "Membership",
    "MonthClose",
    "MonthlyRollup",
    "MonthlyScoreTotals",
    "MonthlyTotals",
    "Notification",
    "Rating",
    "RecordDispute",
    "Scheme",
    "SchedulerLock",
    "ScoreSnapshot",
    "SupplierCode",
    "User",
    "WebhookDelivery",
    "WorkHours",
]
