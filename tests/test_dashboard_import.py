"""The import page's mapping step (issue 13) through Streamlit's AppTest: a bureau's
report-shaped workbook is shown as read (layout, skipped rows, the long table) before
anything is written, plausibility warnings need the box ticked, and the confirmed
mapping is saved and applied to next quarter's sheet."""

from __future__ import annotations

import hashlib
import io

import openpyxl
import pandas as pd
import pytest

from db import pending, profiles
from metrics.intake.profiles import Mapping
from tests.test_dashboard_analysts import (  # noqa: F401
    ANALYST,
    OTHER_UNIT,
    UPLOAD,
    app,
    database,
    stored,
)
from views import upload_layout

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


# --- issue 14 item 5: the preview survives a reload (db/pending.py) ----------------------------


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_reload_brings_the_preview_back_and_the_write_works(database):  # noqa: F811
    at = upload(app(UPLOAD), "共享报表.xlsx", QUARTERLY)
    before = _metrics(at)
    assert before["新增"] == "3" and pending.load_pending(database, ANALYST) is not None
    again = app(UPLOAD)  # a reload: a new session, the uploader empty, the same account
    assert not again.exception
    assert "已恢复上次上传、尚未写入的文件“共享报表.xlsx”" in _texts(again)
    assert _metrics(again) == before
    assert not app(UPLOAD, actor=OTHER_UNIT).metric  # another account's file is not theirs
    again.button(key="upload.write").click()
    again.run()
    assert "已写入第 1 号导入" in str([s.value for s in again.success])
    assert len(stored(database)) == 3
    assert pending.load_pending(database, ANALYST) is None  # written: forgotten
    assert not app(UPLOAD).metric


def test_the_choices_made_come_back_with_the_file(database):  # noqa: F811
    fractions = report([["指标名称", "地区", "统计期", "数值"], [NAME, "牡丹区", "2024Q3", 0.553]])
    at = upload(app(UPLOAD), "fractions.xlsx", fractions)
    at.checkbox(key="upload.accept_warnings").check()
    at.run()
    assert pending.load_pending(database, ANALYST).options["accept_warnings"] is True
    again = app(UPLOAD)
    assert again.checkbox(key="upload.accept_warnings").value is True
    assert not again.button(key="upload.write").disabled
    again.button(key="upload.write").click()
    again.run()
    assert list(stored(database).value) == [pytest.approx(0.553)]


def test_discard_forgets_the_file_and_writes_nothing(database):  # noqa: F811
    at = upload(app(UPLOAD), "共享报表.xlsx", QUARTERLY)
    at.button(key="upload.discard").click()
    at.run()
    assert "已放弃文件“共享报表.xlsx”，未写入任何数据" in _texts(at)
    assert not at.metric and pending.load_pending(database, ANALYST) is None
    assert not app(UPLOAD).metric and stored(database).empty


# --- issue 14 item 7: the session keeps what the page draws, the write reads the file again ----


