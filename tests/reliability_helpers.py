"""Shared pieces of the reliability tests: a catalog with many distinct keys, sheets,
full dumps of the data tables, writer processes and the figures the runs report.

Everything a spawned process runs lives here (a module-level function is what the
`spawn` start method can find again in a fresh interpreter)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import time
import traceback
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, ROOT, _drop_postgres_schema, _postgres_schema_url

# --- a catalog with enough distinct keys: indicators × counties × day periods -----------------

PLAN = "rel-test"
CITY = "371700"
FIRST_DAY = date(2022, 1, 1)  # the plan's life: the year before it was issued …
DAYS = 1461  # … to the end of its last deadline year, 2025-12-31
SHARED = f"{PLAN}.shared"  # the indicator every writer process writes to

# These writers test concurrency and crash safety, not plausibility: their synthetic
# values (jumps, corrections by +7 or +1,000,000) are accepted as typed.
ACCEPT = {"accept_warnings": True}


def indicator(n: int) -> str:
    return f"{PLAN}.w{n:02d}"


def county(n: int) -> str:
    return f"3717{n + 1:02d}"


def day(n: int) -> date:
    return FIRST_DAY + timedelta(days=n)


def catalog_yaml(indicators: int = 16, counties: int = 12) -> str:
    """A plan issued 2023-01-01 in 菏泽市 with `counties` counties and `indicators` count
    indicators (unit 个) plus the shared one: indicators × counties × 1461 days keys."""
    lines = [
        "regions:",
        f'  - code: "{CITY}"',
        "    name: 菏泽市",
        "    name_en: Heze",
        "    children:",
    ]
    lines += [
        f'      - {{code: "{county(c)}", name: 测试县{c:02d}, name_en: Test county {c:02d}}}'
        for c in range(counties)
    ]
    lines += [
        "plans:",
        f"  - id: {PLAN}",
        "    title: 可靠性测试规划",
        "    issuer: 测试市人民政府",
        "    issued: 2023-01-01",
        f'    region: "{CITY}"',
        "indicators:",
    ]
    ids = [indicator(i) for i in range(indicators)] + [SHARED]
    for n, ind in enumerate(ids):
        lines += [
            f"  - id: {ind}",
            f"    plan: {PLAN}",
            f"    name: 测试指标{n:02d}",
            f"    name_en: Test indicator {n:02d}",
            "    domain: 数字基础设施",
            "    unit: 个",
            "    aggregate: sum",
            "    targets:",
            '      - {op: ">=", value: 100, by: 2025-12-31}',
            "    responsible: [市大数据局]",
            "    quote: 测试用指标",
        ]
    return "\n".join(lines) + "\n"


def write_catalog(folder: Path, indicators: int = 16, counties: int = 12) -> Path:
    path = folder / "config.yaml"
    path.write_text(catalog_yaml(indicators, counties), encoding="utf-8")
    return path


Row = tuple[str, str, date, int]  # indicator, region, day, value


def sheet(rows: Iterable[Row]) -> bytes:
    """An import file (UTF-8 CSV, Chinese headers) of (indicator, region, day, value) rows."""
    lines = ["指标编码,地区,统计期,数值"]
    lines += [f"{i},{r},{d.isoformat()},{v}" for i, r, d, v in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def key_rows(first: int, count: int, value_of, counties: int = 12) -> list[Row]:  # type: ignore[no-untyped-def]
    """`count` consecutive keys of the catalog, numbered from `first` in the order
    (indicator, county, day), each with value_of(key number)."""
    per_indicator = counties * DAYS
    out = []
    for k in range(first, first + count):
        ind, rest = divmod(k, per_indicator)
        c, d = divmod(rest, DAYS)
        out.append((indicator(ind), county(c), day(d), value_of(k)))
    return out


# --- databases -------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL schema; skipped without a server unless CI requires one."""
    if not POSTGRES_URL:
        if os.environ.get("METRICS_REQUIRE_POSTGRES"):
            pytest.fail("METRICS_TEST_POSTGRES_URL is not set")
        pytest.skip("METRICS_TEST_POSTGRES_URL is not set")
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield _postgres_schema_url(name)
    _drop_postgres_schema(name)


DATA_TABLES = ("observations", "revisions", "imports", "audit_log")
# Wall-clock columns: a re-run of the same import differs only in these.
VOLATILE = frozenset({"created_at", "updated_at", "changed_at", "at", "undone_at"})


