"""Many rows written at once, in the caller's transaction: the inserts and updates of an
import, its revisions, and an undo's.

SQLite: one prepared statement run by the driver's executemany over plain tuples made a
chunk at a time. PostgreSQL with psycopg: the rows are staged in a temporary table by one
binary COPY (built by numpy: every text, date, flag or import id as a code into the
column's distinct values, numbers as they are) and written by one set-based statement
(INSERT … SELECT, UPDATE … FROM) that joins the codes back to their values. Other
drivers: SQLAlchemy's executemany. Values reach the database as SQLAlchemy would bind
them, so every path stores the same text formats.

Foreign keys on PostgreSQL: a row trigger checks each inserted row's keys one by one
(about 9 s of a million rows' 15 s here). When the account may set
session_replication_role (a superuser, or `GRANT SET ON PARAMETER
session_replication_role` on PostgreSQL 15+) and the table has no triggers of its own,
the insert checks each distinct referenced key once instead (and locks it FOR KEY SHARE,
as the trigger would) and runs with the row triggers off; a missing key falls back to
the checked insert, so the database refuses it with its own error. Otherwise the
triggers check as usual."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Float, Table

_CHUNK = 50_000
_STAGES = itertools.count(1)
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_NO_INT = np.iinfo(np.int64).min  # a NULL integer in a staged column


def processor(conn: Connection, table: Table, name: str):  # type: ignore[no-untyped-def]
    """What SQLAlchemy does to a value of this column before the driver gets it (SQLite:
    a date or timestamp becomes its ISO text, in SQLAlchemy's own format)."""
    impl = table.c[name].type.dialect_impl(conn.dialect)
    return impl.bind_processor(conn.dialect) or (lambda value: value)


def driver_values(conn: Connection, table: Table, name: str, column: pd.Series) -> np.ndarray:
    """A column as the values the DBAPI driver takes for it, as SQLAlchemy would bind them
    (SQLite stores dates and timestamps as ISO text).

    Numbers stay a numpy array (turned into Python numbers a chunk at a time). Texts and
    dates are converted once per distinct value, and every row points at that one
    object: a million rows of a few hundred indicator ids are a million pointers, not a
    million strings. A missing value (None, NaN) becomes None."""
    process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    if pd.api.types.is_numeric_dtype(column.dtype) and process is None:
        if column.hasnans:
            return column.astype(object).where(column.notna(), None).to_numpy()
        return column.to_numpy()
    codes, uniques = _factorize(column)
    process = process or (lambda value: value)
    return np.array([process(u) for u in uniques] + [None], dtype=object)[codes]


def _factorize(column: pd.Series) -> tuple[np.ndarray, list]:
    """Codes (-1: missing) and the distinct values as plain Python objects (dates as
    datetime.date, numpy numbers as Python numbers)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if pd.api.types.is_datetime64_any_dtype(uniques.dtype):
        values = [u.date() for u in uniques]
    else:
        values = [u.item() if isinstance(u, np.generic) else u for u in np.asarray(uniques)]
    return codes, values


def _driver(conn: Connection) -> str:
    if conn.dialect.name == "sqlite":
        return "sqlite"
    return "psycopg" if conn.dialect.driver == "psycopg" else "other"


def _tuples(conn: Connection, table: Table, frame: pd.DataFrame, constants: dict):  # type: ignore[no-untyped-def]
    """The rows as driver tuples (frame columns, then constants), a chunk at a time."""
    columns = [driver_values(conn, table, c, frame[c]) for c in frame.columns]
    fixed = [processor(conn, table, c)(v) for c, v in constants.items()]
    for start in range(0, len(frame), _CHUNK):
        part = [c[start : start + _CHUNK].tolist() for c in columns]
        size = len(part[0])
        part += [itertools.repeat(v, size) for v in fixed]
        yield from zip(*part, strict=True)


def insert(
    conn: Connection, table: Table, frame: pd.DataFrame, constants: dict, defer: bool = False
) -> None:
    """INSERT the frame's rows (columns named as the table's), plus constant columns.

    defer (PostgreSQL): the statements run in a thread of their own while the caller goes
    on with work that does not use the connection (the next chunk's reading and checks:
    the server writes while Python checks); `settle(conn)` waits for them and raises
    what they raised, and must come before the connection's next use."""
    settle(conn)
    if frame.empty:
        return
    names = [*frame.columns, *constants]
    driver = _driver(conn)
    if driver == "sqlite":
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            marks = ", ".join("?" for _ in names)
            cursor.executemany(
                f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
                _tuples(conn, table, frame, constants),
            )
        finally:
            cursor.close()
        return
    if driver == "psycopg":

        def run() -> None:
            with _Stage(conn, table, frame, constants) as stage:
                sql = (
                    f"INSERT INTO {table.name} ({', '.join(names)}) "
                    f"SELECT {', '.join(stage.exprs[n] for n in names)} {stage.source}"
                )
                _insert_checked_once(stage.cursor, table, frame, constants, sql, stage.params)

        if defer:
            conn.info["bulk_pending"] = _Pending(run)
        else:
            run()
        return
    conn.execute(
        table.insert(),
        [
            {**dict(zip(frame.columns, r, strict=True)), **constants}
            for r in frame.itertuples(index=False, name=None)
        ],
    )


