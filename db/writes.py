"""Every write of observations: single entry, file import and undo.

All three share one path (check → permissions → compare with what is stored →
set-based insert/update with revisions), so a value typed in the form and a
value in a file meet the same rules and leave the same history. A value equal
to the stored one is a no-op; a changed value keeps the old one as a revision.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, select, update

from db import audit
from db.engine import Database
from db.models import Import, Observation, Revision
from db.permissions import LOCAL_OPERATOR, Actor, PermissionDenied, write_problem
from metrics.i18n import TEXT, both
from metrics.importer import ERROR_COLUMNS, CheckedRows, check_entry, check_file

TEXT.update(
    {
        "undo.unknown": ("找不到第 {id} 号导入记录", "Import #{id} does not exist"),
        "undo.already": ("第 {id} 号导入已于 {at} 撤销", "Import #{id} was already undone at {at}"),
    }
)

KEY = ["indicator_id", "region_code", "period_kind", "period_end"]
OBS = Observation.__table__
REV = Revision.__table__


@dataclass
class WriteReport:
    """What an entry or an import did (or, for a dry run or a rejected file, would do)."""

    file: str = ""
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    import_id: int | None = None
    changes: pd.DataFrame | None = None  # per row: change (insert/update/unchanged), old value

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{k: e[k] for k in ERROR_COLUMNS} for e in self.errors],
            "written": self.written,
        }


def _permission_errors(db: Database, actor: Actor, checked: CheckedRows) -> pd.DataFrame:
    """One row error per row the account may not write, saying which permission is missing."""
    rows = checked.rows
    if rows.empty:
        return pd.DataFrame(columns=ERROR_COLUMNS)
    pairs = rows[["indicator_id", "region_code"]].drop_duplicates()
    problems = {
        (i, r): p
        for i, r in pairs.itertuples(index=False)
        if (p := write_problem(actor, db.catalog, i, r)) is not None
    }
    if not problems:
        return pd.DataFrame(columns=ERROR_COLUMNS)
    msg = pd.Series(
        [problems.get((i, r)) for i, r in zip(rows.indicator_id, rows.region_code, strict=True)],
        index=rows.index,
    )
    denied = msg.notna()
    column = checked.columns.get("indicator_id") or checked.columns.get("indicator", "")
    return pd.DataFrame(
        {
            "row": rows.row[denied],
            "column": column,
            "value": rows.indicator_id[denied],
            "message": msg[denied],
        }
    )


def _compare(conn: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """Each row with what is stored for its key: change = insert | update | unchanged."""
    ids = rows.indicator_id.unique().tolist()
    stored = pd.DataFrame(
        conn.execute(
            select(
                OBS.c.id,
                OBS.c.indicator_id,
                OBS.c.region_code,
                OBS.c.period_kind,
                OBS.c.period_end,
                OBS.c.value,
                OBS.c.note,
                OBS.c.source,
                OBS.c.import_id,
            ).where(OBS.c.indicator_id.in_(ids))
        ).all(),
        columns=["obs_id", *KEY, "old_value", "old_note", "old_source", "old_import_id"],
    )
    stored["period_end"] = pd.to_datetime(stored["period_end"])
    merged = rows.merge(stored, on=KEY, how="left")
    # A file without a note or source column keeps what is stored.
    note = merged.note.where(merged.note.notna(), merged.old_note).fillna("")
    source = merged.source.where(merged.source.notna(), merged.old_source).fillna("")
    merged["note"], merged["source"] = note, source
    is_new = merged.obs_id.isna()
    same = (
        (merged.value == merged.old_value)
        & (note == merged.old_note.fillna(""))
        & (source == merged.old_source.fillna(""))
    )
    merged["change"] = "update"
    merged.loc[is_new, "change"] = "insert"
    merged.loc[~is_new & same, "change"] = "unchanged"
    return merged


def _apply(
    conn: Connection, changes: pd.DataFrame, actor: Actor, import_id: int | None, reason: str
) -> None:
    """Set-based writes: one executemany for the inserts, one for the updates, one for
    the revisions that keep the old values."""
    at = audit.now()
    new = changes[changes.change == "insert"]
    if not new.empty:
        conn.execute(
            OBS.insert(),
            [
                {
                    "indicator_id": i,
                    "region_code": r,
                    "period_kind": k,
                    "period_end": e,
                    "value": v,
                    "note": n,
                    "source": s,
                    "created_by": actor.name,
                    "created_at": at,
                    "updated_by": actor.name,
                    "updated_at": at,
                    "import_id": import_id,
                }
                for i, r, k, e, v, n, s in zip(
                    new.indicator_id,
                    new.region_code,
                    new.period_kind,
                    new.period_end.dt.date,
                    new.value,
                    new.note,
                    new.source,
                    strict=True,
                )
            ],
        )
    upd = changes[changes.change == "update"]
    if not upd.empty:
        conn.execute(
            update(OBS)
            .where(OBS.c.id == bindparam("oid"))
            .values(
                value=bindparam("v"),
                note=bindparam("n"),
                source=bindparam("s"),
                updated_by=actor.name,
                updated_at=at,
                import_id=import_id,
            ),
            [
                {"oid": int(o), "v": v, "n": n, "s": s}
                for o, v, n, s in zip(upd.obs_id, upd.value, upd.note, upd.source, strict=True)
            ],
        )
        conn.execute(
            REV.insert(),
            [
                {
                    "indicator_id": i,
                    "region_code": r,
                    "period_kind": k,
                    "period_end": e,
                    "old_value": ov,
                    "new_value": v,
                    "old_note": on,
                    "new_note": n,
                    "changed_by": actor.name,
                    "changed_at": at,
                    "reason": reason,
                    "import_id": import_id,
                    "old_import_id": None if pd.isna(oi) else int(oi),
                }
                for i, r, k, e, ov, v, on, n, oi in zip(
                    upd.indicator_id,
                    upd.region_code,
                    upd.period_kind,
                    upd.period_end.dt.date,
                    upd.old_value,
                    upd.value,
                    upd.old_note.fillna(""),
                    upd.note,
                    upd.old_import_id,
                    strict=True,
                )
            ],
        )


def _counts(report: WriteReport, changes: pd.DataFrame) -> None:
    counts = changes.change.value_counts()
    report.inserted = int(counts.get("insert", 0))
    report.updated = int(counts.get("update", 0))
    report.unchanged = int(counts.get("unchanged", 0))
    report.changes = changes


def import_file(
    db: Database,
    data: bytes,
    filename: str,
    actor: Actor = LOCAL_OPERATOR,
    dry_run: bool = False,
    skip_invalid: bool = False,
    max_rows: int | None = None,
) -> WriteReport:
    """Import a statistics sheet: all or nothing unless skip_invalid; dry_run writes nothing.

    Raises ImportFileError when the file as a whole cannot be read."""
    report = WriteReport(file=filename, dry_run=dry_run)
    checked = check_file(data, filename, db.catalog, max_rows=max_rows)
    denied = _permission_errors(db, actor, checked)
    errors = pd.concat(
        [e for e in (checked.errors, denied) if not e.empty]
        or [pd.DataFrame(columns=ERROR_COLUMNS)],
        ignore_index=True,
    )
    errors = errors.sort_values("row", kind="stable")
    report.rows, report.errors = checked.total, errors.to_dict("records")
    rows = checked.rows[~checked.rows.row.isin(denied.row)] if not denied.empty else checked.rows
    refuse = bool(report.errors) and not skip_invalid
    with db.write() as conn:
        changes = _compare(conn, rows)
        _counts(report, changes)
        if dry_run or refuse or (report.inserted + report.updated) == 0:
            return report
        import_id = conn.execute(
            Import.__table__.insert().values(
                file_name=filename,
                sha256=hashlib.sha256(data).hexdigest(),
                user_name=actor.name,
                created_at=audit.now(),
                rows=report.rows,
                inserted=report.inserted,
                updated=report.updated,
                unchanged=report.unchanged,
                errors=len(report.errors),
                status="written",
            )
        ).inserted_primary_key[0]
        _apply(conn, changes, actor, import_id, reason=f"import #{import_id} {filename}")
        audit.record(
            conn,
            actor.name,
            "import",
            import_id=import_id,
            file=filename,
            inserted=report.inserted,
            updated=report.updated,
            skipped=len(report.errors),
        )
    report.written, report.import_id = True, import_id
    return report


def enter_value(
    db: Database,
    actor: Actor,
    indicator_id: str,
    region: str,
    period: object,
    value: object,
    note: str = "",
    source: str = "",
    reason: str = "",
) -> WriteReport:
    """One value from the entry form; errors come back in the report, nothing raised."""
    checked = check_entry(db.catalog, indicator_id, region, period, value, note, source)
    denied = _permission_errors(db, actor, checked)
    report = WriteReport(rows=1, errors=checked.error_list() + denied.to_dict("records"))
    if report.errors:
        return report
    with db.write() as conn:
        changes = _compare(conn, checked.rows)
        _counts(report, changes)
        if report.inserted + report.updated:
            _apply(conn, changes, actor, None, reason=reason or "entry")
            row = changes.iloc[0]
            audit.record(
                conn,
                actor.name,
                "entry",
                indicator=indicator_id,
                region=row.region_code,
                period=row.period_label,
                old=None if pd.isna(row.old_value) else float(row.old_value),
                new=float(row.value),
            )
            report.written = True
    return report


@dataclass
class UndoReport:
    import_id: int
    restored: int = 0
    deleted: int = 0
    kept: int = 0  # changed again after the import: left as they are


def undo_import(db: Database, import_id: int, actor: Actor = LOCAL_OPERATOR) -> UndoReport:
    """Revert an import's changes to the values before it, recording each as a revision.

    Values changed again after the import are left alone (and counted), so an undo
    never destroys later work."""
    with db.write() as conn:
        imp = conn.execute(select(Import).where(Import.id == import_id)).mappings().first()
        if imp is None:
            raise LookupError(both("undo.unknown", id=import_id))
        if imp["status"] == "undone":
            raise LookupError(both("undo.already", id=import_id, at=imp["undone_at"]))
        current = pd.DataFrame(
            conn.execute(
                select(OBS.c.id, *[OBS.c[k] for k in KEY], OBS.c.value, OBS.c.note).where(
                    OBS.c.import_id == import_id
                )
            ).all(),
            columns=["obs_id", *KEY, "value", "note"],
        )
        revs = pd.DataFrame(
            conn.execute(
                select(
                    *[REV.c[k] for k in KEY], REV.c.old_value, REV.c.old_note, REV.c.old_import_id
                ).where(REV.c.import_id == import_id)
            ).all(),
            columns=[*KEY, "old_value", "old_note", "old_import_id"],
        )
        touched = current.merge(revs, on=KEY, how="left", indicator=True)
        blocked = [
            (i, r)
            for i, r in touched[["indicator_id", "region_code"]]
            .drop_duplicates()
            .itertuples(index=False)
            if write_problem(actor, db.catalog, i, r)
        ]
        if blocked:
            raise PermissionDenied(write_problem(actor, db.catalog, *blocked[0]))
        restore = touched[touched._merge == "both"]
        delete = touched[touched._merge == "left_only"]
        at = audit.now()
        reason = f"undo import #{import_id}"
        if not restore.empty:
            conn.execute(
                update(OBS)
                .where(OBS.c.id == bindparam("oid"))
                .values(
                    value=bindparam("v"),
                    note=bindparam("n"),
                    updated_by=actor.name,
                    updated_at=at,
                    import_id=bindparam("imp"),
                ),
                [
                    {"oid": int(o), "v": v, "n": n or "", "imp": None if pd.isna(i) else int(i)}
                    for o, v, n, i in zip(
                        restore.obs_id,
                        restore.old_value,
                        restore.old_note,
                        restore.old_import_id,
                        strict=True,
                    )
                ],
            )
        if not delete.empty:
            conn.execute(OBS.delete().where(OBS.c.id.in_([int(o) for o in delete.obs_id])))
        both_frames = [
            {
                "indicator_id": i,
                "region_code": r,
                "period_kind": k,
                "period_end": e,
                "old_value": v,
                "new_value": ov,
                "old_note": n,
                "new_note": on,
                "changed_by": actor.name,
                "changed_at": at,
                "reason": reason,
                "import_id": None,
            }
            for i, r, k, e, v, ov, n, on in zip(
                touched.indicator_id,
                touched.region_code,
                touched.period_kind,
                touched.period_end,
                touched.value,
                touched.old_value.where(touched._merge == "both", None),
                touched.note,
                touched.old_note.where(touched._merge == "both", None),
                strict=True,
            )
        ]
        if both_frames:
            conn.execute(REV.insert(), both_frames)
        conn.execute(
            update(Import.__table__)
            .where(Import.id == import_id)
            .values(status="undone", undone_at=at, undone_by=actor.name)
        )
        report = UndoReport(
            import_id,
            restored=len(restore),
            deleted=len(delete),
            kept=int(imp["inserted"] + imp["updated"]) - len(touched),
        )
        audit.record(
            conn,
            actor.name,
            "undo",
            import_id=import_id,
            restored=report.restored,
            deleted=report.deleted,
            kept=report.kept,
        )
    return report
