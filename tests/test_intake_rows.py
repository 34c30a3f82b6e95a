"""Rows that are not a region's or an indicator's own figure (issue 13): 其中 breakdown
rows, a 合计 written in the indicator cell, and a cross table with a 合计 row and a 合计
column. None of them may be stored as a row of its own or added into a total unseen."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.catalog import load_catalog
from metrics.intake import check_report
from tests.test_intake import CAO, MUDAN, stored, xlsx

TITLE = ["2024年第三季度5G基站建设情况统计表"]
ST = "5G基站数量（万个）"
TOTAL_ALL = """  - id: heze-2023-digital-gov.all-stations
    plan: heze-2023-digital-gov
    name: 基站总数
    name_en: Base stations in all
    domain: 数字基础设施
    unit: 万个
    aggregate: sum
    targets:
      - {op: ">=", value: 3, by: 2025-12-31}
    responsible: [市工业和信息化局]
    quote: 基站3万个
"""


def catalog_with_total(folder: Path):
    """The small catalog and a 基站总数 indicator (5G基站数量 is one of its parts)."""
    from tests.conftest import SMALL_CATALOG

    text = SMALL_CATALOG.replace(
        "  - id: heze-2023-digital-gov.platform-launch",
        TOTAL_ALL + "  - id: heze-2023-digital-gov.platform-launch",
    )
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return load_catalog(path)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return catalog_with_total(tmp_path_factory.mktemp("rows"))


def reasons(intake) -> dict[int, str]:
    return {k.row: k.reason for k in intake.layouts[0].skipped if k.reason != "title"}


def errors(checked) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in checked.error_list()]


def test_a_region_breakdown_row_is_skipped_listed_and_not_added_into_the_total(catalog):
    rows = [
        TITLE,
        ["县区", ST],
        ["牡丹区", 0.4],
        ["其中：农村地区", 0.1],
        ["曹县", 0.3],
        ["  其中:城区", 0.2],
        ["合计", 0.7],
    ]
    checked, intake = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert checked.errors.empty, checked.error_list()
    assert stored(checked) == [
        ("base-stations", MUDAN, "2024Q3", 0.4),
        ("base-stations", CAO, "2024Q3", 0.3),
    ]
    assert reasons(intake) == {4: "breakdown", 6: "breakdown", 7: "total_equal"}
    # a 合计 that (wrongly) adds the breakdowns in is refused, not matched to them
    rows[-1] = ["合计", 1.0]
    checked, _ = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert errors(checked) == [(7, ST)]


def test_an_indicator_breakdown_naming_a_catalog_indicator_is_read_as_it(catalog):
    """其中：5G基站数量 under 基站总数 is the 5G figure; 其中：4G基站 (no such indicator)
    is listed and skipped; each 合计 is checked against its own indicator only."""
    rows = [
        TITLE,
        ["县区", "指标名称", "数值（万个）"],
        ["牡丹区", "基站总数", 1.0],
        ["牡丹区", "其中：5G基站数量", 0.4],
        ["牡丹区", "其中：4G基站", 0.6],
        ["曹县", "基站总数", 0.8],
        ["曹县", "其中：5G基站数量", 0.3],
    ]
    checked, intake = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert checked.errors.empty, checked.error_list()
    assert stored(checked) == [
        ("all-stations", MUDAN, "2024Q3", 1.0),
        ("all-stations", CAO, "2024Q3", 0.8),
        ("base-stations", MUDAN, "2024Q3", 0.4),
        ("base-stations", CAO, "2024Q3", 0.3),
    ]
    assert reasons(intake) == {5: "breakdown"}
    assert [(k.row, k.text) for k in intake.layouts[0].breakdowns_read] == [
        (4, "其中：5G基站数量"),
        (7, "其中：5G基站数量"),
    ]


def test_a_breakdown_naming_a_region_already_in_the_sheet_is_refused_as_a_repeat(catalog):
    rows = [TITLE, ["县区", ST], ["曹县", 0.3], ["其中：曹县", 0.2]]
    checked, _ = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert sorted(errors(checked)) == [(3, "统计期"), (4, "统计期")]


HEAD = ["指标名称", "地区", "统计期", "数值（万个）"]


@pytest.mark.parametrize(
    ("body", "outcome", "wrong"),
    [
        pytest.param(
            [["5G基站数量", "牡丹区", "2024Q3", 0.4], ["5G基站数量", "曹县", "2024Q3", 0.3]],
            {4: "total_equal"},
            None,
            id="合计 in the indicator cell, one indicator: checked",
        ),
        pytest.param(
            [["5G基站数量", "牡丹区", "2024Q3", 0.4], ["5G基站数量", "曹县", "2024Q3", 0.2]],
            {4: "total_mismatch"},
            (4, "数值（万个）"),
            id="合计 in the indicator cell that does not add up: refused",
        ),
        pytest.param(
            [["5G基站数量", "牡丹区", "2024Q3", 0.4], ["基站总数", "牡丹区", "2024Q3", 0.3]],
            {4: "total_mixed"},
            None,
            id="合计 over two indicators: nothing to add, listed as not checked",
        ),
    ],
)
def test_a_total_in_the_indicator_cell(catalog, body, outcome, wrong):
    rows = [HEAD, *body, ["合计", None, "2024Q3", 0.7]]
    checked, intake = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert reasons(intake) == outcome
    assert errors(checked) == ([wrong] if wrong else [])
    assert len(checked.rows) == 2  # the total is never stored


def test_a_region_beside_an_indicator_cell_total_keeps_it_to_that_region(catalog):
    rows = [
        HEAD,
        ["5G基站数量", "牡丹区", "2024Q3", 0.4],
        ["小计", "牡丹区", "2024Q3", 0.4],
        ["5G基站数量", "曹县", "2024Q3", 0.3],
        ["小计", "曹县", "2024Q3", 0.3],
    ]
    checked, intake = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    assert checked.errors.empty, checked.error_list()
    assert reasons(intake) == {3: "total_equal", 5: "total_equal"}
    assert stored(checked) == [
        ("base-stations", MUDAN, "2024Q3", 0.4),
        ("base-stations", CAO, "2024Q3", 0.3),
    ]


CROSS = [["2024年第三季度"], ["指标名称", "牡丹区", "曹县", "合计"]]


@pytest.mark.parametrize(
    ("data", "total", "wrong"),
    [
        pytest.param([0.4, 0.3, 0.7], [0.4, 0.3, 0.7], [], id="both add up"),
        pytest.param(
            [0.4, 0.3, 0.8],
            [0.4, 0.3, 0.8],
            [(3, "合计", "0.8万个", "0.7万个"), (4, "合计", "0.8万个", "0.7万个")],
            id="合计 column wrong in both rows",
        ),
        pytest.param(
            [0.4, 0.3, 0.7],
            [0.4, 0.2, 0.6],
            [(4, "曹县", "0.2万个", "0.3万个"), (4, "合计", "0.6万个", "0.7万个")],
            id="合计 row wrong in a county's column and in the grand total",
        ),
    ],
)
def test_a_cross_table_with_a_total_row_and_a_total_column(catalog, data, total, wrong):
    rows = [*CROSS, ["5G基站数量", *data], ["合计", *total]]
    checked, intake = check_report(xlsx(("表", rows)), "t.xlsx", catalog)
    found = [(e["row"], e["column"]) for e in checked.error_list()]
    assert found == [(r, c) for r, c, _, _ in wrong]
    for e, (_, _, written, added) in zip(checked.error_list(), wrong, strict=True):
        assert f"为 {written}" in e["message"] and f"之和为 {added}" in e["message"]
    assert reasons(intake) == {4: "total_mismatch" if wrong else "total_equal"}
    assert stored(checked) == [
        ("base-stations", MUDAN, "2024Q3", data[0]),
        ("base-stations", CAO, "2024Q3", data[1]),
    ]
