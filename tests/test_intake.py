"""Report-shaped sheets (报表) as bureaus send them, each with the exact rows that must be
stored: titles and 填报单位 lines, merged two-level headers, quarters/months/regions as
columns, footers, 合计 rows, units, no-data marks, several sheets, .xls."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from metrics.catalog import load_catalog
from metrics.importer import ImportFileError
from metrics.intake import check_report, plausibility
from metrics.intake.names import IndicatorNames
from metrics.intake.profiles import Mapping, load_mapping, mapping_of

SHARE = "heze-2023-digital-gov.data-service-share"  # %
ST = "heze-2023-digital-gov.base-stations"  # 万个, sums over counties
SHARE_NAME = "一体化大数据平台统一提供数据服务的比例"
CITY, MUDAN, CAO = "371700", "371702", "371721"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    from tests.conftest import SMALL_CATALOG

    path = tmp_path_factory.mktemp("c") / "config.yaml"
    path.write_text(SMALL_CATALOG, encoding="utf-8")
    return load_catalog(path)


def xlsx(*sheets) -> bytes:
    """sheets: (name, rows, merges=(), hidden=False[, formats {cell: fmt}])."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        defaults = ((), False, {})
        name, rows, merges, hidden, formats = (*spec, *defaults[len(spec) - 2 :])
        ws = book.create_sheet(name)
        for r in rows:
            ws.append(list(r))
        for m in merges:
            ws.merge_cells(m)
        for ref, fmt in formats.items():
            ws[ref].number_format = fmt
        if hidden:
            ws.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stored(checked) -> list[tuple]:
    rows = checked.rows
    return sorted(
        (i.split(".")[-1], r, p, round(v, 6))
        for i, r, p, v in zip(
            rows.indicator_id, rows.region_code, rows.period_label, rows.value, strict=True
        )
    )


def read(catalog, data, name="报表.xlsx", **kw):
    checked, intake = check_report(data, name, catalog, **kw)
    return checked, intake


TITLE = ["菏泽市数字政府建设指标完成情况统计表（2024年第三季度）"]
UNIT_LINE = ["填报单位：菏泽市大数据局", None, None, "填报日期：2024年10月8日"]
FOOTER = [["填表人：张三", None, "审核人：李四"], ["注：数据截至季度末。"]]

