"""The reporting cycle in the database: submit (a stored value), approve, return with a
reason, lock, the write path refusing locked rows one by one, admin unlock (audited), and
wrong roles refused. Runs on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from db import cycle, queries, reviews
from db.permissions import Actor
from db.writes import enter_value, import_file
from metrics.errors import Conflict, InvalidInput, NotFound, PermissionDenied

SHARE = "heze-2023-digital-gov.data-service-share"  # 市大数据局, %
STATIONS = "heze-2023-digital-gov.base-stations"  # 市工业和信息化局, 万个
ANALYST = Actor("bdb", "analyst", units=("市大数据局",))
MIIT = Actor("miit", "analyst", units=("市工业和信息化局",))
BUREAU = Actor("coord", "reviewer")  # the coordinating bureau: every unit
UNIT_REVIEWER = Actor("bdb-lead", "reviewer", units=("市大数据局",))
ADMIN = Actor("root", "admin")
VIEWER = Actor("leader", "viewer")


def csv(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["indicator_id,region,period,value"] + [f"{i},371700,{p},{v}" for i, p, v in rows]
    return "\n".join(lines).encode()


def state(db, indicator: str, period_end: str) -> pd.Series:  # type: ignore[no-untyped-def]
    sub = cycle.submissions(db)
    row = sub[(sub.indicator_id == indicator) & (sub.period_end == pd.Timestamp(period_end))]
    assert len(row) == 1
    return row.iloc[0]


@pytest.fixture
def filled(db):  # type: ignore[no-untyped-def]
    """Q3 2025 of both indicators entered by their units."""
    assert enter_value(db, ANALYST, SHARE, "371700", "2025Q3", "40").written
    assert enter_value(db, MIIT, STATIONS, "371700", "2025Q3", "1.0").written
    return db


def test_a_stored_value_is_submitted(filled) -> None:  # type: ignore[no-untyped-def]
    assert state(filled, SHARE, "2025-09-30").review_state == "submitted"


def test_approve_then_lock_then_writes_refused_row_by_row(filled) -> None:  # type: ignore[no-untyped-def]
    db = filled
    assert cycle.approve(db, BUREAU, [(SHARE, "371700", "2025Q3")]) == 1
    assert state(db, SHARE, "2025-09-30").review_state == "approved"
    locked, pending = cycle.lock_period(db, BUREAU, "2025Q3")
    assert (locked, pending) == (1, 1)  # the stations' value is not approved yet
    assert bool(state(db, SHARE, "2025-09-30").locked)

    # An entry is refused with the reason; the value stays.
    report = enter_value(db, ANALYST, SHARE, "371700", "2025Q3", "55")
    assert not report.written
    assert "锁定" in report.errors[0]["message"] and "locked" in report.errors[0]["message"]
    # An import: the locked row is named by its row number; the unlocked row alone is
    # written only with skip_invalid; without it nothing is written.
    data = csv([(SHARE, "2025Q3", "56"), (STATIONS, "2025Q3", "1.1")])
    refused = import_file(db, data, "q3.csv", ADMIN)
    assert not refused.written
    assert [e["row"] for e in refused.errors] == [2]
    assert refused.errors[0]["column"] in ("value", "数值")  # the file's value column
    assert SHARE in refused.errors[0]["message"] and "2025Q3" in refused.errors[0]["message"]
    partial = import_file(db, data, "q3.csv", ADMIN, skip_invalid=True)
    assert partial.written and partial.updated == 1
    obs = queries.observation_table(db).set_index("indicator_id")
    assert obs.loc[SHARE, "value"] == 40 and obs.loc[STATIONS, "value"] == 1.1
    # Re-importing the unchanged locked value is not an error.
    same = import_file(db, csv([(SHARE, "2025Q3", "40")]), "same.csv", ADMIN)
    assert same.errors == [] and same.unchanged == 1


def test_return_with_reason_and_correction_resubmits(filled) -> None:  # type: ignore[no-untyped-def]
    db = filled
    with pytest.raises(InvalidInput):
        cycle.return_values(db, BUREAU, [(SHARE, "371700", "2025Q3")], "  ")
    assert (
        cycle.return_values(db, BUREAU, [(SHARE, "371700", "2025Q3")], "口径不对，应为累计值") == 1
    )
    row = state(db, SHARE, "2025-09-30")
    assert row.review_state == "returned" and row.reason == "口径不对，应为累计值"
    owed = cycle.owed_by(db, ANALYST, date(2025, 10, 20))
    q3 = owed[owed.period == "2025Q3"]
    assert q3.state.tolist() == ["returned"]
    # The analyst corrects: the value is submitted again, the reason gone.
    assert enter_value(db, ANALYST, SHARE, "371700", "2025Q3", "41").written
    row = state(db, SHARE, "2025-09-30")
    assert row.review_state == "submitted" and row.reason == ""
    log = queries.audit_log(db, action="review_return")
    assert log.detail.iloc[0]["reason"] == "口径不对，应为累计值"


def test_admin_unlock_is_audited_and_reopens(filled) -> None:  # type: ignore[no-untyped-def]
    db = filled
    cycle.approve(db, BUREAU, [(SHARE, "371700", "2025Q3")])
    cycle.lock_period(db, BUREAU, "2025Q3")
    with pytest.raises(PermissionDenied):
        cycle.unlock(db, BUREAU, [(SHARE, "371700", "2025Q3")], "统计局修订")
    with pytest.raises(InvalidInput):
        cycle.unlock(db, ADMIN, [(SHARE, "371700", "2025Q3")], "")
    assert cycle.unlock(db, ADMIN, [(SHARE, "371700", "2025Q3")], "统计局修订") == 1
    entry = queries.audit_log(db, action="unlock").iloc[0]
    assert entry.user == "root" and entry.detail["reason"] == "统计局修订"
    assert entry.detail["items"] == [[SHARE, "371700", "2025Q3"]]
    assert enter_value(db, ANALYST, SHARE, "371700", "2025Q3", "45").written
    assert state(db, SHARE, "2025-09-30").review_state == "submitted"
    with pytest.raises(NotFound):
        cycle.unlock(db, ADMIN, [(SHARE, "371700", "2025Q3")], "again")


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (BUREAU, True),
        (UNIT_REVIEWER, True),
        (ADMIN, True),
        (Actor("miit-lead", "reviewer", units=("市工业和信息化局",)), False),
        (ANALYST, False),
        (VIEWER, False),
        (Actor("gone", "reviewer", disabled=True), False),
    ],
)
def test_who_may_review(filled, actor: Actor, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    keys = [(SHARE, "371700", "2025Q3")]
    if allowed:
        assert cycle.approve(filled, actor, keys) == 1
    else:
        with pytest.raises(PermissionDenied):
            cycle.approve(filled, actor, keys)
        assert state(filled, SHARE, "2025-09-30").review_state == "submitted"
        assert queries.audit_log(filled, action="review_approve").empty


def test_review_of_nothing_stored_or_locked(filled) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        cycle.approve(filled, BUREAU, [(SHARE, "371700", "2025Q2")])
    cycle.approve(filled, BUREAU, [(SHARE, "371700", "2025Q3")])
    cycle.lock_period(filled, BUREAU, "2025Q3")
    with pytest.raises(Conflict):
        cycle.return_values(filled, BUREAU, [(SHARE, "371700", "2025Q3")], "late change")


def test_form_saves_in_one_transaction(db) -> None:  # type: ignore[no-untyped-def]
    grid = pd.DataFrame(
        {
            "indicator_id": [SHARE, "heze-2023-digital-gov.platform-launch"],
            "region": ["371700", "371700"],
            "value": ["38", "150"],  # a milestone over 100 %: refused, nothing written
        }
    )
    report = cycle.save_form(db, ANALYST, "2025Q3", grid)
    assert not report.written and report.errors[0]["row"] == 3
    assert queries.observation_table(db).empty
    grid.loc[1, "value"] = "90"
    report = cycle.save_form(db, ANALYST, "2025Q3", grid)
    assert report.written and report.inserted == 2


def test_completeness_states(filled) -> None:  # type: ignore[no-untyped-def]
    frame = cycle.completeness(filled, date(2025, 10, 20), period="2025Q3")
    states = dict(zip(frame.indicator, frame.state, strict=True))
    # Entered today, long after 2025-10-10: late.
    assert states[SHARE] == "late" and states[STATIONS] == "late"
    q2 = cycle.completeness(filled, date(2025, 10, 20), period="2025年第二季度")
    assert set(q2.state) == {"missing"}
    with pytest.raises(InvalidInput):
        cycle.completeness(filled, date(2025, 10, 20), period="2025Q9")


def test_cli_completeness_review_and_lock(tmp_path, small_catalog_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import run_cli

    sheet = tmp_path / "q.csv"
    sheet.write_bytes(csv([(SHARE, "2023Q1", "30"), (SHARE, "2023Q2", "31")]))
    assert run_cli(tmp_path, small_catalog_path, "import", str(sheet)).returncode == 0
    done = run_cli(tmp_path, small_catalog_path, "completeness", "--as-of", "2023-10-01", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    units = {row["unit"]: row for row in result["summary"]}
    # 市大数据局 owes the share's and the milestone's Q1 and Q2: two reported (late), two missing.
    assert (units["市大数据局"]["owed"], units["市大数据局"]["late"]) == (4, 2)
    assert units["市大数据局"]["missing"] == 2
    assert {i["state"] for i in result["items"]} == {"late", "missing"}
    approve = run_cli(tmp_path, small_catalog_path, "cycle", "approve", "--period", "2023Q1")
    assert approve.returncode == 0, approve.stderr
    lock = run_cli(tmp_path, small_catalog_path, "cycle", "lock", "--period", "2023Q1")
    assert "1" in lock.stdout
    sheet.write_bytes(csv([(SHARE, "2023Q1", "99")]))
    refused = run_cli(tmp_path, small_catalog_path, "import", str(sheet))
    assert refused.returncode == 1 and "锁定" in refused.stdout + refused.stderr
    bad = run_cli(
        tmp_path,
        small_catalog_path,
        "cycle",
        "unlock",
        "--period",
        "2023Q1",
        "--indicator",
        SHARE,
        "--reason",
        "",
    )
    assert bad.returncode == 1 and "reason" in bad.stderr
    unknown = run_cli(
        tmp_path,
        small_catalog_path,
        "cycle",
        "approve",
        "--period",
        "2023Q1",
        "--indicator",
        "no.such",
    )
    assert unknown.returncode == 1 and "未知指标“no.such”" in unknown.stderr


def test_leaders_see_only_approved_values_when_set(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from db.connect import open_database
    from metrics.catalog import load_catalog
    from tests.conftest import SMALL_CATALOG

    path = tmp_path / "approved.yaml"
    path.write_text("settings:\n  chart_values: approved\n" + SMALL_CATALOG, encoding="utf-8")
    db = open_database(load_catalog(path), db_url)
    try:
        assert enter_value(db, ANALYST, SHARE, "371700", "2025Q3", "40").written

        def share_status() -> str:
            frame = queries.status(db, date(2025, 10, 20))
            return frame[frame.indicator == SHARE].status.iloc[0]

        assert share_status() == "no_data"
        cycle.approve(db, BUREAU, [(SHARE, "371700", "2025Q3")])
        assert share_status() != "no_data"
    finally:
        db.engine.dispose()


def test_undo_of_an_import_into_a_locked_period_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    from db.undo import undo_import

    report = import_file(db, csv([(SHARE, "2025Q3", "40")]), "q3.csv", ADMIN)
    cycle.approve(db, BUREAU, [(SHARE, "371700", "2025Q3")])
    cycle.lock_period(db, BUREAU, "2025Q3")
    with pytest.raises(Conflict) as info:
        undo_import(db, report.import_id, ADMIN)
    assert "2025Q3" in str(info.value)
    assert queries.observation_table(db).value.tolist() == [40.0]
    cycle.unlock(db, ADMIN, [(SHARE, "371700", "2025Q3")], "撤销错误导入")
    assert undo_import(db, report.import_id, ADMIN).deleted == 1


def test_a_lock_taken_after_the_check_still_stops_the_write(filled, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The row-by-row check runs before the write transaction; a lock committed in between
    is caught inside it and the whole write is refused, nothing changed."""
    import db.writes as writes

    def lock_then_check(db_, checked, denied):  # type: ignore[no-untyped-def]
        out = reviews.with_lock_errors(db_, checked, denied)
        cycle.approve(db_, BUREAU, [(SHARE, "371700", "2025Q3")])
        cycle.lock_period(db_, BUREAU, "2025Q3")
        return out

    monkeypatch.setattr(writes, "with_lock_errors", lock_then_check)
    with pytest.raises(Conflict):
        enter_value(filled, ANALYST, SHARE, "371700", "2025Q3", "55")
    assert state(filled, SHARE, "2025-09-30").value == 40
