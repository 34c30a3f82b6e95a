"""Opening the database: URL resolution, engine settings, migrations and catalog sync.

SQLite is the embedded default (a file created on first use, WAL, busy timeout,
foreign keys on); METRICS_DATABASE_URL switches to PostgreSQL with no code change.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from metrics.catalog import Catalog
from metrics.errors import Busy
from metrics.i18n import both

log = logging.getLogger(__name__)

# SQLite's own wait for a lock, per attempt.
BUSY_TIMEOUT_MS = 30_000
# A writer that still finds the write lock taken after SQLite's own wait tries again, with
# jittered exponential backoff, until this much time has passed in all; only then does it
# give up with DatabaseBusy (bilingual, nothing written). A 200,000-row import holds the
# lock for seconds, so an analyst's write never fails merely because others are writing.
WRITE_LOCK_WAIT_S = 600.0
BACKOFF_FIRST_S = 0.01
BACKOFF_MAX_S = 0.5


class DatabaseBusy(Busy):
    """The write lock stayed taken for longer than WRITE_LOCK_WAIT_S; nothing was written."""


class DatabaseReplaced(DatabaseBusy):
    """The SQLite file this process opened was deleted or replaced on disk (a restore by
    mv/cp): a write would land in a file nobody will read again, so none is made until the
    process reopens the database. A kind of "busy" so every page that reports a busy
    database reports this too, with nothing written."""


class DatabaseUnwritable(DatabaseBusy):
    """The database refuses writes (a read-only file, a full disk): nothing was written,
    reading goes on. A kind of "busy", so every page that reports a busy database says
    this in its place (issue 14 item 8)."""


# SQLite's words for a database that takes no write; PostgreSQL's read-only transaction
# and full disk.
UNWRITABLE_WORDS = ("readonly", "read-only", "disk is full", "disk i/o error", "no space left")


def file_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of a file, or None when there is no file at that path."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return (info.st_dev, info.st_ino)


@dataclass
class LockStats:
    """How often this process had to wait for SQLite's write lock beyond the busy timeout."""

    retries: int = 0
    waited_s: float = 0.0


LOCK_STATS = LockStats()


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    message = str(error).lower()
    return "database is locked" in message or "busy" in message


def _retry_busy(run: Callable[[], object], statement: str) -> None:
    """Run a lock-taking statement, retrying "database is locked" with backoff.

    Only statements that take a lock and change nothing by failing come here (BEGIN
    IMMEDIATE, the WAL switch), so a retry can never apply a write twice."""
    start = time.monotonic()
    attempt = 0
    while True:
        try:
            run()
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise sa_exc.OperationalError(statement, None, error) from error
            waited = time.monotonic() - start
            if waited >= WRITE_LOCK_WAIT_S:
                raise DatabaseBusy(both("db.busy", seconds=round(waited))) from error
            delay = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**attempt) * random.uniform(0.5, 1)
            delay = min(delay, WRITE_LOCK_WAIT_S - waited)
            attempt += 1
            LOCK_STATS.retries += 1
            LOCK_STATS.waited_s += delay
            log.info("%s: database is locked, retry %d in %.2f s", statement, attempt, delay)
            time.sleep(delay)


def database_url(catalog: Catalog) -> str:
    """METRICS_DATABASE_URL if set, else the catalog's setting; a relative SQLite path is
    taken from the catalog's folder so the CLI and the dashboard find the same file."""
    url = os.environ.get("METRICS_DATABASE_URL") or catalog.settings.database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.is_absolute():
            path = catalog.path.resolve().parent / path
        path.parent.mkdir(parents=True, exist_ok=True)
        url = parsed.set(database=str(path)).render_as_string(hide_password=False)
    return url


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs for safe concurrent writers."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    on_disk = parsed.database not in (None, "", ":memory:") and not str(parsed.database).startswith(
        "file:"
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        if on_disk:  # the file this connection holds (SQLite opened it just now)
            record.info["file_identity"] = file_identity(str(parsed.database))
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is unreliable).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if parsed.database not in (None, "", ":memory:"):
            # Several processes opening a new file at once: the switch to WAL needs a lock.
            _retry_busy(lambda: cur.execute("PRAGMA journal_mode=WAL").fetchall(), "WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers ask for IMMEDIATE: they take the write lock before reading what they
        # compare against, so two analysts' imports cannot interleave. Taking the lock is
        # retried with backoff (nothing has been done yet, so nothing can happen twice).
        mode = conn.get_execution_options().get("sqlite_begin", "")
        if not mode:
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_conn = conn.connection.driver_connection
        statement = f"BEGIN {mode}"
        _retry_busy(lambda: dbapi_conn.execute(statement), statement)

    return engine


@dataclass
class Database:
    """The engine and the catalog it was synced from: what every db function takes."""

    engine: Engine
    catalog: Catalog
    url: str = ""
    _listeners: list = field(default_factory=list)
    # (device, inode) of the SQLite file when this process first used it.
    _identity: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        self._path = None
        if self.is_sqlite:
            database = make_url(self.url or str(self.engine.url)).database
            if database not in (None, "", ":memory:") and not database.startswith("file:"):
                self._path = database
                self._identity = file_identity(database)

    @property
    def file_path(self) -> str | None:
        """The SQLite file, or None (PostgreSQL, in-memory)."""
        return self._path

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def file_problem(self, conn: Connection | None = None) -> str | None:
        """Why writes are refused because the database file was deleted or replaced since
        this process opened it (bilingual), or None. Checked inside every write (and by
        the dashboard on every request), so no write lands in a file that is gone."""
        if self._path is None:
            return None
        on_disk = file_identity(self._path)
        if self._identity is None:
            self._identity = on_disk
        held = {self._identity}
        if conn is not None:
            held.add(conn.connection.info.get("file_identity", on_disk))
        if on_disk is None or held != {on_disk}:
            return both("db.replaced", path=self._path)
        return None

    def _refuse_if_replaced(self, conn: Connection) -> None:
        problem = self.file_problem(conn)
        if problem is not None:
            raise DatabaseReplaced(problem)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: all of it lands or none of it does."""
        try:
            with self._write() as conn:
                yield conn
        except (sa_exc.OperationalError, sa_exc.InternalError, sqlite3.OperationalError) as exc:
            # (a bulk insert's raw DBAPI cursor raises sqlite3's own error)
            if any(w in str(getattr(exc, "orig", None) or exc).lower() for w in UNWRITABLE_WORDS):
                raise DatabaseUnwritable(key="db.unwritable") from exc
            raise

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                if not self.is_sqlite:
                    # Serialise writers of observations, as SQLite's write lock does.
                    conn.execute(text("LOCK TABLE observations IN SHARE ROW EXCLUSIVE MODE"))
                self._refuse_if_replaced(conn)  # before anything is written …
                yield conn
                self._refuse_if_replaced(conn)  # … and before it is committed
            changed = conn.info.pop("changed", False)
        if changed:  # a dry run or an unchanged entry keeps every cache
            for callback in self._listeners:
                callback()

    @staticmethod
    def mark_changed(conn: Connection) -> None:
        """Say that this write transaction changed observations (caches are then cleared)."""
        conn.info["changed"] = True

    def on_write(self, callback) -> None:  # type: ignore[no-untyped-def]
        """Call `callback` after each committed write that changed observations (the
        dashboard clears its caches)."""
        self._listeners.append(callback)
