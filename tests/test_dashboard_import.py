"""The import page's mapping step (issue 13) through Streamlit's AppTest: a bureau's
report-shaped workbook is shown as read (layout, skipped rows, the long table) before
anything is written, plausibility warnings need the box ticked, and the confirmed
mapping is saved and applied to next quarter's sheet."""

from __future__ import annotations

import io

import openpyxl
import pytest

from db import profiles
from tests.test_dashboard_analysts import ANALYST, UPLOAD, app, database, stored  # noqa: F401

SHARE = "heze-2023-digital-gov.data-service-share"  # %, Heze 371700
NAME = "一体化大数据平台统一提供数据服务的比例"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "报表"
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


QUARTERLY = report(
    [
        ["菏泽市数据共享指标完成情况统计表"],
        ["填报单位：菏泽市大数据局", None, None, "填报日期：2024年10月8日"],
        ["县区", "指标名称", "2024年", None],
        [None, None, "二季度", "三季度"],
        ["牡丹区", NAME, 40, 45],
        ["曹县", NAME, 38, "—"],
        ["合计", NAME, 78, 45],
        [],
        ["填表人：张三", None, "审核人：李四"],
    ],
    merges=("A3:A4", "B3:B4", "C3:D3"),
)


def _texts(at) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error)]
    return "\n".join(str(p) for p in parts)


def upload(at, name: str, data: bytes):
    at.file_uploader[0].set_value((name, data, XLSX))
    return at.run()


def test_report_is_previewed_then_written_with_the_right_values(database):  # noqa: F811
    at = upload(app(UPLOAD), "共享报表.xlsx", QUARTERLY)
    assert not at.exception
    text = _texts(at)
    assert "表头在第 3, 4 行" in text and "每列一个统计期" in text
    assert "合计" in str([d.value for d in at.dataframe])  # the 合计 row is listed as skipped
    assert "跳过 " in text and "已跳过 1 个标为未填报" in text
    assert stored(database).empty  # nothing written by the preview
    at.button(key="upload.write").click()
    at.run()
    rows = stored(database)
    got = sorted(
        (r.region_code, str(r.period_end)[:10], float(r.value))
        for r in rows[rows.indicator_id == SHARE].itertuples()
    )
    assert got == [
        ("371702", "2024-06-30", 40.0),
        ("371702", "2024-09-30", 45.0),
        ("371721", "2024-06-30", 38.0),
    ]


def test_warnings_block_the_write_until_the_box_is_ticked(database):  # noqa: F811
    fractions = report([["指标名称", "地区", "统计期", "数值"], [NAME, "牡丹区", "2024Q3", 0.553]])
    at = upload(app(UPLOAD), "fractions.xlsx", fractions)
    assert at.button(key="upload.write").disabled
    assert "55.3" in str([d.value for d in at.dataframe])  # the warning, on its row
    at.checkbox(key="upload.accept_warnings").check()
    at.run()
    assert not at.button(key="upload.write").disabled
    at.button(key="upload.write").click()
    at.run()
    assert list(stored(database).value) == [pytest.approx(0.553)]


def test_the_saved_mapping_applies_to_next_quarters_sheet(database):  # noqa: F811
    def quarter(q: int, value: float) -> bytes:
        return report(
            [
                [f"数据共享情况（2024年第{'一二三四'[q - 1]}季度）"],
                ["填报单位：菏泽市大数据局"],
                ["县区", "指标名称", "完成值（%）"],
                ["牡丹区", NAME, value],
            ]
        )

    at = upload(app(UPLOAD), "q3.xlsx", quarter(3, 45))
    assert "已按该表头保存的映射" not in _texts(at)
    at.button(key="upload.write").click()
    at.run()
    assert len(profiles.all_profiles(database)) == 1
    at = upload(at, "q4.xlsx", quarter(4, 50))
    assert "已按该表头保存的映射" in _texts(at)
    at.button(key="upload.write").click()
    at.run()
    rows = stored(database)
    assert sorted(str(p)[:10] for p in rows.period_end) == ["2024-09-30", "2024-12-31"]


@pytest.mark.parametrize(
    ("value", "warned"),
    [("0.553", True), ("55.3", False)],
)
def test_entry_uses_the_import_plausibility_rules(database, value, warned):  # noqa: F811
    from db.writes import enter_value

    report = enter_value(database, ANALYST, SHARE, "371700", "2024Q3", value)
    assert report.errors == []
    assert bool(report.warnings) is warned and report.written is not warned
    if warned:  # the same rule as the import's, confirmed
        assert "55.3" in report.warnings[0]["message"] and stored(database).empty
        report = enter_value(
            database, ANALYST, SHARE, "371700", "2024Q3", value, accept_warnings=True
        )
        assert report.written and list(stored(database).value) == [pytest.approx(0.553)]
