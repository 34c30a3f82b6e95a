"""Storage: the embedded SQLite default, migrations, and an idempotent, non-destructive
catalog sync — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, text

from db.connect import open_database
from db.engine import database_url
from db.migrations import LATEST, current_version
from db.models import AuditEntry, Indicator, Observation, TargetStage
from db.permissions import LOCAL_OPERATOR
from db.sync import sync_catalog
from db.writes import enter_value
from metrics.catalog import load_catalog, parse_catalog
from tests.conftest import SMALL_CATALOG

STATIONS = "heze-2023-digital-gov.base-stations"


def _count(db, model) -> int:
    with db.read() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_sync_is_idempotent(db):
    audits = _count(db, AuditEntry)
    result = sync_catalog(db)
    assert (result.added, result.changed, result.retired, result.unchanged) == (0, 0, 0, 3)
    assert _count(db, AuditEntry) == audits  # nothing written, not even a log line


def test_removed_indicator_is_retired_with_its_observations(db, tmp_path: Path):
    enter_value(db, LOCAL_OPERATOR, STATIONS, "371700", "2024Q4", "1.1")
    start = SMALL_CATALOG.index("  - id: heze-2023-digital-gov.base-stations")
    end = SMALL_CATALOG.index("  - id: heze-2023-digital-gov.platform-launch")
    db.catalog = parse_catalog(SMALL_CATALOG[:start] + SMALL_CATALOG[end:])
    result = sync_catalog(db)
    assert result.retired == 1
    with db.read() as conn:
        assert conn.scalar(select(Indicator.retired).where(Indicator.id == STATIONS)) is True
    assert _count(db, Observation) == 1
    db.catalog = parse_catalog(SMALL_CATALOG)  # back in the catalog: active again
    assert sync_catalog(db).changed == 1


def test_edited_target_is_synced(db):
    db.catalog = parse_catalog(SMALL_CATALOG.replace("value: 1.2,", "value: 1.5,"))
    assert sync_catalog(db).changed == 1
    with db.read() as conn:
        value = conn.scalar(select(TargetStage.value).where(TargetStage.indicator_id == STATIONS))
    assert value == 1.5


def test_migrations_are_recorded_once(db):
    with db.read() as conn:
        assert current_version(conn) == LATEST
    again = open_database(db.catalog, db.url)
    with again.read() as conn:
        assert conn.scalar(text("SELECT COUNT(*) FROM schema_version")) == LATEST
    again.engine.dispose()


def test_embedded_default_is_a_wal_sqlite_file_next_to_the_catalog(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("METRICS_DATABASE_URL", raising=False)
    path = tmp_path / "config.yaml"
    path.write_text(SMALL_CATALOG, encoding="utf-8")
    catalog = load_catalog(path)
    url = database_url(catalog)
    assert url == f"sqlite:///{tmp_path / 'data' / 'metrics.db'}"
    db = open_database(catalog)
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert (tmp_path / "data" / "metrics.db").exists()
    monkeypatch.setenv("METRICS_DATABASE_URL", "postgresql+psycopg://u@h/d")
    assert database_url(catalog) == "postgresql+psycopg://u@h/d"
