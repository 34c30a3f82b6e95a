"""Versioned schema migrations: each step runs once, in order, inside a transaction,
and records itself in schema_version. A later schema change adds a step here (ALTER
TABLE …, data copied), never a drop of a table that holds data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, select, text

from db.engine import Database
from db.models import Base, SchemaVersion

# The tables of schema version 1, by name: step 1 creates exactly these, so a later step
# that adds a table or column to models.py does not change what step 1 did.
V1_TABLES = (
    "schema_version",
    "regions",
    "plans",
    "indicators",
    "target_stages",
    "imports",
    "observations",
    "revisions",
    "users",
    "audit_log",
)


def _v1_initial(conn: Connection) -> None:
    tables = [Base.metadata.tables[name] for name in V1_TABLES]
    Base.metadata.create_all(conn, tables=tables, checkfirst=True)


def _v2_security(conn: Connection) -> None:
    """Sources kept in revisions, sessions ended by a password change, and sign-in
    throttling per client and name (issue 14). Step 1 of a new database already creates
    the columns from models.py, so only the missing ones are added."""
    have = {
        table: {c["name"] for c in inspect(conn).get_columns(table)}
        for table in ("revisions", "users")
    }
    wanted = [
        ("revisions", "old_source", "TEXT"),
        ("revisions", "new_source", "TEXT"),
        ("users", "credentials_at", "TIMESTAMP"),
    ]
    for table, column, kind in wanted:
        if column not in have[table]:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))
    Base.metadata.tables["login_failures"].create(conn, checkfirst=True)


def _v3_import_profiles(conn: Connection) -> None:
    """Saved import mappings keyed by a sheet header's fingerprint (issue 13)."""
    from db.profiles import create_table

    create_table(conn)


def _v4_api_tokens_status_cache(conn: Connection) -> None:
    """The API's tokens and the status computed once per data version (issue 19)."""
    tables = [Base.metadata.tables[name] for name in ("api_tokens", "status_cache")]
    Base.metadata.create_all(conn, tables=tables, checkfirst=True)


def _v6_remedies(conn: Connection) -> None:
    Base.metadata.tables["remedies"].create(conn, checkfirst=True)


def _v5_reviews(conn: Connection) -> None:
    """Review states and locks of the reporting cycle (issue 15; table in db/cycle.py)."""
    from db.reviews import create_tables

    create_tables(conn)


def _v7_browser_sessions(conn: Connection) -> None:
    """Dashboard sign-ins held by the browser as an HttpOnly cookie (issue 14 item 5)."""
    Base.metadata.tables["browser_sessions"].create(conn, checkfirst=True)


def _v8_pending_year_to_date(conn: Connection) -> None:
    """Year-to-date flag on observations (issue 13), an index on their source (undo and
    the demo label look rows up by it), and pending uploads kept across a reload (issue
    14). A new database got the column and index from models.py in step 1."""
    columns = {c["name"] for c in inspect(conn).get_columns("observations")}
    if "year_to_date" not in columns:
        false = "0" if conn.dialect.name == "sqlite" else "FALSE"
        conn.execute(
            text(
                f"ALTER TABLE observations ADD COLUMN year_to_date BOOLEAN NOT NULL DEFAULT {false}"
            )
        )
    indexes = {i["name"] for i in inspect(conn).get_indexes("observations")}
    if "ix_observation_source" not in indexes:
        conn.execute(text("CREATE INDEX ix_observation_source ON observations (source)"))
    Base.metadata.tables["pending_uploads"].create(conn, checkfirst=True)


def _v9_revision_year_to_date(conn: Connection) -> None:
    """Revisions keep the year-to-date flag before and after a change, so undoing an import
    gives a `1-9月累计` value its flag back (issue 13). NULL in older revisions means "not
    recorded": an undo of such a revision leaves the flag as it is."""
    columns = {c["name"] for c in inspect(conn).get_columns("revisions")}
    for name in ("old_year_to_date", "new_year_to_date"):
        if name not in columns:
            conn.execute(text(f"ALTER TABLE revisions ADD COLUMN {name} BOOLEAN"))


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema", _v1_initial),
    (2, "revision sources, session ends, login throttle", _v2_security),
    (3, "saved import mappings (profiles)", _v3_import_profiles),
    (4, "api tokens, shared status cache", _v4_api_tokens_status_cache),
    (5, "reporting cycle: reviews and locks", _v5_reviews),
    (6, "causes and remedies of lagging targets", _v6_remedies),
    (7, "dashboard sign-ins bound to a browser cookie", _v7_browser_sessions),
    (8, "year-to-date flag, source index, pending uploads", _v8_pending_year_to_date),
    (9, "year-to-date flag in revisions", _v9_revision_year_to_date),
]

LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    return conn.scalar(select(SchemaVersion.version).order_by(SchemaVersion.version.desc())) or 0


def migrate(db: Database) -> int:
    """Bring the schema to the latest version; returns the version now in force."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            if not db.is_sqlite:
                # Two processes starting at once: the second waits, then finds nothing to do.
                conn.execute(text("SELECT pg_advisory_xact_lock(727001)"))
            version = current_version(conn)
            # Every step not yet recorded runs, not only those above the highest: steps
            # numbered by engineers working at once can land in any order, and a database
            # already at 5 must still get 2.
            done = set(conn.scalars(select(SchemaVersion.version))) if version else set()
            for number, _name, step in MIGRATIONS:
                if number not in done:
                    step(conn)
                    conn.execute(
                        SchemaVersion.__table__.insert().values(
                            version=number, applied_at=datetime.now(UTC).replace(tzinfo=None)
                        )
                    )
                    version = max(version, number)
    return version
