"""The reporting schedule: due days (calendar and Chinese working days), what is owed as of
a day, the catalog's `reporting:` blocks and completeness/timeliness counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from metrics.catalog import CatalogError, load_catalog, parse_catalog
from metrics.periods import parse_period
from metrics.schedule import (
    Rule,
    add_working_days,
    assess,
    due_date,
    owed,
    periods_ending,
    previous_period_end,
    reporting_flags,
    rule_for,
    status_history,
    summarise,
)
from tests.conftest import SMALL_CATALOG

SHARE = "heze-2023-digital-gov.data-service-share"
STATIONS = "heze-2023-digital-gov.base-stations"


@pytest.mark.parametrize(
    ("period", "rule", "due"),
    [
        # 10 calendar days after the quarter ends
        ("2025Q2", Rule("quarterly", 10, False), date(2025, 7, 10)),
        ("2025Q4", Rule("quarterly", 10, False), date(2026, 1, 10)),
        ("2025-02", Rule("monthly", 5, False), date(2025, 3, 5)),
        ("2024", Rule("yearly", 31, False), date(2025, 1, 31)),
        ("2025Q1", Rule("quarterly", 0, False), date(2025, 3, 31)),
        # Working days: National Day 2025-10-01..08 are holidays, Sat 10-11 a make-up day.
        ("2025Q3", Rule("quarterly", 1, True), date(2025, 10, 9)),
        ("2025Q3", Rule("quarterly", 3, True), date(2025, 10, 11)),
        ("2025Q3", Rule("quarterly", 10, True), date(2025, 10, 21)),
        # New Year 2026: 01-01..03 off, Sunday 01-04 a make-up working day.
        ("2025Q4", Rule("quarterly", 1, True), date(2026, 1, 4)),
        ("2025Q4", Rule("quarterly", 2, True), date(2026, 1, 5)),
        # Spring Festival 2025: 01-28..02-04 off, 02-08 (Sat) a make-up day.
        ("2025-01", Rule("monthly", 1, True), date(2025, 2, 5)),
        ("2025-01", Rule("monthly", 4, True), date(2025, 2, 8)),
        # An ordinary quarter: Q2 2025 ends on a Monday, July has no holiday.
        ("2025Q2", Rule("quarterly", 10, True), date(2025, 7, 14)),
    ],
)
def test_due_date(period: str, rule: Rule, due: date) -> None:
    assert due_date(parse_period(period), rule) == due


def test_working_days_beyond_the_calendar_fall_back_to_weekdays() -> None:
    # 2099 is not in chinese_calendar: Monday to Friday. 2099-12-31 is a Thursday.
    assert add_working_days(date(2099, 12, 31), 2) == date(2100, 1, 4)


@pytest.mark.parametrize(
    ("kind", "first", "last", "labels"),
    [
        (
            "quarter",
            date(2023, 3, 31),
            date(2023, 12, 31),
            ["2023Q1", "2023Q2", "2023Q3", "2023Q4"],
        ),
        ("quarter", date(2023, 4, 1), date(2023, 9, 29), ["2023Q2"]),
        ("month", date(2024, 11, 15), date(2025, 1, 31), ["2024-11", "2024-12", "2025-01"]),
        ("year", date(2022, 1, 1), date(2024, 6, 30), ["2022", "2023"]),
        ("quarter", date(2024, 1, 1), date(2023, 12, 31), []),
    ],
)
def test_periods_ending(kind: str, first: date, last: date, labels: list[str]) -> None:
    assert [p.label for p in periods_ending(kind, first, last)] == labels


def _catalog(extra_plan: str = "", share: str = "", stations: str = ""):  # type: ignore[no-untyped-def]
    text = SMALL_CATALOG.replace(
        '    region: "371700"\nindicators:', f'    region: "371700"\n{extra_plan}indicators:'
    )
    text = text.replace("    clause: 三、（三）2.\n", f"    clause: 三、（三）2.\n{share}")
    text = text.replace("    quote: 5G基站1.2万个\n", f"    quote: 5G基站1.2万个\n{stations}")
    return parse_catalog(text)


def test_rule_inherits_plan_then_default() -> None:
    cat = _catalog(
        extra_plan="    reporting: {frequency: monthly, due_days: 15, working_days: true}\n",
        share="    reporting: {frequency: yearly}\n",
    )
    assert rule_for(cat, cat.indicators[SHARE]) == Rule("yearly", 15, True, start=date(2023, 3, 31))
    assert rule_for(cat, cat.indicators[STATIONS]) == Rule(
        "monthly", 15, True, start=date(2023, 3, 31)
    )
    plain = parse_catalog(SMALL_CATALOG)
    assert rule_for(plain, plain.indicators[SHARE]) == Rule(
        "quarterly", 10, False, start=date(2023, 3, 31)
    )


@pytest.mark.parametrize(
    ("block", "field", "words"),
    [
        ("{frequency: weekly}", "reporting.frequency", "monthly, quarterly or yearly"),
        ("{due_days: -1}", "reporting.due_days", "greater than or equal to 0"),
        ("{due_days: 10, when: soon}", "reporting.when", "unknown field"),
        ("{start: 2023-02-30}", "reporting.start", "date"),
    ],
)
def test_bad_reporting_block_is_named(block: str, field: str, words: str) -> None:
    with pytest.raises(CatalogError) as info:
        _catalog(share=f"    reporting: {block}\n")
    problems = [p for p in info.value.problems if p.field.endswith(field)]
    assert problems, info.value
    assert words.lower() in problems[0].message.lower()
    assert problems[0].line > 1


def test_owed_as_of_a_day() -> None:
    cat = _catalog(share="    reporting: {start: 2025-01-01}\n")
    frame = owed(cat, date(2025, 10, 5), [SHARE])
    # The share's last deadline is 2025-12-31: owed 2025Q1..Q3 (Q3 ended, due 10-10).
    assert frame.period.tolist() == ["2025Q1", "2025Q2", "2025Q3"]
    assert frame.overdue.tolist() == [True, True, False]
    assert frame.due.tolist() == [date(2025, 4, 10), date(2025, 7, 10), date(2025, 10, 10)]
    # Nothing owed after the period of the last deadline.
    later = owed(cat, date(2027, 6, 1), [SHARE])
    assert later.period.iloc[-1] == "2025Q4"


def _reports(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """(indicator, period, reported_on, review) at Heze."""
    out = []
    for ind, label, day, review in rows:
        p = parse_period(label)
        out.append((ind, "371700", p.kind, pd.Timestamp(p.end), pd.Timestamp(day), review))
    return pd.DataFrame(
        out,
        columns=["indicator", "region", "period_kind", "period_end", "reported_on", "review"],
    )


def test_assess_and_summarise() -> None:
    cat = _catalog(
        share="    reporting: {start: 2025-01-01}\n",
        stations="    reporting: {start: 2025-01-01}\n",
    )
    frame = owed(cat, date(2025, 10, 5))
    reports = _reports(
        [
            (SHARE, "2025Q1", "2025-04-08", "approved"),  # on time
            (SHARE, "2025Q2", "2025-07-20", "submitted"),  # late
            (STATIONS, "2025Q1", "2025-04-01", "returned"),  # returned
            (STATIONS, "2025Q3", "2025-10-02", None),  # early, on time
        ]
    )
    assessed = assess(frame, reports)
    states = {(r.indicator, r.period): r.state for r in assessed.itertuples()}
    assert states[(SHARE, "2025Q1")] == "on_time"
    assert states[(SHARE, "2025Q2")] == "late"
    assert states[(SHARE, "2025Q3")] == "not_due"
    assert states[(STATIONS, "2025Q1")] == "returned"
    assert states[(STATIONS, "2025Q2")] == "missing"
    assert states[(STATIONS, "2025Q3")] == "on_time"

    units = summarise(assessed, cat, by="unit").set_index("unit")
    # The share's Q1 and Q2, and the milestone's four quarters of 2023 (never reported).
    assert units.loc["市大数据局", ["owed", "reported", "on_time", "late", "missing"]].tolist() == [
        6,
        2,
        1,
        1,
        4,
    ]
    assert units.loc["市工业和信息化局", ["owed", "missing", "returned"]].tolist() == [2, 1, 1]
    cities = summarise(assessed, cat, by="city").set_index("city")
    assert cities.loc["371700", "owed"] == 8
    assert cities.loc["371700", "not_due"] == 1


def test_reporting_flags_tell_overdue_from_not_due() -> None:
    cat = _catalog(
        share="    reporting: {start: 2025-01-01}\n",
        stations="    reporting: {start: 2025-07-01}\n",
    )
    assessed = assess(owed(cat, date(2025, 10, 5)), _reports([]))
    status = pd.DataFrame({"indicator": [SHARE, STATIONS], "region": ["371700", "371700"]})
    assert reporting_flags(status, assessed).tolist() == ["overdue", "not_due"]


def test_shipped_catalog_owes_reports(tmp_path: Path) -> None:
    cat = load_catalog()
    frame = owed(cat, date(2026, 12, 1))
    assert len(frame) > 0
    assert frame.overdue.any()
    assert set(frame.period_kind) <= {"month", "quarter", "year"}


@pytest.mark.parametrize(
    ("as_of", "kind", "end"),
    [
        (date(2026, 12, 2), "quarter", date(2026, 9, 30)),
        (date(2026, 1, 15), "quarter", date(2025, 12, 31)),
        (date(2026, 3, 31), "quarter", date(2025, 12, 31)),
        (date(2026, 4, 1), "quarter", date(2026, 3, 31)),
        (date(2026, 3, 5), "month", date(2026, 2, 28)),
        (date(2026, 6, 1), "year", date(2025, 12, 31)),
    ],
)
def test_previous_period_end(as_of: date, kind: str, end: date) -> None:
    assert previous_period_end(as_of, kind) == end


def test_status_history_arrows_and_late_catch_up() -> None:
    now = pd.DataFrame(
        {
            "indicator": ["a", "b", "c", "d"],
            "region": ["371700"] * 4,
            "status": ["on_track", "missed", "at_risk", "no_data"],
        }
    )
    before = now.assign(status=["at_risk", "off_track", "at_risk", "on_track"])
    assessed = pd.DataFrame(
        {
            "indicator": ["a", "d"],
            "region": ["371700", "371700"],
            "state": ["late", "missing"],
        }
    )
    out = status_history(now, before, assessed).set_index("indicator")
    assert out.trend.tolist() == ["↑", "↓", "→", ""]
    assert out.previous_status.tolist() == ["at_risk", "off_track", "at_risk", "on_track"]
    assert out.was_late.tolist() == [True, False, False, False]  # a: late, since caught up
    assert out.loc["d", "reporting"] == "overdue"  # shown as 未报, not 暂无数据
