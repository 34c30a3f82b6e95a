#!/usr/bin/env python
"""The read side at province scale, on a work folder `run.py --workdir` left behind:

    python benchmarks/at_scale.py WORKDIR [--postgres-url URL] [--page-only]   → one JSON object

`--page-only` measures only the overview (today's status and reports owed stored first, as
the first visitor of the day leaves them) beside the bare imports: the quick repeat.

For when the project's import of N rows does not finish on the machine at hand (at
10,000,000 rows on the shared 2-core machine it had not written a row after 27 minutes):
the project's database is filled by one SQL statement from the floor's bare table
(`raw.db`, written by `measure_raw_limit`), the period labels turned into (kind, end) by
SQLite's date functions, and then the same status, API and page figures as run.py are
measured on it, each beside its floor. The import figure is not measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import run as bench  # noqa: E402
from benchmarks.synthetic import Synthetic  # noqa: E402

FILL = """
INSERT INTO observations (indicator_id, region_code, period_kind, period_end, value, note,
    source, created_by, created_at, updated_by, updated_at, import_id)
SELECT indicator_id, region_code,
    CASE WHEN period LIKE '____Q_' THEN 'quarter' ELSE 'month' END,
    CASE WHEN period LIKE '____Q_'
        THEN date(substr(period, 1, 4) || '-' || printf('%02d', 3 * substr(period, 6, 1))
                  || '-01', '+1 month', '-1 day')
        ELSE date(period || '-01', '+1 month', '-1 day') END,
    value, coalesce(note, ''), coalesce(source, ''), 'bench', :now, 'bench', :now, NULL
FROM raw.observations
ORDER BY indicator_id, region_code, period
"""


def _stored_rows(path: Path) -> int:
    if not path.exists():
        return -1
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM observations").fetchone()[0]
    except sqlite3.OperationalError:
        return -1
    finally:
        conn.close()


def _fill(syn: Synthetic, path: Path) -> float:
    """The project's database filled from the floor's table (raw.db) by one statement."""
    bench._fresh(path)
    db = bench.open_db(syn, bench._sqlite_url(path))
    db.engine.dispose()
    bench.log("filling the project's database from raw.db with one INSERT … SELECT")
    start = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")  # the codes come from the same catalog
    conn.execute(f"ATTACH DATABASE '{path.parent / 'raw.db'}' AS raw")
    conn.execute("BEGIN")
    conn.execute(FILL, {"now": "2025-07-01 00:00:00.000000"})
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    stored = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
    conn.close()
    if stored != syn.rows:
        raise RuntimeError(f"filled {stored} rows, expected {syn.rows}")
    return elapsed


def _schema_of(url: str) -> str:
    """The schema a PostgreSQL URL's `options=-csearch_path=…` selects."""
    from urllib.parse import unquote

    return unquote(url).split("search_path=")[1].split("&")[0].split(",")[0]


def _today(db, out: dict) -> None:  # type: ignore[no-untyped-def]
    """Today's status and reports owed, stored as the first visitor of the day leaves them."""
    from db import queries

    start = time.perf_counter()
    queries.status(db, date.today())
    out["status_today_first_s"] = time.perf_counter() - start
    start = time.perf_counter()  # the reports owed today: the first visitor works them out
    queries.overdue_unreported(db, date.today())
    out["unreported_today_first_s"] = time.perf_counter() - start
    db.engine.dispose()


def _page(syn: Synthetic, url: str, out: dict) -> None:
    """The floor (bare imports) and the overview in a fresh process (benchmarks/page.py)."""
    bench.log("bare imports; the overview page")
    out["bare_imports_s"] = bench.measure_bare_imports()
    out.update(bench.measure_overview(syn, url))
    out["overview_cold_total_s"] = out["overview_start_s"] + out["overview_cold_s"]
    out["overview_cold_excess_s"] = out["overview_cold_total_s"] - out["bare_imports_s"]


def _page_only(db, syn: Synthetic, url: str, out: dict) -> int:  # type: ignore[no-untyped-def]
    _today(db, out)
    _page(syn, url, out)
    out["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir")
    parser.add_argument(
        "--postgres-url",
        help="measure this PostgreSQL database instead (its search_path schema, filled by"
        " build_scale.py --postgres-url)",
    )
    parser.add_argument(
        "--page-only",
        action="store_true",
        help="only the page: today's status and reports owed stored first (as the first"
        " visitor of the day leaves them), then the bare imports and the overview",
    )
    args = parser.parse_args(argv)
    work = Path(args.workdir)
    csv = next(work.glob("observations_*.csv"))
    rows = int(csv.stem.split("_")[1])
    syn = Synthetic(work / "catalog.yaml", csv, rows, 0, 0, 0, 0)
    path = work / "metrics.db"
    out: dict = {"observations": rows, "load_avg_1m_start": round(os.getloadavg()[0], 2)}
    if args.postgres_url:
        url = args.postgres_url
        out["backend"] = "postgresql"
    else:
        url = bench._sqlite_url(path)
        out["backend"] = "sqlite"
        if _stored_rows(path) != rows:  # not filled yet (build_scale.py fills it directly)
            out["sql_fill_s"] = _fill(syn, path)
    db = bench.open_db(syn, url)
    out["indicators"] = len(db.catalog.indicators)
    if args.page_only:
        return _page_only(db, syn, url, out)
    bench.log("status floor (plain SELECT)")
    if args.postgres_url:
        base = url.split("?")[0]
        out["status_floor_s"] = bench.measure_pg_status_floor(base, _schema_of(url))
    else:
        out["status_floor_s"] = bench.measure_status_floor(path)
    bench.log(f"floor {out['status_floor_s']:.2f}s; read + evaluate")
    read, engine, n = bench.measure_status(db)
    out.update(status_s=engine, status_read_s=read, status_rows=n)
    out["status_ratio"] = (read + engine) / out["status_floor_s"]
    bench.log(f"status {engine:.2f}s + read {read:.2f}s; shared status")
    out.update(bench.measure_shared_status(db, syn))
    bench.log("the API")
    out.update(bench.measure_api(db))
    _today(db, out)
    _page(syn, url, out)
    out["peak_rss_bench_mb"] = bench.peak_rss_mb()
    out["peak_rss_mb"] = max(out["peak_rss_bench_mb"], out["peak_rss_page_mb"])
    out["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    bench.log("done")
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
