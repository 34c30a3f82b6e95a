"""Causes and remedies of lagging targets: who may record them, what is refused, the kept
history, the broken-promise flag, and the reporting gaps (db.remedies and
metrics.accountability), on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from db import queries
from db.permissions import LOCAL_OPERATOR, Actor
from db.remedies import record_remedy, remedy_history, reporting
from db.writes import enter_value
from metrics.accountability import (
    current_remedies,
    home_rows,
    lagging_table,
    league_table,
    overdue,
    previous_period,
)
from metrics.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from metrics.periods import parse_period
from metrics.progress import evaluate

SHARE = "heze-2023-digital-gov.data-service-share"  # 市大数据局, ≥35% 2023, ≥70% 2025
STATIONS = "heze-2023-digital-gov.base-stations"  # 市工业和信息化局, ≥1.2万 by 2025
LAUNCH = "heze-2023-digital-gov.platform-launch"  # 市大数据局, milestone 100% by 2023
HEZE = "371700"
AS_OF = date(2025, 6, 30)

DATA_ANALYST = Actor(name="ana", role="analyst", units=("市大数据局",), regions=(HEZE,))
OTHER_ANALYST = Actor(name="other", role="analyst", units=("市工业和信息化局",), regions=(HEZE,))
COUNTY_ANALYST = Actor(name="county", role="analyst", units=("市大数据局",), regions=("371702",))
VIEWER = Actor(name="viewer", role="viewer")
DISABLED = Actor(name="gone", role="analyst", units=("市大数据局",), regions=(HEZE,), disabled=True)


def _record(db, actor=DATA_ANALYST, indicator=SHARE, **kw):
    args = {
        "region": HEZE,
        "cause": "平台对接进度慢",
        "remedy": "倒排工期，每周调度",
        "recover_by": date(2025, 12, 31),
        "as_of": AS_OF,
    }
    args.update(kw)
    return record_remedy(db, actor, indicator, **args)


def _status(db, as_of: date) -> pd.DataFrame:
    """What the dashboard shows as of a date (db.queries.status computes the same)."""
    return evaluate(db.catalog, queries.observations(db), as_of)


def _audit_count(db) -> int:
    return len(queries.audit_log(db, action="remedy.record"))


def test_the_responsible_analyst_records_a_cause_and_a_remedy(db):
    new_id = _record(db)
    history = remedy_history(db)
    assert len(history) == 1
    row = history.iloc[0]
    assert (row.id, row.indicator, row.region, row.unit) == (new_id, SHARE, HEZE, "市大数据局")
    assert row.status == "no_data"  # the engine's word as of AS_OF: nothing reported yet
    assert row.recover_by == pd.Timestamp("2025-12-31")
    assert (row.cause, row.remedy, row.recorded_by) == (
        "平台对接进度慢",
        "倒排工期，每周调度",
        "ana",
    )
    log = queries.audit_log(db, action="remedy.record")
    assert len(log) == 1 and log.iloc[0]["detail"]["id"] == new_id


@pytest.mark.parametrize(
    "actor, message",
    [
        (VIEWER, "viewer"),
        (OTHER_ANALYST, "市大数据局"),  # names the units that may answer
        (DISABLED, "gone"),
        (COUNTY_ANALYST, "371702"),  # the account is limited to a county, the target is the city's
    ],
)
def test_wrong_role_unit_or_region_is_refused_and_nothing_written(db, actor, message):
    with pytest.raises(PermissionDenied, match=message):
        _record(db, actor=actor)
    assert remedy_history(db).empty and _audit_count(db) == 0


def test_an_admin_may_answer_for_any_responsible_unit_but_not_another(db):
    _record(db, actor=LOCAL_OPERATOR, indicator=STATIONS, unit="市工业和信息化局")
    with pytest.raises(PermissionDenied, match="市大数据局"):
        _record(db, actor=LOCAL_OPERATOR, indicator=STATIONS, unit="市大数据局")
    with pytest.raises(PermissionDenied):  # an analyst may not speak for another unit
        _record(db, indicator=SHARE, unit="市工业和信息化局")
    assert list(remedy_history(db)["unit"]) == ["市工业和信息化局"]


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"cause": "  "}, InvalidInput, "落后原因"),
        ({"remedy": ""}, InvalidInput, "Remedial actions"),
        ({"cause": "慢" * 2001}, InvalidInput, "2001"),
        ({"recover_by": date(2025, 6, 29)}, InvalidInput, "2025-06-29"),
        ({"recover_by": "年底"}, InvalidInput, "2026-12-31"),
        ({"region": "999999"}, NotFound, "999999"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_nothing_written(db, change, error, words):
    with pytest.raises(error, match=words):
        _record(db, **change)
    assert remedy_history(db).empty and _audit_count(db) == 0


def test_unknown_indicator(db):
    with pytest.raises(NotFound, match="nope"):
        _record(db, indicator="nope")


def test_a_target_that_does_not_lag_is_refused(db):
    report = enter_value(db, DATA_ANALYST, LAUNCH, HEZE, "2023Q4", "100")
    assert not report.errors
    with pytest.raises(Conflict, match="已完成"):
        _record(db, indicator=LAUNCH)
    assert remedy_history(db).empty


def test_history_is_kept_and_the_latest_statement_is_current(db):
    first = _record(db, cause="原因一", recover_by="2025-09-30")
    second = _record(db, cause="原因二", recover_by="2025-12-31")
    history = remedy_history(db)
    assert list(history["id"]) == [second, first]  # newest first, nothing overwritten
    assert list(history["cause"]) == ["原因二", "原因一"]
    current = current_remedies(history)
    assert list(current["id"]) == [second]
    assert list(remedy_history(db, SHARE, "371702")["id"]) == []


def test_a_promise_broken_is_flagged_and_a_recovery_clears_it(db):
    _record(db, recover_by="2025-09-30")
    status = _status(db, date(2025, 12, 1))
    rows = home_rows(status, db.catalog)
    table = lagging_table(rows, current_remedies(remedy_history(db)), db.catalog, date(2025, 12, 1))
    share = table[table["indicator"] == SHARE].iloc[0]
    assert bool(share.overdue) and share.cause == "平台对接进度慢"
    not_yet = lagging_table(rows, current_remedies(remedy_history(db)), db.catalog, AS_OF)
    assert not not_yet[not_yet["indicator"] == SHARE].iloc[0].overdue
    # back on track: no longer lagging, so no longer listed nor flagged
    enter_value(db, DATA_ANALYST, SHARE, HEZE, "2025Q3", "75")
    rows = home_rows(_status(db, date(2025, 12, 1)), db.catalog)
    table = lagging_table(rows, current_remedies(remedy_history(db)), db.catalog, date(2025, 12, 1))
    assert SHARE not in set(table["indicator"])


@pytest.mark.parametrize(
    "recover_by, status, as_of, flagged",
    [
        ("2025-09-30", "off_track", date(2025, 10, 1), True),
        ("2025-09-30", "off_track", date(2025, 9, 30), False),  # the promised day itself
        ("2025-09-30", "on_track", date(2025, 10, 1), False),  # recovered
        (None, "off_track", date(2025, 10, 1), False),  # nothing promised yet
    ],
)
def test_overdue_rule(recover_by, status, as_of, flagged):
    result = overdue(pd.Series([recover_by]), pd.Series([status]), as_of)
    assert bool(result.iloc[0]) is flagged


def test_reporting_gaps_come_from_the_reporting_cycle(db):
    q3 = parse_period("2025Q3")
    enter_value(db, DATA_ANALYST, SHARE, HEZE, "2025Q3", "50")  # stored today: after the due day
    gaps = reporting(db, q3, today=date.today())
    by = {(r.indicator, r.unit, r.state) for r in gaps.itertuples()}
    assert (SHARE, "371700:市大数据局", "late") in by  # each city's bureau apart
    assert (STATIONS, "371700:市工业和信息化局", "missing") in by
    assert LAUNCH not in set(gaps["indicator"])  # its last deadline (2023) is long past
    assert set(gaps["state"]) == {"late", "missing"}
    # before the period's due day (2025-10-10) nothing is missing yet
    early = reporting(db, q3, today=date(2025, 10, 2))
    assert "missing" not in set(early["state"])


def test_league_table_ranks_units_with_the_previous_period(db, small_catalog):
    enter_value(db, DATA_ANALYST, SHARE, HEZE, "2025Q1", "70")  # achieved early
    enter_value(db, LOCAL_OPERATOR, STATIONS, HEZE, "2025Q1", "0.1")
    now = home_rows(_status(db, date(2025, 6, 30)), small_catalog)
    prev = home_rows(_status(db, date(2024, 12, 31)), small_catalog)
    table = league_table(now, prev, small_catalog)
    # 工信局: its one target on track (1/1); 大数据局: one of two achieved (1/2)
    assert list(table["unit"]) == ["371700:市工业和信息化局", "371700:市大数据局"]
    assert list(table["rank"]) == [1, 2]
    assert list(table["total"]) == [1, 2] and list(table["share"]) == [1.0, 0.5]
    assert list(table["prev_share"]) == [0.0, 0.0]  # nothing was reported by 2024
    assert list(table["prev_rank"]) == [1, 1]  # tied
    assert list(table["change"]) == [1.0, 0.5]
    assert previous_period(parse_period("2025Q1")).label == "2024Q4"
