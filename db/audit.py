"""The audit log: who did what, when. Written inside the same transaction as the change
it describes, so the log and the data never disagree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from db.models import AuditEntry


def now() -> datetime:
    """UTC wall time without tzinfo: stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(conn: Connection, user: str, action: str, **detail: Any) -> None:
    conn.execute(
        AuditEntry.__table__.insert().values(at=now(), user_name=user, action=action, detail=detail)
    )
