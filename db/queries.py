"""Reads: every query the CLI and the dashboard make, returning plain pandas frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, func, select

from db.engine import Database
from db.models import AuditEntry, Import, Indicator, Observation, Revision

OBS = Observation.__table__


def _frame(conn: Connection, stmt, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.DataFrame(conn.execute(stmt).all(), columns=columns)


def data_version(db: Database) -> tuple[int, int, int]:
    """Changes whenever observations change: the key for the dashboard's caches, so a
    write in another process (CLI import, another analyst) is seen on the next rerun."""
    with db.read() as conn:
        # Separate scalar subqueries: a plain select over two tables would be a cross join.
        row = conn.execute(
            select(
                select(func.count(OBS.c.id)).scalar_subquery(),
                select(func.max(OBS.c.id)).scalar_subquery(),
                select(func.max(Revision.id)).scalar_subquery(),
                select(func.count(Import.id)).where(Import.status == "undone").scalar_subquery(),
            )
        ).one()
    return (row[0] or 0, (row[1] or 0) * 1_000_003 + (row[2] or 0), row[3] or 0)


def observations(db: Database, indicator_ids: list[str] | None = None) -> pd.DataFrame:
    """The engine's input: indicator, region, period_kind, period_end, value."""
    stmt = select(
        OBS.c.indicator_id, OBS.c.region_code, OBS.c.period_kind, OBS.c.period_end, OBS.c.value
    )
    if indicator_ids is not None:
        stmt = stmt.where(OBS.c.indicator_id.in_(indicator_ids))
    with db.read() as conn:
        frame = _frame(conn, stmt, ["indicator", "region", "period_kind", "period_end", "value"])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["value"] = frame["value"].astype(float)
    return frame


def observation_table(db: Database, indicator_ids: list[str] | None = None) -> pd.DataFrame:
    """Observations with who and when, for tables and export."""
    cols = [
        "indicator_id",
        "region_code",
        "period_kind",
        "period_end",
        "value",
        "note",
        "source",
        "updated_by",
        "updated_at",
        "import_id",
    ]
    stmt = select(*[OBS.c[c] for c in cols]).order_by(
        OBS.c.indicator_id, OBS.c.region_code, OBS.c.period_end
    )
    if indicator_ids is not None:
        stmt = stmt.where(OBS.c.indicator_id.in_(indicator_ids))
    with db.read() as conn:
        frame = _frame(conn, stmt, cols)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return frame


def revisions(db: Database, indicator_id: str) -> pd.DataFrame:
    cols = [
        "region_code",
        "period_kind",
        "period_end",
        "old_value",
        "new_value",
        "old_note",
        "new_note",
        "changed_by",
        "changed_at",
        "reason",
        "import_id",
    ]
    rev = Revision.__table__
    with db.read() as conn:
        return _frame(
            conn,
            select(*[rev.c[c] for c in cols])
            .where(rev.c.indicator_id == indicator_id)
            .order_by(rev.c.changed_at.desc(), rev.c.id.desc()),
            cols,
        )


def imports(db: Database, limit: int = 200) -> pd.DataFrame:
    cols = [
        "id",
        "file_name",
        "user_name",
        "created_at",
        "rows",
        "inserted",
        "updated",
        "unchanged",
        "errors",
        "status",
        "undone_at",
        "undone_by",
    ]
    imp = Import.__table__
    with db.read() as conn:
        return _frame(
            conn, select(*[imp.c[c] for c in cols]).order_by(imp.c.id.desc()).limit(limit), cols
        )


def retired_indicators(db: Database) -> list[str]:
    with db.read() as conn:
        return list(conn.scalars(select(Indicator.id).where(Indicator.retired.is_(True))))


def audit_log(
    db: Database, user: str | None = None, action: str | None = None, limit: int = 5000
) -> pd.DataFrame:
    tbl = AuditEntry.__table__
    stmt = (
        select(tbl.c.at, tbl.c.user_name, tbl.c.action, tbl.c.detail)
        .order_by(tbl.c.id.desc())
        .limit(limit)
    )
    if user:
        stmt = stmt.where(tbl.c.user_name == user)
    if action:
        stmt = stmt.where(tbl.c.action == action)
    with db.read() as conn:
        return _frame(conn, stmt, ["at", "user", "action", "detail"])


def status(db: Database, as_of: date | None = None) -> pd.DataFrame:
    """Every target's status as of a date: the one computation the CLI, the dashboard and
    exports all show (metrics.progress.evaluate over the stored observations)."""
    from metrics.progress import evaluate

    return evaluate(db.catalog, observations(db), as_of or date.today())
