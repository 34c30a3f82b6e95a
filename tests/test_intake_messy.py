"""Bureau files as they arrive (issue 13): saved by WPS, a merged title, 填报单位 and
填报日期 lines, a 单位：个 line above the header, 4,000 / 6.5万 / 35% / — cells, blank
rows, a footer of 填表人/审核人/联系电话/注：, a hidden sheet and a 填表说明 sheet.
Each imports with exactly the rows asserted, or is refused saying what to fix."""

from __future__ import annotations

import io

import openpyxl
import pytest

from metrics.importer import ImportFileError
from metrics.intake import check_report
from tests.test_intake import CAO, CITY, MUDAN, SHARE_NAME, stored

BY = "填报单位：菏泽市工业和信息化局"
FILLED = "填报日期：2024年10月9日"
FOOTER = [
    ["填表人：张三", None, "审核人：李四", None, "联系电话：0530-5310000"],
    ["注：1.数据截至2024年9月30日；2.“—”表示未统计。"],
]


def wps(*sheets) -> bytes:
    """sheets: (name, rows, merges, hidden); saved with WPS as author, as bureaus' are."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    book.properties.creator = book.properties.lastModifiedBy = "WPS 表格"
    for name, rows, merges, hidden in sheets:
        ws = book.create_sheet(name)
        for r in rows:
            ws.append(list(r))
        for m in merges:
            ws.merge_cells(m)
        if hidden:
            ws.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def counties(total_merged: bool) -> list:
    return [
        ["菏泽市2024年第三季度5G基站建设情况统计表"],
        [BY, None, None, FILLED],
        [None, None, None, None, "单位：个"],
        [],
        ["序号", "县区", "5G基站数量", "较上季度新增", "备注"],
        [1, "牡丹区", "4,000", 200, None],
        [2, "曹县", 3000, None, "含室内分布站"],
        [],
        ["合计", "合计" if total_merged else None, 7000, 200, None],
        *FOOTER,
    ]


@pytest.mark.parametrize(
    "total_merged", [True, False], ids=["合计 merged A:B", "合计 in 序号 only"]
)
def test_county_sheet_in_units_with_hidden_and_instruction_sheets(small_catalog, total_merged):
    """A 合计 standing only in the 序号 column (县区 cell blank) is a total too: it was
    stored as the city's own figure before."""
    merges = ["A1:E1", "A2:C2"] + (["A9:B9"] if total_merged else [])
    data = wps(
        ("5G基站", counties(total_merged), merges, False),
        ("Sheet2", [["县区", "5G基站数量"], ["牡丹区", 9]], [], True),
        ("填表说明", [["填表说明"], ["1.请按县区填报，单位为个。"]], [], False),
    )
    checked, intake = check_report(data, "工信局报表.xlsx", small_catalog)
    assert checked.errors.empty, checked.error_list()
    assert stored(checked) == [
        ("base-stations", MUDAN, "2024Q3", 0.4),  # 4,000 个 is 0.4 万个
        ("base-stations", CAO, "2024Q3", 0.3),
    ]
    (lay,) = intake.layouts
    assert (lay.period, lay.period_from, lay.unit) == ("2024Q3", "title", "个")
    assert [(k.row, k.reason) for k in lay.skipped] == [
        (1, "title"),
        (2, "title"),
        (3, "title"),
        (8, "blank"),
        (9, "total_equal"),
        (10, "footer"),
        (11, "footer"),
    ]
    assert intake.skipped_sheets == [
        {"sheet": "Sheet2", "reason": "hidden"},
        {"sheet": "填表说明", "reason": "instructions"},
    ]
    assert list(checked.rows.note) == ["", "含室内分布站"]


def test_city_sheet_with_percent_wan_and_no_data_marks(small_catalog):
    rows = [
        ["2024年第三季度数字政府建设指标完成情况"],
        ["填报单位：菏泽市大数据局", None, None, "填报日期：2024.10.08"],
        ["指标名称", "目标值", "完成值", "完成率"],
        [SHARE_NAME, "35%", "55.3%", "158%"],
        ["5G基站数量", 1.2, "6.5万", None],
        ["政务云平台上线", 100, "—", None],
        [],
        ["审核人：李四", None, "联系电话：0530-5310001"],
    ]
    checked, intake = check_report(wps(("指标", rows, ["A1:D1"], False)), "q3.xlsx", small_catalog)
    assert checked.errors.empty, checked.error_list()
    assert stored(checked) == [
        ("base-stations", CITY, "2024Q3", 6.5),
        ("data-service-share", CITY, "2024Q3", 55.3),
    ]
    (lay,) = intake.layouts
    assert (lay.region, lay.region_from) == (CITY, "title")  # 填报单位：菏泽市…
    assert intake.no_data == 1  # 政务云平台上线 —: not reported
    assert [c.role for c in lay.columns] == ["indicator", "ignore", "value", "ignore"]


def test_quarter_columns_under_a_merged_year_with_the_unit_in_the_title(small_catalog):
    rows = [
        ["2024年5G基站数量分季度统计表（单位：万个）"],
        ["区县名称", "指标名称", "2024年", None, None],
        [None, None, "一季度", "二季度", "三季度"],
        ["牡丹区", "5G基站数量", 0.1, 0.2, "—"],
        ["曹县", "5G基站数量", "0.15", 0.2, 0.25],
        [],
        ["注：“—”表示未统计。"],
    ]
    merges = ["A1:E1", "A2:A3", "B2:B3", "C2:E2"]
    checked, intake = check_report(wps(("分季度", rows, merges, False)), "q.xlsx", small_catalog)
    assert checked.errors.empty, checked.error_list()
    assert stored(checked) == [
        ("base-stations", MUDAN, "2024Q1", 0.1),
        ("base-stations", MUDAN, "2024Q2", 0.2),
        ("base-stations", CAO, "2024Q1", 0.15),
        ("base-stations", CAO, "2024Q2", 0.2),
        ("base-stations", CAO, "2024Q3", 0.25),
    ]
    assert intake.layouts[0].shape == "wide-period" and intake.no_data == 1