CASES = {
    "long template with titles and footer": (
        [
            TITLE,
            UNIT_LINE,
            [],
            ["指标名称", "地区", "统计期", "数值"],
            ["5G基站数量", "牡丹区", "2024Q3", 0.35],
            [SHARE_NAME, "全市", "2024Q3", "55.3%"],
            [],
            *FOOTER,
        ],
        (),
        [("base-stations", MUDAN, "2024Q3", 0.35), ("data-service-share", CITY, "2024Q3", 55.3)],
    ),
    "quarters as columns": (
        [
            TITLE,
            ["指标名称", "地区", "2024Q1", "2024Q2", "2024Q3"],
            ["5G基站数量", "曹县", 0.1, 0.2, 0.3],
        ],
        (),
        [("base-stations", CAO, f"2024Q{q}", q / 10) for q in (1, 2, 3)],
    ),
    "一季度 headers, year from the title": (
        [
            ["菏泽市2024年5G基站建设情况"],
            ["地区", "指标", "一季度", "二季度"],
            ["牡丹区", "5G基站数量", 0.1, 0.2],
        ],
        (),
        [("base-stations", MUDAN, "2024Q1", 0.1), ("base-stations", MUDAN, "2024Q2", 0.2)],
    ),
    "2024年第一季度 headers": (
        [["指标名称", "2024年第一季度", "2024年第二季度"], ["5G基站数量", 1.1, 1.2]],
        (),
        [("base-stations", CITY, "2024Q1", 1.1), ("base-stations", CITY, "2024Q2", 1.2)],
    ),
    "merged two-level header 2024年 over quarters": (
        [
            TITLE,
            ["指标名称", "地区", "2024年", None, None],
            [None, None, "一季度", "二季度", "三季度"],
            ["5G基站数量", "牡丹区", 0.1, 0.2, 0.3],
        ],
        ("A2:A3", "B2:B3", "C2:E2"),
        [("base-stations", MUDAN, f"2024Q{q}", q / 10) for q in (1, 2, 3)],
    ),
    "two-level header 完成情况 over periods with unit": (
        [
            ["指标名称", "完成情况（万个）", None],
            [None, "2024Q1", "2024Q2"],
            ["5G基站数量", 0.5, 0.6],
        ],
        ("A1:A2", "B1:C1"),
        [("base-stations", CITY, "2024Q1", 0.5), ("base-stations", CITY, "2024Q2", 0.6)],
    ),
    "month columns": (
        [["2024年数据服务比例月报"], ["指标名称", "1月", "2月", "3月"], [SHARE_NAME, 40, 41, 42]],
        (),
        [("data-service-share", CITY, f"2024-0{m}", 39 + m) for m in (1, 2, 3)],
    ),
    "1-9月累计 column is year-to-date, ending in September": (
        [["2024年统计表"], ["指标名称", "1-9月累计"], ["5G基站数量", 0.9]],
        (),
        [("base-stations", CITY, "2024-09", 0.9)],
    ),
    "county × indicator cross table, period in the title": (
        [
            TITLE,
            ["县区", "5G基站数量（万个）", SHARE_NAME + "（%）"],
            ["牡丹区", 0.4, 50],
            ["曹县", 0.3, 45],
            ["合计", 0.7, None],
        ],
        (),
        [
            ("base-stations", CAO, "2024Q3", 0.3),
            ("base-stations", MUDAN, "2024Q3", 0.4),
            ("data-service-share", CAO, "2024Q3", 45),
            ("data-service-share", MUDAN, "2024Q3", 50),
        ],
    ),
    "regions as columns": (
        [TITLE, ["指标名称", "牡丹区", "曹县"], ["5G基站数量", 0.4, 0.3]],
        (),
        [("base-stations", CAO, "2024Q3", 0.3), ("base-stations", MUDAN, "2024Q3", 0.4)],
    ),
    "合计 row skipped, 全市 is the city": (
        [
            ["指标名称", "地区", "统计期", "数值"],
            ["5G基站数量", "牡丹区", "2024Q3", 0.4],
            ["5G基站数量", "曹县", "2024Q3", 0.3],
            ["5G基站数量", "合计", "2024Q3", 0.7],
            ["5G基站数量", "全市", "2024Q4", 1.0],
        ],
        (),
        [
            ("base-stations", CAO, "2024Q3", 0.3),
            ("base-stations", CITY, "2024Q4", 1.0),
            ("base-stations", MUDAN, "2024Q3", 0.4),
        ],
    ),
    "section rows and numbering prefixes": (
        [
            ["序号", "指标名称", "统计期", "数值"],
            ["一、数字基础设施"],
            [1, "1. 5G基站数量", "2024Q3", 1.0],
            ["二、数据资源"],
            [2, "（一）" + SHARE_NAME, "2024Q3", 60],
        ],
        (),
        [("base-stations", CITY, "2024Q3", 1.0), ("data-service-share", CITY, "2024Q3", 60)],
    ),
    "line breaks and full-width brackets in names": (
        [["指标名称", "统计期", "数值"], ["5G基站\n数量（万个）", "2024Q3", 1.0]],
        (),
        [("base-stations", CITY, "2024Q3", 1.0)],
    ),
    "单位 column in 个 is converted into 万个": (
        [["指标名称", "统计期", "数值", "单位"], ["5G基站数量", "2024Q3", 51200, "个"]],
        (),
        [("base-stations", CITY, "2024Q3", 5.12)],
    ),
    "a no-data mark under a header in 个 is not reported, not a value": (
        [TITLE, ["县区", "5G基站数量（个）"], ["牡丹区", 4000], ["曹县", "—"]],
        (),
        [("base-stations", MUDAN, "2024Q3", 0.4)],
    ),
    "unit in the header 完成值（个）": (
        [["指标名称", "统计期", "完成值（个）"], ["5G基站数量", "2024Q3", 12000]],
        (),
        [("base-stations", CITY, "2024Q3", 1.2)],
    ),
    "no-data marks are skipped": (
        [
            ["指标名称", "地区", "统计期", "数值"],
            ["5G基站数量", "牡丹区", "2024Q3", "—"],
            ["5G基站数量", "曹县", "2024Q3", "暂无"],
            ["5G基站数量", "全市", "2024Q3", "/"],
            ["5G基站数量", "全市", "2024Q2", 0.8],
            ["5G基站数量", "牡丹区", "2024Q2", None],
        ],
        (),
        [("base-stations", CITY, "2024Q2", 0.8)],
    ),
    "county sheet: 填报单位 names the county": (
        [
            ["5G基站建设情况（2024年第三季度）"],
            ["填报单位：曹县工业和信息化局"],
            ["指标名称", "数值"],
            ["5G基站数量", 0.25],
        ],
        (),
        [("base-stations", CAO, "2024Q3", 0.25)],
    ),
    "2024.09 and 9月末 spellings": (
        [
            ["指标名称", "统计期", "数值"],
            [SHARE_NAME, "2024.09", 50],
            [SHARE_NAME, "2024年10月末", 51],
            [SHARE_NAME, "截至2024年11月底", 52],
        ],
        (),
        [
            ("data-service-share", CITY, "2024-09", 50),
            ("data-service-share", CITY, "2024-10", 51),
            ("data-service-share", CITY, "2024-11", 52),
        ],
    ),
    "前三季度 and 上半年 columns": (
        [["2024年统计表"], ["指标名称", "上半年", "前三季度"], ["5G基站数量", 0.6, 0.9]],
        (),
        [("base-stations", CITY, "2024-06", 0.6), ("base-stations", CITY, "2024-09", 0.9)],
    ),
    "merged indicator cell over county rows fills down": (
        [TITLE, ["指标名称", "地区", "数值"], ["5G基站数量", "牡丹区", 0.4], [None, "曹县", 0.3]],
        ("A3:A4",),
        [("base-stations", CAO, "2024Q3", 0.3), ("base-stations", MUDAN, "2024Q3", 0.4)],
    ),
    "indicator code column": (
        [["指标编码", "统计期", "数值"], [ST, "2024Q3", 1.0]],
        (),
        [("base-stations", CITY, "2024Q3", 1.0)],
    ),
    "English headers": (
        [["indicator", "region", "period", "value"], ["5G base stations", "Mudan", "2024Q3", 0.4]],
        (),
        [("base-stations", MUDAN, "2024Q3", 0.4)],
    ),
    "region code with Excel padding": (
        [["指标名称", "地区编码", "统计期", "数值"], ["5G基站数量", 371702.0, "2024Q3", 0.4]],
        (),
        [("base-stations", MUDAN, "2024Q3", 0.4)],
    ),
    "target columns and 序号 are ignored": (
        [["序号", "指标名称", "目标值", "2024Q3", "完成率"], [1, "5G基站数量", 1.2, 0.6, "50%"]],
        (),
        [("base-stations", CITY, "2024Q3", 0.6)],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_report_shapes_store_exactly_these_rows(catalog, name):
    rows, merges, expected = CASES[name]
    checked, intake = read(catalog, xlsx(("表1", rows, merges)))
    assert checked.error_list() == []
    assert stored(checked) == sorted(expected)


def test_csv_with_titles_and_blank_rows_keeps_true_row_numbers(catalog):
    text = "统计表（2024年第三季度）\n\n指标名称,地区,数值\n5G基站数量,牡丹区,0.4\n\n5G基站数量,火星,1\n"
    checked, intake = read(catalog, text.encode("gbk"), "r.csv")
    [error] = checked.error_list()
    assert error["row"] == 6 and error["column"] == "地区"
    assert intake.layouts[0].header_rows == [3]
    assert [s.row for s in intake.layouts[0].skipped if s.reason == "blank"] == [5]


def test_every_sheet_is_read_and_hidden_or_instruction_sheets_are_listed(catalog):
    sheets = [(f"2024Q{q}", [["指标名称", "数值"], ["5G基站数量", q / 10]]) for q in (1, 2, 3)]
    data = xlsx(
        ("填表说明", [["请按季度填报"]]),
        *sheets,
        ("old", [["指标名称", "统计期", "数值"], ["5G基站数量", "2023Q4", 9]], (), True),
    )
    checked, intake = read(catalog, data)
    assert stored(checked) == [("base-stations", CITY, f"2024Q{q}", q / 10) for q in (1, 2, 3)]
    assert {s["sheet"]: s["reason"] for s in intake.skipped_sheets} == {
        "填表说明": "instructions",
        "old": "hidden",
    }
    checked, _ = read(catalog, data, sheet="2024Q2")
    assert stored(checked) == [("base-stations", CITY, "2024Q2", 0.2)]
    with pytest.raises(ImportFileError, match="2024Q1"):
        read(catalog, data, sheet="Q9")


def test_errors_across_sheets_name_the_sheet(catalog):
    data = xlsx(
        ("甲", [["指标名称", "统计期", "数值"], ["5G基站数量", "2024Q3", 1]]),
        ("乙", [["指标名称", "统计期", "数值"], ["5G基站数", "2024Q3", 1]]),
    )
    checked, _ = read(catalog, data)
    [error] = checked.error_list()
    assert error["column"] == "乙!指标名称" and error["row"] == 2
    assert "5G基站数量" in error["message"]  # did you mean


def test_unknown_name_suggests_the_closest(catalog):
    checked, _ = read(
        catalog, xlsx(("s", [["指标名称", "统计期", "数值"], ["5G基站数", "2024Q3", 1]]))
    )
    assert "您是否要找：5G基站数量" in checked.error_list()[0]["message"]


def test_every_catalog_name_matches_itself():
    """The 44 names holding full-width characters match cells (NFKC on both sides)."""
    catalog = load_catalog("config.yaml")
    names = IndicatorNames(catalog)
    assert [i.id for i in catalog.indicators.values() if i.id not in names.candidates(i.name)] == []


def test_unconvertible_unit_refuses_the_row(catalog):
    rows = [["指标名称", "统计期", "数值", "单位"], ["5G基站数量", "2024Q3", 5, "户"]]
    checked, _ = read(catalog, xlsx(("s", rows)))
    [error] = checked.error_list()
    assert error["row"] == 2 and "户" in error["message"] and checked.rows.empty


def test_period_only_in_the_file_name(catalog):
    checked, intake = read(
        catalog,
        xlsx(("s", [["指标名称", "数值"], ["5G基站数量", 1]])),
        "菏泽市2024年第二季度报表.xlsx",
    )
    assert stored(checked) == [("base-stations", CITY, "2024Q2", 1)]
    assert intake.layouts[0].period_from == "file"


@pytest.mark.parametrize(
    "rows, words",
    [
        (
            [["2024年第二季度、第三季度对比"], ["指标名称", "数值"], ["5G基站数量", 1]],
            "several periods",
        ),
        ([["指标名称", "数值"], ["5G基站数量", 1]], "has no period"),
        ([["指标名称", "地区", "统计期"], ["5G基站数量", "曹县", "2024Q3"]], "no value column"),
    ],
)
def test_a_sheet_that_cannot_be_placed_is_refused_with_how_to_fix(catalog, rows, words):
    with pytest.raises(ImportFileError, match=words):
        read(catalog, xlsx(("s", rows)))


def test_month_typed_in_excel_is_a_month_not_its_first_day(catalog):
    rows = [["指标名称", "统计期", "数值"], [SHARE_NAME, dt.datetime(2024, 9, 1), 50]]
    checked, _ = read(catalog, xlsx(("s", rows, (), False, {"B2": 'yyyy"年"m"月"'})))
    assert stored(checked) == [("data-service-share", CITY, "2024-09", 50)]


def test_region_code_and_name_that_disagree_are_refused(catalog):
    rows = [
        ["指标编码", "指标名称", "地区编码", "地区", "统计期", "数值"],
        [ST, "5G基站数量", "371700", "曹县", "2024Q3", 0.3],
    ]
    checked, _ = read(catalog, xlsx(("s", rows)))
    [error] = checked.error_list()
    assert "371700" in error["message"] and "曹县" in error["message"] and checked.rows.empty


def test_xls_biff8_workbook(catalog):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    ws = book.add_sheet("2024Q3")
    for r, row in enumerate([TITLE, ["指标名称", "地区", "数值"], ["5G基站数量", "曹县", 0.3]]):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    ws2 = book.add_sheet("说明")
    ws2.write(0, 0, "填表说明")
    buffer = io.BytesIO()
    book.save(buffer)
    checked, intake = read(catalog, buffer.getvalue(), "报表.xls")
    assert stored(checked) == [("base-stations", CAO, "2024Q3", 0.3)]


def test_fractions_of_a_percent_indicator_are_a_warning(catalog):
    rows = [
        ["指标名称", "统计期", "数值"],
        [SHARE_NAME, "2024Q2", 0.553],
        [SHARE_NAME, "2024Q3", 0.6],
    ]
    checked, _ = read(catalog, xlsx(("s", rows)))
    warned = plausibility.check(checked.rows, catalog)
    assert list(warned.row) == [2, 3] and "55.3" in warned.message.iloc[0]


def test_a_value_typed_in_the_base_unit_is_a_warning(catalog):
    rows = [["指标名称", "统计期", "数值"], ["5G基站数量", "2024Q3", 65000]]
    checked, _ = read(catalog, xlsx(("s", rows)))
    [message] = plausibility.check(checked.rows, catalog).message
    assert "6.5万个" in message


def test_a_falling_cumulative_count_and_a_jump_are_warnings(catalog):
    import pandas as pd

    rows = pd.DataFrame(
        {
            "row": [2, 3],
            "indicator_id": [ST, ST],
            "region_code": [CITY, CITY],
            "period_end": pd.to_datetime(["2024-06-30", "2024-09-30"]),
            "value": [0.05, 0.9],
        }
    )
    warned = plausibility.check(rows, catalog)
    assert list(warned.row) == [3] and "10" in warned.message.iloc[0]


def test_mapping_profile_corrects_and_is_reused_next_quarter(catalog):
    q3 = [["5G基站（2024年第三季度）"], ["项目", "本季度"], ["5G基站数量", 0.3]]
    with pytest.raises(ImportFileError):
        read(catalog, xlsx(("s", q3)))
    mapping = load_mapping("header_row: 2\ncolumns: {项目: indicator, 本季度: value}\n")
    checked, intake = read(catalog, xlsx(("s", q3)), mapping=mapping)
    assert stored(checked) == [("base-stations", CITY, "2024Q3", 0.3)]
    profile = mapping_of(intake.layouts[0])
    q4 = [["5G基站（2024年第四季度）"], ["项目", "本季度"], ["5G基站数量", 0.4]]
    checked, intake4 = read(catalog, xlsx(("s", q4)), profiles={profile.fingerprint: profile})
    assert stored(checked) == [("base-stations", CITY, "2024Q4", 0.4)]


def test_each_sheet_reads_with_its_own_mapping(small_catalog):
    """One header read two ways, and a period per sheet: each sheet's own correction."""
    book = xlsx(
        ("一季度", [["县区", "指标名称", "完成值", "进度"], ["牡丹区", SHARE_NAME, 40, "正常"]]),
        ("二季度", [["县区", "指标名称", "说明", "进度"], ["牡丹区", SHARE_NAME, "已核", 42]]),
    )
    mapping = {
        "一季度": Mapping(columns={"进度": "note"}, period="2024Q1"),
        "二季度": Mapping(columns={"进度": "value", "说明": "note"}, period="2024Q2"),
    }
    checked, _ = check_report(book, "t.xlsx", small_catalog, mapping=mapping)
    assert checked.errors.empty, checked.error_list()
    assert stored(checked) == [
        ("data-service-share", MUDAN, "2024Q1", 40),
        ("data-service-share", MUDAN, "2024Q2", 42),
    ]
    assert sorted(checked.rows.note) == ["已核", "正常"]


def test_a_merged_title_is_listed_once(small_catalog):
    title = "2024年第三季度5G基站统计表"
    book = xlsx(
        (
            "表",
            [[title, None, None], ["县区", "5G基站数量（万个）", "备注"], ["曹县", 0.3]],
            ["A1:C1"],
        )
    )
    _, intake = check_report(book, "t.xlsx", small_catalog)
    assert intake.layouts[0].titles == [title]
    assert [k.text for k in intake.layouts[0].skipped] == [title]
