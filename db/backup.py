"""A consistent copy of the database while the dashboard and writers keep running."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from db.engine import Database
from metrics.errors import MetricsError
from metrics.i18n import both


class BackupError(MetricsError):
    """A backup that was not made; the text says why and nothing was overwritten."""


def backup(db: Database, target: Path) -> Path:
    """SQLite: the online backup API, a snapshot at one instant (readers and writers
    undisturbed), written beside the target, checked, made a single self-contained file
    and only then renamed into place, so an interrupted backup never leaves a file that
    looks complete. PostgreSQL: pg_dump in custom format (one repeatable-read snapshot)."""
    if target.exists():
        raise BackupError(both("backup.exists", path=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    if db.is_sqlite:
        _sqlite_backup(make_url(db.url).database, target)
        return target
    if shutil.which("pg_dump") is None:
        raise BackupError(both("backup.no_pg_dump"))
    url = make_url(db.url).set(drivername="postgresql")
    partial = target.with_name(f".{target.name}.partial")
    result = subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--file",
            str(partial),
            *[f"--schema={schema}" for schema in _search_path(db.url)],
            url.render_as_string(hide_password=False),
        ],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(both("backup.failed", detail=result.stderr.strip()))
    os.replace(partial, target)
    return target


def _sqlite_backup(source_path: str, target: Path) -> None:
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    dest = sqlite3.connect(str(partial))
    try:
        source.backup(dest)  # one step: a single read transaction, so one instant
        dest.execute("PRAGMA journal_mode=DELETE")  # no -wal file to carry along
        check = [row[0] for row in dest.execute("PRAGMA integrity_check")]
    except sqlite3.Error as exc:
        dest.close()
        partial.unlink(missing_ok=True)
        raise BackupError(both("backup.failed", detail=exc)) from None
    finally:
        source.close()
    dest.close()
    if check != ["ok"]:
        partial.unlink(missing_ok=True)
        raise BackupError(both("backup.damaged", detail="; ".join(check[:3])))
    os.replace(partial, target)


def _search_path(url: str) -> list[str]:
    """The schemas named by `options=-csearch_path=…` in the URL: a database shared by
    several deployments (or test runs), each in its own schema, is backed up one schema
    at a time. None named: the whole database."""
    options = make_url(url).query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    for part in options.replace("-c ", "-c").split():
        name, _, value = part.removeprefix("-c").partition("=")
        if name.strip() == "search_path":
            return [
                s.strip().strip('"') for s in value.split(",") if s.strip() not in ("", "$user")
            ]
    return []


def restore(db: Database, source: Path) -> None:
    """Put a backup back, safely while the dashboard runs.

    SQLite: the backup file is checked (opens read-only, passes its integrity check, has
    this schema's version table) and then copied *into* the open database file through
    SQLite's backup API, under its write lock: the file keeps its identity, so running
    dashboards see the restored data at their next read instead of writing into a file
    that is gone (what `mv`/`cp` over a live file causes). Then the schema is migrated
    and the catalog synced, as on every open. PostgreSQL: pg_restore --clean in one
    transaction."""
    from db.migrations import migrate
    from db.sync import sync_catalog

    if not source.is_file():
        raise BackupError(both("backup.not_a_backup", path=source, detail="no such file"))
    if not db.is_sqlite:
        _pg_restore(db, source)
    else:
        try:
            backup_db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            try:
                check = [row[0] for row in backup_db.execute("PRAGMA integrity_check")]
                has_version = backup_db.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = 'schema_version'"
                ).fetchone()
                if check != ["ok"] or not has_version:
                    detail = "; ".join(check[:3]) if check != ["ok"] else "schema_version"
                    raise BackupError(both("backup.not_a_backup", path=source, detail=detail))
                live = sqlite3.connect(make_url(db.url).database, timeout=60)
                try:
                    backup_db.backup(live)
                finally:
                    live.close()
            finally:
                backup_db.close()
        except sqlite3.Error as exc:
            raise BackupError(both("backup.not_a_backup", path=source, detail=exc)) from None
    migrate(db)
    sync_catalog(db)


def _pg_restore(db: Database, source: Path) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError(both("backup.no_pg_dump"))
    url = make_url(db.url).set(drivername="postgresql")
    result = subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--no-owner",
            "--dbname",
            url.render_as_string(hide_password=False),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise BackupError(both("backup.failed", detail=result.stderr.strip()[-500:]))
