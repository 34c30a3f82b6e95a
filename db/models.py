"""The schema. Writes go through Core statements on these tables (set-based);
the ORM classes document the columns and serve simple reads.

A period is stored as its kind plus its last day, so a quarter, a year and a
date sort and compare correctly.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false


class Base(DeclarativeBase):
    pass


class SchemaVersion(Base):
    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime)


class Region(Base):
    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    parent_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    doc_no: Mapped[str] = mapped_column(String(100), default="")
    issuer: Mapped[str] = mapped_column(String(200))
    issued: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Indicator(Base):
    __tablename__ = "indicators"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    name: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(50))
    unit: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    responsible: Mapped[list[str]] = mapped_column(JSON)
    # The whole catalog entry, so a sync can tell "unchanged" from "edited" in one compare.
    definition: Mapped[dict] = mapped_column(JSON)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class TargetStage(Base):
    __tablename__ = "target_stages"
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    op: Mapped[str] = mapped_column(String(10))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    low: Mapped[float | None] = mapped_column(Float, nullable=True)
    high: Mapped[float | None] = mapped_column(Float, nullable=True)
    by: Mapped[date] = mapped_column(Date)


class Import(Base):
    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))  # written | undone
    undone_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    undone_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Observation(Base):
    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    period_kind: Mapped[str] = mapped_column(String(10))
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True)
    # A year-to-date figure (2024年1-9月, 前三季度, 1-9月累计) rather than one of the period
    # alone: the sheet said so, and a reader must see it (schema version 8).
    year_to_date: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        UniqueConstraint(
            "indicator_id", "region_code", "period_kind", "period_end", name="uq_observation"
        ),
        Index("ix_observation_source", "source"),
    )


class Revision(Base):
    """Every change of an observation: creation (old is NULL), correction, undo, deletion
    (new is NULL). Keyed by the observation's natural key so history outlives the row."""

    __tablename__ = "revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    period_kind: Mapped[str] = mapped_column(String(10))
    period_end: Mapped[date] = mapped_column(Date)
    old_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    old_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    import_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The import that had written the old value, so an undo can give the row back to it.
    old_import_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Schema version 2: the source is history too (an undo gives it back).
    old_source: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_source: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Schema version 9: the year-to-date flag is history too (an undo gives it back).
    old_year_to_date: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    new_year_to_date: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    __table_args__ = (
        Index("ix_revision_key", "indicator_id", "region_code", "period_end"),
        Index("ix_revision_import", "import_id"),
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # viewer | analyst | admin
    units: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Schema version 2: when the password last changed or the account was disabled; a
    # session signed in before it has ended.
    credentials_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class LoginFailure(Base):
    """Schema version 2: a failed sign-in, keyed by the client and a hash of the name typed
    (never the name itself: people type passwords into the name field). Throttles that
    client for that name without locking the account for everyone else."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    client: Mapped[str] = mapped_column(String(100))
    name_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_login_failure_key", "client", "name_hash", "at"),)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_name: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    detail: Mapped[dict] = mapped_column(JSON)


# --- schema version 4: the read-only API's tokens and the shared status cache -------------


class ApiToken(Base):
    """A bearer token of the read-only API. Only its SHA-256 is kept (a token is 256 random
    bits, so a slow hash adds nothing); the prefix lets people tell tokens apart in lists."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every region
    rate_per_minute: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class StatusCache(Base):
    """Every target's status for one (catalog, as-of date, data version), computed once and
    shared by every process on the database (dashboard servers, the API, the CLI)."""

    __tablename__ = "status_cache"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    catalog_digest: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    obs_max: Mapped[int] = mapped_column(BigInteger)
    rev_max: Mapped[int] = mapped_column(BigInteger)
    undone: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime)
    rows: Mapped[int] = mapped_column(Integer)
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # the frame as Parquet

    __table_args__ = (
        UniqueConstraint(
            "catalog_digest", "as_of", "obs_max", "rev_max", "undone", name="uq_status_cache"
        ),
    )


class Remedy(Base):
    """Why a target lags and what the responsible unit does about it (落后原因 / 整改措施),
    with the date it promises to be back on track. Append-only: a new statement is a new
    row, so the history of what a unit said, and when, is never overwritten."""

    __tablename__ = "remedies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[str] = mapped_column(ForeignKey("indicators.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    unit: Mapped[str] = mapped_column(String(100))  # the responsible unit that answers
    status: Mapped[str] = mapped_column(String(20))  # the target's status when recorded
    as_of: Mapped[date] = mapped_column(Date)  # the date that status was evaluated at
    cause: Mapped[str] = mapped_column(Text)
    remedy: Mapped[str] = mapped_column(Text)
    recover_by: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_remedy_target", "indicator_id", "region_code", "id"),)


# --- schema version 7: dashboard sign-ins bound to a browser cookie ----------------------


class BrowserSession(Base):
    """A dashboard sign-in, held by one browser as an HttpOnly cookie (db/sessions.py).

    Only hashes are kept: SHA-256 of the cookie's token (256 random bits, so a fast hash
    is as safe as a slow one), and of the one-time code that turns a sign-in made over
    the websocket into that cookie. A copy of the database gives nobody a session."""

    __tablename__ = "browser_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(100), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # the absolute lifetime
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)  # for the idle time
    client: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_why: Mapped[str | None] = mapped_column(String(20), nullable=True)


# --- schema version 8: an import preview that survives a reload --------------------------


class PendingUpload(Base):
    """A file an account has uploaded and previewed but not yet written (db/pending.py):
    kept so that a reload, or a sign-in on the next morning, brings the preview back
    instead of losing it. One per account; written over by the next upload, deleted when
    the file is written or discarded."""

    __tablename__ = "pending_uploads"
    user_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    filename: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # sheet, mapping, checkboxes
    created_at: Mapped[datetime] = mapped_column(DateTime)
