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
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import (
    and_,
    bindparam,
    select,
    tuple_,
    update,
)

from db import audit
from db.engine import Database
from db.permissions import Actor, _within, require_admin
from db.queries import status
from db.reviews import KEY, OBS, REV, submissions
from metrics.catalog import Catalog
from metrics.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from metrics.i18n import both
from metrics.periods import PeriodError, parse_period
from metrics.schedule import assess, owed

#: Report days are counted in China Standard Time (timestamps are stored in UTC).
LOCAL_OFFSET = timedelta(hours=8)


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
        return both("row.unknown_indicator", raw=indicator_id)
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


# --- the one form ---------------------------------------------------------------------------


def save_form(db: Database, actor: Actor, period: str, values: pd.DataFrame, dry_run: bool = False):  # type: ignore[no-untyped-def]
    """The analyst's grid for one period (columns indicator_id, region, value, note; a blank
    value is skipped) saved as one all-or-nothing write through `db.writes.import_file`: the
    same checks, permissions, plausibility rules, locks, revisions and undo as a file."""
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
    from db.writes import import_file  # the import stack only when a form is saved

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


def status_history(db: Database, as_of: date) -> pd.DataFrame:
    """Today's status of every target beside its status at the end of the previous
    quarter (recomputed by the one engine), with arrows and reporting flags."""
    from metrics.schedule import previous_period_end
    from metrics.schedule import status_history as combine

    before = previous_period_end(as_of)
    return combine(status(db, as_of), status(db, before), completeness(db, as_of))
