"""Every target's status, computed once per data version and kept in the database.

At ten million observations reading the rows takes tens of seconds, so no page, API call
or CLI run may pay it for a state someone has already evaluated. The first process to ask
for (catalog, as-of date, data version) computes the frame and stores it (Parquet, in
`status_cache`); every other process on the same database (several dashboard servers, the
API, the CLI) reads it back. When a write touched few indicators, the frame is derived from
the last one kept: only the changed indicators are read and evaluated again (an indicator's
status depends on its own observations only).

The key is read from the database on every call (three index look-ups), so a write made
through any process is seen by every other on its next call. With settings.chart_values:
approved the frame counts approved values only, so the last review decision (an index
look-up in the audit log) is part of its key too: an approval or a return made in any
process is seen as promptly as a write. A frame is stored only when
the version read after computing it equals the one read before (no write landed in
between), so a key never holds a frame of another state.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, and_, delete, func, select
from sqlalchemy import exc as sa_exc

from db import audit
from db.engine import Database
from db.models import AuditEntry, Import, Observation, Revision, StatusCache
from metrics.catalog import Catalog

log = logging.getLogger(__name__)

OBS = Observation.__table__
TBL = StatusCache.__table__
AUDIT = AuditEntry.__table__
#: The audited actions that change a value's review state or its lock (db/cycle.py).
REVIEW_ACTIONS = ("review_approve", "review_return", "lock", "unlock")
# Beyond this share of the catalog's indicators changed (and more than a handful), a full
# evaluation is cheaper than reading the changed ones by id and merging.
INCREMENTAL_MAX_SHARE = 0.25
INCREMENTAL_ALWAYS = 8
# Frames for other as-of dates are kept this long (a leader looking at last year's state).
KEEP_OTHER_DATES = timedelta(days=7)
_OBJECT_COLUMNS = b"metrics.object_columns"
# The frame's home rows (each target at its own region: the overview's rows, under 1 % of a
# province's frame) as a Parquet file of their own, base64 in the file's metadata: read
# alone without decoding the whole frame, and invisible to a reader that reads the rows.
_HOME_ROWS = b"metrics.home_rows"

Compute = Callable[[list[str] | None], pd.DataFrame]


@dataclass(frozen=True, order=True)
class Version:
    """The state of the observations: highest observation id, highest revision id, undone
    imports. Every write adds an observation or records a revision, so each state has its
    own version, and the ids tell which rows changed since an older one."""

    obs_max: int
    rev_max: int
    undone: int

    def covers(self, older: Version) -> bool:
        return (
            self.obs_max >= older.obs_max
            and self.rev_max >= older.rev_max
            and self.undone >= older.undone
        )


def read_version(conn: Connection) -> Version:
    row = conn.execute(
        select(
            select(func.max(OBS.c.id)).scalar_subquery(),
            select(func.max(Revision.id)).scalar_subquery(),
            select(func.count(Import.id)).where(Import.status == "undone").scalar_subquery(),
        )
    ).one()
    return Version(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


def review_mark(conn: Connection) -> int:
    """The last review decision (approve, return, lock, unlock): the highest audit-log id of
    those actions. db.cycle audits every decision in the transaction that makes it and the
    log is never pruned, so this grows with every decision made by any process; an index
    look-up on the action, however many values were reviewed. 0 before the first."""
    stmt = select(func.max(AUDIT.c.id)).where(AUDIT.c.action.in_(REVIEW_ACTIONS))
    return int(conn.scalar(stmt) or 0)


#: Marks the digests of frames that depend on review decisions (settings.chart_values:
#: approved): the catalog's digest, shortened, then the review mark.
_REVIEWED = "~r"


def reviewed_digest(digest: str, mark: int) -> str:
    """The key of a frame of approved values only: what decides it is the catalog, the
    observations (the version) and the review decisions (the mark). 64 characters, as the
    column; frames of older marks share the prefix, so a newer one replaces them."""
    return f"{digest[:44]}{_REVIEWED}{mark:018d}"


_digests: dict[int, tuple[Catalog, str]] = {}


def catalog_digest(catalog: Catalog) -> str:
    """What decides a status besides the data: indicators, plans, regions and settings (not
    the database URL). Two servers started from the same config.yaml share their frames; an
    edited target gets frames of its own."""
    kept = _digests.get(id(catalog))
    if kept is not None and kept[0] is catalog:
        return kept[1]
    settings = catalog.settings.model_dump(mode="json")
    settings.pop("database_url", None)
    text = json.dumps(
        {
            "settings": settings,
            "regions": [[r.code, r.parent] for r in catalog.regions.values()],
            "plans": {k: p.model_dump(mode="json") for k, p in catalog.plans.items()},
            "indicators": {k: i.model_dump(mode="json") for k, i in catalog.indicators.items()},
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    value = hashlib.sha256(text.encode("utf-8")).hexdigest()
    _digests[id(catalog)] = (catalog, value)
    return value


# --- the frame as bytes ----------------------------------------------------------------------


def to_bytes(frame: pd.DataFrame, home: bool = True) -> bytes:
    """The frame as one Parquet file; with its home rows (home_rows) also stored apart in
    the file's metadata when `home` and it has any (from_bytes(..., home_only=True))."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    objects = [c for c in frame.columns if frame[c].dtype == object]
    meta = {**(table.schema.metadata or {}), _OBJECT_COLUMNS: json.dumps(objects).encode()}
    if home and "home" in frame.columns and len(frame):
        meta[_HOME_ROWS] = base64.b64encode(to_bytes(home_rows(frame), home=False))
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buf, compression="zstd")
    return buf.getvalue()


