"""Import and entry, on SQLite and PostgreSQL: encodings, spellings, row errors,
all-or-nothing, re-import, undo, history and the export round trip."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select, text

from db.models import Import, Observation, Revision
from db.permissions import LOCAL_OPERATOR
from db.queries import observation_table
from db.undo import undo_import
from db.writes import enter_value, import_file
from metrics.errors import Conflict
from metrics.exports import observations_sheet, to_csv_bytes, to_xlsx_bytes
from metrics.importer import ImportFileError
from tests.conftest import run_cli

SHARE = "heze-2023-digital-gov.data-service-share"  # %, 2023–2025
STATIONS = "heze-2023-digital-gov.base-stations"  # 万个, adds up over counties
LAUNCH = "heze-2023-digital-gov.platform-launch"  # milestone, % complete

QUARTERLY_SHEET = (
    "指标编码,地区,统计期,数值,备注,来源\n"
    f"{STATIONS},菏泽市,2024年第三季度,6.5万,全市合计,市工信局\n"
    f'{STATIONS},牡丹区,2024Q3,"12,345个",,\n'
    f"{SHARE},,2024年三季度,35%,,\n"
    f"{LAUNCH},371700,2024-09-30,８０．５％,,\n"
)


def stored(db) -> pd.DataFrame:
    """Every observation, in a stable order, for before/after comparisons."""
    return observation_table(db)[
        ["indicator_id", "region_code", "period_kind", "period_end", "value", "note", "source"]
    ].reset_index(drop=True)


def snapshot(db) -> dict[str, list]:
    """The whole content of the tables an import may touch."""
    with db.read() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()]
            for t in ("observations", "revisions", "imports", "audit_log")
        }


def value_of(db, indicator: str, region: str, end: date) -> float | None:
    with db.read() as conn:
        return conn.scalar(
            select(Observation.value).where(
                Observation.indicator_id == indicator,
                Observation.region_code == region,
                Observation.period_end == end,
            )
        )


# --- encodings and formats ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "name"),
    [
        (lambda s: s.encode("gbk"), "二季度统计.csv"),
        (lambda s: s.encode("gb18030"), "q3.csv"),
        (lambda s: s.encode("utf-8-sig"), "bom.csv"),
        (lambda s: s.encode("utf-8"), "plain.csv"),
        (lambda s: s.replace(",", "\t").replace('"12\t345个"', "12345个").encode("gbk"), "tab.txt"),
    ],
)
def test_a_chinese_excel_sheet_imports_as_is(db, encode, name):
    report = import_file(db, encode(QUARTERLY_SHEET), name)
    assert report.errors == [] and report.written and report.inserted == 4
    q3 = date(2024, 9, 30)
    assert value_of(db, STATIONS, "371700", q3) == 6.5  # 6.5万 in 万个
    assert value_of(db, STATIONS, "371702", q3) == pytest.approx(1.2345)  # 12,345 个 → 万个
    assert value_of(db, SHARE, "371700", q3) == 35  # blank region: the plan's city
    assert value_of(db, LAUNCH, "371700", q3) == 80.5  # full-width digits and %


def test_excel_file(db):
    frame = pd.read_csv(io.StringIO(QUARTERLY_SHEET), dtype=str, keep_default_na=False)
    frame = frame.astype(object)
    frame.loc[1, "数值"] = 12345  # a real number cell, as Excel stores it
    frame.loc[0, "统计期"] = pd.Timestamp("2024-09-30")  # a date cell
    frame.loc[2, "地区"] = 371700  # a code typed as a number
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    report = import_file(db, buffer.getvalue(), "统计表.xlsx")
    # 12345 in a 万个 indicator is ten thousand times its target: a warning to confirm
    assert not report.written and "1.2345万个" in report.warnings[0]["message"]
    report = import_file(db, buffer.getvalue(), "统计表.xlsx", accept_warnings=True)
    assert report.errors == [] and report.inserted == 4
    # a bare number is already in the indicator's unit (万个)
    assert value_of(db, STATIONS, "371702", date(2024, 9, 30)) == 12345


def test_english_headers_names_and_region_names(db):
    sheet = (
        " indicator , region ,period,value,note\n"
        "5G基站数量,Mudan,2024 Q4,1.1,\n"
        "一体化大数据平台统一提供数据服务的比例,菏泽市,2024,40,\n"
    )
    report = import_file(db, sheet.encode(), "en.csv")
    assert report.errors == [] and report.inserted == 2
    assert value_of(db, STATIONS, "371702", date(2024, 12, 31)) == 1.1


@pytest.mark.parametrize(
    ("period", "kind", "end"),
    [
        ("2024Q3", "quarter", date(2024, 9, 30)),
        ("2024-Q3", "quarter", date(2024, 9, 30)),
        ("2024 Q3", "quarter", date(2024, 9, 30)),
        ("2024年第三季度", "quarter", date(2024, 9, 30)),
        ("2024年第3季度", "quarter", date(2024, 9, 30)),
        ("2024年三季度", "quarter", date(2024, 9, 30)),
        ("2024-09-30", "day", date(2024, 9, 30)),
        ("2024年", "year", date(2024, 12, 31)),
        ("2024", "year", date(2024, 12, 31)),
    ],
)
def test_every_period_spelling(db, period, kind, end):
    report = import_file(db, f"指标编码,统计期,数值\n{SHARE},{period},50\n".encode(), "p.csv")
    assert report.errors == [] and report.inserted == 1
    row = stored(db).iloc[0]
    assert (row.period_kind, row.period_end.date()) == (kind, end)


@pytest.mark.parametrize(
    ("indicator", "raw", "expected"),
    [
        (STATIONS, "1,234", 1234),
        (STATIONS, "6.5万", 6.5),
        (STATIONS, "6.5万个", 6.5),
        (STATIONS, "65000个", 6.5),
        (STATIONS, "１，２３４", 1234),
        (SHARE, "35%", 35),
        (SHARE, "３５．２％", 35.2),
        (SHARE, "35", 35),
    ],
)
def test_every_value_spelling(db, indicator, raw, expected):
    sheet = pd.DataFrame({"指标编码": [indicator], "统计期": ["2024Q4"], "数值": [raw]})
    # 1,234 万个 is a thousand times the target: a plausibility warning, confirmed here
    report = import_file(db, sheet.to_csv(index=False).encode("gbk"), "v.csv", accept_warnings=True)
    assert report.errors == [], report.errors
    assert stored(db).value.iloc[0] == pytest.approx(expected)


# --- row errors: named, and nothing written ------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (f"{SHARE},,2024Q4,120%", "数值", "between 0 and 100"),
        (f"{SHARE},,2024Q4,-5", "数值", "between 0 and 100"),
        (f"{STATIONS},,2024Q4,-3", "数值", "cannot be negative"),
        (f"{LAUNCH},,2024Q4,150", "数值", "between 0 and 100"),
        (f"{STATIONS},,2024Q4,35%", "数值", "% sign"),
        (f"{SHARE},,2030Q4,50", "统计期", "outside the plan's life"),
        (f"{SHARE},,2015,50", "统计期", "outside the plan's life"),
        (f"{SHARE},,2024Q5,50", "统计期", "Unrecognised period"),
        ("heze-2023-digital-gov.nope,,2024Q4,1", "指标编码", "Unknown indicator"),
        (f"{SHARE},火星,2024Q4,50", "地区", "Unknown region"),
        (f"{SHARE},370100,2024Q4,50", "地区", "outside the area"),
        (f"{SHARE},,2024Q4,abc", "数值", "Unrecognised value"),
        (f"{SHARE},,,50", "统计期", "period is empty"),
    ],
)
def test_each_row_error_is_named_and_nothing_is_written(db, row, column, words):
    good = f"{STATIONS},,2024Q3,1.0"
    sheet = f"指标编码,地区,统计期,数值\n{good}\n{row}\n"
    before = snapshot(db)
    report = import_file(db, sheet.encode("gbk"), "bad.csv")
    assert not report.written
    [error] = report.errors
    assert error["row"] == 3 and error["column"] == column and words in error["message"]
    assert (
        error["value"] == row.split(",")[{"指标编码": 0, "地区": 1, "统计期": 2, "数值": 3}[column]]
    )
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])  # Chinese too
    assert snapshot(db) == before


def test_duplicate_rows_in_one_file_name_each_other(db):
    sheet = f"指标编码,统计期,数值\n{SHARE},2024Q4,50\n{SHARE},2024年第四季度,51\n"
    report = import_file(db, sheet.encode(), "dup.csv")
    assert [e["row"] for e in report.errors] == [2, 3]
    assert all("2、3" in e["message"] for e in report.errors)


def test_one_bad_row_among_thousands_writes_nothing(db):
    rows = [
        f"{STATIONS},371702,{y}-{m:02d}-{d:02d},{i}"
        for i, (y, m, d) in enumerate(
            (y, m, d) for y in (2023, 2024, 2025) for m in range(1, 13) for d in range(1, 29)
        )
    ]
    rows[700] = rows[700].rsplit(",", 1)[0] + ",一千"
    sheet = "指标编码,地区,统计期,数值\n" + "\n".join(rows) + "\n"
    before = snapshot(db)
    report = import_file(db, sheet.encode(), "big.csv")
    assert len(rows) > 1000 and not report.written
    assert [(e["row"], e["value"]) for e in report.errors] == [(702, "一千")]
    assert snapshot(db) == before
    skipped = import_file(db, sheet.encode(), "big.csv", skip_invalid=True)
    assert skipped.written and skipped.inserted == len(rows) - 1


def test_dry_run_reports_and_writes_nothing(db):
    import_file(db, QUARTERLY_SHEET.encode(), "q.csv")
    changed = QUARTERLY_SHEET.replace("35%", "36%") + f"{SHARE},,2024Q4,40%,,\n"
    before = snapshot(db)
    report = import_file(db, changed.encode(), "q.csv", dry_run=True)
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 3)
    assert not report.written and snapshot(db) == before


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "e.csv", "empty"),
        ("指标编码,统计期,数值\n".encode(), "h.csv", "no data rows"),
        ("指标编码,数值\nx,1\n".encode(), "m.csv", "has no period"),
        ("地区,统计期,数值\n1,2,3\n".encode(), "m.csv", "has no indicator column"),
        (b"PK\x03\x04 not really", "x.xlsx", "Cannot read the Excel file"),
        (b"plain text", "x.xlsx", "Cannot read the Excel file"),
        (b"a,b\n1,2\n", "x.pdf", "Unsupported file type"),
        (b"\xff\xfe\x00\x00garbage\x00", "x.csv", "encoding"),
    ],
)
def test_unreadable_files_are_refused_whole(db, data, name, words):
    with pytest.raises(ImportFileError) as info:
        import_file(db, data, name)
    assert words in str(info.value)


# --- history: re-import, corrections, undo --------------------------------------------------


def test_reimport_changes_nothing(db):
    first = import_file(db, QUARTERLY_SHEET.encode(), "q.csv")
    before = snapshot(db)
    again = import_file(db, QUARTERLY_SHEET.encode("gbk"), "q-again.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert not again.written and first.written
    assert snapshot(db) == before


def test_changed_value_keeps_the_old_one_as_a_revision(db):
    import_file(db, QUARTERLY_SHEET.encode(), "q.csv")
    report = import_file(db, QUARTERLY_SHEET.replace("35%", "37%").encode(), "fix.csv")
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 3)
    with db.read() as conn:
        revs = conn.execute(
            select(Revision.old_value, Revision.new_value, Revision.changed_by, Revision.import_id)
        ).all()
    assert [(r.old_value, r.new_value, r.import_id) for r in revs] == [(35, 37, report.import_id)]


def test_undo_restores_the_values_before_the_import(db):
    first = import_file(db, QUARTERLY_SHEET.encode(), "q.csv")
    second_sheet = QUARTERLY_SHEET.replace("35%", "37%") + f"{SHARE},,2024Q4,40%,,\n"
    second = import_file(db, second_sheet.encode(), "q2.csv")
    after_first = None
    undo = undo_import(db, second.import_id)
    assert (undo.restored, undo.deleted, undo.kept) == (1, 1, 0)
    after_first = stored(db)
    assert value_of(db, SHARE, "371700", date(2024, 9, 30)) == 35
    assert value_of(db, SHARE, "371700", date(2024, 12, 31)) is None
    with db.read() as conn:
        status = conn.scalar(select(Import.status).where(Import.id == second.import_id))
        reasons = conn.scalars(select(Revision.reason)).all()
    assert status == "undone" and sum("undo" in r for r in reasons) == 2
    with pytest.raises(Conflict, match="already undone"):
        undo_import(db, second.import_id)
    undo_import(db, first.import_id)
    assert stored(db).empty and not after_first.empty


def test_undo_keeps_values_changed_after_the_import(db):
    imp = import_file(db, QUARTERLY_SHEET.encode(), "q.csv")
    enter_value(db, LOCAL_OPERATOR, SHARE, "371700", "2024Q3", "38%", reason="correction")
    undo = undo_import(db, imp.import_id)
    assert (undo.deleted, undo.kept) == (3, 1)
    assert value_of(db, SHARE, "371700", date(2024, 9, 30)) == 38


def test_entry_uses_the_import_rules_and_keeps_history(db):
    bad = enter_value(db, LOCAL_OPERATOR, SHARE, "371700", "2024Q4", "120%")
    assert not bad.written and "between 0 and 100" in bad.errors[0]["message"]
    first = enter_value(db, LOCAL_OPERATOR, SHARE, "371700", "2024年第四季度", "52%")
    same = enter_value(db, LOCAL_OPERATOR, SHARE, "371700", "2024Q4", "52")
    fix = enter_value(db, LOCAL_OPERATOR, SHARE, "371700", "2024Q4", "55", note="复核")
    assert (first.inserted, same.unchanged, fix.updated) == (1, 1, 1)
    with db.read() as conn:
        revs = conn.execute(select(Revision.old_value, Revision.new_value)).all()
    assert [tuple(r) for r in revs] == [(52, 55)]


# --- export round trip --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips_through_import_unchanged(db, fmt):
    import_file(db, QUARTERLY_SHEET.encode(), "q.csv")
    enter_value(db, LOCAL_OPERATOR, SHARE, "371700", "2023", "33.3", note="=1+1 年报")
    sheet = observations_sheet(observation_table(db), db.catalog)
    data = to_xlsx_bytes(sheet) if fmt == "xlsx" else to_csv_bytes(sheet)
    before = snapshot(db)
    report = import_file(db, data, f"export.{fmt}")
    assert report.errors == [] and (report.inserted, report.updated) == (0, 0)
    assert report.unchanged == 5 and snapshot(db) == before


# --- the command line -------------------------------------------------------------------


def test_cli_import_json_contract_and_exit_codes(tmp_path, small_catalog_path):
    good = tmp_path / "q.csv"
    good.write_bytes(QUARTERLY_SHEET.encode("gbk"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes((QUARTERLY_SHEET + f"{SHARE},,2024Q4,200%,,\n").encode("gbk"))

    assert run_cli(tmp_path, small_catalog_path, "init").returncode == 0
    dry = run_cli(tmp_path, small_catalog_path, "import", str(good), "--dry-run", "--json")
    assert dry.returncode == 0 and json.loads(dry.stdout)["inserted"] == 4
    refused = run_cli(tmp_path, small_catalog_path, "import", str(bad), "--json")
    out = json.loads(refused.stdout)
    assert refused.returncode == 1 and out["written"] is False
    assert set(out) == {
        "file",
        "rows",
        "inserted",
        "updated",
        "unchanged",
        "errors",
        "written",
        "warnings",
        "no_data",
    }
    assert out["errors"][0]["row"] == 6 and set(out["errors"][0]) == {
        "row",
        "column",
        "value",
        "message",
    }
    ok = run_cli(tmp_path, small_catalog_path, "import", str(good), "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["written"] is True
    again = run_cli(tmp_path, small_catalog_path, "import", str(good))
    assert again.returncode == 0 and "unchanged 4" in again.stdout

    exported = tmp_path / "all.xlsx"
    assert run_cli(tmp_path, small_catalog_path, "export", "--out", str(exported)).returncode == 0
    round_trip = run_cli(tmp_path, small_catalog_path, "import", str(exported), "--json")
    assert json.loads(round_trip.stdout)["unchanged"] == 4

    undo = run_cli(tmp_path, small_catalog_path, "undo", "1")
    assert undo.returncode == 0 and "deleted 4" in undo.stdout
    assert run_cli(tmp_path, small_catalog_path, "undo", "1").returncode == 1
    missing = run_cli(tmp_path, small_catalog_path, "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert run_cli(tmp_path, small_catalog_path, "import").returncode == 2

    backup = tmp_path / "backup.db"
    assert run_cli(tmp_path, small_catalog_path, "backup", str(backup)).returncode == 0
    import sqlite3

    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = run_cli(tmp_path, small_catalog_path, "backup", str(backup))
    assert again.returncode == 1 and "already exists" in again.stderr  # never overwritten

    no_out = run_cli(tmp_path, small_catalog_path, "export", "--format", "xlsx")
    assert no_out.returncode == 1 and "--out" in no_out.stderr and "需要" in no_out.stderr
    template = run_cli(tmp_path, small_catalog_path, "template")
    assert template.returncode == 0 and "指标编码" in template.stdout


def test_excel_percent_cells_are_read_as_shown(db):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["指标编码", "统计期", "数值"])
    sheet.append([SHARE, "2024Q4", 0.352])
    sheet.cell(row=2, column=3).number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_file(db, buffer.getvalue(), "pct.xlsx")
    assert report.errors == []
    assert value_of(db, SHARE, "371700", date(2024, 12, 31)) == pytest.approx(35.2)


# --- issue 13: report sheets that used to be stored wrong with exit 0 ------------------------


def _xlsx(*sheets) -> bytes:
    from tests.test_intake import xlsx

    return xlsx(*sheets)


def test_every_sheet_of_a_workbook_is_stored_not_only_the_first(db):
    sheets = [(f"2024Q{q}", [["指标名称", "数值"], ["5G基站数量", q / 10]]) for q in (1, 2, 3)]
    report = import_file(db, _xlsx(*sheets), "季报.xlsx")
    assert report.written and report.inserted == 3
    for q, end in ((1, date(2024, 3, 31)), (2, date(2024, 6, 30)), (3, date(2024, 9, 30))):
        assert value_of(db, STATIONS, "371700", end) == pytest.approx(q / 10)


def test_a_unit_column_is_converted_into_the_indicators_unit(db):
    rows = [["指标名称", "统计期", "数值", "单位"], ["5G基站数量", "2024Q3", 51200, "个"]]
    report = import_file(db, _xlsx(("s", rows)), "单位.xlsx")
    assert report.written and report.warnings == []
    assert value_of(db, STATIONS, "371700", date(2024, 9, 30)) == pytest.approx(5.12)


def test_a_county_sheet_without_region_column_goes_to_the_county(db):
    rows = [
        ["5G基站建设情况（2024年第三季度）"],
        ["填报单位：曹县工信局"],
        ["指标名称", "数值"],
        ["5G基站数量", 0.25],
    ]
    report = import_file(db, _xlsx(("曹县", rows)), "曹县.xlsx")
    assert report.written
    assert value_of(db, STATIONS, "371721", date(2024, 9, 30)) == pytest.approx(0.25)
    assert value_of(db, STATIONS, "371700", date(2024, 9, 30)) is None
    assert report.intake.layouts[0].region == "371721"  # shown in the preview


def test_an_edited_visible_region_against_the_hidden_code_is_refused(db):
    sheet = (
        "指标编码,指标名称,地区编码,地区,统计期,数值,单位\n"
        f"{STATIONS},5G基站数量,371700,曹县,2024Q3,0.3,万个\n"
    )
    before = snapshot(db)
    report = import_file(db, sheet.encode(), "模板.csv")
    assert not report.written and snapshot(db) == before
    [error] = report.errors
    assert error["row"] == 2 and "曹县" in error["message"] and "371700" in error["message"]


def test_a_rate_written_as_a_fraction_needs_confirming(db):
    sheet = f"指标编码,统计期,数值\n{SHARE},2024Q2,0.553\n{SHARE},2024Q3,0.6\n"
    before = snapshot(db)
    report = import_file(db, sheet.encode(), "比例.csv")
    assert not report.written and snapshot(db) == before
    assert [w["row"] for w in report.warnings] == [2, 3]
    assert "55.3" in report.warnings[0]["message"]
    accepted = import_file(db, sheet.encode(), "比例.csv", accept_warnings=True)
    assert accepted.written and accepted.inserted == 2


def test_a_month_typed_in_excel_is_stored_as_the_month(db):
    import datetime as dt

    rows = [["指标编码", "统计期", "数值"], [SHARE, dt.datetime(2024, 9, 1), 50]]
    report = import_file(db, _xlsx(("s", rows, (), False, {"B2": 'yyyy"年"m"月"'})), "月.xlsx")
    assert report.written
    stored_rows = stored(db)
    assert list(stored_rows.period_kind) == ["month"]
    assert pd.Timestamp(stored_rows.period_end.iloc[0]).date() == date(2024, 9, 30)


def test_a_refused_file_prints_json_under_json(tmp_path, small_catalog_path):
    bad = tmp_path / "报表.xlsx"
    bad.write_bytes(_xlsx(("s", [["指标名称", "数值"], ["5G基站数量", 1]])))
    assert run_cli(tmp_path, small_catalog_path, "init").returncode == 0
    out = run_cli(tmp_path, small_catalog_path, "import", str(bad), "--json")
    assert out.returncode == 1
    body = json.loads(out.stdout)
    assert body["written"] is False and "统计期" in body["refused"]
    assert "layout" not in body  # not a dry run: the refusal only


def test_a_refused_dry_run_json_lists_the_detected_layout(tmp_path, small_catalog_path):
    """The same detect_layouts the import page's correction form starts from."""
    from metrics.catalog import load_catalog
    from metrics.intake import detect_layouts

    data = _xlsx(("s", [["指标名称", "数值"], ["5G基站数量", 1]]))
    bad = tmp_path / "报表.xlsx"
    bad.write_bytes(data)
    assert run_cli(tmp_path, small_catalog_path, "init").returncode == 0
    out = run_cli(tmp_path, small_catalog_path, "import", str(bad), "--dry-run", "--json")
    assert out.returncode == 1
    body = json.loads(out.stdout)
    assert body["written"] is False and "统计期" in body["refused"]
    (sheet,) = body["layout"]["sheets"]
    assert body["layout"]["guessed"] is True
    assert sheet["header_rows"] == [1] and sheet["data_rows"] == [2]
    assert [c["role"] for c in sheet["columns"]] == ["indicator", "value"]
    same = detect_layouts(data, "报表.xlsx", load_catalog(small_catalog_path))
    assert [lay.to_json() for lay in same] == body["layout"]["sheets"]


