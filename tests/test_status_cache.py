"""Status computed once per data version and shared by every process on the database.

Several dashboard servers (and the API, and the CLI) share nothing but the database: the
status frame is stored there under (catalog, date, data version), and every process reads
the data version on every call, so a write made through one process is seen by the next
page run of every other. Runs on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import date

import pandas as pd
import pytest

from db import cycle, queries, reviews, status_cache
from db.connect import open_database
from db.permissions import Actor
from db.undo import undo_import
from db.writes import enter_value, import_file
from metrics.catalog import load_catalog
from metrics.progress import evaluate
from tests.conftest import ROOT, SMALL_CATALOG

AS_OF = date(2025, 6, 30)
SHARE = "heze-2023-digital-gov.data-service-share"
STATIONS = "heze-2023-digital-gov.base-stations"
FIRST = f"""指标编码,地区,统计期,数值
{SHARE},371700,2023Q4,36
{SHARE},371700,2024Q4,50
{STATIONS},371702,2024Q4,0.5
{STATIONS},371721,2024Q4,0.4
"""


def full(db) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """What evaluate gives over everything stored, with no cache anywhere."""
    return evaluate(db.catalog, queries.observations(db), AS_OF)


def stored_rows(db) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from db.models import StatusCache

    with db.read() as conn:  # the frames (not the catalog sync's mark, db.connect)
        stmt = select(func.count()).where(StatusCache.as_of > date(1970, 1, 1))
        return conn.scalar(stmt) or 0


@pytest.fixture(autouse=True)
def _fresh_memo():
    status_cache.clear_memo()
    yield
    status_cache.clear_memo()


def test_computed_once_then_read_back_identical(db):
    assert import_file(db, FIRST.encode(), "a.csv").written
    before = status_cache.STATS.full
    first = queries.status(db, AS_OF)
    assert status_cache.STATS.full == before + 1 and stored_rows(db) == 1
    status_cache.clear_memo()  # as another process finds it
    again = queries.status(db, AS_OF)
    assert status_cache.STATS.full == before + 1  # not computed again
    pd.testing.assert_frame_equal(again, first)
    pd.testing.assert_frame_equal(first, full(db))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (f"指标编码,地区,统计期,数值\n{SHARE},371700,2024Q4,71\n", "incremental"),  # a correction
        (f"指标编码,地区,统计期,数值\n{STATIONS},371702,2025Q1,0.9\n", "incremental"),  # new row
        ("undo", "full"),  # deletes rows: SQLite may reuse their ids, so evaluate everything
        ("undo+insert", "full"),  # …and a reused id must not hide the insert
    ],
)
def test_a_write_to_few_indicators_is_derived_incrementally_and_equals_a_full_run(db, change, path):
    first = import_file(db, FIRST.encode(), "a.csv")
    queries.status(db, AS_OF)
    if change.startswith("undo"):
        undo_import(db, first.import_id)
        if change == "undo+insert":
            again = f"指标编码,地区,统计期,数值\n{STATIONS},371721,2025Q1,0.7\n"
            assert import_file(db, again.encode(), "c.csv").written
    else:
        assert import_file(db, change.encode(), "b.csv").written
    before = getattr(status_cache.STATS, path)
    derived = queries.status(db, AS_OF)
    assert getattr(status_cache.STATS, path) == before + 1
    pd.testing.assert_frame_equal(derived, full(db))
    assert stored_rows(db) == 1  # the superseded state's frame is gone


def test_other_dates_and_an_edited_catalog_get_frames_of_their_own(db):
    assert import_file(db, FIRST.encode(), "a.csv").written
    early = queries.status(db, date(2024, 1, 31))
    late = queries.status(db, AS_OF)
    assert stored_rows(db) == 2
    assert not early.equals(late)
    edited = db.catalog.settings.model_copy(update={"on_track_ratio": 0.5})
    other = type(db.catalog)(
        db.catalog.path, edited, db.catalog.regions, db.catalog.plans, db.catalog.indicators
    )
    assert status_cache.catalog_digest(other) != status_cache.catalog_digest(db.catalog)


def test_a_frame_computed_while_a_write_landed_is_not_stored(db, monkeypatch):
    assert import_file(db, FIRST.encode(), "a.csv").written
    real = status_cache.read_version
    calls = {"n": 0}

    def moving(conn):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        v = real(conn)
        # the second read (after computing) sees a later state: someone wrote meanwhile
        return v if calls["n"] == 1 else status_cache.Version(v.obs_max + 1, v.rev_max, v.undone)

    monkeypatch.setattr(status_cache, "read_version", moving)
    queries.status(db, AS_OF)
    assert stored_rows(db) == 0


def test_the_frame_survives_parquet_with_its_dtypes(db):
    assert import_file(db, FIRST.encode(), "a.csv").written
    frame = full(db)
    back = status_cache.from_bytes(status_cache.to_bytes(frame))
    pd.testing.assert_frame_equal(back, frame)


def test_the_home_rows_are_read_alone_and_equal_the_whole_frames(db):
    """The overview reads only each target at its own region (status_cache.stored_home):
    the same rows and dtypes as the whole frame filtered, from this process's memo, from
    the stored payload's own copy, and from a payload stored without one (before it)."""
    assert import_file(db, FIRST.encode(), "a.csv").written
    assert status_cache.stored_home(db, AS_OF) is None  # not computed yet: the caller does
    frame = queries.status(db, AS_OF)
    home = status_cache.home_rows(frame)
    assert 0 < len(home) < len(frame)
    pd.testing.assert_frame_equal(status_cache.stored_home(db, AS_OF), home)  # memo
    status_cache.clear_memo()  # another process: the stored payload's copy
    pd.testing.assert_frame_equal(status_cache.stored_home(db, AS_OF), home)
    pd.testing.assert_frame_equal(status_cache.stored_home(db, AS_OF), home)  # its memo
    payload = status_cache.to_bytes(frame)
    pd.testing.assert_frame_equal(status_cache.from_bytes(payload), frame)  # rows unchanged
    older = status_cache.to_bytes(frame, home=False)
    pd.testing.assert_frame_equal(status_cache.from_bytes(older, home_only=True), home)
    empty = frame.iloc[:0]
    pd.testing.assert_frame_equal(
        status_cache.from_bytes(status_cache.to_bytes(empty), home_only=True),
        status_cache.home_rows(status_cache.from_bytes(status_cache.to_bytes(empty))),
    )