def settle(conn: Connection, raise_error: bool = True) -> None:
    """Wait for a deferred insert on this connection; raise its error (unless told not
    to: a transaction already failing only needs the connection free)."""
    pending = conn.info.pop("bulk_pending", None)
    if pending is not None:
        pending.thread.join()
        if pending.error is not None and raise_error:
            raise pending.error


class _Pending:
    """A deferred insert's thread (psycopg waits for the server without the GIL)."""

    def __init__(self, run) -> None:  # type: ignore[no-untyped-def]
        self.error: BaseException | None = None
        self.run = run
        self.thread = threading.Thread(target=self._target, name="bulk-insert", daemon=True)
        self.thread.start()

    def _target(self) -> None:
        try:
            self.run()
        except BaseException as exc:  # handed to settle()
            self.error = exc


def update(conn: Connection, table: Table, frame: pd.DataFrame, constants: dict) -> None:
    """UPDATE each row whose `id` is the frame's `id` column: its other columns and the
    constants become the row's values."""
    settle(conn)
    if frame.empty:
        return
    names = [c for c in frame.columns if c != "id"] + list(constants)
    driver = _driver(conn)
    if driver == "psycopg":
        with _Stage(conn, table, frame, constants) as stage:
            sets = ", ".join(f"{n} = u.{n}" for n in names)
            picked = ", ".join(f"{stage.exprs[n]} AS {n}" for n in ["id", *names])
            stage.cursor.execute(
                f"UPDATE {table.name} SET {sets} FROM (SELECT {picked} {stage.source}) u "
                f"WHERE {table.name}.id = u.id",
                stage.params,
            )
        return
    if driver == "sqlite":
        ordered = frame[[*[c for c in frame.columns if c != "id"], "id"]]
        fixed = tuple(processor(conn, table, c)(v) for c, v in constants.items())
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(
                f"UPDATE {table.name} SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
                ((*r[:-1], *fixed, r[-1]) for r in _tuples(conn, table, ordered, {})),
            )
        finally:
            cursor.close()
        return
    from sqlalchemy import bindparam

    conn.execute(
        table.update()
        .where(table.c.id == bindparam("_id"))
        .values({c: bindparam(f"_{c}") for c in frame.columns if c != "id"} | constants),
        [
            {f"_{k}": (None if _missing(v) else v) for k, v in r.items()}
            for r in frame.to_dict("records")
        ],
    )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


