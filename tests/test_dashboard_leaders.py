"""The leaders' pages (总览 Overview, 指标详情 Indicator) and their plotly figures.

Pages are driven with streamlit.testing.v1.AppTest against a fresh SQLite database
made from a copy of config.yaml; the figure builders are tested with plain frames.
"""

from __future__ import annotations

import base64
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.catalog import Catalog, load_catalog
from metrics.exports import to_csv_bytes
from metrics.importer import EXPORT_HEADERS
from metrics.progress import STATUS_ORDER, actual_series, evaluate, explain, status_label
from tests.conftest import CONFIG
from views import charts

ROOT = Path(__file__).resolve().parents[1]
SHARE = "heze-2023-digital-gov.data-service-share"  # %, baseline 20, 35 by 2023, 70 by 2025
BASES = "jinan-2025-digital-transformation.smart-agriculture-bases"  # 家, sum over counties
AS_OF = "2025-06-30"


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the catalog and an empty SQLite file; the dashboard's caches cleared."""
    config = tmp_path / "config.yaml"
    shutil.copy(CONFIG, config)
    monkeypatch.setenv("METRICS_CONFIG", str(config))
    monkeypatch.setenv("METRICS_DATABASE_URL", f"sqlite:///{tmp_path / 'metrics.db'}")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield tmp_path
    st.cache_resource.clear()
    st.cache_data.clear()


