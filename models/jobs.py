"""Scheduled work and what it produces: job runs, the scheduler lock, notifications, webhooks."""

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Index, Text, text
from sqlmodel import Field, SQLModel

from .base import created_at_field, one_of


class JobRun(SQLModel, table=True):
    """One run of a scheduled job. (job, scheduled_for) is unique among runs that did the
    work, so two schedulers firing the same occurrence leave one real run and one skip."""

    __tablename__ = "job_run"
    __table_args__ = (
        one_of("status", ("running", "succeeded", "failed", "skipped"), "ck_job_run_status"),
        Index(
            "uq_job_run_occurrence",
            "job",
            "scheduled_for",
            unique=True,
            sqlite_where=text("status <> 'skipped'"),
            postgresql_where=text("status <> 'skipped'"),
        ),
        Index("ix_job_run_started", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=32)
    scheduled_for: datetime = Field(sa_type=DateTime(timezone=True))
    period: str | None = Field(default=None, max_length=7)
    status: str = Field(default="running", max_length=10)
    started_at: datetime = created_at_field()
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    counts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = Field(default=None, sa_type=Text)
    worker: str = Field(default="", max_length=128)
    triggered_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class SchedulerLock(SQLModel, table=True):
    """The single-scheduler lock: a row per lock name, held while its heartbeat is fresh."""

    __tablename__ = "scheduler_lock"

    name: str = Field(max_length=32, primary_key=True)
    holder: str = Field(max_length=128)
    acquired_at: datetime = created_at_field()
    heartbeat_at: datetime = created_at_field()


class Notification(SQLModel, table=True):
    """An in-app notification for one user (the bell)."""

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: str = Field(max_length=32)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()
    read_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class WebhookDelivery(SQLModel, table=True):
    """A signed event POSTed to a chain's webhook, with its retries."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        one_of("status", ("pending", "delivered", "failed"), "ck_webhook_status"),
        Index("ix_webhook_pending", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(foreign_key="chain.id", ondelete="CASCADE", index=True)
    event_id: str = Field(max_length=36, unique=True)
    event_type: str = Field(max_length=32)
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    next_attempt_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    delivered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = created_at_field()