def test_the_session_keeps_only_the_drawn_rows_and_the_write_reads_the_file(
    database,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(upload_layout, "PREVIEW_ROWS", 5)
    regions = ["371702", "371721", "371722", "371723", "371724", "371725"]
    rows = [[SHARE, r, f"2024Q{q}", 30 + q] for r in regions for q in (1, 2, 3, 4)]
    data = report(
        [["指标编码", "地区编码", "统计期", "数值"], *rows, [SHARE, "999999", "2024Q1", 1]]
    )
    at = upload(app(UPLOAD), "24.xlsx", data)
    assert _metrics(at)["新增"] == "24" and _metrics(at)["问题行"] == "1"
    kept = at.session_state["upload.preview"]
    frames = {k: len(v) for k, v in kept.items() if isinstance(v, pd.DataFrame)}
    assert frames == {"head": 5, "problem_head": 1, "keys": 6}  # no whole table kept
    assert len(kept["head"]) == 5 and kept["total_rows"] == 25
    assert "仅显示前 5 行（共 25 行）" in _texts(at)
    at.checkbox(key="upload.skip_invalid").check()
    at.run()
    at.button(key="upload.write").click()
    at.run()
    assert len(stored(database)) == 24
    assert "report" not in at.session_state["upload.result"]


# --- issue 13: a correction per sheet of a workbook --------------------------------------------


def quarters_book(q2_value_header: str, quarters: tuple[int, ...] = (1, 2, 3)) -> bytes:
    """One sheet per quarter (the sheet names the period); one sheet's value column may
    be headed in a way the importer does not know."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for q in quarters:
        ws = book.create_sheet(f"2024年第{'一二三四'[q - 1]}季度")
        ws.append(["菏泽市数据共享情况统计表"])
        ws.append(["县区", "指标名称", q2_value_header if q == 2 else "完成值（%）"])
        ws.append(["牡丹区", NAME, 40 + q])
        ws.append(["曹县", NAME, 30 + q])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _correct_column(at, data: bytes, sheet: int, column: int, role: str):
    tag = hashlib.sha256(data).hexdigest()[:12]
    at.selectbox(key=f"upload.role.{tag}.{sheet}.{column}").set_value(role)
    at.button(key=f"upload.apply.{tag}.{sheet}").click()
    return at.run()


def test_one_sheet_of_a_quarterly_workbook_is_corrected_and_saved_as_its_profile(
    database,  # noqa: F811
):
    data = quarters_book("本季完成")
    at = upload(app(UPLOAD), "季度.xlsx", data)
    assert "工作表“2024年第二季度”没有数值列" in _texts(at)  # refused, the forms shown
    assert not at.metric
    at = _correct_column(at, data, sheet=1, column=2, role="value")
    assert not at.exception and not at.error, _texts(at)
    assert _metrics(at)["新增"] == "6"
    assert pending.load_pending(database, ANALYST).options["mappings"] == {
        "2024年第二季度": {
            "fingerprint": at.session_state["upload.preview"]["layouts"][1][0].fingerprint,
            "header_row": 2,
            "columns": {"县区": "region", "指标名称": "indicator", "本季完成": "value"},
        }
    }
    assert "更正工作表 **2024年第二季度** 的读法" in _texts(at)  # one form per sheet
    at.button(key="upload.write").click()
    at.run()
    got = sorted(
        (r.region_code, str(r.period_end)[:10], float(r.value))
        for r in stored(database).itertuples()
    )
    assert got == [
        ("371702", "2024-03-31", 41.0),
        ("371702", "2024-06-30", 42.0),
        ("371702", "2024-09-30", 43.0),
        ("371721", "2024-03-31", 31.0),
        ("371721", "2024-06-30", 32.0),
        ("371721", "2024-09-30", 33.0),
    ]
    saved = profiles.all_profiles(database)
    assert sorted(m.columns.get("本季完成", "") for m in saved.values()) == ["", "value"]
    # next quarter the bureau sends its sheet headed 本季完成 again: read with no click
    q4 = quarters_book("本季完成", quarters=(2,))
    at = upload(app(UPLOAD), "二季度修订.xlsx", q4)
    assert "已按该表头保存的映射" in _texts(at) and _metrics(at)["不变"] == "2"


@pytest.mark.parametrize(
    ("mappings", "chosen", "expected"),
    [
        ({}, "", None),
        ({"Q2": Mapping(columns={"进度": "value"})}, "", {"Q2": {"进度": "value"}}),
        ({"Q2": Mapping(period="2024Q2")}, "", {"Q2": {}}),
        ({"Q2": Mapping(columns={"进度": "value"})}, "Q2", {"进度": "value"}),
        ({"Q2": Mapping(columns={"进度": "value"})}, "Q1", None),
    ],
)
def test_sheet_corrections_apply_to_their_own_sheet(mappings, chosen, expected):
    got = upload_layout.import_mapping(mappings, chosen)
    if expected is None:
        assert got is None
    elif chosen:
        assert got.columns == expected and got.sheet == chosen
    else:
        assert {k: m.columns for k, m in got.items()} == expected


# --- issue 13 follow-ups: the sheet's unit, 其中 rows read, a blank region refused ------------

COMMUNITIES = "全市建设智慧社区数量"  # 个, sums over counties, 市大数据局
IN_WAN = report(
    [
        ["菏泽市智慧社区建设情况统计表（2023年第四季度）"],
        ["填报单位：菏泽市大数据局", None, "单位：万个"],
        ["县区", "指标名称", "数值"],
        ["全市", COMMUNITIES, 0.007],
        ["其中：牡丹区", COMMUNITIES, 0.004],
        ["其中：曹县", COMMUNITIES, 0.003],
    ]
)


def _rows_read(at) -> pd.DataFrame:
    """The table of 其中 rows read as a catalog region or indicator (row, text only)."""
    found = [d.value for d in at.dataframe if len(d.value.columns) == 2]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


@pytest.mark.parametrize(
    ("lang", "unit", "read", "columns"),
    [
        (
            "zh",
            "标题或表头上方的“单位：…”行写明单位为 **万个**：表头未写单位的数值按 万个 读取",
            "按“其中：…”所写的目录指标或地区读取的行（2 行），各作为该指标或地区的数写入：",
            ["行号", "内容"],
        ),
        (
            "en",
            "The title or a “单位：…” line above the header gives the unit **万个**: values "
            "whose header names no unit are read in 万个 and converted",
            "Rows read as the catalog indicator or region their “其中：…” names (2 rows)",
            ["Row", "Text"],
        ),
    ],
)
def test_the_preview_shows_the_sheets_unit_and_the_breakdown_rows_read(
    database,  # noqa: F811
    lang,
    unit,
    read,
    columns,
):
    at = upload(app(UPLOAD, lang=lang), "社区.xlsx", IN_WAN)
    assert not at.exception and not at.error, _texts(at)
    text = _texts(at)
    assert unit in text and read in text
    rows = _rows_read(at)
    assert list(rows.columns) == columns
    assert rows.values.tolist() == [[5, "其中：牡丹区"], [6, "其中：曹县"]]
    head = at.session_state["upload.preview"]["head"]
    assert sorted(zip(head.region, head.new, strict=True)) == [
        ("371700", 70.0),  # 0.007 万个 is 70 个: converted before it is shown
        ("371702", 40.0),
        ("371721", 30.0),
    ]
    at.button(key="upload.write").click()
    at.run()
    got = sorted((r.region_code, float(r.value)) for r in stored(database).itertuples())
    assert got == [("371700", 70.0), ("371702", 40.0), ("371721", 30.0)]


def test_a_sheet_without_unit_or_breakdowns_says_neither(database):  # noqa: F811
    at = upload(app(UPLOAD), "共享报表.xlsx", QUARTERLY)
    text = _texts(at)
    assert "写明单位为" not in text and "按“其中：…”所写" not in text


def test_a_blank_county_cell_is_a_problem_row_with_the_fix(database):  # noqa: F811
    data = report(
        [
            ["菏泽市智慧社区建设情况统计表（2023年第四季度）"],
            ["县区", "指标名称", "数值（个）"],
            ["牡丹区", COMMUNITIES, 40],
            [None, COMMUNITIES, 30],
        ]
    )
    at = upload(app(UPLOAD), "社区.xlsx", data)
    assert _metrics(at)["新增"] == "1" and _metrics(at)["问题行"] == "1"
    problems = at.session_state["upload.preview"]["errors"]
    assert [(e["row"], e["column"], e["value"]) for e in problems] == [(4, "县区", "")]
    assert "请在该行填写县区名称；如是全市的数，请填写“全市”或“菏泽市”" in problems[0]["message"]
    assert at.button(key="upload.write").disabled
