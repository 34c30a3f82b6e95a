"""A long CSV read, checked, compared and written in chunks (issue 19), on SQLite and
PostgreSQL: the same rows, errors, warnings, revisions and undo as the file read whole,
all or nothing across chunks, a key repeated in two chunks found, true row numbers."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import text

from db import writes
from db.undo import undo_import
from db.writes import import_file

STATIONS = "heze-2023-digital-gov.base-stations"  # 万个, adds up over counties
SHARE = "heze-2023-digital-gov.data-service-share"  # %
LAUNCH = "heze-2023-digital-gov.platform-launch"  # milestone
WHOLE = 10**9  # a chunk size no test file reaches: the file is read at once
SMALL = 7  # lines per chunk: every test file below is many chunks


def body(shift: float = 0.0, every: int = 0) -> list[str]:
    """Monthly rows 2022-01 … 2025-12 of three indicators in two counties, in period order;
    with `every`, each every-th value is raised by `shift` and written year-to-date."""
    lines, n = [], 0
    for year in range(2022, 2026):
        for month in range(1, 13):
            for region in ("371702", "371721"):
                for k, ind in enumerate((STATIONS, SHARE, LAUNCH)):
                    value = 1.0 + month / 10 + (year - 2022) * 2 + k * 10
                    period = f"{year}-{month:02d}"
                    if every and n % every == 0:
                        value += shift
                        if 1 < month < 12:  # (1-12月 is the year)
                            period = f"{year}年1-{month}月"
                    note = '"两行\n备注"' if n == 40 else f"n{n % 3}"
                    lines.append(f"{ind},{region},{period},{value:g},{note},统计局")
                    n += 1
    return lines


def sheet(lines: list[str]) -> bytes:
    return ("指标编码,地区,统计期,数值,备注,来源\n" + "\n".join(lines) + "\n").encode()


def table(db, name: str, drop: tuple[str, ...]) -> list[tuple]:
    """A table's rows without the columns that differ between two runs (ids, times)."""
    with db.read() as conn:
        result = conn.execute(text(f"SELECT * FROM {name}"))
        keep = [i for i, c in enumerate(result.keys()) if c not in drop]
        return sorted(tuple(str(r[i]) for i in keep) for r in result.all())


def observations(db) -> list[tuple]:
    return table(db, "observations", ("id", "created_at", "updated_at", "import_id"))


def revisions(db) -> list[tuple]:
    return table(db, "revisions", ("id", "changed_at", "import_id", "old_import_id", "reason"))


def everything(db) -> dict[str, list[tuple]]:
    with db.read() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()]
            for t in ("observations", "revisions", "imports", "audit_log")
        }


@pytest.fixture
def pieces(monkeypatch) -> list[int]:
    """How many chunks each chunked import read."""
    seen: list[int] = []
    real = writes._pieces

    def spy(data: bytes, rows: int) -> list[tuple[int, int]]:
        out = real(data, rows)
        seen.append(len(out))
        return out

    monkeypatch.setattr(writes, "_pieces", spy)
    return seen


def shown(report) -> tuple:  # type: ignore[no-untyped-def]
    return (
        report.rows,
        report.inserted,
        report.updated,
        report.unchanged,
        report.written,
        report.errors,
        report.warnings,
    )


def added(db, before: list[tuple]) -> Counter:
    """The revisions recorded since `before` was read."""
    return Counter(revisions(db)) - Counter(before)


def test_chunked_import_and_undo_equal_the_whole_file(db, pieces):
    first, second = sheet(body()), sheet(body(shift=0.5, every=3))
    results = {}
    for size in (SMALL, WHOLE):
        start = revisions(db)
        a = import_file(db, first, "a.csv", chunk_rows=size)
        stored_a = observations(db)
        b = import_file(db, second, "b.csv", chunk_rows=size)
        stored_b, revised = observations(db), added(db, start)
        undo_import(db, b.import_id)
        undone = added(db, start) - revised
        back = observations(db)
        undo_import(db, a.import_id)
        assert observations(db) == []
        results[size] = (shown(a)[1:], shown(b)[1:], stored_a, stored_b, revised, undone, back)
    assert len(pieces) == 2 and min(pieces) > 30  # about 288 / 7 each; a whole file: none
    a, b, stored_a, stored_b, revised, undone, back = results[SMALL]
    assert a[:4] == (288, 0, 0, True) and b[:4] == (0, 96, 192, True)
    assert len(revised) == 96 and back == stored_a != stored_b
    assert results[SMALL] == results[WHOLE]


def refused_alike(db, data: bytes) -> list[dict]:
    """Import `data` in chunks and whole: both refuse it with the same report and leave
    the database as it was; the errors, for the test to look at."""
    before = everything(db)
    chunked = import_file(db, data, "c.csv", chunk_rows=SMALL)
    assert not chunked.written and everything(db) == before
    whole = import_file(db, data, "c.csv", chunk_rows=WHOLE)
    assert not whole.written and everything(db) == before
    assert shown(chunked) == shown(whole)
    return chunked.errors


def test_a_key_repeated_in_another_chunk_is_refused_naming_both_rows(db, pieces):
    import_file(db, sheet(body()), "a.csv", chunk_rows=SMALL)
    lines = body(shift=1.0, every=5)
    lines.append(lines[3])  # row 5 again as the last row
    lines.insert(100, lines[0])  # and row 2 again as row 102 (the last is now row 291)
    errors = refused_alike(db, sheet(lines))
    assert pieces[-1] > 30
    assert [(e["row"], e["column"]) for e in errors] == [
        (2, "统计期"),
        (5, "统计期"),
        (102, "统计期"),
        (291, "统计期"),
    ]
    assert "2、102" in errors[0]["message"] and "5、291" in errors[1]["message"]


