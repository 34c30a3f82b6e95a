"""Year-to-date values (2024年1-9月, 前三季度, 1-9月累计) are stored with
observations.year_to_date, on insert and on update (issue 13)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Observation
from db.writes import import_file

ST = "heze-2023-digital-gov.base-stations"


def flags(db) -> dict[tuple[str, str], bool]:
    with db.read() as conn:
        rows = conn.execute(
            select(Observation.region_code, Observation.period_end, Observation.year_to_date)
        ).all()
    return {(r, str(e)): bool(y) for r, e, y in rows}


def long_csv(period: str) -> bytes:
    return f"指标编码,地区,统计期,数值\n{ST},371702,{period},0.4\n".encode()


@pytest.mark.parametrize(
    ("period", "ytd"),
    [("2024年1-9月", True), ("2024年前三季度", True), ("2024-09", False), ("2024年9月", False)],
)
def test_period_cell_marks_year_to_date(db, period, ytd):
    report = import_file(db, long_csv(period), "t.csv")
    assert report.written and report.inserted == 1
    assert flags(db) == {("371702", "2024-09-30"): ytd}
    again = import_file(db, long_csv(period), "t.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)


def test_ytd_column_of_a_report_sheet_is_stored(db):
    sheet = "2024年统计表\n指标名称,地区,1-9月累计\n5G基站数量,371702,0.9\n"
    report = import_file(db, sheet.encode(), "报表.csv")
    assert report.written and report.inserted == 1
    assert flags(db) == {("371702", "2024-09-30"): True}


def test_changing_the_flag_alone_is_an_update(db):
    import_file(db, long_csv("2024-09"), "t.csv")
    report = import_file(db, long_csv("2024年1-9月"), "t.csv")
    assert (report.inserted, report.updated) == (0, 1)
    assert flags(db) == {("371702", "2024-09-30"): True}
    report = import_file(db, long_csv("2024-09"), "t.csv")
    assert report.updated == 1
    assert flags(db) == {("371702", "2024-09-30"): False}


@pytest.mark.parametrize("period", ["2024年1-9月", "2024-09"])
def test_export_reimports_with_the_flag_unchanged(db, period):
    """Export writes a year-to-date month as 2024年1-9月, so re-importing it changes
    nothing (the flag is part of what an export carries)."""
    from db.queries import observation_table
    from metrics.exports import observations_sheet

    import_file(db, long_csv(period), "t.csv")
    sheet = observations_sheet(observation_table(db), db.catalog)
    again = import_file(db, sheet.to_csv(index=False).encode(), "export.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    assert flags(db) == {("371702", "2024-09-30"): period != "2024-09"}


@pytest.mark.parametrize("chunk_rows", [1, 10**9], ids=["chunked", "whole"])
def test_undo_gives_the_old_flag_back(db, chunk_rows):
    """Revisions keep the flag before and after (migration 9): an import of a year-to-date
    value over a monthly one, undone, leaves the monthly flag as it was."""
    from db.models import Revision
    from db.undo import undo_import

    two = "\n".join(f"{ST},{r},2024年1-9月,0.5" for r in ("371702", "371721"))
    import_file(db, f"指标编码,地区,统计期,数值\n{ST},371702,2024-09,0.4\n".encode(), "t.csv")
    report = import_file(
        db, f"指标编码,地区,统计期,数值\n{two}\n".encode(), "y.csv", chunk_rows=chunk_rows
    )
    assert (report.inserted, report.updated) == (1, 1)
    assert flags(db) == {("371702", "2024-09-30"): True, ("371721", "2024-09-30"): True}
    with db.read() as conn:
        kept = conn.execute(
            select(Revision.old_year_to_date, Revision.new_year_to_date).where(
                Revision.import_id == report.import_id
            )
        ).all()
    assert [tuple(k) for k in kept] == [(False, True)]
    undo_import(db, report.import_id)
    assert flags(db) == {("371702", "2024-09-30"): False}
    with db.read() as conn:
        undo = conn.execute(
            select(Revision.old_year_to_date, Revision.new_year_to_date).where(
                Revision.reason == f"undo import #{report.import_id}"
            )
        ).all()
    assert sorted((tuple(u) for u in undo), key=str) == [(True, False), (True, None)]
