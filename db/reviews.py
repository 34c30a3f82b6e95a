"""Review state of stored observations and the locks on them: the table, the derived
state of each value, and the checks the write path runs so that a locked value is never
changed. The review actions and the reporting reads built on these live in `db.cycle`;
this module imports neither `db.writes` nor `db.queries`, so both can import it.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    select,
    tuple_,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.engine import Database
from db.models import Base, Observation
from metrics.errors import Conflict
from metrics.i18n import both
from metrics.importer import ERROR_COLUMNS, CheckedRows
from metrics.periods import period_from_end

OBS = Observation.__table__
KEY = ["indicator_id", "region_code", "period_kind", "period_end"]
REVIEW_STATES = ("submitted", "approved", "returned")


class Review(Base):
    """The last review decision on one observation's key (schema version 5)."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    period_kind: Mapped[str] = mapped_column(String(10))
    period_end: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20))  # approved | returned
    reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint(
            "indicator_id", "region_code", "period_kind", "period_end", name="uq_review"
        ),
    )


REV = Review.__table__


def create_tables(conn) -> None:  # type: ignore[no-untyped-def]
    """Migration step 5 (db/migrations.py)."""
    REV.create(conn, checkfirst=True)


SUBMISSION_COLUMNS = [
    "indicator_id",
    "region_code",
    "period_kind",
    "period_end",
    "value",
    "note",
    "created_at",
    "updated_by",
    "updated_at",
    "review_state",
    "reason",
    "reviewed_by",
    "reviewed_at",
    "locked",
]


def submissions(
    db: Database,
    indicator_ids: list[str] | None = None,
    pairs: list[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Every stored observation with its review state (derived, see the module text);
    optionally only some indicators, or some (indicator, region) pairs."""
    stmt = select(
        *[OBS.c[k] for k in KEY],
        OBS.c.value,
        OBS.c.note,
        OBS.c.created_at,
        OBS.c.updated_by,
        OBS.c.updated_at,
        REV.c.state,
        REV.c.reason,
        REV.c.reviewed_by,
        REV.c.reviewed_at,
        REV.c.locked,
    ).select_from(OBS.outerjoin(REV, and_(*[OBS.c[k] == REV.c[k] for k in KEY])))
    if indicator_ids is not None:
        stmt = stmt.where(OBS.c.indicator_id.in_(indicator_ids))
    if pairs is not None:
        if not pairs:
            stmt = stmt.where(OBS.c.id.is_(None))
        else:
            stmt = stmt.where(tuple_(OBS.c.indicator_id, OBS.c.region_code).in_(pairs))
    with db.read() as conn:
        frame = pd.DataFrame(conn.execute(stmt).all(), columns=SUBMISSION_COLUMNS)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    reviewed = frame.review_state.notna()
    changed = reviewed & (pd.to_datetime(frame.updated_at) > pd.to_datetime(frame.reviewed_at))
    frame["review_state"] = frame.review_state.where(reviewed & ~changed, "submitted")
    frame["locked"] = frame.locked.fillna(False).astype(bool) & (frame.review_state == "approved")
    frame["reason"] = frame.reason.where(frame.review_state == "returned", "").fillna("")
    return frame


# --- the write path's lock check ------------------------------------------------------------


def lock_errors(db: Database, checked: CheckedRows) -> pd.DataFrame:
    """One row error per row that would change a locked value (an unchanged row of a locked
    period is fine: re-importing the same file changes nothing)."""
    rows = checked.rows
    empty = pd.DataFrame(columns=ERROR_COLUMNS)
    if rows.empty:
        return empty
    ids = rows.indicator_id.unique().tolist()
    stmt = (
        select(*[OBS.c[k] for k in KEY], OBS.c.value, OBS.c.note)
        .select_from(OBS.join(REV, and_(*[OBS.c[k] == REV.c[k] for k in KEY])))
        .where(REV.c.locked.is_(True), REV.c.state == "approved", REV.c.indicator_id.in_(ids))
        .where(OBS.c.updated_at <= REV.c.reviewed_at)
    )
    with db.read() as conn:
        locked = pd.DataFrame(conn.execute(stmt).all(), columns=[*KEY, "old_value", "old_note"])
    if locked.empty:
        return empty
    locked["period_end"] = pd.to_datetime(locked["period_end"])
    keyed = rows.assign(period_end=pd.to_datetime(rows.period_end))
    hit = keyed.merge(locked, on=KEY, how="inner")
    note_changed = hit.note.notna() & (hit.note.fillna("") != hit.old_note.fillna(""))
    hit = hit[(hit.value != hit.old_value) | note_changed]
    if hit.empty:
        return empty
    column = checked.columns.get("value", "value")
    return pd.DataFrame(
        {
            "row": hit.row.to_numpy(),
            "column": column,
            "value": hit.value.to_numpy(),
            "message": [
                both("cycle.locked", indicator=i, region=r, period=p)
                for i, r, p in zip(hit.indicator_id, hit.region_code, hit.period_label, strict=True)
            ],
        }
    )


def with_lock_errors(db: Database, checked: CheckedRows, denied: pd.DataFrame) -> pd.DataFrame:
    """The write path's refused rows plus those that would change a locked value (a row
    refused already is not reported twice)."""
    locked = lock_errors(db, checked)
    if not denied.empty:
        locked = locked[~locked.row.isin(denied.row)]
    if locked.empty:
        return denied
    if denied.empty:
        return locked.reset_index(drop=True)
    return pd.concat([denied, locked], ignore_index=True)


def refuse_locked(conn, touched: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    """Inside a write (an undo): refuse, with the value named, if any of these keys is
    locked — an undo must not change an approved, locked period either."""
    if touched.empty:
        return
    ids = touched.indicator_id.unique().tolist()
    locked = pd.DataFrame(
        conn.execute(
            select(*[REV.c[k] for k in KEY]).where(
                REV.c.locked.is_(True), REV.c.indicator_id.in_(ids)
            )
        ).all(),
        columns=KEY,
    )
    if locked.empty:
        return
    locked["period_end"] = pd.to_datetime(locked.period_end)
    keys = touched[KEY].assign(period_end=pd.to_datetime(touched.period_end))
    hit = keys.merge(locked, on=KEY, how="inner")
    if not hit.empty:
        r = hit.iloc[0]
        label = period_from_end(r.period_kind, r.period_end).label
        raise Conflict(
            both("cycle.locked", indicator=r.indicator_id, region=r.region_code, period=label)
        )
