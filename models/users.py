"""People who log in, and their API tokens."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index
from sqlmodel import Field, SQLModel

from .base import created_at_field, one_of
from .vocab import ROLES


class User(SQLModel, table=True):
    """A login with one role; chain users belong to a chain, SME users to an enterprise."""

    __table_args__ = (
        one_of("role", ROLES, "ck_user_role"),
        CheckConstraint(
            "(role = 'bureau' AND chain_id IS NULL AND enterprise_id IS NULL)"
            " OR (role = 'chain' AND chain_id IS NOT NULL AND enterprise_id IS NULL)"
            " OR (role = 'sme' AND enterprise_id IS NOT NULL AND chain_id IS NULL)",
            name="ck_user_role_owner",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=8)
    chain_id: int | None = Field(default=None, foreign_key="chain.id", ondelete="RESTRICT")
    enterprise_id: int | None = Field(
        default=None, foreign_key="enterprise.id", ondelete="RESTRICT"
    )
    display_name: str = Field(default="", max_length=100)
    active: bool = Field(default=True)
    # Bumped by logout, password change and disable: older sessions stop being honoured.
    session_generation: int = Field(default=0)
    # Set after repeated failed logins; counted in the database so every worker agrees.
    locked_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = created_at_field()


class ApiToken(SQLModel, table=True):
    """A bearer token for /api/v1; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = created_at_field()


class LoginAttempt(SQLModel, table=True):
    """One login attempt, for rate limiting and lockout across all workers."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    ip: str | None = Field(default=None, max_length=64)
    succeeded: bool = Field(default=False)
    at: datetime = created_at_field()
