"""A blank region cell (issue 13 follow-up). In the tool's own long template a blank 地区
is the plan's own region (the city); in a report-shaped sheet with a region column it is
a county name forgotten or a row continuing the one above, so the row is refused, named
by its true spreadsheet row, saying to fill in the region or write 全市 / 菏泽市. The same
whether the sheet is read as detected or through its saved profile."""

from __future__ import annotations

import pytest

from metrics.intake import check_report
from metrics.intake.layout import is_template
from metrics.intake.profiles import mapping_of
from tests.test_intake import CAO, CITY, MUDAN, SHARE_NAME, stored, xlsx
from tests.test_intake_rows import catalog_with_total

TITLE = ["2024年第三季度5G基站建设情况统计表"]
ST = "5G基站数量"
ST_ID = "base-stations"
SAYS = "地区为空：报表的每个数据行都须写明地区"
FIX = "请填写“全市”或“菏泽市”"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return catalog_with_total(tmp_path_factory.mktemp("regions"))


def errors(checked) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["value"]) for e in checked.error_list()]


def refused_rows(checked) -> list[tuple[int, str]]:
    """(row, column) of each refusal, every one the blank-region message in zh / en."""
    found = checked.error_list()
    for e in found:
        assert SAYS in e["message"] and FIX in e["message"], e["message"]
        assert "The region is blank" in e["message"] and "全市 or 菏泽市" in e["message"]
    return [(e["row"], e["column"]) for e in found]


def test_a_county_report_row_with_a_blank_region_is_refused_not_stored_on_the_city(catalog):
    rows = [
        TITLE,
        ["县区", "指标名称", "数值（万个）"],
        ["牡丹区", ST, 0.4],
        [None, ST, 0.3],  # a county forgotten: it was stored on 菏泽市
        ["曹县", ST, 0.2],
    ]
    checked, intake = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert refused_rows(checked) == [(4, "县区")]
    assert errors(checked) == [(4, "县区", "")]
    assert stored(checked) == [(ST_ID, MUDAN, "2024Q3", 0.4), (ST_ID, CAO, "2024Q3", 0.2)]
    assert not is_template(intake.layouts[0])


@pytest.mark.parametrize(
    ("head", "ind", "county", "blank"),
    [
        pytest.param(["指标名称", "地区", "统计期", "数值"], ST, "牡丹区", None, id="地区"),
        pytest.param(
            ["指标编码", "地区编码", "统计期", "数值"],
            "heze-2023-digital-gov.base-stations",
            MUDAN,
            "",
            id="地区编码",
        ),
        pytest.param(
            ["indicator", "region", "period", "value"],
            "5G base stations",
            "Mudan",
            None,
            id="English",
        ),
    ],
)
def test_the_templates_blank_region_is_still_the_plans_city(catalog, head, ind, county, blank):
    rows = [head, [ind, county, "2024Q3", 0.4], [ind, blank, "2024Q3", 1.2]]
    checked, intake = check_report(xlsx(("template", rows)), "t.xlsx", catalog)
    assert checked.error_list() == []
    assert stored(checked) == [(ST_ID, CITY, "2024Q3", 1.2), (ST_ID, MUDAN, "2024Q3", 0.4)]
    assert is_template(intake.layouts[0])


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(
            [["县区", "指标名称", "统计期", "数值"], [None, ST, "2024Q3", 1.2]],
            id="header on row 1 but 县区: a county report",
        ),
        pytest.param(
            [["指标名称", "地区", "统计期", "数值", "目标值"], [ST, None, "2024Q3", 1.2, 3]],
            id="a column the template has not",
        ),
        pytest.param(
            [TITLE, ["指标名称", "地区", "统计期", "数值"], [ST, None, "2024Q3", 1.2]],
            id="the template's headers below a title",
        ),
        pytest.param(
            [["指标名称", "地区", "2024Q2", "2024Q3"], [ST, None, 1.1, 1.2]],
            id="quarters as columns",
        ),
    ],
)
def test_report_shaped_sheets_refuse_a_blank_region(catalog, rows):
    checked, intake = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    values = 2 if "2024Q2" in rows[-2] else 1
    column = next(h for h in rows[-2] if h in ("县区", "地区"))
    assert refused_rows(checked) == [(len(rows), column)] * values
    assert stored(checked) == []