def make_app(lang: str = "zh", **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    return at


def open_indicator(at: AppTest, **params: str) -> AppTest:
    at.switch_page("views/indicator.py")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def dashboard_db():
    """The Database the running dashboard uses (its writes clear the page caches)."""
    from views.common import get_db

    return get_db()


def import_rows(rows: list[tuple[str, str, str, float]]) -> None:
    """Write (indicator, region, period, value) rows through the import, as an analyst would."""
    db = dashboard_db()
    frame = pd.DataFrame(
        [
            {
                "indicator_id": i,
                "indicator": "",
                "region": r,
                "region_name": "",
                "period": p,
                "value": v,
                "unit": "",
                "note": "test",
                "source": "test",
            }
            for i, r, p, v in rows
        ]
    )[list(EXPORT_HEADERS)].rename(columns=EXPORT_HEADERS)
    from db.writes import import_file

    report = import_file(db, to_csv_bytes(frame), "test.csv")
    assert report.errors == [] and report.written, report.errors


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def main_table(at: AppTest) -> pd.DataFrame:
    """The overview's full table (the attention list above it has no domain column)."""
    return next(df.value for df in at.dataframe if "domain" in df.value.columns)


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def plotly_figures(at: AppTest) -> list[go.Figure]:
    """The figures the page drew (their specs as sent to the browser)."""
    return [pio.from_json(el.proto.spec) for el in at.get("plotly_chart")]


def values_of(array: object) -> list:
    """A trace array from a spec: plain, or packed as {"dtype", "bdata"} by plotly."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)  # type: ignore[call-overload]


# --- both pages, both languages ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_render_in_both_languages(app_env: Path, lang: str) -> None:
    at = make_app(lang).run()
    assert_ok(at)
    assert at.title[0].value == ("总览" if lang == "zh" else "Overview")
    open_indicator(at, id=SHARE)
    assert_ok(at)
    assert at.title[0].value == ("指标详情" if lang == "zh" else "Indicator")
    quote = load_catalog(CONFIG).indicators[SHARE].quote
    assert quote in [t.value for t in at.text]  # verbatim, as plain text


def test_indicator_page_opened_first_in_a_fresh_process(app_env: Path) -> None:
    """A shared /indicator link can be the first page a server process runs: the page must
    not rely on sentences another page registers. A fresh interpreter proves it."""
    import subprocess
    import sys

    script = (
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'dashboard.py')!r}, default_timeout=60)\n"
        f"at.switch_page('views/indicator.py'); at.query_params['id'] = {SHARE!r}\n"
        "at.run()\n"
        "assert not at.exception, [e.message for e in at.exception]\n"
        "print('OK', at.title[0].value)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "OK 指标详情" in done.stdout, done.stderr[-2000:]


def test_overview_has_its_widgets(app_env: Path) -> None:
    at = make_app().run()
    assert_ok(at)
    keys = {w.key for w in at.multiselect}
    assert {"ov_city@zh", "ov_plan@zh", "ov_domain@zh", "ov_resp@zh", "ov_status@zh"} <= keys
    assert at.date_input(key="ov_as_of@zh").value == date.today()
    labels = list(metric_values(at))
    assert labels == ["目标总数"] + [status_label(s, "zh") for s in STATUS_ORDER]
    table = main_table(at)
    assert {
        "status",
        "latest",
        "period",
        "target",
        "deadline",
        "days_left",
        "progress",
        "responsible",
    } <= set(table.columns)
    downloads = [d.label for d in at.get("download_button")]
    assert "下载 CSV" in downloads and "下载 Excel" in downloads
    assert downloads.count("下载图表（HTML）") == 3  # by city, by unit, comparison
    links = at.get("page_link")
    assert any(
        link.proto.page == "indicator" and "id=" in link.proto.query_string for link in links
    )
    assert at.selectbox(key="ov_cmp@zh").value == "智慧农业应用基地"
    assert len(plotly_figures(at)) == 3


def test_empty_database_shows_no_data_and_the_hint(app_env: Path) -> None:
    at = make_app().run()
    assert_ok(at)
    n = len(load_catalog(CONFIG).indicators)
    values = metric_values(at)
    assert values["目标总数"] == str(n)
    assert values[status_label("no_data", "zh")] == str(n)
    assert all(values[status_label(s, "zh")] == "0" for s in STATUS_ORDER if s != "no_data")
    assert set(main_table(at)["status"].map(tuple)) == {("暂无数据",)}
    hint = " ".join(i.value for i in at.info)
    assert "数据填报" in hint and "批量导入" in hint and "python -m metrics import" in hint


def test_empty_database_hint_in_english(app_env: Path) -> None:
    at = make_app("en").run()
    assert_ok(at)
    hint = " ".join(i.value for i in at.info)
    assert "Data entry" in hint and "python -m metrics import FILE" in hint


def test_counts_and_table_change_after_import(app_env: Path) -> None:
    at = make_app(as_of=AS_OF).run()
    assert_ok(at)
    before = metric_values(at)
    import_rows(
        [
            (SHARE, "371700", "2025Q2", 52),
            (BASES, "370102", "2025Q2", 3),
            (BASES, "370103", "2025Q2", 4),
        ]
    )
    at.run()
    assert_ok(at)
    after = metric_values(at)
    assert int(after["暂无数据"]) == int(before["暂无数据"]) - 2
    assert not any("批量导入" in el.value for el in at.info)  # the empty-database hint is gone
    table = main_table(at).set_index("indicator")
    assert table.loc[SHARE, "latest"] == "52.0%"
    assert table.loc[SHARE, "period"] == "2025Q2"
    assert table.loc[BASES, "latest"] == "7家"  # the city's value is its counties' sum
    assert table.loc[SHARE, "status"] != ["暂无数据"]


def test_filters_are_read_from_query_params(app_env: Path) -> None:
    at = make_app(city="370100", status=["no_data"], as_of=AS_OF).run()
    assert_ok(at)
    assert at.multiselect(key="ov_city@zh").value == ["370100"]
    assert at.multiselect(key="ov_status@zh").value == ["no_data"]
    assert at.date_input(key="ov_as_of@zh").value == date(2025, 6, 30)
    table = main_table(at)
    catalog = load_catalog(CONFIG)
    jinan = [i for i in catalog.indicators.values() if catalog.region_of(i) == "370100"]
    assert len(table) == len(jinan) and set(table["city"]) == {"济南市"}
    assert at.query_params["city"] == "370100"  # the shared view stays in the URL


def test_changing_a_filter_writes_the_url(app_env: Path) -> None:
    at = make_app().run()
    at.multiselect(key="ov_domain@zh").set_value(["数字经济"]).run()
    assert_ok(at)
    assert at.query_params["domain"] == "数字经济"
    assert set(main_table(at)["domain"]) == {"数字经济"}
    at.multiselect(key="ov_domain@zh").set_value([]).run()
    assert "domain" not in at.query_params


def test_unknown_filter_values_are_reported(app_env: Path) -> None:
    at = make_app(city=["370100", "999999"]).run()
    assert_ok(at)
    assert at.multiselect(key="ov_city@zh").value == ["370100"]
    assert any("999999" in w.value for w in at.warning)


def test_responsible_unit_filter(app_env: Path) -> None:
    at = make_app(resp="市农业农村局").run()
    assert_ok(at)
    table = main_table(at)
    assert len(table) > 0 and table["responsible"].str.contains("市农业农村局").all()


# --- the indicator page ------------------------------------------------------------------------


def test_indicator_preselected_from_query_param(app_env: Path) -> None:
    at = make_app().run()
    open_indicator(at, id=BASES)
    assert_ok(at)
    assert at.selectbox(key="ind_id@zh").value == BASES
    assert at.selectbox(key="ind_region@zh").value == "370100"
    assert at.date_input(key="ind_as_of@zh").value == date.today()
    assert len(plotly_figures(at)) == 1  # the indicator chart (no county values yet)


def test_unknown_indicator_id_is_said_and_no_other_indicator_opens(app_env: Path) -> None:
    """Issue 17 item 10: no silent first indicator, and the link stays as it was."""
    at = make_app().run()
    open_indicator(at, id="no-such.indicator")
    assert_ok(at)
    assert any("no-such.indicator" in e.value for e in at.error)
    assert not at.selectbox and not at.get("plotly_chart")
    assert at.query_params["id"] == "no-such.indicator"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicator_explains_the_status_with_numbers(app_env: Path, lang: str) -> None:
    at = make_app(lang).run()
    # no catalog baseline: the first value (30 at 2024Q4) is the start of the planned path
    import_rows([(SHARE, "371700", "2024Q4", 30), (SHARE, "371700", "2025Q2", 45)])
    open_indicator(at, id=SHARE, as_of=AS_OF)
    assert_ok(at)
    db = dashboard_db()
    from db.queries import status

    frame = status(db, date(2025, 6, 30))
    row = frame[(frame["indicator"] == SHARE) & (frame["region"] == "371700")].iloc[0]
    assert row["status"] == "at_risk"
    sentence = explain(row, db.catalog, lang)
    shown = [el.value for el in at.warning]  # at risk is framed as a warning
    assert any(sentence in value for value in shown), (sentence, shown)
    expected = f"{row['expected']:.2f}".rstrip("0").rstrip(".")
    ratio = f"{row['ratio'] * 100:.0f}%"
    if lang == "zh":
        assert (
            f"2025Q2 实际 45%，按计划应达 {expected}%，完成计划进度的 {ratio}，存在风险" in sentence
        )
    else:
        assert f"2025Q2 actual 45% against {expected}% planned, {ratio} of planned" in sentence
        assert "At risk" in sentence


def test_indicator_chart_counties_values_and_revisions(app_env: Path) -> None:
    at = make_app().run()
    import_rows(
        [
            (BASES, "370102", "2025Q1", 2),
            (BASES, "370103", "2025Q1", 3),
            (BASES, "370102", "2025Q2", 3),
            (BASES, "370103", "2025Q2", 4),
        ]
    )
    import_rows([(BASES, "370102", "2025Q2", 5)])  # a correction: kept as a revision
    open_indicator(at, id=BASES, as_of=AS_OF)
    assert_ok(at)
    # the county map (with the optional boundary package) is tested in test_dashboard_ui
    figures = [f for f in plotly_figures(at) if not any(tr.meta for tr in f.data)]
    assert len(figures) == 2  # the indicator chart and the county breakdown
    names = [tr.name for tr in figures[0].data]
    assert {"实际值", "计划进度", "阶段目标"} <= set(names)
    actual = next(tr for tr in figures[0].data if tr.name == "实际值")
    assert values_of(actual.y) == [5, 9]  # county sums per quarter
    assert any(str(s.x0).startswith(AS_OF) for s in figures[0].layout.shapes)
    county_names = {x for tr in figures[1].data for x in (tr.x or [])}
    assert {"历下区", "市中区"} <= county_names
    frames = {tuple(df.value.columns): df.value for df in at.dataframe}
    revisions = next(v for cols, v in frames.items() if "原值" in cols)
    assert list(revisions[["原值", "新值"]].iloc[0]) == ["3家", "5家"]
    assert [d.label for d in at.get("download_button")].count("下载图表（HTML）") == 2
    # the county itself, chosen from the region box, keeps the choice in the URL
    at.selectbox(key="ind_region@zh").set_value("370102").run()
    assert_ok(at)
    assert at.query_params["region"] == "370102"
    values = next(df.value for df in at.dataframe if "统计期" in df.value.columns)
    assert set(values["地区"]) == {"历下区"}


def test_indicator_shows_the_plan_and_responsible_units(app_env: Path) -> None:
    at = make_app().run()
    open_indicator(at, id=SHARE)
    texts = " ".join(t.value for t in at.text)
    catalog = load_catalog(CONFIG)
    ind = catalog.indicators[SHARE]
    plan = catalog.plans[ind.plan]
    assert plan.title in texts and plan.doc_no in texts and ind.clause in texts
    assert all(unit in texts for unit in ind.responsible)


def test_changing_the_indicator_updates_the_url(app_env: Path) -> None:
    at = make_app().run()
    open_indicator(at, id=SHARE)
    at.selectbox(key="ind_id@zh").set_value(BASES).run()
    assert_ok(at)
    assert at.query_params["id"] == BASES


def test_a_write_by_another_process_is_seen_on_the_next_rerun(app_env: Path) -> None:
    from db.connect import open_database
    from db.permissions import LOCAL_OPERATOR
    from db.writes import enter_value

    at = make_app(as_of=AS_OF).run()
    other = open_database(load_catalog())  # as the CLI would: no dashboard listener
    report = enter_value(other, LOCAL_OPERATOR, SHARE, "371700", "2025Q2", "52")
    assert report.written, report.errors
    other.engine.dispose()
    at.run()
    assert main_table(at).set_index("indicator").loc[SHARE, "latest"] == "52.0%"


# --- the figure builders -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONFIG)


def _chart_data(catalog: Catalog, lang: str = "zh") -> charts.IndicatorChartData:
    from metrics.progress import projection_line, trajectory

    obs = pd.DataFrame(
        {
            "indicator": [SHARE] * 3,
            "region": ["371700"] * 3,
            "period_kind": ["quarter"] * 3,
            "period_end": pd.to_datetime(["2024-06-30", "2024-12-31", "2025-06-30"]),
            "value": [30.0, 40.0, 52.0],
        }
    )
    row = evaluate(catalog, obs, AS_OF).set_index("indicator").loc[SHARE]
    row = {**row.to_dict(), "indicator": SHARE}
    ind = catalog.indicators[SHARE]
    return charts.IndicatorChartData(
        title="t",
        unit="%",
        actual=actual_series(obs, ind, "371700", []),
        trajectory=trajectory(catalog, SHARE, row["baseline_value"], row["baseline_date"]),
        stages=charts.stage_frame(ind, 1.0, lang),
        projection=projection_line(row),
        baseline=(row["baseline_date"], row["baseline_value"]),
        as_of=date(2025, 6, 30),
    )


def test_indicator_figure_traces_and_as_of_line(catalog: Catalog) -> None:
    fig = charts.indicator_figure(_chart_data(catalog), "zh")
    names = [tr.name for tr in fig.data]
    assert names == ["计划进度", "基期值", "阶段目标", "趋势预测", "实际值"]
    stages = next(tr for tr in fig.data if tr.name == "阶段目标")
    assert list(stages.y) == [35.0, 70.0]
    assert [pd.Timestamp(x).date() for x in stages.x] == [date(2023, 12, 31), date(2025, 12, 31)]
    proj = next(tr for tr in fig.data if tr.name == "趋势预测")
    assert pd.Timestamp(proj.x[-1]).date() == date(2025, 12, 31)  # to the final deadline
    line, target, deadline = fig.layout.shapes
    assert pd.Timestamp(line.x0).date() == date(2025, 6, 30) and line.yref == "paper"
    assert fig.layout.annotations[0].text == "截至 2025-06-30"
    assert fig.layout.yaxis.title.text == "数值（%）"
    # the final target and its deadline are labelled on the chart (item 7)
    assert target.y0 == target.y1 == 70.0
    assert pd.Timestamp(deadline.x0, unit="ms").date() == date(2025, 12, 31)
    labels = [a.text for a in fig.layout.annotations]
    assert "最终目标 不低于70.0%" in labels and "期限 2025-12-31" in labels
    assert fig.layout.xaxis.tickformat == "%Y年%-m月"  # no "Jan 2026" in Chinese (item 6)


def test_indicator_figure_in_english(catalog: Catalog) -> None:
    fig = charts.indicator_figure(_chart_data(catalog, "en"), "en")
    assert [tr.name for tr in fig.data] == [
        "Planned trajectory",
        "Baseline",
        "Target stage",
        "Projection",
        "Actual",
    ]
    assert fig.layout.annotations[0].text == "As of 2025-06-30"
    assert "at least 70.0%" in fig.data[2].hovertext


def test_indicator_figure_without_data_still_shows_targets(catalog: Catalog) -> None:
    ind = catalog.indicators[SHARE]
    empty = pd.DataFrame(columns=["date", "value"])
    fig = charts.indicator_figure(
        charts.IndicatorChartData(
            "t", "%", empty, empty, charts.stage_frame(ind, 1, "zh"), empty, None, date(2025, 1, 1)
        )
    )
    assert [tr.name for tr in fig.data] == ["阶段目标"]
    assert len(fig.layout.shapes) == 3  # as-of date, final target, deadline
    # with no data the axis still starts before the (passed) deadlines: the whole plan
    start, end = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    assert start < pd.Timestamp("2023-12-31") and end > pd.Timestamp("2025-12-31")


def test_stage_frame_between_and_share(catalog: Catalog) -> None:
    between = next(
        i for i in catalog.indicators.values() if any(s.op == "between" for s in i.targets)
    )
    frame = charts.stage_frame(between, 0.5, "zh")
    stage = next(s for s in between.targets if s.op == "between")
    got = frame[frame["op"] == "between"].iloc[0]
    assert got["low"] == stage.low * 0.5 and got["high"] == stage.high * 0.5
    assert got["value"] == (got["low"] + got["high"]) / 2
    assert "至" in got["text"]


def test_status_bars_one_trace_per_status_with_fixed_colours() -> None:
    table = pd.DataFrame(
        {
            "region": ["370100", "371700"],
            "achieved": [1, 2],
            "on_track": [0, 1],
            "at_risk": [3, 0],
            "off_track": [0, 0],
            "missed": [1, 1],
            "no_data": [5, 0],
            "total": [10, 4],
        }
    )
    fig = charts.status_bars(
        table, "region", {"370100": "济南市", "371700": "菏泽市"}, "各城市", "zh"
    )
    assert [tr.name for tr in fig.data] == [status_label(s, "zh") for s in STATUS_ORDER]
    assert [tr.marker.color for tr in fig.data] == [charts.STATUS_COLORS[s] for s in STATUS_ORDER]
    assert fig.layout.barmode == "stack"
    assert list(fig.data[0].x) == ["济南市", "菏泽市"]
    horizontal = charts.status_bars(table, "region", {}, "t", "en", horizontal=True)
    assert horizontal.data[0].orientation == "h" and horizontal.data[0].name == "Achieved"
    assert list(horizontal.data[0].y) == ["371700", "370100"]  # largest total on top


def test_region_figure_bars_by_status_and_target_share() -> None:
    rows = pd.DataFrame(
        {
            "name": ["历下区", "市中区", "槐荫区"],
            "value": [3.0, 1.0, None],
            "period": ["2025Q2", "2025Q2", None],
            "status": ["on_track", "off_track", "no_data"],
            "target": [1.5, 1.5, 1.5],
        }
    )
    fig = charts.region_figure(rows, "济南", "家", "zh")
    names = [tr.name for tr in fig.data]
    assert names == ["进展正常", "进度滞后", "暂无数据", "分摊目标"]
    assert fig.data[0].marker.color == charts.STATUS_COLORS["on_track"]
    assert fig.layout.yaxis.title.text == "数值（家）"


def test_comparison_figure_uses_progress_and_shows_numbers() -> None:
    rows = pd.DataFrame(
        {
            "label": ["菏泽市 · A", "济南市 · B", "济宁市 · C", "平度市 · D"],
            "progress": [1.0, 0.25, -4.5, float("nan")],
            "status": ["achieved", "off_track", "off_track", "no_data"],
            "value_text": ["10家", "4家", "1个", "—"],
            "target_text": ["不低于10家", "不低于18家", "10个左右", "不低于5家"],
        }
    )
    fig = charts.comparison_figure(rows, "对比", "zh")
    assert [tr.name for tr in fig.data] == ["已完成", "进度滞后", "暂无数据"]
    behind = fig.data[1]
    assert list(behind.x) == [25.0, 0.0]  # a decline is drawn at 0 …
    assert list(behind.text) == ["25%", "-450%"]  # … and labelled with the true figure
    assert list(behind.customdata[0][:2]) == ["4家", "不低于18家"]
    assert list(fig.data[2].text) == ["暂无数据"]
    assert fig.data[0].marker.color == charts.STATUS_COLORS["achieved"]


def test_actual_series_sums_counties_only_where_the_city_has_no_value(catalog: Catalog) -> None:
    ind = catalog.indicators[BASES]
    obs = pd.DataFrame(
        {
            "indicator": [BASES] * 5,
            "region": ["370102", "370103", "370102", "370103", "370100"],
            "period_kind": ["quarter"] * 5,
            "period_end": pd.to_datetime(
                ["2025-03-31", "2025-03-31", "2025-06-30", "2025-06-30", "2025-06-30"]
            ),
            "value": [1.0, 2.0, 3.0, 4.0, 10.0],
        }
    )
    series = actual_series(obs, ind, "370100", catalog.children_of("370100"))
    assert list(series["value"]) == [3.0, 10.0]
    assert list(series["summed"]) == [True, False]
    assert list(series["kind"]) == ["quarter", "quarter"]


def test_actual_series_prefers_the_annual_figure(catalog: Catalog) -> None:
    ind = catalog.indicators[SHARE]
    obs = pd.DataFrame(
        {
            "indicator": [SHARE] * 2,
            "region": ["371700"] * 2,
            "period_kind": ["quarter", "year"],
            "period_end": pd.to_datetime(["2024-12-31", "2024-12-31"]),
            "value": [40.0, 41.0],
        }
    )
    series = actual_series(obs, ind, "371700", [])
    assert list(series["value"]) == [41.0] and list(series["kind"]) == ["year"]


def test_similar_indicators_across_cities(catalog: Catalog) -> None:
    ids = charts.match_keyword(catalog, "智慧农业应用基地")
    cities = {catalog.region_of(catalog.indicators[i]) for i in ids}
    assert cities == {"371700", "370800", "370100"}  # Heze, Jining, Jinan
    assert set(charts.match_keyword(catalog, "SMART AGRICULTURE APPLICATION")) <= set(ids)
    assert charts.match_keyword(catalog, "没有这样的指标") == []
    groups = charts.similar_groups(catalog)
    assert groups[0][0] == "智慧农业应用基地"
    assert all(len({catalog.region_of(catalog.indicators[i]) for i in g[2]}) >= 2 for g in groups)
    assert charts.match_keyword(catalog, "  ") == []


def test_target_text_in_both_languages() -> None:
    assert charts.target_text(">=", 6.5, None, None, "万个", "zh") == "不低于6.5万个"
    assert charts.target_text("<=", 15, None, None, "分钟", "en") == "at most 15 分钟"
    assert charts.target_text("between", None, 8, 10, "家", "zh") == "8至10家"


def test_a_plan_added_in_this_process_shows_on_the_next_rerun(app_env: Path) -> None:
    """The overview keeps what it drew per catalog: a plan added (db.catalog replaced,
    the data version unchanged) is in the filters and the table on the next rerun."""
    from db.permissions import LOCAL_OPERATOR
    from db.plans import add_plan

    at = make_app(as_of=AS_OF).run()
    assert_ok(at)
    before = len(main_table(at))
    plan = {
        "id": "heze-2026-digital",
        "title": "菏泽市数字化转型2026年工作要点",
        "doc_no": "",
        "issuer": "菏泽市人民政府办公室",
        "issued": date(2026, 3, 1),
        "region": "371700",
    }
    new = {
        "id": "heze-2026-digital.base-stations",
        "plan": "heze-2026-digital",
        "name": "新增5G基站数量",
        "name_en": "New 5G base stations",
        "domain": "数字基础设施",
        "unit": "个",
        "kind": "quantity",
        "targets": [{"op": ">=", "value": 800, "by": date(2026, 12, 31)}],
        "responsible": ["市工业和信息化局"],
        "clause": "一、",
        "quote": "年内新增5G基站800个",
    }
    add_plan(dashboard_db(), LOCAL_OPERATOR, app_env / "config.yaml", plan, [new])
    at.run()
    assert_ok(at)
    table = main_table(at)
    assert len(table) == before + 1 and new["id"] in set(table["indicator"])
    assert "菏泽市数字化转型2026年工作要点" in at.multiselect(key="ov_plan@zh").options