@pytest.mark.parametrize(
    ("rows", "where", "says"),
    [
        pytest.param(
            [["菏泽市5G基站建设情况（2024年第三季度）"], ["县区", "5G基站数量"], ["牡丹区", "35%"]],
            (3, "5G基站数量"),
            "带有%，但指标单位是“万个”",
            id="35% typed into a count",
        ),
        pytest.param(
            [
                ["菏泽市5G基站建设情况（2024年第三季度）"],
                ["县区", "5G基站数量（个）"],
                ["牡丹区", "4000"],
                ["曹县", "3 000"],
            ],
            (4, "5G基站数量（个）"),
            "请写成 1234、1,234、6.5万 或 35%",
            id="a space as thousands separator",
        ),
        pytest.param(
            [["2024年第三季度"], ["县区", "指标名称", "数值"], ["牡丹区", "5G基站数", "0.4"]],
            (3, "指标名称"),
            "您是否要找：5G基站数量",
            id="a name not the catalog's",
        ),
    ],
)
def test_messy_cells_are_refused_with_the_fix(small_catalog, rows, where, says):
    checked, _ = check_report(wps(("5G", rows, [], False)), "r.xlsx", small_catalog)
    found = checked.error_list()
    assert [(e["row"], e["column"]) for e in found] == [where]
    assert says in found[0]["message"] and " / " in found[0]["message"]  # zh / en


def test_a_title_naming_two_quarters_is_refused(small_catalog):
    rows = [
        ["菏泽市5G基站建设情况（2024年第三季度及第四季度计划）"],
        ["县区", "5G基站数量"],
        ["牡丹区", 0.4],
    ]
    with pytest.raises(ImportFileError, match="多个统计期.*统计期"):
        check_report(wps(("5G", rows, [], False)), "r.xlsx", small_catalog)


def test_the_county_sheet_writes_its_two_counties_and_nothing_else(db):
    from sqlalchemy import select

    from db.models import Observation
    from db.writes import import_file

    data = wps(("5G基站", counties(False), ["A1:E1", "A2:C2"], False))
    report = import_file(db, data, "工信局报表.xlsx")
    assert report.written and report.inserted == 2, report.errors
    with db.read() as conn:
        rows = set(conn.execute(select(Observation.region_code, Observation.value)).all())
    assert rows == {(MUDAN, 0.4), (CAO, 0.3)}  # no 菏泽市 row from the 合计
    again = import_file(db, data, "工信局报表.xlsx")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def xls(*sheets) -> bytes:
    """The same as wps(), saved as .xls (BIFF8), as older offices still send."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows, merges, hidden in sheets:
        ws = book.add_sheet(name)
        merged = {}
        for m in merges:  # "A1:E1" -> rows and columns, 0-based
            first, last = (openpyxl.utils.cell.coordinate_to_tuple(c) for c in m.split(":"))
            merged[(first[0] - 1, first[1] - 1)] = (last[0] - 1, last[1] - 1)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if (r, c) in merged:
                    r2, c2 = merged[(r, c)]
                    ws.write_merge(r, r2, c, c2, value)
                elif value is not None and not any(
                    r0 <= r <= r2 and c0 <= c <= c2 and (r, c) != (r0, c0)
                    for (r0, c0), (r2, c2) in merged.items()
                ):
                    ws.write(r, c, value)
        if hidden:
            ws.visibility = 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_county_sheet_as_xls_reads_the_same(small_catalog):
    """The .xls a bureau's older Excel saves: the same rows, skipped rows and sheets."""
    sheets = (
        ("5G基站", counties(True), ["A1:E1", "A2:C2", "A9:B9"], False),
        ("Sheet2", [["县区", "5G基站数量"], ["牡丹区", 9]], [], True),
        ("填表说明", [["填表说明"], ["1.请按县区填报，单位为个。"]], [], False),
    )
    as_xlsx = check_report(wps(*sheets), "工信局报表.xlsx", small_catalog)
    checked, intake = check_report(xls(*sheets), "工信局报表.xls", small_catalog)
    assert checked.errors.empty, checked.error_list()
    assert (
        stored(checked)
        == stored(as_xlsx[0])
        == [
            ("base-stations", MUDAN, "2024Q3", 0.4),
            ("base-stations", CAO, "2024Q3", 0.3),
        ]
    )
    (lay,) = intake.layouts
    assert (lay.period, lay.unit) == ("2024Q3", "个")
    assert [(k.row, k.reason) for k in lay.skipped] == [
        (k.row, k.reason) for k in as_xlsx[1].layouts[0].skipped
    ]
    assert intake.skipped_sheets == as_xlsx[1].skipped_sheets


def test_an_indicator_column_named_unlike_the_catalog_is_refused_with_its_name(small_catalog):
    """5G基站数 heads the values (the catalog says 5G基站数量): no column is read as the
    values, and the refusal names the header and the catalog name to use."""
    rows = [
        [name if name != "5G基站数量" else "5G基站数" for name in row] for row in counties(True)
    ]
    with pytest.raises(ImportFileError) as refused:
        check_report(wps(("5G基站", rows, ["A1:E1"], False)), "报表.xlsx", small_catalog)
    message = str(refused.value)
    assert "没有数值列" in message and "has no value column" in message
    assert "表头“5G基站数”不是目录中的指标名" in message and "rename it to: 5G基站数量" in message
