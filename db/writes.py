"""Every write of observations: single entry and file import (their undo: db/undo.py).

They share one path (check → permissions → compare with what is stored →
set-based insert/update with revisions), so a value typed in the form and a
value in a file meet the same rules and leave the same history. A value equal
to the stored one is a no-op; a changed value keeps the old one as a revision.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, update

from db import audit, bulk, profiles, queries
from db.engine import Database
from db.models import Import, Observation, Revision
from db.permissions import LOCAL_OPERATOR, Actor, write_problem
from db.reviews import refuse_locked, with_lock_errors
from metrics.importer import (
    ERROR_COLUMNS,
    CheckedRows,
    ImportFileError,
    KeyLedger,
    check_entry,
    check_table,
)
from metrics.intake import Intake, check_report, plausibility, read_intake
from metrics.intake.profiles import Mapping

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
    warnings: list[dict[str, Any]] = field(default_factory=list)  # plausibility, per row
    intake: Any = None  # metrics.intake.Intake: the layout read (imports only)
    preview: pd.DataFrame | None = None  # the long rows that would be stored
    more_errors: int = 0  # errors found beyond those listed (a file read in chunks)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{k: e[k] for k in ERROR_COLUMNS} for e in self.errors],
            "written": self.written,
            "warnings": [{k: w[k] for k in ERROR_COLUMNS} for w in self.warnings],
            "no_data": self.intake.no_data if self.intake is not None else 0,
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


STORED = ["obs_id", *KEY, "old_value", "old_note", "old_source", "old_import_id", "old_ytd"]


def _stored(conn: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """What is stored for the file's indicators, regions and period kinds within the
    file's periods (a row outside them cannot share a key with the file), read in bulk.

    Every key column is named, so the unique index is searched, not scanned: with the
    indicators alone, each chunk of a long import would read every stored row of its
    indicators (at 10,000,000 rows, the later chunks' largest cost)."""
    ids = rows.indicator_id.unique().tolist()
    stmt = select(
        OBS.c.id,
        OBS.c.indicator_id,
        OBS.c.region_code,
        OBS.c.period_kind,
        OBS.c.period_end,
        OBS.c.value,
        OBS.c.note,
        OBS.c.source,
        OBS.c.import_id,
        OBS.c.year_to_date,
    ).where(OBS.c.indicator_id.in_(ids))
    if len(rows):
        to_param = bulk.processor(conn, OBS, "period_end")
        first, last = rows.period_end.min().date(), rows.period_end.max().date()
        stmt = stmt.where(
            OBS.c.region_code.in_(rows.region_code.unique().tolist()),
            OBS.c.period_kind.in_(rows.period_kind.unique().tolist()),
            OBS.c.period_end.between(to_param(first), to_param(last)),
        )
    stored = queries.bulk_frame(conn, stmt, STORED)
    # The same dtypes whether or not anything is stored (an all-NULL column would
    # otherwise come back as objects).
    return stored.astype(
        {
            "obs_id": "int64",
            "indicator_id": "str",
            "region_code": "str",
            "period_kind": "str",
            "period_end": "datetime64[s]",
            "old_value": "float64",
            "old_note": "str",
            "old_source": "str",
            "old_import_id": "float64",
            "old_ytd": "bool",
        }
    )


def _positions(rows: pd.DataFrame, stored: pd.DataFrame) -> np.ndarray:
    """For each row, the position in `stored` of the observation with its key (-1: none).

    Keys are unique in `stored` (uq_observation), so this is a left merge on KEY, done
    on one integer per key (the four columns' codes) instead of on tuples of objects."""
    if stored.empty or rows.empty:
        return np.full(len(rows), -1, dtype=np.int64)
    n = len(rows)
    key = np.zeros(n + len(stored), dtype=np.int64)
    room = 1.0
    for col in KEY:
        codes, uniques = pd.factorize(
            pd.concat([rows[col], stored[col]], ignore_index=True), use_na_sentinel=True
        )
        room *= len(uniques) + 1
        key = key * (len(uniques) + 1) + (codes + 1)
    if room >= 2.0**62:  # too many distinct values for one integer: let pandas merge
        right = stored[KEY].assign(_pos=np.arange(len(stored)))
        pos = rows[KEY].merge(right, on=KEY, how="left")["_pos"]
        return pos.fillna(-1).to_numpy(dtype=np.int64)
    return pd.Index(key[n:]).get_indexer(key[:n])


def _compare(conn: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """Each row with what is stored for its key: change = insert | update | unchanged."""
    if "year_to_date" not in rows:
        rows = rows.assign(year_to_date=False)
    stored = _stored(conn, rows)
    pos = _positions(rows, stored)
    matched = stored.drop(columns=KEY).reset_index(drop=True).reindex(pos)
    merged = pd.concat([rows.reset_index(drop=True), matched.reset_index(drop=True)], axis=1)
    # A file without a note or source column keeps what is stored.
    note = merged.note.where(merged.note.notna(), merged.old_note).fillna("")
    source = merged.source.where(merged.source.notna(), merged.old_source).fillna("")
    merged["note"], merged["source"] = note, source
    is_new = merged.obs_id.isna()
    merged["year_to_date"] = merged.year_to_date.fillna(False).astype(bool)
    same = (
        (merged.value == merged.old_value)
        & (merged.year_to_date == merged.old_ytd.fillna(False).astype(bool))
        & (note == merged.old_note.fillna(""))
        & (source == merged.old_source.fillna(""))
    )
    merged["change"] = "update"
    merged.loc[is_new, "change"] = "insert"
    merged.loc[~is_new & same, "change"] = "unchanged"
    return merged


def _apply(
    conn: Connection,
    changes: pd.DataFrame,
    actor: Actor,
    import_id: int | None,
    reason: str,
    defer: bool = False,
) -> None:
    """Set-based writes (db/bulk.py): one bulk update for the changed rows, one bulk
    insert for the revisions that keep their old values, and one bulk insert for the new
    rows (in key order, so the unique index is written front to back; `defer`: written
    while the caller goes on, see bulk.insert)."""
    Database.mark_changed(conn)
    at = audit.now()
    upd = changes[changes.change == "update"]
    if not upd.empty:
        update_observations(
            conn,
            pd.DataFrame(
                {
                    "id": upd.obs_id.astype("int64"),
                    "value": upd.value,
                    "note": upd.note,
                    "source": upd.source,
                    "year_to_date": upd.year_to_date.astype(bool),
                }
            ),
            actor,
            at,
            import_id,
        )
        bulk.insert(
            conn,
            REV,
            pd.DataFrame(
                {
                    **{k: upd[k] for k in KEY},
                    "old_value": upd.old_value,
                    "new_value": upd.value,
                    "old_note": upd.old_note.fillna(""),
                    "new_note": upd.note,
                    "old_source": upd.old_source.fillna(""),
                    "new_source": upd.source,
                    "import_id": import_id,
                    "old_import_id": pd.Series(
                        [None if pd.isna(i) else int(i) for i in upd.old_import_id],
                        index=upd.index,
                        dtype=object,
                    ),
                    "old_year_to_date": upd.old_ytd.fillna(False).astype(bool),
                    "new_year_to_date": upd.year_to_date.astype(bool),
                }
            ),
            {"changed_by": actor.name, "changed_at": at, "reason": reason},
        )
    new = changes[changes.change == "insert"]
    if not new.empty:
        order = np.lexsort([pd.factorize(new[c], sort=True)[0] for c in reversed(KEY)])
        new = new.iloc[order]
        bulk.insert(
            conn,
            OBS,
            new[[*KEY, "value", "note", "source", "year_to_date"]],
            {
                "created_by": actor.name,
                "created_at": at,
                "updated_by": actor.name,
                "updated_at": at,
                "import_id": import_id,
            },
            defer=defer,
        )


def update_observations(
    conn: Connection, rows: pd.DataFrame, actor: Actor, at: Any, import_id: Any = None
) -> None:
    """The one UPDATE of stored observations (an import's changed values, an undo's
    restored ones): `rows` has the observation's `id`, its new value, note, source and
    year_to_date, and its `import_id` unless every row gets the same `import_id`; the
    account and time are the writer's."""
    constants = {"updated_by": actor.name, "updated_at": at}
    if "import_id" not in rows:
        constants["import_id"] = import_id
    bulk.update(conn, OBS, rows, constants)


def _counts(report: WriteReport, changes: pd.DataFrame) -> None:
    counts = changes.change.value_counts()
    report.inserted = int(counts.get("insert", 0))
    report.updated = int(counts.get("update", 0))
    report.unchanged = int(counts.get("unchanged", 0))
    report.changes = changes


#: Lines per chunk of a long CSV read in pieces (about 100 MB of frames per chunk).
CHUNK_ROWS = 200_000
#: Errors listed for a file read in chunks; the rest are counted in `more_errors`.
ERROR_CAP = 10_000


class _Whole(Exception):
    """The file is not the plain long sheet the chunked path reads: read it at once."""


class _Rollback(Exception):
    """End a chunked import's write transaction without committing it; the report says
    why (refused rows, or nothing changed)."""

    def __init__(self, report: WriteReport) -> None:
        super().__init__(report.file)
        self.report = report


def _chunkable(data: bytes, filename: str, chunk_rows: int) -> bool:
    """A CSV with more lines than one chunk holds (its layout is confirmed per chunk)."""
    return filename.lower().endswith((".csv", ".txt", ".tsv")) and data.count(b"\n") > chunk_rows


def _pieces(data: bytes, rows: int) -> list[tuple[int, int]]:
    """(start, end) byte ranges of the file's body after its first line, about `rows`
    lines each, cut only at a line end outside quotes (an even number of quote
    characters before it: a quoted cell may hold a line break)."""
    body = data.find(b"\n") + 1
    sample = data[body : body + (1 << 20)]
    step = max(1, int(rows * len(sample) / max(1, sample.count(b"\n"))))
    out, start = [], body
    while start < len(data):
        end = data.find(b"\n", min(start + step, len(data) - 1))
        end = len(data) if end < 0 else end + 1
        while data.count(b'"', start, end) % 2 and end < len(data):
            nxt = data.find(b"\n", end)
            end = len(data) if nxt < 0 else nxt + 1
        out.append((start, end))
        start = end
    return out


class _Previous:
    """What plausibility compares a chunk with: the stored values (as before the import)
    from 400 days before the file's first period on, and the values of earlier chunks,
    kept as the latest value of each (indicator, region) so memory stays bounded. For a
    file in period order (as exports and the template are) this is the comparison of a
    file checked at once."""

    COLUMNS = ["indicator_id", "region_code", "period_end", "value"]
    LOOKBACK = pd.Timedelta(days=400)

    def __init__(self) -> None:
        self.tail: pd.DataFrame | None = None
        self.read_to: pd.Timestamp | None = None

    def frame(self, db: Database, rows: pd.DataFrame) -> pd.DataFrame:
        """Stored values since the last chunk's end (or the lookback) and the tail, in the
        rows' own dtypes (a concat of unlike dtypes is many times slower)."""
        dtypes = rows[self.COLUMNS].dtypes
        parts = [] if self.tail is None else [self.tail]
        if len(rows):
            low, high = rows.period_end.min(), rows.period_end.max()
            start = low - self.LOOKBACK if self.read_to is None else min(low, self.read_to)
            parts.insert(0, _previous(db, rows, start))
            self.read_to = high if self.read_to is None else max(self.read_to, high)
        parts = [f.astype(dtypes) for f in parts if len(f)]
        if not parts:
            return rows[self.COLUMNS].iloc[:0]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def keep(self, previous: pd.DataFrame, rows: pd.DataFrame) -> None:
        """The latest value of each series after this chunk (the file's over a stored one:
        it comes first, and idxmax keeps the first of equal periods)."""
        parts = [f for f in (rows[self.COLUMNS], previous) if len(f)]
        if not parts:
            return
        both_ = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        latest = both_.groupby(["indicator_id", "region_code"], sort=False).period_end.idxmax()
        self.tail = both_.loc[latest.to_numpy()].reset_index(drop=True)


def _import_chunks(
    db: Database,
    data: bytes,
    filename: str,
    actor: Actor,
    dry_run: bool,
    accept_warnings: bool,
    chunk_rows: int,
) -> WriteReport:
    """A long CSV read, checked, compared and written a chunk at a time, in one write
    transaction (all or nothing: any refused row in any chunk and the transaction is
    rolled back). Each chunk is read by `read_intake` and checked by `check_table`, the
    rules every import meets; keys are kept across chunks (KeyLedger) so a repeated key
    is found wherever it stands, and row numbers are the file's. Raises _Whole when the
    file turns out to need the whole-file reading (a title, 合计 rows, a footer before
    the end, a header that changes), so that path decides instead."""
    report = WriteReport(file=filename, dry_run=dry_run)
    catalog = db.catalog
    saved = profiles.all_profiles(db) or None
    header = data[: data.find(b"\n") + 1]
    pieces = _pieces(data, chunk_rows)
    ledger, previous = KeyLedger(catalog), _Previous()
    errors: list[pd.DataFrame] = []
    listed = found = 0
    warnings: list[dict] = []
    counts = {"insert": 0, "update": 0, "unchanged": 0}
    counted: list[tuple[np.ndarray, np.ndarray]] = []  # each compared row and its change
    offset, signature, first = 0, None, None
    skipped, no_data = [], 0
    with db.read() if dry_run else db.write() as conn:
        try:
            import_id = None
            if not dry_run:
                import_id = conn.execute(
                    Import.__table__.insert().values(
                        file_name=filename,
                        sha256=hashlib.sha256(data).hexdigest(),
                        user_name=actor.name,
                        created_at=audit.now(),
                        rows=0,
                        inserted=0,
                        updated=0,
                        unchanged=0,
                        errors=0,
                        status="written",
                    )
                ).inserted_primary_key[0]
            reason = f"import #{import_id} {filename}"
            for k, (start, end) in enumerate(pieces):
                try:
                    intake = read_intake(
                        header + data[start:end], filename, catalog, profiles=saved
                    )
                except ImportFileError:
                    raise _Whole() from None
                layout = intake.layouts[0] if len(intake.layouts) == 1 else None
                shape = None if layout is None else [(c.role, c.header) for c in layout.columns]
                footer = layout is not None and any(x.reason == "footer" for x in layout.skipped)
                if (
                    layout is None
                    or layout.header_rows != [1]
                    or layout.shape != "long"
                    or layout.total_rows
                    or layout.titles
                    or (footer and k < len(pieces) - 1)
                    or signature not in (None, shape)
                ):
                    raise _Whole()
                signature = shape
                if first is None:
                    first = (layout, intake.skipped_sheets, intake.table.iloc[:0])
                table = intake.table
                table["__row__"] += offset
                room = max(0, ERROR_CAP - len(skipped))
                skipped.extend(replace(x, row=x.row + offset) for x in layout.skipped[:room])
                no_data += intake.no_data
                offset += len(layout.data_rows) + len(layout.skipped)
                checked = check_table(table, catalog, ledger)
                del table, intake
                report.rows += checked.total
                rows = checked.rows
                prev = previous.frame(db, rows)
                warned = plausibility.check(rows, catalog, prev)
                previous.keep(prev, rows)
                warnings.extend(warned.to_dict("records")[: max(0, ERROR_CAP - len(warnings))])
                denied = with_lock_errors(db, checked, _permission_errors(db, actor, checked))
                if not accept_warnings and not warned.empty:
                    denied = pd.concat([d for d in (denied, warned) if not d.empty])
                chunk_errors = [e for e in (checked.errors, denied) if not e.empty]
                found += sum(len(e) for e in chunk_errors)
                if chunk_errors and listed < ERROR_CAP:
                    kept = pd.concat(chunk_errors, ignore_index=True).sort_values(
                        "row", kind="stable"
                    )
                    errors.append(kept.iloc[: ERROR_CAP - listed])
                    listed += len(errors[-1])
                if not denied.empty:
                    rows = rows[~rows.row.isin(denied.row)]
                bulk.settle(conn)  # the last chunk's rows written before this one is compared
                changes = _compare(conn, rows)
                for change, n in changes.change.value_counts().items():
                    counts[str(change)] += int(n)
                counted.append((changes.row.to_numpy(np.int64), changes.change.to_numpy(object)))
                if dry_run:
                    continue
                refuse_locked(conn, changes[changes.change != "unchanged"])
                if not found and not ledger.found:
                    _apply(conn, changes, actor, import_id, reason=reason, defer=True)
            bulk.settle(conn)
            dup = ledger.errors()
            found += len(dup)
            if len(dup):  # a key's first row, counted in its chunk before the repeat was seen
                rows_, kinds = (np.concatenate(c) for c in zip(*counted, strict=True))
                for change, n in pd.Series(kinds[np.isin(rows_, dup.row)]).value_counts().items():
                    counts[str(change)] -= int(n)
            listing = pd.concat(
                [e for e in (*errors, dup) if not e.empty] or [pd.DataFrame(columns=ERROR_COLUMNS)],
                ignore_index=True,
            ).sort_values("row", kind="stable")
            report.errors = listing.iloc[:ERROR_CAP].to_dict("records")
            report.more_errors = found - len(report.errors)
            report.warnings = warnings
            report.inserted, report.updated = counts["insert"], counts["update"]
            report.unchanged = counts["unchanged"]
            if first is not None:
                lay = replace(first[0], data_rows=[], skipped=skipped)
                report.intake = Intake(first[2], [lay], first[1], no_data)
            if dry_run:
                return report
            if found or not (report.inserted + report.updated):
                raise _Rollback(report)
            conn.execute(
                update(Import.__table__)
                .where(Import.id == import_id)
                .values(
                    rows=report.rows,
                    inserted=report.inserted,
                    updated=report.updated,
                    unchanged=report.unchanged,
                )
            )
            audit.record(
                conn,
                actor.name,
                "import",
                import_id=import_id,
                file=filename,
                inserted=report.inserted,
                updated=report.updated,
                skipped=0,
            )
        except BaseException:
            bulk.settle(conn, raise_error=False)  # the connection free for the rollback
            conn.info.pop("changed", None)  # nothing of it is committed: caches stay
            raise
    report.written, report.import_id = True, import_id
    return report


def import_file(
    db: Database,
    data: bytes,
    filename: str,
    actor: Actor = LOCAL_OPERATOR,
    dry_run: bool = False,
    skip_invalid: bool = False,
    max_rows: int | None = None,
    sheet: str | None = None,
    mapping: Mapping | None = None,
    accept_warnings: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> WriteReport:
    """Import a statistics sheet or report (metrics.intake reads its layout; a saved
    profile for its header applies by itself): all or nothing unless skip_invalid;
    plausibility warnings refuse it unless accepted; dry_run writes nothing.

    A long CSV of more than chunk_rows lines (the template, an export, the CLI's large
    files) is read and written chunk_rows lines at a time in one transaction, so memory
    stays bounded; an upload (max_rows), a chosen sheet or mapping, skip_invalid (rows of
    a refused key may stand in an earlier chunk) and report-shaped files are read whole.

    Raises ImportFileError when the file as a whole cannot be read."""
    if (
        max_rows is None
        and sheet is None
        and mapping is None
        and not skip_invalid
        and _chunkable(data, filename, chunk_rows)
    ):
        try:
            return _import_chunks(
                db, data, filename, actor, dry_run, accept_warnings, max(1, chunk_rows)
            )
        except _Rollback as done:
            return done.report
        except _Whole:
            pass  # read whole below
    report = WriteReport(file=filename, dry_run=dry_run)
    checked, intake = check_report(
        data,
        filename,
        db.catalog,
        max_rows=max_rows,
        sheet=sheet,
        mapping=mapping,
        profiles=None if mapping is not None else profiles.all_profiles(db),
    )
    report.intake, report.preview = intake, checked.rows
    warned = plausibility.check(checked.rows, db.catalog, _previous(db, checked.rows))
    report.warnings = warned.to_dict("records")
    denied = with_lock_errors(db, checked, _permission_errors(db, actor, checked))
    if not accept_warnings and not warned.empty:  # unconfirmed: refused like a bad row
        denied = pd.concat([d for d in (denied, warned) if not d.empty], ignore_index=True)
    errors = pd.concat(
        [e for e in (checked.errors, denied) if not e.empty]
        or [pd.DataFrame(columns=ERROR_COLUMNS)],
        ignore_index=True,
    )
    errors = errors.sort_values("row", kind="stable")
    report.rows, report.errors = checked.total, errors.to_dict("records")
    rows = checked.rows[~checked.rows.row.isin(denied.row)] if not denied.empty else checked.rows
    refuse = bool(report.errors) and not skip_invalid
    if dry_run or refuse:  # nothing will be written: no write lock, no cache clearing
        with db.read() as conn:
            _counts(report, _compare(conn, rows))
        return report
    with db.write() as conn:
        changes = _compare(conn, rows)
        refuse_locked(conn, changes[changes.change != "unchanged"])  # locked meanwhile
        _counts(report, changes)
        if (report.inserted + report.updated) == 0:
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


def _previous(db: Database, rows: pd.DataFrame, since: pd.Timestamp | None = None) -> pd.DataFrame:
    """Stored values of the file's indicators up to its last period (plausibility), from
    `since` on when given (a chunk)."""
    columns = ["indicator_id", "region_code", "period_end", "value"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    with db.read() as conn:
        to_param = bulk.processor(conn, OBS, "period_end")
        stmt = select(OBS.c.indicator_id, OBS.c.region_code, OBS.c.period_end, OBS.c.value).where(
            OBS.c.indicator_id.in_(rows.indicator_id.unique().tolist()),
            OBS.c.period_end <= to_param(rows.period_end.max().date()),
        )
        if since is not None:
            stmt = stmt.where(OBS.c.period_end >= to_param(since.date()))
        stored = queries.bulk_frame(conn, stmt, columns)
    stored["period_end"] = pd.to_datetime(stored["period_end"])
    return stored


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
    accept_warnings: bool = False,
) -> WriteReport:
    """One value from the entry form; errors come back in the report, nothing raised.
    The import's plausibility rules apply: a warning keeps the value unwritten (listed in
    report.warnings) until it is confirmed with accept_warnings."""
    checked = check_entry(db.catalog, indicator_id, region, period, value, note, source)
    denied = with_lock_errors(db, checked, _permission_errors(db, actor, checked))
    report = WriteReport(rows=1, errors=checked.error_list() + denied.to_dict("records"))
    if report.errors:
        return report
    warned = plausibility.check(checked.rows, db.catalog, _previous(db, checked.rows))
    report.warnings = warned.to_dict("records")
    if report.warnings and not accept_warnings:
        return report
    with db.write() as conn:
        changes = _compare(conn, checked.rows)
        refuse_locked(conn, changes[changes.change != "unchanged"])  # locked meanwhile
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