def test_an_error_in_the_last_chunk_writes_nothing_of_the_earlier_ones(db, pieces):
    lines = body()
    lines[-1] = lines[-1].replace("371721", "999999")
    errors = refused_alike(db, sheet(lines))
    assert pieces[-1] > 30
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [(289, "地区", "999999")]
    assert observations(db) == []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data: "2024年报表\n".encode() + data, id="a title line"),
        pytest.param(lambda data: data + "合计,,2025-12,9,,\n".encode(), id="a total row"),
        pytest.param(lambda data: data.replace(b"n1,", b"n1,\n", 1), id="a blank line"),
    ],
)
def test_a_file_the_chunks_cannot_read_alike_is_read_whole(db, pieces, change):
    data = change(sheet(body()))
    chunked = import_file(db, data, "d.csv", chunk_rows=SMALL)
    stored = observations(db)
    if chunked.written:
        undo_import(db, chunked.import_id)
    whole = import_file(db, data, "d.csv", chunk_rows=WHOLE)
    assert shown(chunked)[1:] == shown(whole)[1:] and observations(db) == stored


def test_errors_beyond_the_cap_are_counted_on_the_command_line(
    db, db_url, small_catalog_path, monkeypatch, capsys, tmp_path
):
    """A chunked file with more errors than are listed says how many more there are."""
    import functools

    from cli import app, commands

    monkeypatch.setattr(writes, "ERROR_CAP", 3)
    monkeypatch.setattr(commands, "import_file", functools.partial(import_file, chunk_rows=SMALL))
    monkeypatch.setenv("METRICS_DATABASE_URL", db_url)
    path = tmp_path / "bad.csv"
    path.write_bytes(sheet([line.replace("371721", "999999") for line in body()[:40]]))
    assert app.main(["import", "--config", str(small_catalog_path), str(path)]) == 1
    out = capsys.readouterr().out
    assert "错误19 /" in out  # 19 of the 40 rows name the unknown region
    assert "另有 16 个错误未列出（只列出前 3 个）" in out
    assert observations(db) == []


def test_postgres_rows_checked_by_their_triggers_equal_the_trigger_free_ones(db, monkeypatch):
    """The insert that checks each distinct foreign key once (row triggers off) and the
    one the row triggers check store the same rows, revisions and undo; on SQLite both
    are the one executemany."""
    from db import bulk

    results = []
    for may_skip in (True, False):
        monkeypatch.setattr(bulk, "_may_skip_triggers", lambda cursor, table, m=may_skip: m)
        start = revisions(db)
        a = import_file(db, sheet(body()), "a.csv", chunk_rows=SMALL)
        b = import_file(db, sheet(body(shift=0.5, every=3)), "b.csv", chunk_rows=SMALL)
        stored, revised = observations(db), added(db, start)
        undo_import(db, b.import_id)
        back = observations(db)
        undo_import(db, a.import_id)
        assert observations(db) == []
        results.append((shown(a)[1:], shown(b)[1:], stored, revised, back))
    assert results[0] == results[1]
    assert results[0][0][:4] == (288, 0, 0, True) and len(results[0][3]) == 96


def test_a_missing_referenced_key_is_refused_by_the_database(db):
    """bulk.insert of a row naming no stored indicator: the database's own foreign-key
    error, nothing written; a valid insert leaves the row triggers on afterwards."""
    import pandas as pd

    from db import audit, bulk
    from db.models import Observation

    def rows(indicator: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "indicator_id": [indicator],
                "region_code": ["371702"],
                "period_kind": ["month"],
                "period_end": pd.to_datetime(["2024-01-31"]),
                "value": [1.0],
                "note": [""],
                "source": [""],
                "year_to_date": [False],
            }
        )

    at = audit.now()
    fixed = {"created_by": "t", "created_at": at, "updated_by": "t", "updated_at": at}
    table = Observation.__table__
    with pytest.raises(Exception, match="(?i)foreign key"), db.write() as conn:
        bulk.insert(conn, table, rows("no.such-indicator"), {**fixed, "import_id": None})
    with pytest.raises(Exception, match="(?i)foreign key"), db.write() as conn:
        bulk.insert(conn, table, rows(STATIONS), {**fixed, "import_id": 999_999})
    assert observations(db) == []
    with db.write() as conn:
        bulk.insert(conn, table, rows(STATIONS), {**fixed, "import_id": None})
        if not db.is_sqlite:
            role = conn.execute(text("SELECT current_setting('session_replication_role')"))
            assert role.scalar() == "origin"
    assert len(observations(db)) == 1


def test_a_failed_deferred_write_rolls_the_whole_import_back(db, monkeypatch):
    """An error in a chunk's deferred insert (PostgreSQL: written while the next chunk is
    checked) is raised by the import, and nothing of the file is stored."""
    from db import bulk

    calls = []
    real = bulk.insert

    def failing(conn, table, frame, constants, defer=False):  # type: ignore[no-untyped-def]
        calls.append(defer)
        if len(calls) == 3:

            def boom() -> None:
                raise RuntimeError("disk full")

            if defer and not db.is_sqlite:
                conn.info["bulk_pending"] = bulk._Pending(boom)
                return None
            boom()
        return real(conn, table, frame, constants, defer=defer)

    monkeypatch.setattr(bulk, "insert", failing)
    before = everything(db)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(db, sheet(body()), "a.csv", chunk_rows=SMALL)
    assert everything(db) == before and len(calls) == 3
