"""Reads: every query the CLI and the dashboard make, returning plain pandas frames."""

from __future__ import annotations

import unicodedata
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, DateTime, Float, String, and_, func, or_, select

from db.engine import Database
from db.models import AuditEntry, Import, Indicator, Observation, Revision
from db.reviews import KEY, REV
from db.status_cache import cached_owed, cached_status, home_rows, review_mark, stored_home
from metrics.demo import DEMO_SOURCE
from metrics.progress import evaluate
from metrics.schedule import owed

OBS = Observation.__table__


def _frame(conn: Connection, stmt, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.DataFrame(conn.execute(stmt).all(), columns=columns)


_CHUNK = 100_000


def bulk_frame(conn: Connection, stmt, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """_frame for a million rows: the same frame (dtypes included), read on the DBAPI
    cursor a chunk at a time.

    SQLAlchemy makes a Row per row and parses every date text one at a time, and pandas
    then infers each column from a million Python objects. Here the driver's tuples are
    turned into columns chunk by chunk (a million tuples never sit in memory at once):
    texts and dates become codes into their few distinct values (a column is then built
    with one take), floats a numpy array. Parameters must be plain texts or numbers (no
    bind processing is applied)."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    builders = [_builder(c.type) for c in stmt.selected_columns]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.string, params)
        while chunk := cursor.fetchmany(_CHUNK):
            block = np.empty((len(chunk), len(builders)), dtype=object)
            block[:] = chunk  # rows → a 2-D object array in C; its columns are views
            for j, builder in enumerate(builders):
                builder.add(block[:, j])
    finally:
        cursor.close()
    if not builders or not builders[0].rows:
        return _frame(conn, stmt, columns)
    return pd.DataFrame(
        {name: b.build() for name, b in zip(columns, builders, strict=True)}, columns=columns
    )


class _Plain:
    """A column pandas infers from its Python values, as _frame does."""

    def __init__(self) -> None:
        self.parts: list = []
        self.rows = 0

    def add(self, values: np.ndarray) -> None:
        # A list, not the view: a view would keep the whole chunk's objects alive.
        self.parts.append(values.tolist())
        self.rows += len(values)

    def values(self) -> list:
        out = [v for part in self.parts for v in part]
        self.parts.clear()
        return out

    def build(self) -> pd.Series | list:
        return self.values()


class _Floats(_Plain):
    """A Float column: a float64 array (NULL is NaN), as pandas infers it."""

    def add(self, values: np.ndarray) -> None:
        self.parts.append(values.astype(float))
        self.rows += len(values)

    def build(self) -> pd.Series | list:
        out = np.concatenate(self.parts)
        if np.isnan(out).all():  # nothing but NULLs: pandas would keep objects
            return [None] * len(out)
        return pd.Series(out)


class _Coded(_Plain):
    """A column of few distinct texts or dates: codes into the distinct values."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind  # "str", "datetime64[s]" (Date) or "datetime64[us]" (DateTime)
        self.index: dict[object, int] = {}
        self.codes: list[np.ndarray] = []

    def add(self, values: np.ndarray) -> None:
        self.rows += len(values)
        codes, uniques = pd.factorize(values)
        lookup = np.array([self.index.setdefault(u, len(self.index)) for u in uniques] + [-1])
        self.codes.append(lookup[codes])  # code -1 (NULL) picks the trailing -1

    def build(self) -> pd.Series | list:
        codes = np.concatenate(self.codes)
        distinct = list(self.index)
        if self.kind == "str":
            if not distinct or not all(isinstance(v, str) for v in distinct):
                return [None if c < 0 else distinct[c] for c in codes]
            return pd.Series(pd.array(distinct, dtype="str").take(codes, allow_fill=True))
        parsed = pd.to_datetime(pd.Series(distinct, dtype=object), format="ISO8601")
        stamps = np.append(parsed.to_numpy(dtype=self.kind), np.datetime64("NaT"))
        return pd.Series(stamps[codes])


def _builder(type_: object) -> _Plain:
    if isinstance(type_, DateTime):
        return _Coded("datetime64[us]")
    if isinstance(type_, Date):
        return _Coded("datetime64[s]")
    if isinstance(type_, String):  # Text too
        return _Coded("str")
    if isinstance(type_, Float):
        return _Floats()
    return _Plain()


def data_version(db: Database) -> tuple[int, int, int, int]:
    """Changes whenever observations or review decisions change: the key for the
    dashboard's caches, so a write or a review in another process (CLI import, another
    analyst, a reviewer) is seen on the next rerun.

    Made of maxima only, so it costs four index look-ups however many observations
    there are (a COUNT would scan them all, twice per page view). Every write in
    db.writes either adds observations (their ids exceed every id present) or records
    revisions (an update, an undo's restore or delete), and an undo also marks its
    import undone; the highest revision id and the undone count never go down, so two
    different states never share a key. The last number is the last review decision
    (db.status_cache.review_mark): with settings.chart_values: approved a review changes
    what leaders see without changing a value. The first number is 0 exactly when there
    is no observation."""
    with db.read() as conn:
        # Separate scalar subqueries: a plain select over two tables would be a cross join.
        row = conn.execute(
            select(
                select(func.max(OBS.c.id)).scalar_subquery(),
                select(func.max(Revision.id)).scalar_subquery(),
                select(func.count(Import.id)).where(Import.status == "undone").scalar_subquery(),
            )
        ).one()
        reviewed = review_mark(conn)
    return (row[0] or 0, (row[0] or 0) * 1_000_003 + (row[1] or 0), row[2] or 0, reviewed)


def observations(db: Database, indicator_ids: list[str] | None = None) -> pd.DataFrame:
    """The engine's input, in the stored vocabulary (metrics.progress.OBSERVATION_COLUMNS,
    the same names as observation_table): indicator_id, region_code, period_kind,
    period_end, value."""
    names = ["indicator_id", "region_code", "period_kind", "period_end", "value"]
    stmt = select(
        OBS.c.indicator_id, OBS.c.region_code, OBS.c.period_kind, OBS.c.period_end, OBS.c.value
    )
    if indicator_ids is not None:
        stmt = stmt.where(OBS.c.indicator_id.in_(indicator_ids))
    with db.read() as conn:
        read = _by_series(conn, indicator_ids, [OBS.c.value]) if db.is_sqlite else None
        if read is None:
            frame = bulk_frame(conn, stmt, names)
        else:
            keys, rows, _ = read
            frame = pd.concat([keys, rows], axis=1)
            frame.columns = names
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["value"] = frame["value"].astype(float)
    return frame


KEY_COLUMNS = ["indicator_id", "region_code", "period_kind", "period_end"]
_SERIES_SQL = (
    "SELECT indicator_id, region_code, period_kind, count(*), group_concat(period_end, '')"
    " FROM observations{where} GROUP BY indicator_id, region_code, period_kind"
    " ORDER BY indicator_id, region_code, period_kind"
)


def _by_series(
    conn: Connection, indicator_ids: list[str] | None, per_row: list
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray] | None:
    """Observations on SQLite without a Python object per key cell.

    The key columns come one row per series (indicator, region, kind) with its period
    ends run together (fixed-width ISO dates, parsed by numpy at once); the `per_row`
    columns come alone, in the same key order. Both statements run in one read
    transaction (one snapshot) straight off the unique index: a million observations
    are 25,000 series rows plus the per-row columns. Returns the key columns, the
    per-row columns (both in key order) and each row's (indicator, region) code; None
    when this does not apply (too many ids for one statement, nothing stored, or dates
    not in the ISO form SQLAlchemy writes), and the caller reads row by row."""
    if indicator_ids is not None and not 0 < len(indicator_ids) <= 30_000:
        return None
    where, params = "", ()
    rows_stmt = select(*per_row).order_by(*[OBS.c[k] for k in KEY_COLUMNS])
    if indicator_ids is not None:
        where = f" WHERE indicator_id IN ({', '.join('?' for _ in indicator_ids)})"
        params = tuple(indicator_ids)
        rows_stmt = rows_stmt.where(OBS.c.indicator_id.in_(indicator_ids))
    with conn.begin():  # BEGIN: both statements read the same snapshot
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            series = cursor.execute(_SERIES_SQL.format(where=where), params).fetchall()
        finally:
            cursor.close()
        if not series:
            return None
        rows = bulk_frame(conn, rows_stmt, [c.name for c in per_row])
    counts = np.fromiter((r[3] for r in series), dtype=np.int64, count=len(series))
    ends = "".join(r[4] for r in series)
    if counts.sum() != len(rows) or len(ends) != 10 * len(rows) or not ends.isascii():
        return None
    try:
        days = np.frombuffer(ends.encode("ascii"), dtype="S10").astype("datetime64[D]")
    except ValueError:
        return None
    group = np.repeat(np.arange(len(series)), counts)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    later = np.ones(len(days), dtype=bool)
    later[starts] = False  # the first of each series has nothing before it
    if not (days[1:] > days[:-1])[later[1:]].all():  # each series strictly in date order
        return None

    def texts(i: int) -> pd.Series:
        return pd.Series(pd.array([r[i] for r in series], dtype="str").take(group))

    keys = pd.DataFrame(
        {
            "indicator_id": texts(0),
            "region_code": texts(1),
            "period_kind": texts(2),
            "period_end": pd.Series(days.astype("datetime64[s]")),
        }
    )
    pair, _ = pd.factorize(pd.Series([(r[0], r[1]) for r in series], dtype=object))
    return keys, rows, pair[group]


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
        "year_to_date",
    ]
    stmt = select(*[OBS.c[c] for c in cols]).order_by(
        OBS.c.indicator_id, OBS.c.region_code, OBS.c.period_end
    )
    if indicator_ids is not None:
        stmt = stmt.where(OBS.c.indicator_id.in_(indicator_ids))
    with db.read() as conn:
        per_row = [OBS.c[c] for c in cols[4:]]
        read = _by_series(conn, indicator_ids, per_row) if db.is_sqlite else None
        if read is None:
            frame = bulk_frame(conn, stmt, cols)
        else:
            keys, rows, pair = read
            frame = pd.concat([keys, rows], axis=1)
            # Key order is (indicator, region, kind, end); the table's is (indicator,
            # region, end): a year after the quarter that ends on the same day.
            order = np.lexsort((keys["period_end"].to_numpy(), pair))
            if (np.diff(order) != 1).any():
                frame = frame.iloc[order].reset_index(drop=True)
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
    """Every target's status as of a date: the one computation the CLI, the dashboard, the
    API and exports all show (metrics.progress.evaluate over the stored observations).

    Computed once per (catalog, date, data version) and shared through the database by
    every process (db.status_cache); a write to few indicators re-evaluates only those."""

    day = as_of or date.today()
    if _reviewed(db):

        def approved(indicator_ids: list[str] | None) -> pd.DataFrame:
            return evaluate(db.catalog, approved_observations(db, indicator_ids), day)

        return cached_status(db, day, approved, reviewed=True)

    def compute(indicator_ids: list[str] | None) -> pd.DataFrame:
        return evaluate(db.catalog, observations(db, indicator_ids), day)

    return cached_status(db, day, compute)


def _reviewed(db: Database) -> bool:
    """Statuses count only reviewed-and-approved values (db/cycle.py): the review decisions
    are then part of the frame's key, so an approval made in any process shows at once."""
    return db.catalog.settings.chart_values == "approved"


def home_status(db: Database, as_of: date | None = None) -> pd.DataFrame:
    """status's rows of every target at its own region (the `home` rows, numbered from 0),
    what the overview starts from: decoded alone from the kept frame when it is stored,
    else taken from status (which computes and stores the frame)."""
    day = as_of or date.today()
    part = stored_home(db, day, _reviewed(db))
    return part if part is not None else home_rows(status(db, day))


def approved_observations(db: Database, indicator_ids: list[str] | None = None) -> pd.DataFrame:
    """The progress engine's input restricted to approved values (what leaders see when
    `settings.chart_values` is "approved"): a value approved and not changed since
    (db.reviews.submissions derives the same state). Read from the reviews table, joined
    to the observations on their unique key, so only reviewed values are read."""
    names = ["indicator_id", "region_code", "period_kind", "period_end", "value"]
    stmt = (
        select(*[OBS.c[k] for k in KEY], OBS.c.value)
        .select_from(REV.join(OBS, and_(*[OBS.c[k] == REV.c[k] for k in KEY])))
        .where(REV.c.state == "approved", OBS.c.updated_at <= REV.c.reviewed_at)
        .order_by(*[OBS.c[k] for k in KEY])
    )
    if indicator_ids is not None:
        stmt = stmt.where(REV.c.indicator_id.in_(indicator_ids))
    with db.read() as conn:
        frame = bulk_frame(conn, stmt, names)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["value"] = frame["value"].astype(float)
    return frame


def has_demo_data(db: Database) -> bool:
    """Whether any stored observation carries the synthetic demo's source label (`metrics
    demo`): one EXISTS that stops at the first such row, so the demo banner never reads
    the observations themselves. Imports may fold full-width brackets, so both forms."""
    labels = sorted({DEMO_SOURCE, unicodedata.normalize("NFKC", DEMO_SOURCE)})
    stmt = select(select(OBS.c.id).where(OBS.c.source.in_(labels)).limit(1).exists())
    with db.read() as conn:
        return bool(conn.execute(stmt).scalar())


def overdue_unreported(db: Database, as_of: date) -> pd.DataFrame:
    """Every owed report whose due day has passed with no value stored (state "missing" in
    db.cycle.completeness): indicator, region, responsible, period, period_kind,
    period_end, due.

    Only the key columns of the owed (indicator, its own region) pairs are read, off the
    unique index (as db.api_reads.first_reported), and without the review join: a
    province of county rows costs the few city rows it owes. What is owed is worked out
    once per (catalog, date) and shared through the database (db.status_cache.cached_owed)."""

    def overdue() -> pd.DataFrame:
        due = owed(db.catalog, as_of)
        return due[due["overdue"]].drop(columns="overdue").reset_index(drop=True)

    due = cached_owed(db, as_of, overdue)
    # day ends, as owed gives them (Parquet reads them back in milliseconds)
    due["period_end"] = due["period_end"].astype("datetime64[s]")
    if due.empty:
        return due
    keys = ["indicator", "region", "period_kind", "period_end"]
    # The owed (indicator, region) pairs only, one OR branch per region: both databases then
    # look each pair up on the unique index (SQLite's multi-index OR, PostgreSQL's BitmapOr).
    # Two plain IN lists let PostgreSQL seq-scan the table at 10M rows (1.5 s); a row-value
    # IN makes SQLite scan the whole index (2.7 s).
    pairs = due[["region", "indicator"]].drop_duplicates().sort_values(["region", "indicator"])
    by_region = pairs.groupby("region", sort=True)["indicator"].agg(list)
    stmt = select(OBS.c.indicator_id, OBS.c.region_code, OBS.c.period_kind, OBS.c.period_end).where(
        or_(
            *[
                and_(OBS.c.region_code == region, OBS.c.indicator_id.in_(ids))
                for region, ids in by_region.items()
            ]
        )
    )
    with db.read() as conn:
        stored = _frame(conn, stmt, keys)
    stored["period_end"] = pd.to_datetime(stored["period_end"])
    merged = due.merge(stored.drop_duplicates(), on=keys, how="left", indicator=True)
    return due[(merged["_merge"] == "left_only").to_numpy()].reset_index(drop=True)


def review_version(db: Database) -> str:
    """Changes whenever a review decision is recorded (approve, return, lock, unlock; a
    value changed after its review is already in data_version): the cache key of the
    review states. One index look-up (db.status_cache.review_mark)."""
    with db.read() as conn:
        return str(review_mark(conn))