def dump(url: str, tables: Iterable[str] = DATA_TABLES) -> dict[str, list[tuple]]:
    """Every row of the data tables, in id order, as plain tuples (with column names)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out: dict[str, list[tuple]] = {}
            for table in tables:
                result = conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))
                out[table] = [tuple(result.keys())] + [tuple(r) for r in result]
            return out
    finally:
        engine.dispose()


def sqlite_dump(path: Path, tables: Iterable[str] = DATA_TABLES) -> dict[str, list[tuple]]:
    """dump() through the sqlite3 module alone (no engine, no pragmas)."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, list[tuple]] = {}
        for table in tables:
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY id")
            out[table] = [tuple(c[0] for c in cursor.description)] + cursor.fetchall()
        return out
    finally:
        conn.close()


def without_clock(dumped: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The dump with its wall-clock columns left out."""
    out = {}
    for table, rows in dumped.items():
        keep = [i for i, name in enumerate(rows[0]) if name not in VOLATILE]
        out[table] = [tuple(row[i] for i in keep) for row in rows]
    return out


def integrity(path: Path) -> list[str]:
    """PRAGMA integrity_check and foreign_key_check: [] when the file is sound. Opened
    read-write, as the application would open it after a crash (WAL recovery)."""
    conn = sqlite3.connect(path)
    try:
        check = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        problems = [] if check == ["ok"] else check
        problems += [f"foreign key: {r}" for r in conn.execute("PRAGMA foreign_key_check")]
        return problems
    finally:
        conn.close()


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (the -wal content included)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def cli_env(catalog: Path, url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "METRICS_DEBUG"}
    env.update(METRICS_CONFIG=str(catalog), METRICS_DATABASE_URL=url, PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


# --- concurrent writers ----------------------------------------------------------------------

# One writer's workload (process p, its own indicator w{p}):
ENTRY_COUNTY = 0  # 500 single values: county 0, days 0–499
CORRECTED = range(0, 50)  # corrected by a second entry → one revision each
REENTERED = range(50, 70)  # entered again with the same value → no-op, no revision
IMPORT_UPDATED = range(100, 200)  # entered, then changed by the import → one revision each
IMPORT_UNCHANGED = range(200, 250)  # entered, then in the import with the same value
IMPORT_COUNTIES = range(1, 6)  # the import's new keys: counties 1–5 × days 0–969
CONTENDED = range(10)  # shared indicator, county 0, days 0–9: every process writes each


def entry_value(p: int, d: int) -> int:
    return p * 10_000_000 + d


def import_value(p: int, c: int, d: int) -> int:
    return p * 10_000_000 + c * 10_000 + d


def contended_value(p: int, d: int) -> int:
    return 1_000_000_000 + p * 100 + d


def writer_import_rows(p: int, entries: int, import_rows: int) -> list[Row]:
    """The writer's file: updates, unchanged rows and new keys, shuffled."""
    ind = indicator(p)
    updated = [(ind, county(ENTRY_COUNTY), day(d), entry_value(p, d) + 3) for d in IMPORT_UPDATED]
    same = [(ind, county(ENTRY_COUNTY), day(d), entry_value(p, d)) for d in IMPORT_UNCHANGED]
    if entries < IMPORT_UNCHANGED.stop:
        updated, same = [], []
    new_count = import_rows - len(updated) - len(same)
    per_county = -(-new_count // len(IMPORT_COUNTIES))
    new = [
        (ind, county(c), day(d), import_value(p, c, d))
        for c in IMPORT_COUNTIES
        for d in range(per_county)
    ][:new_count]
    rows = updated + same + new
    random.Random(p).shuffle(rows)
    return rows


def expected_state(writers: int, entries: int, import_rows: int) -> dict:
    """What the database must hold after every writer is done (values by key)."""
    values: dict[tuple[str, str, date], int] = {}
    revisions = 0
    for p in range(writers):
        ind = indicator(p)
        for d in range(entries):
            values[(ind, county(ENTRY_COUNTY), day(d))] = entry_value(p, d)
        for d in CORRECTED:
            if d < entries:
                values[(ind, county(ENTRY_COUNTY), day(d))] = entry_value(p, d) + 7
                revisions += 1
        for i, r, d, v in writer_import_rows(p, entries, import_rows):
            if (i, r, d) in values and values[(i, r, d)] != v:
                revisions += 1
            values[(i, r, d)] = v
    shared_keys = [(SHARED, county(ENTRY_COUNTY), day(d)) for d in CONTENDED]
    revisions += len(shared_keys) * (writers - 1)
    return {"values": values, "revisions": revisions, "shared": shared_keys}


def concurrent_writer(
    url: str,
    catalog_path: str,
    p: int,
    entries: int,
    import_rows: int,
    busy_timeout_ms: int | None,
    start,  # multiprocessing.Event  # type: ignore[no-untyped-def]
    results,  # multiprocessing.Queue  # type: ignore[no-untyped-def]
) -> None:
    """One analyst: open the database (all at once, maybe creating it), enter single
    values, correct some, re-enter some unchanged, write the contended keys, import a
    file. Everything each call reported goes back to the parent, and so does any
    exception, with its traceback: the parent fails on either."""
    out: dict = {"p": p, "error": None, "reports": [], "retries": 0, "seconds": 0.0}
    try:
        import db.engine as engine_module

        if busy_timeout_ms is not None:
            engine_module.BUSY_TIMEOUT_MS = busy_timeout_ms
        from db.connect import open_database
        from db.engine import LOCK_STATS
        from db.permissions import LOCAL_OPERATOR
        from db.writes import enter_value, import_file
        from metrics.catalog import load_catalog

        catalog = load_catalog(catalog_path)
        start.wait(120)
        began = time.monotonic()
        db = open_database(catalog, url)
        ind, region = indicator(p), county(ENTRY_COUNTY)

        def enter(kind: str, ind_id: str, d: int, value: int) -> None:
            r = enter_value(
                db, LOCAL_OPERATOR, ind_id, region, day(d).isoformat(), str(value), **ACCEPT
            )
            out["reports"].append(
                (kind, d, r.written, r.inserted, r.updated, r.unchanged, len(r.errors))
            )

        contended = iter(CONTENDED)
        for d in range(entries):
            enter("entry", ind, d, entry_value(p, d))
            if d % 50 == 25 and (c := next(contended, None)) is not None:
                enter("contended", SHARED, c, contended_value(p, c))
        for c in contended:
            enter("contended", SHARED, c, contended_value(p, c))
        for d in CORRECTED:
            if d < entries:
                enter("correction", ind, d, entry_value(p, d) + 7)
        for d in REENTERED:
            if d < entries:
                enter("reentry", ind, d, entry_value(p, d))
        data = sheet(writer_import_rows(p, entries, import_rows))
        report = import_file(db, data, f"writer-{p}.csv", **ACCEPT)
        out["reports"].append(
            (
                "import",
                report.import_id,
                report.written,
                report.inserted,
                report.updated,
                report.unchanged,
                len(report.errors),
            )
        )
        out["retries"] = LOCK_STATS.retries
        out["seconds"] = time.monotonic() - began
        db.engine.dispose()
    except BaseException:  # noqa: BLE001 - everything goes back to the parent
        out["error"] = traceback.format_exc()
    results.put(out)


def run_writers(
    url: str,
    catalog_path: Path,
    writers: int,
    entries: int,
    import_rows: int,
    busy_timeout_ms: int | None = None,
    timeout: float = 900,
) -> list[dict]:
    """Start `writers` spawned processes at the same moment; their results, by process."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=concurrent_writer,
            args=(url, str(catalog_path), p, entries, import_rows, busy_timeout_ms, start, results),
        )
        for p in range(writers)
    ]
    for proc in procs:
        proc.start()
    start.set()
    collected: list[dict] = []
    deadline = time.monotonic() + timeout
    try:
        while len(collected) < writers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"writers still running after {timeout:.0f} s (hang?)")
            try:
                collected.append(results.get(timeout=min(remaining, 5)))
            except Exception:  # queue.Empty: check whether a process died silently
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead:
                    pytest.fail(f"writer processes died: {[(p.name, p.exitcode) for p in dead]}")
    finally:
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
    return sorted(collected, key=lambda r: r["p"])


def slow_variant(test):  # type: ignore[no-untyped-def]
    """@pytest.mark.slow, and skipped unless METRICS_SLOW=1: CI's plain `python -m pytest`
    must not run the heavier variants."""
    skip = pytest.mark.skipif(
        not os.environ.get("METRICS_SLOW"), reason="heavier variant: set METRICS_SLOW=1 to run"
    )
    return pytest.mark.slow(skip(test))


# --- figures the runs report -----------------------------------------------------------------


@pytest.fixture(scope="session")
def figures(pytestconfig) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    """Measured figures, printed at the end of the session (and written to the JSON file
    named by METRICS_RELIABILITY_REPORT, if set)."""
    found: dict = {}
    yield found
    if not found:
        return
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter.write_line("")
            for name, value in found.items():
                reporter.write_line(f"reliability: {name}: {value}")
    target = os.environ.get("METRICS_RELIABILITY_REPORT")
    if target:
        path = Path(target)
        old = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**old, **found}, ensure_ascii=False, indent=2, default=str))


# --- killing a command mid-write ---------------------------------------------------------------

# Loaded by a `python -m metrics …` child through PYTHONPATH (sitecustomize runs at start):
# it appends, with a monotonic time stamp, "write" at the first statement that changes
# data, "commit" just before that transaction's COMMIT and "committed" once the
# connection is handed back after it. Unbuffered os.write: a SIGKILL loses no line.
PHASE_HOOK = """
import os, time
_log = os.environ.get("METRICS_TEST_PHASE_LOG")
if _log:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    _fd = os.open(_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    _state = {"wrote": False, "commit": False}

    def _mark(what):
        os.write(_fd, ("%.6f %s\\n" % (time.monotonic(), what)).encode())

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        if not _state["wrote"] and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            _state["wrote"] = True
            _mark("write")

    @event.listens_for(Engine, "commit")
    def _commit(conn):
        if _state["wrote"] and not _state["commit"]:
            _state["commit"] = True
            _mark("commit")

    @event.listens_for(Pool, "checkin")
    def _checkin(dbapi_connection, record):
        if _state["commit"]:
            _state["commit"] = None
            _mark("committed")
"""


def phase_hook(folder: Path) -> Path:
    """A folder holding the sitecustomize.py above, to put first on PYTHONPATH."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(PHASE_HOOK, encoding="utf-8")
    return folder


def read_phases(path: Path) -> dict[str, float]:
    """The phase marks a child wrote: name → monotonic time."""
    if not path.exists():
        return {}
    marks = {}
    for line in path.read_text().splitlines():
        stamp, _, name = line.partition(" ")
        marks.setdefault(name, float(stamp))
    return marks


# --- writers that keep writing while a backup is taken ------------------------------------------


def load_writer(url: str, catalog_path: str, p: int, batch: int, stop, results) -> None:  # type: ignore[no-untyped-def]
    """Until `stop` is set: import `batch` new keys, enter 3 new single values and correct
    an earlier one (a revision), over and over. Reports counts or the exception."""
    out: dict = {"p": p, "error": None, "imports": 0, "entries": 0, "corrections": 0}
    try:
        from db.connect import open_database
        from db.permissions import LOCAL_OPERATOR
        from db.writes import enter_value, import_file
        from metrics.catalog import load_catalog

        catalog = load_catalog(catalog_path)
        db = open_database(catalog, url)
        counties = len(catalog.regions) - 1
        ind, next_key, next_day = indicator(p), 0, 0
        while not stop.is_set() and next_key + batch <= (counties - 1) * DAYS:
            rows = [
                (ind, county(1 + n // DAYS), day(n % DAYS), n)
                for n in range(next_key, next_key + batch)
            ]
            report = import_file(db, sheet(rows), f"load-{p}-{out['imports']}.csv", **ACCEPT)
            assert report.written and report.inserted == batch, report.errors[:3]
            next_key += batch
            out["imports"] += 1
            for _ in range(3):
                value = str(next_day)
                r = enter_value(
                    db, LOCAL_OPERATOR, ind, county(0), day(next_day).isoformat(), value, **ACCEPT
                )
                assert r.written and r.inserted == 1, r.errors
                next_day += 1
                out["entries"] += 1
            r = enter_value(
                db,
                LOCAL_OPERATOR,
                ind,
                county(0),
                day(next_day - 3).isoformat(),
                str(next_day + 1_000_000),
                **ACCEPT,
            )
            assert r.written and r.updated == 1, r.errors
            out["corrections"] += 1
        db.engine.dispose()
    except BaseException:  # noqa: BLE001 - everything goes back to the parent
        out["error"] = traceback.format_exc()
    results.put(out)


def snapshot_consistency(url: str) -> dict:
    """Check that a copy is one transaction-consistent instant of load_writer's work:
    every import's rows are all there or none, the counts of imports, single values and
    revisions add up, the audit log matches the data. Returns the counts."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            observations = conn.execute(text("SELECT COUNT(*) FROM observations")).scalar()
            revisions = conn.execute(text("SELECT COUNT(*) FROM revisions")).scalar()
            imports = conn.execute(text("SELECT id, inserted, updated FROM imports")).all()
            owned = dict(
                conn.execute(
                    text(
                        "SELECT import_id, COUNT(*) FROM observations "
                        "WHERE import_id IS NOT NULL GROUP BY import_id"
                    )
                ).all()
            )
            audit = conn.execute(text("SELECT action, detail FROM audit_log")).all()
    finally:
        engine.dispose()
    details = [(a, json.loads(d) if isinstance(d, str) else d) for a, d in audit]
    new_entries = sum(1 for a, d in details if a == "entry" and d.get("old") is None)
    corrections = sum(1 for a, d in details if a == "entry" and d.get("old") is not None)
    audited_imports = sorted(d["import_id"] for a, d in details if a == "import")
    assert sorted(i for i, _ins, _upd in imports) == audited_imports
    assert all(owned.get(i, 0) == ins + upd for i, ins, upd in imports), "an import is half there"
    assert observations == sum(ins for _i, ins, _upd in imports) + new_entries
    assert revisions == sum(upd for _i, _ins, upd in imports) + corrections
    return {
        "observations": observations,
        "revisions": revisions,
        "imports": len(imports),
        "entries": new_entries + corrections,
    }
