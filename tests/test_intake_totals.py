"""合计/小计 rows and 合计 columns are checked against what they total (issue 13): a total
that adds up is listed as checked and not stored; one that does not refuses the file
with both figures, so a county typed wrong is never stored silently."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import Observation
from db.writes import import_file
from metrics.intake import check_report
from tests.test_intake import CAO, MUDAN, SHARE_NAME, xlsx

TITLE = ["2024年第三季度5G基站建设情况统计表"]
ST = "5G基站数量（万个）"


def reasons(intake) -> dict[int, str]:
    return {k.row: k.reason for k in intake.layouts[0].skipped if k.reason.startswith("total")}


@pytest.mark.parametrize(
    ("rows", "checked"),
    [
        pytest.param(
            [TITLE, ["县区", ST], ["牡丹区", 0.4], ["曹县", 0.3], ["合计", 0.7]],
            {5: "total_equal"},
            id="合计 at the foot",
        ),
        pytest.param(
            [TITLE, ["县区", ST], ["合  计", 0.7], ["牡丹区", 0.4], ["曹县", 0.3]],
            {3: "total_equal"},
            id="合计 at the head, spaced",
        ),
        pytest.param(
            [TITLE, ["县区", ST], ["牡丹区", 0.1], ["曹县", 0.2], ["合计", 0.3]],
            {5: "total_equal"},
            id="0.1 + 0.2 is 0.3",
        ),
        pytest.param(
            [
                TITLE,
                ["县区", ST],
                ["一、城区"],
                ["牡丹区", 0.4],
                ["小计", 0.4],
                ["二、县"],
                ["曹县", 0.3],
                ["小计", 0.3],
                ["总计", 0.7],
            ],
            {5: "total_equal", 8: "total_equal", 9: "total_equal"},
            id="小计 per block and a 总计",
        ),
        pytest.param(
            [TITLE, ["县区", SHARE_NAME + "（%）"], ["牡丹区", 50], ["曹县", 40], ["合计", 47]],
            {5: "total_unchecked"},
            id="a share does not add up: not checked",
        ),
        pytest.param(
            [
                ["指标名称", "地区", "统计期", "数值", "单位"],
                ["5G基站数量", "牡丹区", "2024Q3", 4000, "个"],
                ["5G基站数量", "曹县", "2024Q3", 3000, "个"],
                ["5G基站数量", "合计", "2024Q3", 7000, "个"],
            ],
            {4: "total_equal"},
            id="long sheet in 个, converted",
        ),
        pytest.param(
            [TITLE, ["县区", ST], ["合计", 0.7]],
            None,
            id="only a 合计: nothing to store",
        ),
    ],
)
def test_totals_that_add_up_are_listed_as_checked(small_catalog, rows, checked):
    if checked is None:
        with pytest.raises(Exception, match="没有数据行|no data rows"):
            check_report(xlsx(("表", rows)), "t.xlsx", small_catalog)
        return
    result, intake = check_report(xlsx(("表", rows)), "t.xlsx", small_catalog)
    assert result.errors.empty, result.error_list()
    assert reasons(intake) == checked
    assert len(result.rows) == 2  # the two counties; no total is stored


@pytest.mark.parametrize(
    ("rows", "row", "total", "added", "n"),
    [
        pytest.param(
            [TITLE, ["县区", ST], ["牡丹区", 0.4], ["曹县", 0.3], ["合计", 0.8]],
            5,
            "0.8万个",
            "0.7万个",
            2,
            id="合计 off by one unit of its last place",
        ),
        pytest.param(
            [TITLE, ["县区", ST], ["牡丹区", 0.4], ["曹县", "—"], ["合计", 0.7]],
            5,
            "0.7万个",
            "0.4万个",
            1,
            id="a county not reported",
        ),
        pytest.param(
            [
                TITLE,
                ["县区", ST],
                ["一、城区"],
                ["牡丹区", 0.4],
                ["小计", 0.5],
                ["二、县"],
                ["曹县", 0.3],
                ["小计", 0.3],
            ],
            5,
            "0.5万个",
            "0.4万个",
            1,
            id="one 小计 of two",
        ),
        pytest.param(
            [TITLE, ["指标名称", "牡丹区", "曹县", "合计"], ["5G基站数量", 0.4, 0.3, 0.8]],
            3,
            "0.8万个",
            "0.7万个",
            2,
            id="合计 column of a sheet with a column per county",
        ),
        pytest.param(
            [
                TITLE,
                ["指标名称", "牡丹区", "曹县", "合计（万个）"],
                ["5G基站数量", 4000, 3000, 0.7],
            ],
            3,
            "0.7万个",
            "7000万个",
            2,
            id="counties typed in 个 under a 万个 header",
        ),
    ],
)
def test_a_total_that_does_not_add_up_refuses_with_both_figures(
    small_catalog, rows, row, total, added, n
):
    result, _ = check_report(xlsx(("表", rows)), "t.xlsx", small_catalog)
    wrong = result.errors[result.errors.message.str.contains("之和为")]
    assert wrong.row.tolist() == [row]
    message = wrong.message.iloc[0]
    assert f"为 {total}" in message and f"之和为 {added}" in message
    assert f"它所合计的 {n} 项" in message and "add up to" in message


def test_totals_in_a_workbook_name_the_sheet(small_catalog):
    good = [["2024年第一季度"], ["县区", ST], ["牡丹区", 0.4], ["曹县", 0.3], ["合计", 0.7]]
    bad = [["2024年第二季度"], ["县区", ST], ["牡丹区", 0.4], ["曹县", 0.3], ["合计", 0.9]]
    result, intake = check_report(xlsx(("一季度", good), ("二季度", bad)), "t.xlsx", small_catalog)
    assert result.errors.column.tolist() == ["二季度!" + ST]
    assert [k.reason for lay in intake.layouts for k in lay.skipped if k.row == 5] == [
        "total_equal",
        "total_mismatch",
    ]


def test_a_wrong_total_writes_nothing(db):
    rows = [TITLE, ["县区", ST], ["牡丹区", 0.4], ["曹县", 0.3], ["合计", 0.8]]
    report = import_file(db, xlsx(("表", rows)), "t.xlsx")
    assert not report.written
    assert any("之和为 0.7万个" in e["message"] for e in report.errors)
    with db.read() as conn:
        assert conn.scalar(select(func.count()).select_from(Observation)) == 0
    fixed = [TITLE, ["县区", ST], ["牡丹区", 0.4], ["曹县", 0.3], ["合计", 0.7]]
    report = import_file(db, xlsx(("表", fixed)), "t.xlsx")
    assert report.written and report.inserted == 2
    with db.read() as conn:
        stored = set(conn.execute(select(Observation.region_code, Observation.value)).all())
    assert stored == {(MUDAN, 0.4), (CAO, 0.3)}