def test_the_reports_owed_are_worked_out_once_per_date_and_compared_with_the_data(db, monkeypatch):
    """db.queries.overdue_unreported: metrics.schedule.owed runs once per (catalog, date)
    in any process; the stored rows are still compared with what is stored now."""
    from db.permissions import LOCAL_OPERATOR

    assert import_file(db, FIRST.encode(), "a.csv").written
    first = queries.overdue_unreported(db, AS_OF)
    calls: list[date] = []
    real = queries.owed

    def counted(catalog, as_of, *rest):  # type: ignore[no-untyped-def]
        calls.append(as_of)
        return real(catalog, as_of, *rest)

    monkeypatch.setattr(queries, "owed", counted)
    again = queries.overdue_unreported(db, AS_OF)  # as another process: read back
    assert calls == []
    pd.testing.assert_frame_equal(again, first)
    assert all(isinstance(units, tuple) for units in again["responsible"])
    owed_share = first[first["indicator"] == SHARE].iloc[0]
    report = enter_value(db, LOCAL_OPERATOR, SHARE, owed_share.region, owed_share.period, "50")
    assert report.written, report.errors
    after = queries.overdue_unreported(db, AS_OF)
    assert calls == [] and len(after) == len(first) - 1
    assert owed_share.period not in set(after.loc[after["indicator"] == SHARE, "period"])
    queries.overdue_unreported(db, date(2025, 9, 30))
    assert calls == [date(2025, 9, 30)]  # another date: worked out for it


# --- settings.chart_values: approved — review decisions are part of the key ----------------

ANALYST = Actor("bdb", "analyst", units=("市大数据局",))
REVIEWER = Actor("coord", "reviewer")
Q3 = (SHARE, "371700", "2025Q3")
AFTER_Q3 = date(2025, 10, 20)


