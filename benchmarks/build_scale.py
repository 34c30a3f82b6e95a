#!/usr/bin/env python
"""Fill a project database with N synthetic observations by the floor method, not the import:

    python benchmarks/build_scale.py N WORKDIR [--postgres-url URL]

Writes WORKDIR/catalog.yaml and WORKDIR/observations_N.csv (benchmarks/synthetic.py, the
same files run.py generates), creates the project's schema (as `python -m metrics init`
does: migrations and catalog sync) in WORKDIR/metrics.db, or in the PostgreSQL database
of URL (a URL with `?options=-csearch_path%3DSCHEMA` selects a schema, created if
missing), and writes every row straight into `observations`: one `executemany` in key
order on SQLite, one `COPY` on PostgreSQL, in one transaction. No revision, import or
audit row is written. It is how the read side is measured at sizes the project's import
cannot yet take on the machine at hand (benchmarks/at_scale.py reads the result).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks import run as bench  # noqa: E402
from benchmarks.synthetic import Synthetic, generate  # noqa: E402

NOW = "2025-07-01 00:00:00.000000"
COLUMNS = (
    "indicator_id, region_code, period_kind, period_end, value, note, source,"
    " created_by, created_at, updated_by, updated_at, import_id, year_to_date"
)


def _period_columns(labels: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(kind, ISO end date) per row from the file's labels (2024Q4 or 2024-12), per label."""
    cats = pd.Index(labels.cat.categories)
    quarter = cats.str.contains("Q")
    year = cats.str.slice(0, 4).astype(int)
    last = pd.Series(cats).str.slice(5).astype(int)
    month = pd.Series(last.where(~quarter, last * 3).to_numpy())
    ends = pd.to_datetime(
        {"year": year, "month": month.to_numpy(), "day": 1}
    ) + pd.offsets.MonthEnd(0)
    codes = labels.cat.codes.to_numpy()
    kinds = np.where(quarter, "quarter", "month").astype(object)[codes]
    end_text = ends.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)[codes]
    return pd.Series(kinds, index=labels.index), pd.Series(end_text, index=labels.index)


def _frame(syn: Synthetic) -> pd.DataFrame:
    raw = pd.read_csv(
        syn.csv_path,
        dtype={
            "指标编码": "category",
            "地区": "category",
            "统计期": "category",
            "来源": "category",
        },
        keep_default_na=False,
        na_values={"数值": [""]},
    )
    kind, end = _period_columns(raw["统计期"])
    frame = pd.DataFrame(
        {
            "indicator_id": raw["指标编码"],
            "region_code": raw["地区"],
            "period_kind": kind,
            "period_end": end,
            "value": raw["数值"].astype(float),
            "source": raw["来源"],
        }
    )
    return frame.sort_values(["indicator_id", "region_code", "period_end"], kind="stable")


def fill_sqlite(path: Path, frame: pd.DataFrame) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")  # the codes come from the same catalog
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("BEGIN")
    rows = (
        (i, r, k, e, v, "", s, "bench", NOW, "bench", NOW, None, 0)
        for i, r, k, e, v, s in frame.itertuples(index=False, name=None)
    )
    conn.executemany(f"INSERT INTO observations ({COLUMNS}) VALUES ({', '.join('?' * 13)})", rows)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def fill_postgres(url: str, frame: pd.DataFrame) -> float:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY observations ({COLUMNS}) FROM STDIN") as copy:
            for i, r, k, e, v, s in frame.itertuples(index=False, name=None):
                copy.write_row((i, r, k, e, v, "", s, "bench", NOW, "bench", NOW, None, False))
        raw.commit()
        cur.execute("ANALYZE observations")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - start


def _ensure_schema(url: str) -> None:
    """Create the schema named in the URL's search_path option, if any."""
    from urllib.parse import unquote

    from sqlalchemy import create_engine, text

    if "search_path" not in unquote(url):
        return
    schema = unquote(url).split("search_path=")[1].split("&")[0].split(",")[0]
    base = url.split("?")[0]
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("observations", type=int)
    parser.add_argument("workdir")
    parser.add_argument("--postgres-url")
    parser.add_argument("--seed", type=int, default=20240930)
    args = parser.parse_args(argv)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    csv = work / f"observations_{args.observations}.csv"
    if csv.exists() and (work / "catalog.yaml").exists():
        syn = Synthetic(work / "catalog.yaml", csv, args.observations, 0, 0, 0, 0)
        bench.log(f"reusing {csv}")
    else:
        bench.log(f"generating {args.observations:,} observations in {work}")
        syn = generate(args.observations, work, seed=args.seed)
    frame = _frame(syn)
    if len(frame) != args.observations:
        raise RuntimeError(f"read {len(frame)} rows, expected {args.observations}")
    bench.log("frame ready; schema")
    if args.postgres_url:
        _ensure_schema(args.postgres_url)
        db = bench.open_db(syn, args.postgres_url)
        db.engine.dispose()
        bench.log("COPY into observations")
        seconds = fill_postgres(args.postgres_url, frame)
    else:
        path = bench._fresh(work / "metrics.db")
        db = bench.open_db(syn, bench._sqlite_url(path))
        db.engine.dispose()
        bench.log("executemany into observations")
        seconds = fill_sqlite(path, frame)
    bench.log(f"filled {len(frame):,} rows in {seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