class _Stage:
    """The frame's rows in a temporary table (one binary COPY), and for each column (and
    constant) the SQL expression that gives its value, bound as SQLAlchemy binds it.

    Floats are staged as float8 (NaN: NULL), integers as int8; every other column as an
    int4 code into its distinct values, passed as one array parameter each and joined
    back with `unnest … WITH ORDINALITY` (a hash join: a subscript of a text array walks
    it, 40 times slower for a few hundred values)."""

    def __init__(self, conn: Connection, table: Table, frame: pd.DataFrame, constants: dict):
        self.conn, self.table, self.frame, self.constants = conn, table, frame, constants
        self.name = f"_bulk_stage_{next(_STAGES)}"
        self.cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self.exprs: dict[str, str] = {}
        self.params: dict[str, Any] = {}
        self.source = ""

    def __enter__(self) -> _Stage:
        dialect = self.conn.dialect
        fields, kinds, joins = [], [], []
        n = len(self.frame)
        for i, name in enumerate(self.frame.columns):
            column = self.table.c[name]
            sql_type = column.type.compile(dialect=dialect)
            series = self.frame[name]
            if isinstance(column.type, Float):
                values = pd.to_numeric(series, errors="coerce").to_numpy(
                    np.float64, na_value=np.nan
                )
                fields.append((values, ">f8"))
                kinds.append(f"c{i} float8")
                self.exprs[name] = f"NULLIF(s.c{i}, 'NaN'::float8)"
            elif name == "id":
                values = series.to_numpy(np.int64)
                fields.append((values, ">i8"))
                kinds.append(f"c{i} int8")
                self.exprs[name] = f"s.c{i}"
            else:
                codes, uniques = _factorize(series)
                fields.append(((codes + 1).astype(np.int32), ">i4"))
                kinds.append(f"c{i} int4")
                self.params[f"p{i}"] = uniques
                joins.append(
                    f"LEFT JOIN unnest(%(p{i})s::{sql_type}[]) WITH ORDINALITY AS d{i}(v, k) "
                    f"ON d{i}.k = s.c{i}"
                )
                self.exprs[name] = f"d{i}.v"
        for j, (name, value) in enumerate(self.constants.items()):
            sql_type = self.table.c[name].type.compile(dialect=dialect)
            self.params[f"k{j}"] = value
            self.exprs[name] = f"CAST(%(k{j})s AS {sql_type})"
        self.cursor.execute(f"CREATE TEMPORARY TABLE {self.name} ({', '.join(kinds)})")
        dtype = [("count", ">i2")]
        for i, (_, code) in enumerate(fields):
            dtype += [(f"l{i}", ">i4"), (f"v{i}", code)]
        rows = np.empty(n, dtype=dtype)
        rows["count"] = len(fields)
        for i, (values, code) in enumerate(fields):
            rows[f"l{i}"] = np.dtype(code).itemsize
            rows[f"v{i}"] = values
        with self.cursor.copy(f"COPY {self.name} FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_COPY_HEADER)
            data = memoryview(rows).cast("B")
            step = 1 << 24
            for start in range(0, len(data), step):
                copy.write(data[start : start + step])
            copy.write(b"\xff\xff")
        self.source = f"FROM {self.name} s {' '.join(joins)}"
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.cursor.execute(f"DROP TABLE {self.name}")
        finally:
            self.cursor.close()


def _insert_checked_once(cursor, table, frame, constants, sql, params) -> None:  # type: ignore[no-untyped-def]
    """Run the INSERT with each distinct foreign key checked once (see the module's
    docstring) when that is allowed, else with the row triggers."""
    fks = [fk for fk in table.foreign_keys if fk.parent.name in (*frame.columns, *constants)]
    if not fks or not _may_skip_triggers(cursor, table.name):
        cursor.execute(sql, params)
        return
    for fk in fks:
        name, target = fk.parent.name, fk.column
        if name in frame.columns:
            keys = [
                k.item() if isinstance(k, np.generic) else k for k in frame[name].dropna().unique()
            ]
        else:
            keys = [] if constants[name] is None else [constants[name]]
        if not keys:
            continue
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {target.table.name} "
            f"WHERE {target.name} = ANY(%s) FOR KEY SHARE) x",
            (keys,),
        )
        if cursor.fetchone()[0] != len(keys):
            cursor.execute(sql, params)  # the database refuses the missing key itself
            return
    cursor.execute("SELECT current_setting('session_replication_role')")
    before = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('session_replication_role', 'replica', true)")
    try:
        cursor.execute(sql, params)
    finally:
        cursor.execute("SELECT set_config('session_replication_role', %s, true)", (before,))


def _may_skip_triggers(cursor, table: str) -> bool:  # type: ignore[no-untyped-def]
    """May this account turn row triggers off for its transaction, and has the table no
    trigger but the foreign keys' own?"""
    cursor.execute(
        "SELECT current_setting('is_superuser') = 'on', current_setting('server_version_num')::int,"
        " (SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal)",
        (table,),
    )
    superuser, version, own = cursor.fetchone()
    if own:
        return False
    if superuser:
        return True
    if version < 150000:
        return False
    cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
    return bool(cursor.fetchone()[0])