def home_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Every target at its own region (the `home` rows), numbered from 0."""
    return frame[frame["home"].astype(bool)].reset_index(drop=True)


def from_bytes(data: bytes, home_only: bool = False) -> pd.DataFrame:
    """The frame as it was stored, dtypes included (texts with None stay objects); only its
    home rows (home_rows of it, the same frame) when `home_only`: read from their own copy
    when the payload has one, else from the whole frame.

    Read as one Parquet file, not through `pq.read_table`: that goes through pyarrow's
    dataset layer, whose first use in a process costs about 50 ms of a page's first render."""
    file = pq.ParquetFile(io.BytesIO(data))
    meta = file.schema_arrow.metadata or {}
    if home_only and _HOME_ROWS in meta:
        return from_bytes(base64.b64decode(meta[_HOME_ROWS]))
    table = file.read()
    frame = table.to_pandas()
    for col in json.loads(meta.get(_OBJECT_COLUMNS, b"[]")):
        values = frame[col].astype(object)
        frame[col] = values.where(values.notna(), None)
    return home_rows(frame) if home_only else frame


# --- short writes ----------------------------------------------------------------------------


@contextmanager
def short_write(db: Database, wait_ms: int = 200) -> Iterator[Connection]:
    """A best-effort write that never holds up a reader: on SQLite it waits at most
    `wait_ms` for the write lock (an import may hold it for a minute) and is then dropped;
    a failure is logged, not raised. Nothing here is data: a skipped cache row or stamp is
    written by the next caller."""
    with db.engine.connect() as conn:
        if db.is_sqlite:  # the pooled connection's own timeout is given back afterwards
            before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            conn.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
            conn.commit()  # the PRAGMA autobegan; the write gets its own transaction
        try:
            with conn.begin():
                yield conn
        except (sa_exc.OperationalError, sa_exc.IntegrityError) as error:
            log.info("best-effort write skipped: %s", error)
        finally:
            if db.is_sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={before}")
                conn.commit()


# --- the cache -------------------------------------------------------------------------------

# A few frames per process, so a big screen polling the API does not decode Parquet on
# every request. Keyed by the full key, so it can never serve another state.
_MEMO: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
_MEMO_SIZE = 6  # home rows (stored_home) take slots too; they are small


def _memo_put(key: tuple, frame: pd.DataFrame) -> None:
    _MEMO[key] = frame
    _MEMO.move_to_end(key)
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)