@pytest.fixture
def approved_catalog_path(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "approved.yaml"
    path.write_text("settings:\n  chart_values: approved\n" + SMALL_CATALOG, encoding="utf-8")
    return path


def _share_status(db) -> str:  # type: ignore[no-untyped-def]
    frame = queries.status(db, AFTER_Q3)
    return str(frame[frame.indicator == SHARE].status.iloc[0])


def _count_syncs(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    import db.connect

    calls: list[int] = []
    real = db.connect.sync_catalog_in

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(db.connect, "sync_catalog_in", counted)
    return calls


def _indicator_name(db, indicator_id: str) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from db.models import Indicator

    with db.read() as conn:
        return conn.scalar(select(Indicator.name).where(Indicator.id == indicator_id))


def _renamed(catalog, indicator_id: str, name: str):  # type: ignore[no-untyped-def]
    indicators = dict(catalog.indicators)
    indicators[indicator_id] = indicators[indicator_id].model_copy(update={"name": name})
    return type(catalog)(catalog.path, catalog.settings, catalog.regions, catalog.plans, indicators)


def test_an_unchanged_catalog_is_not_synced_again_a_changed_one_is(db, db_url, monkeypatch):
    """open_database skips the sync (and its write lock) when the database's mark says its
    catalog tables were synced from this catalog; any other catalog, or a sync since by
    anyone (audited), and it syncs as before."""
    from db.connect import open_database
    from db.sync import sync_catalog

    syncs = _count_syncs(monkeypatch)
    again = open_database(db.catalog, db_url)  # the fixture synced and marked it
    assert syncs == [] and _indicator_name(again, SHARE) == db.catalog.indicators[SHARE].name
    again.engine.dispose()

    other = _renamed(db.catalog, SHARE, "改过的名字")
    edited = open_database(other, db_url)  # a changed catalog: synced
    assert syncs == [1] and _indicator_name(edited, SHARE) == "改过的名字"
    edited.engine.dispose()
    back = open_database(db.catalog, db_url)  # and the first catalog again: synced back
    assert syncs == [1, 1] and _indicator_name(back, SHARE) == db.catalog.indicators[SHARE].name
    assert open_database(db.catalog, db_url) is not None and syncs == [1, 1]  # marked again

    # A sync that writes without the mark (db/plans.py adds a plan that way): the mark no
    # longer stands for the tables, so the next open syncs even with the marked catalog.
    sync_catalog(open_database(other, db_url, sync=False))
    assert _indicator_name(back, SHARE) == "改过的名字"
    reopened = open_database(db.catalog, db_url)
    assert syncs == [1, 1, 1] and _indicator_name(reopened, SHARE) != "改过的名字"
    assert stored_rows(reopened) == 0  # the mark is no frame
    back.engine.dispose()
    reopened.engine.dispose()


def test_a_review_through_one_database_object_shows_in_the_others_status_at_once(
    db_url, approved_catalog_path
):
    """Two Database objects on one database (two servers): an approval or a return made
    through one changes the other's status and data version on its very next call, with no
    value written in between."""
    a = open_database(load_catalog(approved_catalog_path), db_url)
    b = open_database(load_catalog(approved_catalog_path), db_url)
    try:
        assert enter_value(a, ANALYST, *Q3, "40").written
        assert _share_status(a) == _share_status(b) == "no_data"  # not approved yet
        version = queries.data_version(b)
        cycle.approve(a, REVIEWER, [Q3])
        assert queries.data_version(b) != version  # the pages' caches are keyed by it
        status_cache.clear_memo()  # b as another process finds it: nothing in memory
        stored = status_cache.STATS.stored
        assert _share_status(a) != "no_data"  # a computes and stores the approved frame
        status_cache.clear_memo()
        assert _share_status(b) == _share_status(a)  # b reads a's frame back
        assert status_cache.STATS.stored == stored + 1
        cycle.return_values(a, REVIEWER, [Q3], "数据来源不明")
        assert _share_status(b) == "no_data"  # returned: no longer counted
        cycle.approve(a, REVIEWER, [Q3])
        assert _share_status(b) != "no_data"
        assert enter_value(a, ANALYST, *Q3, "41").written  # changed after its approval
        assert _share_status(b) == "no_data"
    finally:
        a.engine.dispose()
        b.engine.dispose()


def test_the_overviews_home_rows_follow_the_review_as_status_does(db_url, approved_catalog_path):
    """db.queries.home_status with chart_values: approved reads the approved frame another
    process stored (the review decisions are in its key), never computing it again, and
    equals status's home rows before and after an approval."""
    db = open_database(load_catalog(approved_catalog_path), db_url)
    try:
        assert enter_value(db, ANALYST, *Q3, "40").written

        def share(frame: pd.DataFrame) -> str:
            return str(frame[frame.indicator == SHARE].status.iloc[0])

        assert share(queries.home_status(db, AFTER_Q3)) == "no_data"  # not approved yet
        cycle.approve(db, REVIEWER, [Q3])
        whole = queries.status(db, AFTER_Q3)  # computed and stored by "another process"
        status_cache.clear_memo()
        computed, stored = status_cache.STATS.full, status_cache.STATS.stored
        home = queries.home_status(db, AFTER_Q3)
        assert status_cache.STATS.stored == stored + 1 and status_cache.STATS.full == computed
        assert [k[-1] for k in status_cache._MEMO] == ["home"]  # only its home rows decoded
        pd.testing.assert_frame_equal(home, status_cache.home_rows(whole))
        assert share(home) != "no_data"
    finally:
        db.engine.dispose()


def test_only_one_frame_per_date_is_kept_across_review_decisions(db_url, approved_catalog_path):
    db = open_database(load_catalog(approved_catalog_path), db_url)
    try:
        assert enter_value(db, ANALYST, *Q3, "40").written
        for _ in range(3):
            queries.status(db, AFTER_Q3)
            cycle.approve(db, REVIEWER, [Q3])
        queries.status(db, AFTER_Q3)
        assert stored_rows(db) == 1
    finally:
        db.engine.dispose()


def test_approved_values_are_those_the_review_states_call_approved(db_url, approved_catalog_path):
    """The engine's input read from the reviews table equals the approved rows of
    db.reviews.submissions (the state every page shows): approved, returned, changed after
    approval, never reviewed."""
    db = open_database(load_catalog(approved_catalog_path), db_url)
    try:
        for period, value in (("2025Q1", "30"), ("2025Q2", "35"), ("2025Q3", "40")):
            assert enter_value(db, ANALYST, SHARE, "371700", period, value).written
        assert enter_value(db, ANALYST, SHARE, "371700", "2024Q4", "20").written
        cycle.approve(db, REVIEWER, [(SHARE, "371700", p) for p in ("2025Q1", "2025Q2", "2024Q4")])
        cycle.return_values(db, REVIEWER, [(SHARE, "371700", "2025Q1")], "请核实")
        assert enter_value(db, ANALYST, SHARE, "371700", "2024Q4", "21").written
        sub = reviews.submissions(db)
        want = sub[sub.review_state == "approved"][reviews.KEY + ["value"]]
        got = queries.approved_observations(db)
        assert got["period_end"].dt.strftime("%Y-%m-%d").tolist() == ["2025-06-30"]
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True),
            want.reset_index(drop=True).astype({"value": float}),
            check_dtype=False,
        )
        assert queries.approved_observations(db, ["no-such-indicator"]).empty
    finally:
        db.engine.dispose()


