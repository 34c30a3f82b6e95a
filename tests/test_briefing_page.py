"""The 通报与整改 page (views/briefing.py) driven with AppTest: what a leader sees (league
table, matrix, lagging targets, downloads) and what an analyst of the responsible unit
records (a cause and a remedy, then the history)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.engine import Database
from db.permissions import LOCAL_OPERATOR, Actor
from db.remedies import remedy_history
from db.writes import import_file
from metrics.demo import demo_frame
from metrics.exports import to_csv_bytes
from tests.dashboard_helpers import (
    add_accounts,
    app_database,
    clear_caches,
    closing,
    config_file,
    dashboard,
    point_app_at,
)

PAGE = "views/briefing.py"
PASSWORD = "correct horse battery"
ANALYST = Actor("bdb", "analyst", units=("市大数据局",), regions=("371700",))  # 菏泽
OTHER = Actor("miit", "analyst", units=("市工业和信息化局",), regions=("371700",))


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The full catalog with labelled demo data up to today, and two analysts."""
    db = app_database(tmp_path, monkeypatch)
    frame = demo_frame(db.catalog, date.today())
    assert import_file(db, to_csv_bytes(frame), "demo.csv", LOCAL_OPERATOR).written
    add_accounts(db, PASSWORD, (ANALYST, OTHER))
    yield from closing(db)


def page(actor: Actor | None = None, lang: str = "zh") -> AppTest:
    return dashboard(actor, PAGE, lang=lang, signed_in=True, timeout=90)


def frame_with(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_a_leader_sees_the_league_table_matrix_lagging_targets_and_downloads(database):
    at = page()
    assert not at.exception
    assert at.title[0].value == "季度通报与整改跟踪"
    league = frame_with(at, "上期排名")
    assert list(league["排名"]) == sorted(league["排名"])  # ranked
    matrix = frame_with(at, "暂无数据")
    assert {"责任单位", "已完成", "进展正常", "合计"} <= set(matrix.columns)
    lagging = frame_with(at, "落后原因")
    assert len(lagging) > 0 and set(lagging["落后原因"]) == {"未报送"}  # nothing answered yet
    labels = [b.proto.label for b in at.get("download_button")]
    assert "下载通报（Word）" in labels and "下载该单位的预警通知单" in labels
    assert any(label.startswith("下载全部预警通知单") for label in labels)
    assert any("登录后" in i.value for i in at.info)  # the form is for signed-in analysts


def test_english(database):
    at = page(lang="en")
    assert not at.exception
    assert at.title[0].value == "Quarterly briefing and remedies"
    assert "Previous rank" in frame_with(at, "Previous rank").columns


def test_an_analyst_records_a_cause_and_remedy_and_sees_it_in_the_tables(database):
    at = page(ANALYST)
    target = at.selectbox(key="bp_target")
    assert target.options  # the analyst's unit has lagging targets in the demo data
    at.text_area(key="bp_cause").input("数据接口尚未打通")
    at.text_area(key="bp_remedy").input("成立专班，每周调度接口对接")
    next(b for b in at.button if b.label == "提交").click()
    at.run()
    assert not at.exception and not at.error
    assert any("已记录第 1 条" in s.value for s in at.success)
    history = remedy_history(database)
    assert len(history) == 1
    row = history.iloc[0]
    assert (row.recorded_by, row.unit, row.cause) == ("bdb", "市大数据局", "数据接口尚未打通")
    shown = frame_with(at, "填报时状态")  # the history table
    assert list(shown["落后原因"]) == ["数据接口尚未打通"]


def test_an_empty_cause_is_refused_with_a_reason(database):
    at = page(ANALYST)
    at.text_area(key="bp_remedy").input("措施")
    next(b for b in at.button if b.label == "提交").click()
    at.run()
    assert any("落后原因" in e.value for e in at.error)
    assert remedy_history(database).empty


def test_an_analyst_is_offered_only_their_units_targets(database):
    def names(actor: Actor) -> set[str]:
        return {o.split(" · ")[2] for o in page(actor).selectbox(key="bp_target").options}

    catalog = database.catalog

    def only(unit: str) -> set[str]:
        return {i.name for i in catalog.indicators.values() if unit in i.responsible}

    theirs, mine = names(OTHER), names(ANALYST)
    assert theirs and mine
    assert theirs <= only("市工业和信息化局") and mine <= only("市大数据局")
    assert not theirs & (only("市大数据局") - only("市工业和信息化局"))


def test_an_empty_database_shows_the_page_without_error(tmp_path, monkeypatch):
    point_app_at(monkeypatch, config_file(tmp_path), f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        at = page()
        assert not at.exception
        assert any(c.value.startswith("按截至") for c in at.caption)
        assert len(frame_with(at, "落后原因")) > 0  # every target lags: nothing reported
    finally:
        clear_caches()


@pytest.mark.parametrize(
    "day, label",
    [
        (date(2026, 12, 2), "2026Q3"),  # mid-quarter: the last quarter that has ended
        (date(2026, 9, 30), "2026Q3"),  # a quarter's last day: that quarter
        (date(2026, 1, 1), "2025Q4"),
        (date(2026, 3, 31), "2026Q1"),
    ],
)
def test_the_quarter_a_briefing_covers(day, label):
    from views.remedies import last_quarter, quarters

    assert last_quarter(day).label == label
    assert [q.label for q in quarters(day, 3)][0] == label
    assert len({q.label for q in quarters(day, 8)}) == 8


def test_the_overview_offers_the_briefing_and_the_unit_status_matrix(database):
    at = dashboard(timeout=90)
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("下载通报（Word） · 20") for label in labels), labels
    assert any(e.label == "单位 × 状态" for e in at.expander)
    matrix = frame_with(at, "暂无数据")
    assert {"责任单位", "合计"} <= set(matrix.columns)


def test_the_indicator_page_shows_the_targets_causes_and_remedies(database):
    from db.queries import status
    from db.remedies import record_remedy

    rows = status(database, date.today())
    row = rows[rows["home"].astype(bool) & (rows["status"] == "missed")].iloc[0]
    record_remedy(
        database, LOCAL_OPERATOR, row.indicator, row.region, "历史原因", "历史措施", date.today()
    )
    at = dashboard(page="views/indicator.py", params={"id": row.indicator}, timeout=90)
    assert not at.exception
    assert "整改记录（历史）" in [s.value for s in at.subheader]
    assert list(frame_with(at, "填报时状态")["落后原因"]) == ["历史原因"]
