"""Shared fixtures: paths, a small catalog, and a fresh database per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
CONFIG = ROOT / "config.yaml"

SMALL_CATALOG = """\
regions:
  - code: "371700"
    name: 菏泽市
    name_en: Heze
    children:
      - {code: "371702", name: 牡丹区, name_en: Mudan}
      - {code: "371721", name: 曹县, name_en: Caoxian}
  - code: "370100"
    name: 济南市
    name_en: Jinan
plans:
  - id: heze-2023-digital-gov
    title: 菏泽市数字政府建设实施方案
    doc_no: 菏政字〔2023〕9号
    issuer: 菏泽市人民政府
    issued: 2023-03-31
    region: "371700"
indicators:
  - id: heze-2023-digital-gov.data-service-share
    plan: heze-2023-digital-gov
    name: 一体化大数据平台统一提供数据服务的比例
    name_en: Share of data services provided through the unified platform
    domain: 数据资源
    unit: "%"
    kind: quantity
    baseline: {value: 20, date: 2022-12-31}
    targets:
      - {op: ">=", value: 35, by: 2023-12-31}
      - {op: ">=", value: 70, by: 2025-12-31}
    responsible: [市大数据局]
    clause: 三、（三）2.
    quote: 2023年年底前比例达到35%以上
  - id: heze-2023-digital-gov.base-stations
    plan: heze-2023-digital-gov
    name: 5G基站数量
    name_en: 5G base stations
    domain: 数字基础设施
    unit: 万个
    aggregate: sum
    targets:
      - {op: ">=", value: 1.2, by: 2025-12-31}
    responsible: [市工业和信息化局]
    quote: 5G基站1.2万个
  - id: heze-2023-digital-gov.platform-launch
    plan: heze-2023-digital-gov
    name: 政务云平台上线
    name_en: Government cloud platform launched
    domain: 政务服务
    unit: "%"
    kind: milestone
    targets:
      - {op: ">=", value: 100, by: 2023-12-31}
    responsible: [市大数据局]
    quote: 2023年年底前建成政务云平台
"""


def run_cli(tmp_path: Path, config: Path, *args: str, stdin: str | None = None):
    """`python -m metrics …` as a user runs it: this catalog, a SQLite file in tmp_path."""
    import subprocess
    import sys

    env = {
        **os.environ,
        "METRICS_CONFIG": str(config),
        "METRICS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "metrics", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def requires_seeds() -> Path:
    """The plan texts; CI must have them, a bare checkout may not."""
    if not SEEDS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"plan texts not found at {SEEDS}")
        pytest.skip(f"plan texts not found at {SEEDS}")
    return SEEDS


@pytest.fixture
def small_catalog_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(SMALL_CATALOG, encoding="utf-8")
    return path


# --- databases: every storage test runs on SQLite and, when configured, on PostgreSQL ---

POSTGRES_URL = os.environ.get("METRICS_TEST_POSTGRES_URL")


def _postgres_schema_url(name: str) -> str:
    """A throwaway schema per test, so tests never see each other's rows."""
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{name}"


def _drop_postgres_schema(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path):
    """A database URL for a fresh, empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'metrics.db'}"
        return
    if not POSTGRES_URL:
        if os.environ.get("METRICS_REQUIRE_POSTGRES"):
            pytest.fail("METRICS_TEST_POSTGRES_URL is not set")
        pytest.skip("METRICS_TEST_POSTGRES_URL is not set")
    import uuid

    name = f"t_{uuid.uuid4().hex[:12]}"
    yield _postgres_schema_url(name)
    _drop_postgres_schema(name)


@pytest.fixture
def small_catalog(small_catalog_path: Path):
    from metrics.catalog import load_catalog

    return load_catalog(small_catalog_path)


@pytest.fixture
def db(db_url: str, small_catalog):
    """A fresh database of each backend, synced with the small catalog."""
    from db.connect import open_database

    database = open_database(small_catalog, db_url)
    yield database
    database.engine.dispose()


# --- browser tests (tests/browser_helpers.py): one playwright and one chromium per module ---


@pytest.fixture(scope="module")
def sync_api():
    """Playwright's sync API, or a skip (a failure where METRICS_REQUIRE_BROWSER is set)."""
    from tests.browser_helpers import require_browser

    return require_browser()


@pytest.fixture(scope="module")
def chromium(sync_api):
    """Debian's chromium, launched once for the module that asks for it."""
    from tests.browser_helpers import launched_chromium

    yield from launched_chromium(sync_api)
