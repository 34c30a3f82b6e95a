"""The reporting cycle: review (approve / return with a reason), locks and admin unlock,
and the owed/completeness reads built on `metrics.schedule`.

A stored observation is a submission. Its review state is derived, not copied: no
review row, or a value changed after the last review → "submitted"; else the review's
"approved" or "returned". So the write path needs no extra step to resubmit a returned
value: correcting it is resubmitting it. An approved value may be locked; a locked value
cannot be written (imports and entries are refused row by row, see `lock_errors`) until an
admin unlocks it with a reason. Every review, lock and unlock is in the audit log, in the
same transaction.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta

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
    bindparam,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from db import audit
from db.engine import Database
from db.models import Base, Observation
from db.permissions import Actor, _within, require_admin
from metrics.catalog import Catalog
from metrics.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from metrics.i18n import both
from metrics.importer import ERROR_COLUMNS, CheckedRows
from metrics.periods import PeriodError, parse_period
from metrics.schedule import assess, owed

OBS = Observation.__table__
KEY = ["indicator_id", "region_code", "period_kind", "period_end"]
#: Report days are counted in China Standard Time (timestamps are stored in UTC).
LOCAL_OFFSET = timedelta(hours=8)
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


# --- permissions ----------------------------------------------------------------------------


def review_problem(actor: Actor, catalog: Catalog, indicator_id: str, region: str) -> str | None:
    """Why `actor` may not review this (indicator, region), or None if it may.

    Admins review everything; a reviewer without units is the coordinating bureau (every
    unit); a reviewer with units reviews those units' indicators (and, if given, only in
    their regions)."""
    if actor.disabled:
        return both("perm.disabled", user=actor.name)
    if actor.role == "admin":
        return None
    if actor.role != "reviewer":
        return both("cycle.not_reviewer", user=actor.name)
    indicator = catalog.indicators.get(indicator_id)
    if indicator is None:
        return both("cycle.unknown_key", indicator=indicator_id, region=region, period="")
    if actor.units and not set(indicator.responsible) & set(actor.units):
        return both("perm.unit", user=actor.name, units="、".join(indicator.responsible))
    if actor.regions and not _within(catalog, region, actor.regions):
        return both("perm.region", user=actor.name, regions="、".join(actor.regions), region=region)
    return None


def _require_reviewer(actor: Actor, catalog: Catalog, keys: pd.DataFrame) -> None:
    for ind, reg in keys[["indicator_id", "region_code"]].drop_duplicates().itertuples(index=False):
        problem = review_problem(actor, catalog, ind, reg)
        if problem:
            raise PermissionDenied(problem)


# --- reads ----------------------------------------------------------------------------------

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


def reports(db: Database, pairs: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """The input of `metrics.schedule.assess`: the local day each value was first stored
    and its review state (only of the (indicator, region) pairs that owe reports: a
    province's county figures are not read)."""
    sub = submissions(db, pairs=pairs)
    return pd.DataFrame(
        {
            "indicator": sub.indicator_id,
            "region": sub.region_code,
            "period_kind": sub.period_kind,
            "period_end": sub.period_end,
            "reported_on": (pd.to_datetime(sub.created_at) + LOCAL_OFFSET).dt.normalize(),
            "review": sub.review_state,
        }
    )


def completeness(db: Database, as_of: date, period: str | None = None) -> pd.DataFrame:
    """Every owed report as of `as_of` with its state (metrics.schedule.REPORT_STATES)."""
    due = owed(db.catalog, as_of)
    pairs = list(dict.fromkeys(zip(due.indicator, due.region, strict=True)))
    frame = assess(due, reports(db, pairs))
    if period:
        try:
            label = parse_period(period).label
        except PeriodError as exc:
            raise InvalidInput(str(exc)) from None
        frame = frame[frame.period == label]
    return frame.reset_index(drop=True)


def actor_owes(actor: Actor, catalog: Catalog, frame: pd.DataFrame) -> pd.Series:
    """Which rows of an owed frame fall to this analyst's units and regions."""
    units = set(actor.units)
    mask = frame.responsible.map(lambda r: bool(units & set(r)) or actor.role == "admin")
    if actor.regions:
        mask &= frame.region.map(lambda r: _within(catalog, r, actor.regions))
    return mask


def owed_by(db: Database, actor: Actor, as_of: date) -> pd.DataFrame:
    """What this analyst's units owe: the open period's reports (due day not passed) and
    every overdue one not reported or returned, with state filled / missing / returned."""
    frame = completeness(db, as_of)
    frame = frame[actor_owes(actor, db.catalog, frame)]
    open_now = ~frame.overdue
    todo = frame.state.isin(["missing", "returned"])
    return frame[open_now | todo].reset_index(drop=True)


# --- writes: review, lock, unlock -----------------------------------------------------------


def _keys(keys: Iterable[tuple[str, str, str]]) -> pd.DataFrame:
    """(indicator, region, period label) → KEY columns; a bad period is InvalidInput."""
    out = []
    for ind, reg, label in keys:
        try:
            p = parse_period(label)
        except PeriodError as exc:
            raise InvalidInput(str(exc)) from None
        out.append((ind, str(reg), p.kind, p.end, p.label))
    return pd.DataFrame(out, columns=[*KEY, "period"])


def _current(conn, keys: pd.DataFrame) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The stored observations of these keys with their review row, read in the write
    transaction (so the decision is about what is stored now)."""
    if keys.empty:
        return pd.DataFrame(
            columns=[*KEY, "updated_at", "rev_id", "state", "reviewed_at", "locked"]
        )
    stmt = (
        select(
            *[OBS.c[k] for k in KEY],
            OBS.c.updated_at,
            REV.c.id,
            REV.c.state,
            REV.c.reviewed_at,
            REV.c.locked,
        )
        .select_from(OBS.outerjoin(REV, and_(*[OBS.c[k] == REV.c[k] for k in KEY])))
        .where(
            tuple_(*[OBS.c[k] for k in KEY]).in_(
                [tuple(r) for r in keys[KEY].itertuples(index=False)]
            )
        )
    )
    frame = pd.DataFrame(
        conn.execute(stmt).all(),
        columns=[*KEY, "updated_at", "rev_id", "state", "reviewed_at", "locked"],
    )
    frame["period_end"] = pd.to_datetime(frame["period_end"]).dt.date
    return frame


def _decide(
    db: Database, actor: Actor, keys: Iterable[tuple[str, str, str]], state: str, reason: str
) -> int:
    wanted = _keys(keys)
    if wanted.empty:
        return 0
    if state == "returned" and not reason.strip():
        raise InvalidInput(both("cycle.reason_required"))
    _require_reviewer(actor, db.catalog, wanted)
    at = audit.now()
    with db.write() as conn:
        current = _current(conn, wanted)
        merged = wanted.merge(current, on=KEY, how="left", indicator=True)
        missing = merged[merged._merge == "left_only"]
        if not missing.empty:
            r = missing.iloc[0]
            raise NotFound(
                both(
                    "cycle.unknown_key",
                    indicator=r.indicator_id,
                    region=r.region_code,
                    period=r.period,
                )
            )
        locked = merged[merged.locked.fillna(False).astype(bool)]
        if not locked.empty:
            r = locked.iloc[0]
            raise Conflict(
                both(
                    "cycle.locked", indicator=r.indicator_id, region=r.region_code, period=r.period
                )
            )
        fresh = merged[merged.rev_id.isna()]
        known = merged[merged.rev_id.notna()]
        if not fresh.empty:
            conn.execute(
                REV.insert(),
                [
                    {
                        **{k: getattr(r, k) for k in KEY},
                        "state": state,
                        "reason": reason,
                        "reviewed_by": actor.name,
                        "reviewed_at": at,
                        "locked": False,
                    }
                    for r in fresh.itertuples(index=False)
                ],
            )
        if not known.empty:
            conn.execute(
                update(REV)
                .where(REV.c.id == bindparam("rid"))
                .values(state=state, reason=reason, reviewed_by=actor.name, reviewed_at=at),
                [{"rid": int(r)} for r in known.rev_id],
            )
        audit.record(
            conn,
            actor.name,
            "review_approve" if state == "approved" else "review_return",
            reason=reason,
            items=[[r.indicator_id, r.region_code, r.period] for r in merged.itertuples()],
        )
        Database.mark_changed(conn)
    return len(merged)


def approve(db: Database, actor: Actor, keys: Iterable[tuple[str, str, str]]) -> int:
    """Approve stored values (indicator, region, period label); returns how many."""
    return _decide(db, actor, keys, "approved", "")


def return_values(
    db: Database, actor: Actor, keys: Iterable[tuple[str, str, str]], reason: str
) -> int:
    """Send stored values back to their unit with a reason the analyst sees."""
    return _decide(db, actor, keys, "returned", reason.strip())


def lock_period(
    db: Database, actor: Actor, period: str, unit: str | None = None, region: str | None = None
) -> tuple[int, int]:
    """Lock every approved value of a period within the actor's review scope (optionally one
    unit's, one region's). Returns (locked, not locked because not approved)."""
    try:
        p = parse_period(period)
    except PeriodError as exc:
        raise InvalidInput(str(exc)) from None
    sub = submissions(db)
    sub = sub[(sub.period_kind == p.kind) & (sub.period_end == pd.Timestamp(p.end))]
    if unit:
        sub = sub[
            sub.indicator_id.map(
                lambda i: (
                    unit in db.catalog.indicators[i].responsible
                    if i in db.catalog.indicators
                    else False
                )
            )
        ]
    if region:
        sub = sub[sub.region_code.map(lambda r: _within(db.catalog, r, (region,)))]
    allowed = [
        review_problem(actor, db.catalog, i, r) is None
        for i, r in zip(sub.indicator_id, sub.region_code, strict=True)
    ]
    if sub.empty or not any(allowed):
        if actor.role not in ("admin", "reviewer") or actor.disabled:
            raise PermissionDenied(review_problem(actor, db.catalog, "", "") or "")
        return 0, 0
    sub = sub[allowed]
    ready = sub[(sub.review_state == "approved") & ~sub.locked]
    pending = int((sub.review_state != "approved").sum())
    if ready.empty:
        return 0, pending
    at = audit.now()
    with db.write() as conn:
        keys = [
            (r.indicator_id, r.region_code, r.period_kind, r.period_end.date())
            for r in ready.itertuples()
        ]
        conn.execute(
            update(REV)
            .where(tuple_(*[REV.c[k] for k in KEY]).in_(keys))
            .where(REV.c.state == "approved")
            .values(locked=True, locked_by=actor.name, locked_at=at)
        )
        audit.record(
            conn,
            actor.name,
            "lock",
            period=p.label,
            unit=unit,
            region=region,
            items=[[k[0], k[1], p.label] for k in keys],
        )
        Database.mark_changed(conn)
    return len(ready), pending


def unlock(db: Database, actor: Actor, keys: Iterable[tuple[str, str, str]], reason: str) -> int:
    """An admin reopens locked values for correction; the reason is audited. The values stay
    approved until changed (a change makes them submitted again)."""
    require_admin(actor)
    if not reason.strip():
        raise InvalidInput(both("cycle.reason_required"))
    wanted = _keys(keys)
    with db.write() as conn:
        current = _current(conn, wanted)
        merged = wanted.merge(current, on=KEY, how="inner")
        locked = merged[merged.locked.fillna(False).astype(bool)]
        if locked.empty:
            raise NotFound(both("cycle.not_locked"))
        conn.execute(
            update(REV)
            .where(REV.c.id == bindparam("rid"))
            .values(locked=False, locked_by=None, locked_at=None),
            [{"rid": int(r)} for r in locked.rev_id],
        )
        audit.record(
            conn,
            actor.name,
            "unlock",
            reason=reason.strip(),
            items=[[r.indicator_id, r.region_code, r.period] for r in locked.itertuples()],
        )
        Database.mark_changed(conn)
    return len(locked)


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


# --- the one form ---------------------------------------------------------------------------


def save_form(db: Database, actor: Actor, period: str, values: pd.DataFrame, dry_run: bool = False):  # type: ignore[no-untyped-def]
    """The analyst's grid for one period (columns indicator_id, region, value, note; a blank
    value is skipped) saved as one all-or-nothing write through `db.writes.import_file`: the
    same checks, permissions, plausibility rules, locks, revisions and undo as a file."""
    from db.writes import import_file

    filled = values[values.value.astype(str).str.strip().ne("") & values.value.notna()]
    sheet = pd.DataFrame(
        {
            "indicator_id": filled.indicator_id,
            "region": filled.region,
            "period": period,
            "value": filled.value.astype(str),
            "note": filled.get("note", pd.Series("", index=filled.index)).fillna("").astype(str),
        }
    )
    buffer = io.StringIO()
    sheet.to_csv(buffer, index=False)
    label = parse_period(period).label
    report = import_file(
        db, buffer.getvalue().encode("utf-8"), f"form-{label}.csv", actor, dry_run=dry_run
    )
    # Each error also names its grid line (row 2 of the sheet is the first filled line).
    keys = list(zip(sheet.indicator_id, sheet.region, strict=True))
    for err in report.errors:
        n = int(err["row"]) - 2
        if 0 <= n < len(keys):
            err["indicator_id"], err["region"] = keys[n]
    return report


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


def approved_observations(db: Database) -> pd.DataFrame:
    """The progress engine's input restricted to approved values: what leaders see when
    `settings.chart_values` is "approved"."""
    sub = submissions(db)
    sub = sub[sub.review_state == "approved"]
    return pd.DataFrame(
        {
            "indicator": sub.indicator_id,
            "region": sub.region_code,
            "period_kind": sub.period_kind,
            "period_end": sub.period_end,
            "value": sub.value.astype(float),
        }
    ).reset_index(drop=True)


def status_history(db: Database, as_of: date) -> pd.DataFrame:
    """Today's status of every target beside its status at the end of the previous
    quarter (recomputed by the one engine), with arrows and reporting flags."""
    from db.queries import status
    from metrics.schedule import previous_period_end
    from metrics.schedule import status_history as combine

    before = previous_period_end(as_of)
    return combine(status(db, as_of), status(db, before), completeness(db, as_of))


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
        from metrics.periods import period_from_end

        r = hit.iloc[0]
        label = period_from_end(r.period_kind, r.period_end).label
        raise Conflict(
            both("cycle.locked", indicator=r.indicator_id, region=r.region_code, period=label)
        )