def _order(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The row order evaluate gives: indicators in catalog order, regions in catalog order
    (codes outside the catalog after them)."""
    ind_pos = {k: i for i, k in enumerate(catalog.indicators)}
    reg_pos = {k: i for i, k in enumerate(catalog.regions)}
    ikey = frame["indicator"].map(ind_pos).fillna(len(ind_pos)).to_numpy(dtype=np.int64)
    rkey = frame["region"].map(reg_pos).fillna(len(reg_pos)).to_numpy(dtype=np.int64)
    order = np.lexsort((rkey, ikey))
    return frame.iloc[order].reset_index(drop=True)


def _changed_indicators(conn: Connection, since: Version, now: Version) -> list[str] | None:
    """Indicators with an observation added or a revision recorded after `since`: two range
    scans on primary keys, however many rows are stored.

    None (evaluate everything) when rows were deleted since (an undo): SQLite may then give
    a later insert an id at or below `since.obs_max`, which the scan by id would miss, and
    inserts record no revision."""
    if now.undone != since.undone:
        return None
    deleted = select(Revision.id).where(Revision.id > since.rev_max, Revision.new_value.is_(None))
    if conn.execute(deleted.limit(1)).first() is not None:
        return None
    added = select(OBS.c.indicator_id).where(OBS.c.id > since.obs_max)
    revised = select(Revision.indicator_id).where(Revision.id > since.rev_max)
    return sorted(set(conn.scalars(added.union(revised))))


def _stored(conn: Connection, digest: str, as_of: date, version: Version) -> bytes | None:
    return conn.scalar(
        select(TBL.c.payload).where(
            TBL.c.catalog_digest == digest,
            TBL.c.as_of == as_of,
            TBL.c.obs_max == version.obs_max,
            TBL.c.rev_max == version.rev_max,
            TBL.c.undone == version.undone,
        )
    )


def _latest_before(conn: Connection, digest: str, as_of: date, version: Version):  # type: ignore[no-untyped-def]
    """The newest kept frame for this catalog and date that the current state grew from."""
    return conn.execute(
        select(TBL.c.obs_max, TBL.c.rev_max, TBL.c.undone, TBL.c.payload)
        .where(
            TBL.c.catalog_digest == digest,
            TBL.c.as_of == as_of,
            TBL.c.obs_max <= version.obs_max,
            TBL.c.rev_max <= version.rev_max,
            TBL.c.undone <= version.undone,
        )
        .order_by(TBL.c.rev_max.desc(), TBL.c.obs_max.desc())
        .limit(1)
    ).first()


@dataclass
class Stats:
    """What this process did, for the benchmark and the tests."""

    memo: int = 0
    stored: int = 0
    incremental: int = 0
    full: int = 0


STATS = Stats()


def _key(conn: Connection, db: Database, as_of: date, reviewed: bool):  # type: ignore[no-untyped-def]
    """(memo key, stored digest, version, review mark) of the current state."""
    version = read_version(conn)
    mark = review_mark(conn) if reviewed else None
    digest = catalog_digest(db.catalog)
    if mark is not None:
        digest = reviewed_digest(digest, mark)
    # the database too: two databases in one process can be at the same version
    return (db.url or str(db.engine.url), digest, as_of, version), digest, version, mark


def cached_status(
    db: Database, as_of: date, compute: Compute, reviewed: bool = False
) -> pd.DataFrame:
    """The status frame for the current data, from this process's memo, else the shared
    table, else computed (incrementally when few indicators changed) and stored.

    reviewed: the frame also depends on review decisions (only approved values count), so
    the last decision is part of its key: a decision made in any process is seen at once."""
    with db.read() as conn:
        key, digest, version, mark = _key(conn, db, as_of, reviewed)
        if key in _MEMO:
            STATS.memo += 1
            _MEMO.move_to_end(key)
            return _MEMO[key]
        payload = _stored(conn, digest, as_of, version)
        base = None if payload is not None else _latest_before(conn, digest, as_of, version)
        changed = None
        if base is not None:
            since = Version(base.obs_max, base.rev_max, base.undone)
            changed = _changed_indicators(conn, since, version)
    if payload is not None:
        STATS.stored += 1
        frame = from_bytes(payload)
        _memo_put(key, frame)
        return frame

    limit = max(INCREMENTAL_ALWAYS, INCREMENTAL_MAX_SHARE * len(db.catalog.indicators))
    if base is not None and changed is not None and len(changed) <= limit:
        STATS.incremental += 1
        old = from_bytes(base.payload)
        kept = old[~old["indicator"].isin(changed)]
        if changed:
            fresh = compute(changed)
            fresh = fresh[fresh["indicator"].isin(changed)]
            frame = _order(pd.concat([kept, fresh], ignore_index=True), db.catalog)
        else:  # e.g. an undo that found every row changed since: nothing to redo
            frame = old
    else:
        STATS.full += 1
        frame = compute(None)

    with db.read() as conn:
        unchanged = read_version(conn) == version
        unchanged = unchanged and (mark is None or review_mark(conn) == mark)
    if unchanged:  # the rows read were this version's: keep the frame under its key
        _memo_put(key, frame)
        _store(db, digest, as_of, version, frame)
    return frame


def stored_home(db: Database, as_of: date, reviewed: bool = False) -> pd.DataFrame | None:
    """home_rows of the status frame cached_status would give (same key), when this process
    or the shared table holds that frame: from the stored payload only its home rows are
    decoded (a page of every target at its own region needs no county row). None when the
    frame is not kept: the caller gets it from db.queries.status (computed and stored)."""
    with db.read() as conn:
        key, digest, version, _ = _key(conn, db, as_of, reviewed)
        if key in _MEMO:
            STATS.memo += 1
            _MEMO.move_to_end(key)
            return home_rows(_MEMO[key])
        home_key = (*key, "home")
        if home_key in _MEMO:
            STATS.memo += 1
            _MEMO.move_to_end(home_key)
            return _MEMO[home_key]
        payload = _stored(conn, digest, as_of, version)
    if payload is None:
        return None
    STATS.stored += 1
    frame = from_bytes(payload, home_only=True)
    _memo_put(home_key, frame)
    return frame


def _store(db: Database, digest: str, as_of: date, version: Version, frame: pd.DataFrame) -> None:
    payload = to_bytes(frame)
    with short_write(db) as conn:
        if _stored(conn, digest, as_of, version) is not None:
            return  # another process stored it first
        conn.execute(
            TBL.insert().values(
                catalog_digest=digest,
                as_of=as_of,
                obs_max=version.obs_max,
                rev_max=version.rev_max,
                undone=version.undone,
                computed_at=audit.now(),
                rows=len(frame),
                payload=payload,
            )
        )
        # Older states of this date are superseded; other dates are kept a while.
        conn.execute(
            delete(TBL).where(
                TBL.c.catalog_digest == digest,
                TBL.c.as_of == as_of,
                (TBL.c.obs_max < version.obs_max)
                | (TBL.c.rev_max < version.rev_max)
                | (TBL.c.undone < version.undone),
            )
        )
        if digest[44:46] == _REVIEWED:  # and so are the frames of earlier review decisions
            conn.execute(
                delete(TBL).where(
                    TBL.c.catalog_digest.startswith(digest[:46], autoescape=True),
                    TBL.c.catalog_digest < digest,
                    TBL.c.as_of == as_of,
                )
            )
        conn.execute(
            delete(TBL).where(
                and_(TBL.c.as_of != as_of, TBL.c.computed_at < audit.now() - KEEP_OTHER_DATES)
            )
        )


#: Marks the digests of the frames of reports owed (db.queries.overdue_unreported): what
#: is owed depends on the catalog and the date only, so they are kept under no version.
_OWED = "~o"
_NO_VERSION = Version(0, 0, 0)


def cached_owed(db: Database, as_of: date, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The reports owed and past due as of a date (`compute`: metrics.schedule.owed, 0.4 s
    for a 676-indicator catalog), computed once per (catalog, date) by the first process
    to ask and read back by every other, as the status frames are. Whatever the data: the
    stored rows are compared with it by the caller. An empty frame is not stored."""
    digest = f"{catalog_digest(db.catalog)[:44]}{_OWED}{0:018d}"
    with db.read() as conn:
        payload = _stored(conn, digest, as_of, _NO_VERSION)
    if payload is not None:
        frame = from_bytes(payload)
        frame["responsible"] = frame["responsible"].map(tuple)  # Parquet gives arrays back
        return frame
    frame = compute()
    if not frame.empty:
        _store(db, digest, as_of, _NO_VERSION, frame)
    return frame


# --- the catalog sync's mark ------------------------------------------------------------------

#: Marks the row that says which catalog the catalog tables were last synced from
#: (db.connect.open_database): no frame, no date of its own.
_SYNCED = "~s"
_SYNC_DAY = date(1970, 1, 1)
SYNC_ACTION = "catalog_sync"  # what db.sync audits whenever it writes the catalog tables


def _last_sync(conn: Connection):  # type: ignore[no-untyped-def]
    """The highest audit-log id of a sync that wrote (an index look-up on the action)."""
    return select(func.coalesce(func.max(AUDIT.c.id), 0)).where(AUDIT.c.action == SYNC_ACTION)


def sync_key(digest: str) -> str:
    return f"{digest[:44]}{_SYNCED}{0:018d}"


def synced_already(db: Database, digest: str) -> bool:
    """Whether the catalog tables hold what a sync of the catalog of this digest would write:
    the mark of that digest exists and no sync has written since it was made (every sync
    that writes audits it, db.sync). One read, no write lock."""
    with db.read() as conn:
        found = conn.execute(
            select(TBL.c.id).where(
                TBL.c.catalog_digest == sync_key(digest),
                TBL.c.as_of == _SYNC_DAY,
                TBL.c.obs_max == _last_sync(conn).scalar_subquery(),
            )
        ).first()
    return found is not None


def last_sync_id(conn: Connection) -> int:
    return int(conn.scalar(_last_sync(conn)) or 0)


def mark_synced(db: Database, digest: str, sync_id: int) -> None:
    """Record that the tables were synced from this digest as of audit id `sync_id` (read in
    the sync's own transaction, so a later sync by another process never hides behind this
    mark). The only mark kept; best effort, as the frames: a mark not written costs the next
    process a sync."""
    with short_write(db) as conn:
        conn.execute(delete(TBL).where(TBL.c.as_of == _SYNC_DAY))
        conn.execute(
            TBL.insert().values(
                catalog_digest=sync_key(digest),
                as_of=_SYNC_DAY,
                obs_max=sync_id,
                rev_max=0,
                undone=0,
                computed_at=audit.now(),
                rows=0,
                payload=b"",
            )
        )


def clear_memo() -> None:
    _MEMO.clear()
