"""Leaders' charts and the review (issue 15 item 3): with `settings.chart_values: all`
unapproved values are drawn hollow with a legend entry of their own; with `approved`
only approved values are drawn, as the status counts only those."""

from __future__ import annotations

import re
import shutil
import time
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.io as pio
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db import accounts, cycle
from db.connect import open_database
from db.engine import Database
from db.permissions import Actor
from db.writes import import_file
from metrics.catalog import load_catalog
from metrics.demo import demo_frame
from metrics.exports import to_csv_bytes
from metrics.progress.series import reviewed_series
from tests.conftest import CONFIG, ROOT
from views import charts

ADMIN = Actor("boss", "admin")
JINAN = "370100"
IND = "jinan-2025-digital-transformation.software-top100-enterprises"
UNAPPROVED = {"zh": "未审核", "en": "not yet approved"}


# --- the rule (metrics.progress.series.reviewed_series) -------------------------------------


def _obs(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": IND,
            "region_code": [r[0] for r in rows],
            "period_kind": "year",
            "period_end": pd.to_datetime([r[1] for r in rows]),
            "value": [r[2] for r in rows],
        }
    )


def _states(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": [r[0] for r in rows],
            "period_kind": "year",
            "period_end": pd.to_datetime([r[1] for r in rows]),
            "review_state": [r[2] for r in rows],
        }
    )


OBS = [(JINAN, "2024-12-31", 3.0), (JINAN, "2025-12-31", 5.0)]


@pytest.mark.parametrize(
    "mode, states, values, approved",
    [
        ("all", [("2024-12-31", "approved"), ("2025-12-31", "submitted")], [3, 5], [1, 0]),
        ("all", [("2024-12-31", "returned")], [3, 5], [0, 0]),  # no row: not approved
        ("all", [("2024-12-31", "approved"), ("2025-12-31", "approved")], [3, 5], [1, 1]),
        ("approved", [("2024-12-31", "approved"), ("2025-12-31", "submitted")], [3], [1]),
        ("approved", [("2024-12-31", "returned")], [], []),
    ],
)
def test_which_values_a_chart_shows_and_how_they_are_marked(
    mode: str, states: list[tuple[str, str]], values: list[float], approved: list[int]
) -> None:
    ind = load_catalog(CONFIG).indicators[IND]
    got = reviewed_series(
        _obs(OBS), _states([(JINAN, d, s) for d, s in states]), ind, JINAN, [], mode
    )
    assert got["value"].tolist() == values
    assert got["approved"].tolist() == [bool(a) for a in approved]


def test_a_county_sum_is_approved_only_when_every_county_is() -> None:
    catalog = load_catalog(CONFIG)
    ind = next(i for i in catalog.indicators.values() if i.aggregate == "sum")
    home = catalog.region_of(ind)
    a, b = catalog.children_of(home)[:2]
    obs = _obs([(a, "2024-12-31", 1.0), (b, "2024-12-31", 2.0)]).assign(indicator_id=ind.id)
    half = _states([(a, "2024-12-31", "approved"), (b, "2024-12-31", "submitted")])
    got = reviewed_series(obs, half, ind, home, [a, b], "all")
    assert got["value"].tolist() == [3.0] and got["summed"].all()
    assert got["approved"].tolist() == [False]
    both = half.assign(review_state="approved")
    assert reviewed_series(obs, both, ind, home, [a, b], "all")["approved"].tolist() == [True]


# --- the drawing (views.charts.indicator_figure) --------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("approved, hollow", [([True, False, False], 2), ([True, True, True], 0)])
def test_unapproved_values_are_hollow_with_a_legend_entry(
    lang: str, approved: list[bool], hollow: int
) -> None:
    actual = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-03-31", "2024-06-30", "2024-09-30"]),
            "value": [1.0, 2.0, 3.0],
            "approved": approved,
        }
    )
    fig = charts.indicator_figure(
        charts.IndicatorChartData(
            title="t",
            unit="个",
            actual=actual,
            trajectory=pd.DataFrame(columns=["date", "value"]),
            stages=pd.DataFrame(columns=["date", "value", "op", "low", "high", "text"]),
            projection=pd.DataFrame(columns=["date", "value"]),
            baseline=None,
            as_of=date(2024, 12, 31),
        ),
        lang,
    )
    marked = [tr for tr in fig.data if tr.name == UNAPPROVED[lang]]
    assert len(marked) == (1 if hollow else 0)
    if hollow:
        assert len(marked[0].x) == hollow and marked[0].marker.symbol == "circle-open"
        line = next(tr for tr in fig.data if tr.mode == "lines+markers" and len(tr.x) == 3)
        assert list(line.marker.symbol) == ["circle", "circle-open", "circle-open"]


# --- the indicator page, on each setting ------------------------------------------------------


@pytest.fixture(params=["all", "approved"])
def reviewed(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A database with the demo's Jinan values of IND, the earliest one approved."""
    mode = request.param
    config = tmp_path / "config.yaml"
    shutil.copy(CONFIG, config)
    text = config.read_text(encoding="utf-8")
    assert "chart_values: all" in text
    config.write_text(text.replace("chart_values: all", f"chart_values: {mode}"), "utf-8")
    url = f"sqlite:///{tmp_path / 'metrics.db'}"
    monkeypatch.setenv("METRICS_CONFIG", str(config))
    monkeypatch.setenv("METRICS_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    db = open_database(load_catalog(config), url)
    accounts.add_user(db, ADMIN.name, "admin", "correct horse battery")
    frame = demo_frame(db.catalog, date.today())
    frame = frame[(frame["指标编码"] == IND) & (frame["地区编码"] == JINAN)]
    assert len(frame) >= 2
    report = import_file(db, to_csv_bytes(frame), "d.csv", accept_warnings=True)
    assert report.written
    first = sorted(frame["统计期"].astype(str))[0]
    assert cycle.approve(db, ADMIN, [(IND, JINAN, first)]) == 1
    st.cache_data.clear()
    yield mode, db, len(frame)
    db.engine.dispose()
    st.cache_resource.clear()
    st.cache_data.clear()


def _page(db: Database, lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["actor"] = accounts.get_actor(db, ADMIN.name)
    at.session_state["last_seen"] = at.session_state["signed_in_at"] = time.time()
    if lang == "en":
        at.query_params["lang"] = "en"
    at.run()
    at.switch_page("views/indicator.py")
    at.query_params["id"] = IND
    return at.run()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicator_chart_follows_the_setting(
    reviewed: tuple[str, Database, int], lang: str
) -> None:
    mode, db, stored = reviewed
    at = _page(db, lang)
    assert not at.exception, at.exception
    fig = pio.from_json(next(el.proto.spec for el in at.get("plotly_chart")))
    actual_name = {"zh": "实际值", "en": "Actual"}[lang]
    actual = next(tr for tr in fig.data if tr.name == actual_name)
    marked = [tr for tr in fig.data if tr.name == UNAPPROVED[lang]]
    if mode == "all":
        assert len(actual.x) == stored
        assert len(marked) == 1 and len(marked[0].x) == stored - 1
    else:
        assert len(actual.x) == 1 and not marked
    assert not re.search(r"Traceback", str(at.main))
