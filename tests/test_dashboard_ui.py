"""What a new user meets on the dashboard (issue 17), driven through Streamlit's AppTest.

The real dashboard.py runs against a copy of config.yaml and a fresh SQLite file, signed
in as real accounts; each test names the item of the walk-through it guards.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db import accounts, queries
from db.connect import open_database
from db.engine import Database
from db.permissions import Actor
from metrics.catalog import load_catalog
from tests.conftest import CONFIG, ROOT

PASSWORD = "correct horse battery"
JINAN, HEZE = "370100", "371700"
MIIT = "市工业和信息化局"
# an analyst of Jinan's 工信局 (the unit name exists in other cities too)
JINAN_MIIT = Actor("miit-jn", "analyst", units=(MIIT,), regions=(JINAN,))
ADMIN = Actor("boss", "admin")
JINAN_IND = "jinan-2025-digital-transformation.software-top100-enterprises"
HEZE_SHARE = "heze-2023-digital-gov.data-service-share"
ENTRY, OVERVIEW, INDICATOR = "views/entry.py", "views/overview.py", "views/indicator.py"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    config = tmp_path / "config.yaml"
    shutil.copy(CONFIG, config)
    url = f"sqlite:///{tmp_path / 'metrics.db'}"
    monkeypatch.setenv("METRICS_CONFIG", str(config))
    monkeypatch.setenv("METRICS_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    db = open_database(load_catalog(config), url)
    accounts.add_user(db, ADMIN.name, "admin", PASSWORD)
    accounts.add_user(db, JINAN_MIIT.name, "analyst", PASSWORD, units=[f"{JINAN}:{MIIT}"])
    yield db
    db.engine.dispose()
    st.cache_resource.clear()
    st.cache_data.clear()


def app(page: str, actor: Actor | None = ADMIN, lang: str = "zh", **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    if actor is not None:
        at.session_state["actor"] = actor
        at.session_state["last_seen"] = time.time()
    if lang == "en":
        at.query_params["lang"] = "en"
    at.run()
    at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


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
