"""Opening the database: URL resolution, engine settings, migrations and catalog sync.

SQLite is the embedded default (a file created on first use, WAL, busy timeout,
foreign keys on); METRICS_DATABASE_URL switches to PostgreSQL with no code change.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from metrics.catalog import Catalog

BUSY_TIMEOUT_MS = 30_000


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

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is unreliable).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if parsed.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers ask for IMMEDIATE: they take the write lock before reading what they
        # compare against, so two analysts' imports cannot interleave.
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


@dataclass
class Database:
    """The engine and the catalog it was synced from: what every db function takes."""

    engine: Engine
    catalog: Catalog
    url: str = ""
    _listeners: list = field(default_factory=list)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: all of it lands or none of it does."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                if not self.is_sqlite:
                    # Serialise writers of observations, as SQLite's write lock does.
                    conn.execute(text("LOCK TABLE observations IN SHARE ROW EXCLUSIVE MODE"))
                yield conn
        for callback in self._listeners:
            callback()

    def on_write(self, callback) -> None:  # type: ignore[no-untyped-def]
        """Call `callback` after every committed write (the dashboard clears its caches)."""
        self._listeners.append(callback)


def open_database(catalog: Catalog, url: str | None = None, sync: bool = True) -> Database:
    """Create or migrate the schema and (by default) sync the catalog into it."""
    from db.migrations import migrate
    from db.sync import sync_catalog

    url = url or database_url(catalog)
    db = Database(make_engine(url), catalog, url)
    migrate(db)
    if sync:
        sync_catalog(db)
    return db
