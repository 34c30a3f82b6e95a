"""What the AppTest tests of the dashboard share: a database the app finds through the
environment (as `streamlit run dashboard.py` does), and dashboard.py run as one session.

Streamlit caches get_db() and the pages' reads per process, so every test that points
the app at a new database clears both caches first, and again when it is done.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db import accounts
from db.connect import open_database
from db.engine import Database
from db.permissions import Actor
from metrics.catalog import load_catalog
from tests.conftest import CONFIG, ROOT

DASHBOARD = ROOT / "dashboard.py"


def clear_caches() -> None:
    """Forget the last test's database and reads (st.cache_resource, st.cache_data)."""
    st.cache_resource.clear()
    st.cache_data.clear()


def config_file(tmp_path: Path, text: str | None = None) -> Path:
    """tmp_path/config.yaml: a copy of the repository's catalog, or `text`."""
    config = tmp_path / "config.yaml"
    if text is None:
        shutil.copy(CONFIG, config)
    else:
        config.write_text(text, encoding="utf-8")
    return config


def point_app_at(monkeypatch: pytest.MonkeyPatch, config: Path, url: str) -> None:
    """METRICS_CONFIG and METRICS_DATABASE_URL for the app, caches cleared."""
    monkeypatch.setenv("METRICS_CONFIG", str(config))
    monkeypatch.setenv("METRICS_DATABASE_URL", url)
    clear_caches()


def app_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: Path | None = None
) -> Database:
    """A fresh SQLite file in tmp_path on `config` (default: a copy of config.yaml), open
    for the test's own checks and the one the app will open."""
    config = config or config_file(tmp_path)
    url = f"sqlite:///{tmp_path / 'metrics.db'}"
    point_app_at(monkeypatch, config, url)
    return open_database(load_catalog(config), url)


def add_accounts(db: Database, password: str, actors: Iterable[Actor]) -> None:
    """A stored account per actor: its name, role, units and regions."""
    for actor in actors:
        accounts.add_user(
            db,
            actor.name,
            actor.role,
            password,
            units=list(actor.units),
            regions=list(actor.regions),
        )


def closing(db: Database) -> Iterator[Database]:
    """The end of a database fixture (`yield from closing(db)`): the test gets `db`, then
    its engine is disposed and the caches are cleared."""
    yield db
    db.engine.dispose()
    clear_caches()


def dashboard(
    actor: Actor | None = None,
    page: str | None = None,
    *,
    lang: str | None = None,
    params: Mapping[str, str] | None = None,
    signed_in: bool = False,
    timeout: int = 60,
) -> AppTest:
    """dashboard.py run once as a session: signed in as `actor` (with the sign-in stamp
    where `signed_in`), ?lang= if given, then switched to `page` with `params` and run."""
    at = AppTest.from_file(str(DASHBOARD), default_timeout=timeout)
    if actor is not None:
        now = time.time()
        at.session_state["actor"] = actor
        at.session_state["last_seen"] = now
        if signed_in:
            at.session_state["signed_in_at"] = now
    if lang is not None:
        at.query_params["lang"] = lang
    at.run()  # st.navigation registers the pages (their url_path is not the file's name)
    if page:
        at.switch_page(page)
        for key, value in (params or {}).items():
            at.query_params[key] = value
        at.run()
    return at