@pytest.mark.parametrize("broken", ["unreadable", "a bug"])
def test_layout_detection_that_fails_gives_no_form_and_a_bug_is_logged(
    small_catalog_path, monkeypatch, caplog, broken
):
    """detect_layouts is a best effort for the correction form: an unreadable file gives
    none (its refusal says why); an unexpected error gives none too, but is logged."""
    import metrics.intake as intake
    from metrics.catalog import load_catalog

    catalog = load_catalog(small_catalog_path)
    if broken == "unreadable":
        assert intake.detect_layouts(b"PK\x03\x04 not a workbook", "坏.xlsx", catalog) == []
        assert "layout detection failed" not in caplog.text
        return

    def fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("detector bug")

    monkeypatch.setattr(intake, "detect", fails)
    data = _xlsx(("s", [["指标名称", "数值"], ["5G基站数量", 1]]))
    with caplog.at_level("WARNING", logger="metrics.intake"):
        assert intake.detect_layouts(data, "报表.xlsx", catalog) == []
    assert "layout detection failed for 报表.xlsx" in caplog.text and "detector bug" in caplog.text


def test_dry_run_json_prints_the_layout_and_mapping_applies(tmp_path, small_catalog_path):
    report_file = tmp_path / "q3.xlsx"
    report_file.write_bytes(
        _xlsx(("s", [["5G（2024年第三季度）"], ["项目", "本季度"], ["5G基站数量", 0.3]]))
    )
    mapping = tmp_path / "profile.yaml"
    mapping.write_text("header_row: 2\ncolumns: {项目: indicator, 本季度: value}\n", "utf-8")
    assert run_cli(tmp_path, small_catalog_path, "init").returncode == 0
    out = run_cli(
        tmp_path,
        small_catalog_path,
        "import",
        str(report_file),
        "--mapping",
        str(mapping),
        "--dry-run",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    [sheet] = body["layout"]["sheets"]
    assert sheet["header_rows"] == [2] and sheet["period"] == "2024Q3" and body["inserted"] == 1


def test_saved_profile_applies_next_quarter(db):
    from db.profiles import save_profile
    from metrics.intake.profiles import load_mapping

    q3 = [["5G（2024年第三季度）"], ["项目", "本季度"], ["5G基站数量", 0.3]]
    with pytest.raises(ImportFileError):
        import_file(db, _xlsx(("s", q3)), "q3.xlsx")
    mapping = load_mapping("header_row: 2\ncolumns: {项目: indicator, 本季度: value}\n")
    first = import_file(db, _xlsx(("s", q3)), "q3.xlsx", mapping=mapping)
    from metrics.intake.profiles import mapping_of

    save_profile(db, mapping_of(first.intake.layouts[0]), "analyst")
    q4 = [["5G（2024年第四季度）"], ["项目", "本季度"], ["5G基站数量", 0.4]]
    report = import_file(db, _xlsx(("s", q4)), "q4.xlsx")
    assert report.written
    assert value_of(db, STATIONS, "371700", date(2024, 12, 31)) == pytest.approx(0.4)
