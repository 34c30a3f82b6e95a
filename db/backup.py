"""A consistent copy of the database while the dashboard and writers keep running."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from db.engine import Database
from metrics.i18n import TEXT, both

TEXT.update(
    {
        "backup.exists": (
            "目标文件 {path} 已存在，请换一个文件名",
            "{path} already exists: choose another file name",
        ),
        "backup.no_pg_dump": (
            "PostgreSQL 备份需要 pg_dump，请安装 postgresql-client",
            "Backing up PostgreSQL needs pg_dump: install postgresql-client",
        ),
        "backup.failed": ("备份失败：{detail}", "Backup failed: {detail}"),
    }
)


class BackupError(Exception):
    pass


def backup(db: Database, target: Path) -> Path:
    """SQLite: the online backup API (a snapshot at one instant, readers and writers
    undisturbed). PostgreSQL: pg_dump in custom format."""
    if target.exists():
        raise BackupError(both("backup.exists", path=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    if db.is_sqlite:
        source = sqlite3.connect(make_url(db.url).database, timeout=30)
        dest = sqlite3.connect(str(target))
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
        return target
    if shutil.which("pg_dump") is None:
        raise BackupError(both("backup.no_pg_dump"))
    url = make_url(db.url).set(drivername="postgresql")
    result = subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--file",
            str(target),
            url.render_as_string(hide_password=False),
        ],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(both("backup.failed", detail=result.stderr.strip()))
    return target