# --- two dashboard processes on one database ----------------------------------------------

WORKER = textwrap.dedent(
    """
    import json, sys
    from streamlit.testing.v1 import AppTest
    from db.connect import open_database
    from db.writes import import_file
    from metrics.catalog import load_catalog

    at = AppTest.from_file(sys.argv[1], default_timeout=120)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "render":  # a page run, as a browser's rerun makes it
            at.run()
            assert not at.exception, at.exception
            tiles = {m.label: m.value for m in at.metric}
            print(json.dumps(tiles, ensure_ascii=False), flush=True)
        elif command == "write":  # an analyst's import through this server's process
            db = open_database(load_catalog())
            report = import_file(db, open(arg, "rb").read(), "w.csv")
            print(json.dumps({"written": report.written}), flush=True)
    """
)


class Server:
    """A dashboard server process: the real pages (AppTest) with their own Streamlit
    caches, driven line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(ROOT / "dashboard.py")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ask(self, line: str) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise AssertionError(self.proc.stderr.read() if self.proc.stderr else "no answer")
        return json.loads(answer)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _achieved(tiles: dict) -> int:
    return int(next(v for k, v in tiles.items() if k in ("已完成", "Achieved")))


def test_two_dashboard_processes_see_each_others_writes_at_once(
    db, db_url, small_catalog_path, tmp_path
):
    env = {
        **os.environ,
        "METRICS_CONFIG": str(small_catalog_path),
        "METRICS_DATABASE_URL": db_url,
    }
    achieve_share = tmp_path / "share.csv"
    achieve_share.write_text(f"指标编码,地区,统计期,数值\n{SHARE},371700,2025Q1,80\n", "utf-8")
    launch = tmp_path / "launch.csv"
    launch.write_text(
        "指标编码,地区,统计期,数值\nheze-2023-digital-gov.platform-launch,371700,2023Q4,100\n",
        "utf-8",
    )
    a, b = Server(env), Server(env)
    try:
        start_a, start_b = _achieved(a.ask("render")), _achieved(b.ask("render"))
        assert start_a == start_b == 0
        assert a.ask(f"write {achieve_share}")["written"]
        assert _achieved(b.ask("render")) == 1  # B's very next run shows A's write
        assert _achieved(a.ask("render")) == 1
        assert b.ask(f"write {launch}")["written"]
        assert _achieved(a.ask("render")) == 2  # and the other way round
        assert _achieved(b.ask("render")) == 2
    finally:
        a.close()
        b.close()
    assert stored_rows(db) >= 1  # the servers shared their status through the database


# --- two `streamlit run` servers on loopback, in a real browser -----------------------------


@pytest.mark.browser
def test_two_streamlit_servers_on_loopback_show_a_write_on_their_next_run(
    db, db_url, small_catalog_path, tmp_path
):
    """Two real dashboard servers (their own processes, ports and caches) on one database,
    each open in Chromium; a value imported meanwhile (CLI) shows on both at the next run."""
    from tests.browser_helpers import (
        CHROMIUM,
        FIRST_LOAD_MS,
        IDLE,
        LAUNCH_ARGS,
        require_browser,
        run_cli,
    )
    from tests.browser_helpers import (
        Server as Streamlit,
    )

    sync_api = require_browser()
    env = {
        **os.environ,
        "METRICS_CONFIG": str(small_catalog_path),
        "METRICS_DATABASE_URL": db_url,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    servers = [Streamlit(env=env, log_path=tmp_path / f"streamlit-{k}.log") for k in "ab"]
    sheet = tmp_path / "share.csv"
    sheet.write_text(f"指标编码,地区,统计期,数值\n{SHARE},371700,2025Q1,80\n", "utf-8")

    def achieved(page) -> int:  # type: ignore[no-untyped-def]
        page.wait_for_selector(IDLE, timeout=FIRST_LOAD_MS)
        tile = page.locator("[data-testid=stMetric]", has_text="已完成").first
        return int(tile.locator("[data-testid=stMetricValue]").inner_text())

    try:
        for server in servers:
            server.start()
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            try:
                pages = [browser.new_context(locale="zh-CN").new_page() for _ in servers]
                for page, server in zip(pages, servers, strict=True):
                    page.goto(server.url, timeout=FIRST_LOAD_MS)
                assert [achieved(page) for page in pages] == [0, 0]
                run_cli(["import", str(sheet)], env)
                for page in pages:
                    page.reload(timeout=FIRST_LOAD_MS)  # the next run of each session
                assert [achieved(page) for page in pages] == [1, 1]
            finally:
                browser.close()
    finally:
        for server in servers:
            server.stop()