def test_a_region_merged_over_rows_fills_down_and_totals_and_breakdowns_pass(catalog):
    """Not refused: a 县区 cell merged over its rows (filled down), a 合计 with its 县区
    cell blank (a total, checked, never stored), a 其中 breakdown naming no catalog
    indicator (skipped and listed), the city's own figure written 全市."""
    rows = [
        TITLE,
        ["序号", "县区", "指标名称", "数值"],
        [1, "牡丹区", "基站总数", 1.0],
        [None, None, ST, 0.4],  # merged B3:B4
        [None, None, "其中：4G基站", 0.6],  # a breakdown row
        [2, "曹县", "基站总数", 0.8],
        ["合计", None, "基站总数", 1.8],
        [3, "全市", SHARE_NAME, "55.3%"],
    ]
    checked, intake = check_report(xlsx(("表", rows, ["B3:B4"])), "t.xlsx", catalog)
    assert checked.error_list() == []
    assert stored(checked) == [
        ("all-stations", MUDAN, "2024Q3", 1.0),
        ("all-stations", CAO, "2024Q3", 0.8),
        (ST_ID, MUDAN, "2024Q3", 0.4),
        ("data-service-share", CITY, "2024Q3", 55.3),
    ]
    reasons = {k.row: k.reason for k in intake.layouts[0].skipped if k.reason != "title"}
    assert reasons == {5: "breakdown", 7: "total_equal"}


def test_a_breakdown_read_as_an_indicator_with_a_blank_region_is_refused(catalog):
    """其中：5G基站数量 under 牡丹区's 基站总数, its 县区 cell left blank (not merged): it
    was stored as the city's 5G figure; now the row is refused."""
    rows = [
        TITLE,
        ["县区", "指标名称", "数值（万个）"],
        ["牡丹区", "基站总数", 1.0],
        [None, "其中：5G基站数量", 0.4],
        ["曹县", "基站总数", 0.8],
        ["曹县", "其中：5G基站数量", 0.3],
    ]
    checked, intake = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert refused_rows(checked) == [(4, "县区")]
    assert [k.row for k in intake.layouts[0].breakdowns_read] == [4, 6]
    assert stored(checked) == [
        ("all-stations", MUDAN, "2024Q3", 1.0),
        ("all-stations", CAO, "2024Q3", 0.8),
        (ST_ID, CAO, "2024Q3", 0.3),
    ]


def test_a_blank_region_code_without_a_name_column_is_refused_on_that_column(catalog):
    rows = [TITLE, ["地区编码", "指标名称", "数值"], [MUDAN, ST, 0.4], [None, ST, 0.3]]
    checked, _ = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert refused_rows(checked) == [(4, "地区编码")]


def test_a_no_data_mark_in_a_row_with_a_blank_region_is_not_reported_not_refused(catalog):
    rows = [TITLE, ["县区", "指标名称", "数值"], ["牡丹区", ST, 0.4], [None, ST, "—"]]
    checked, intake = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert checked.error_list() == [] and intake.no_data == 1
    assert stored(checked) == [(ST_ID, MUDAN, "2024Q3", 0.4)]


def test_a_saved_profile_reads_the_same(catalog):
    """Next quarter's county sheet read through the profile saved from this one refuses
    the blank region just the same; a template corrected into a profile keeps its rule."""
    report = [
        ["2024年第三季度5G基站建设情况统计表"],
        ["县区", "指标名称", "完成值（万个）"],
        ["牡丹区", ST, 0.4],
        [None, ST, 0.3],
    ]
    _, first = check_report(xlsx(("表", report)), "q3.xlsx", catalog)
    saved = mapping_of(first.layouts[0])
    report[0] = ["2024年第四季度5G基站建设情况统计表"]
    checked, intake = check_report(
        xlsx(("表", report)), "q4.xlsx", catalog, profiles={saved.fingerprint: saved}
    )
    assert intake.layouts[0].profile
    assert refused_rows(checked) == [(4, "县区")]
    assert stored(checked) == [(ST_ID, MUDAN, "2024Q4", 0.4)]

    template = [["指标名称", "地区", "统计期", "数值"], [ST, None, "2024Q3", 1.2]]
    _, first = check_report(xlsx(("t", template)), "t.xlsx", catalog)
    saved = mapping_of(first.layouts[0])
    checked, intake = check_report(
        xlsx(("t", template)), "t.xlsx", catalog, profiles={saved.fingerprint: saved}
    )
    assert intake.layouts[0].profile and checked.error_list() == []
    assert stored(checked) == [(ST_ID, CITY, "2024Q3", 1.2)]
