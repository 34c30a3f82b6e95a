"""The progress engine: hand-computed cases for every op, status and boundary, plus properties.

Every expected number below is written as the arithmetic a person does by hand
with docs/method.md (days between dates counted on a calendar), so a failure
points at the rule that changed.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.catalog import domain_label, parse_catalog
from metrics.demo import DEMO_NOTE, DEMO_SOURCE, strip_demo_labels
from metrics.periods import KIND_RANK, KINDS
from metrics.progress import (
    COLUMNS,
    DUE_DAYS,
    STATUS_ORDER,
    actual_series,
    due_soon,
    evaluate,
    explain,
    needs_attention,
    projection_line,
    rollup,
    status_label,
    trajectory,
)

CITY, MUDAN, CAOXIAN = "371700", "371702", "371721"

CATALOG_YAML = """\
regions:
  - code: "371700"
    name: 菏泽市
    name_en: Heze
    children:
      - {code: "371702", name: 牡丹区, name_en: Mudan}
      - {code: "371721", name: 曹县, name_en: Caoxian}
plans:
  - {id: t, title: 测试方案, issuer: 测试, issued: 2024-12-31, region: "371700"}
  - {id: heze, title: 菏泽市数字政府建设实施方案, issuer: 菏泽市人民政府, issued: 2023-03-31, region: "371700"}
indicators:
  - {id: t.ge, plan: t, name: 大于等于, name_en: GE, domain: 数据资源, unit: 个,
     baseline: {value: 20, date: 2024-12-31},
     targets: [{op: ">=", value: 120, by: 2026-12-31}], responsible: [甲局, 乙局], quote: q}
  - {id: t.le, plan: t, name: 小于等于, name_en: LE, domain: 生态环保, unit: 天,
     baseline: {value: 30, date: 2024-12-31},
     targets: [{op: "<=", value: 10, by: 2026-12-31}], responsible: [乙局], quote: q}
  - {id: t.le-met, plan: t, name: 已达标上限, name_en: LE met, domain: 生态环保, unit: 天,
     baseline: {value: 12, date: 2024-12-31},
     targets: [{op: "<=", value: 15, by: 2026-12-31}], responsible: [乙局], quote: q}
  - {id: t.eq, plan: t, name: 等于, name_en: EQ, domain: 数字经济, unit: 个,
     baseline: {value: 10, date: 2024-12-31},
     targets: [{op: "==", value: 50, by: 2026-12-31}], responsible: [丙局], quote: q}
  - {id: t.eq-stages, plan: t, name: 等于两阶段, name_en: EQ stages, domain: 数字经济, unit: 个,
     baseline: {value: 48, date: 2024-12-31},
     targets: [{op: "==", value: 50, by: 2025-12-31}, {op: "==", value: 80, by: 2026-12-31}],
     responsible: [丙局], quote: q}
  - {id: t.between, plan: t, name: 区间, name_en: Between, domain: 数字经济, unit: 家,
     targets: [{op: between, low: 8, high: 10, by: 2026-12-31}], responsible: [丙局], quote: q}
  - {id: t.multi, plan: t, name: 两阶段, name_en: Two stages, domain: 数据资源, unit: "%",
     baseline: {value: 20, date: 2024-12-31},
     targets: [{op: ">=", value: 35, by: 2025-12-31}, {op: ">=", value: 70, by: 2026-12-31}],
     responsible: [甲局], quote: q}
  - {id: t.ms, plan: t, name: 平台建成, name_en: Platform built, domain: 政务服务, unit: "%",
     kind: milestone,
     targets: [{op: ">=", value: 50, by: 2025-06-30}, {op: ">=", value: 100, by: 2025-12-31}],
     responsible: [甲局], quote: q}
  - {id: t.yearly, plan: t, name: 每年场景数, name_en: Scenarios per year, domain: 数据资源,
     unit: 个, recurring: yearly,
     targets: [{op: ">=", value: 50, by: 2026-12-31}], responsible: [甲局], quote: q}
  - {id: t.sum, plan: t, name: 基站数, name_en: Base stations, domain: 数字基础设施, unit: 个,
     aggregate: sum, targets: [{op: ">=", value: 100, by: 2026-12-31}],
     responsible: [丁局], quote: q}
  - {id: t.pct, plan: t, name: 覆盖率, name_en: Coverage, domain: 民生服务, unit: "%",
     targets: [{op: ">=", value: 80, by: 2026-12-31}], responsible: [丁局], quote: q}
  - {id: t.nobase, plan: t, name: 无基期, name_en: No baseline, domain: 城市治理, unit: 个,
     targets: [{op: ">=", value: 100, by: 2026-12-31}], responsible: [丁局], quote: q}
  - {id: heze.data-service-share, plan: heze, name: 统一提供数据服务的比例,
     name_en: Share of data services, domain: 数据资源, unit: "%",
     baseline: {value: 20, date: 2022-12-31},
     targets: [{op: ">=", value: 35, by: 2023-12-31}, {op: ">=", value: 70, by: 2025-12-31}],
     responsible: [市大数据局], quote: q}
"""

CATALOG = parse_catalog(CATALOG_YAML)

Obs = tuple[Any, ...]  # (kind, end, value) at the case's region, or (region, kind, end, value)


def frame(rows: list[Obs], indicator: str, region: str = CITY) -> pd.DataFrame:
    """Observations in the engine's input shape."""
    full = [r if len(r) == 4 else (region, *r) for r in rows]
    return pd.DataFrame(
        {
            "indicator": [indicator] * len(full),
            "region": [r[0] for r in full],
            "period_kind": [r[1] for r in full],
            "period_end": pd.to_datetime([r[2] for r in full]).astype("datetime64[ns]"),
            "value": [float(r[3]) for r in full],
        }
    )


def row_of(result: pd.DataFrame, indicator: str, region: str = CITY) -> pd.Series:
    hit = result[(result.indicator == indicator) & (result.region == region)]
    assert len(hit) == 1, f"{indicator}@{region}: {len(hit)} rows"
    return hit.iloc[0]


def check(row: pd.Series, expect: dict[str, Any]) -> None:
    for key, want in expect.items():
        got = row[key]
        if isinstance(want, float) and math.isnan(want):
            assert pd.isna(got), (key, got)
        elif isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-6, abs=1e-9), (key, got, want)
        else:
            assert got == want, (key, got, want)


NAN = float("nan")
D = date

# (case id, indicator, region, observations, as_of, expected columns)
# fmt: off
CASES: list[tuple[str, str, str, list[Obs], date, dict[str, Any]]] = [
    # --- >= : baseline 20 on 2024-12-31, >= 120 by 2026-12-31 (730 days; 2025-12-31 is half way: E = 70)
    ("ge-no-data", "t.ge", CITY, [], D(2025, 6, 30),
     {"status": "no_data", "baseline_value": 20.0, "target_value": 120.0, "days_left": 549,
      "latest_period": None, "expected": NAN, "stale": False, "missed_stages": 0}),
    ("ge-r-1", "t.ge", CITY, [("year", "2025-12-31", 70)], D(2026, 1, 15),
     {"status": "on_track", "expected": 70.0, "ratio": 1.0, "progress": 0.5,
      "latest_period": "2025", "reason": "ratio"}),
    ("ge-r-exactly-0.95", "t.ge", CITY, [("year", "2025-12-31", 67.5)], D(2026, 1, 15),
     {"status": "on_track", "ratio": 0.95}),  # (67.5-20)/(70-20) = 47.5/50
    ("ge-r-below-0.95", "t.ge", CITY, [("year", "2025-12-31", 67.4)], D(2026, 1, 15),
     {"status": "at_risk", "ratio": 47.4 / 50}),
    ("ge-r-exactly-0.6", "t.ge", CITY, [("year", "2025-12-31", 50)], D(2026, 1, 15),
     {"status": "at_risk", "ratio": 0.6}),  # 30/50
    ("ge-r-below-0.6", "t.ge", CITY, [("year", "2025-12-31", 49.9)], D(2026, 1, 15),
     {"status": "off_track", "ratio": 29.9 / 50}),
    ("ge-achieved-early", "t.ge", CITY, [("quarter", "2026-06-30", 120)], D(2026, 7, 10),
     {"status": "achieved", "progress": 1.0, "latest_period": "2026Q2"}),
    ("ge-deadline-day-not-yet-missed", "t.ge", CITY, [("year", "2026-12-31", 100)],
     D(2026, 12, 31), {"status": "at_risk", "expected": 120.0, "ratio": 0.8, "days_left": 0}),
    ("ge-missed", "t.ge", CITY, [("year", "2026-12-31", 100)], D(2027, 1, 1),
     {"status": "missed", "days_left": -1, "progress": 0.8}),
    ("ge-future-ignored", "t.ge", CITY,
     [("year", "2025-12-31", 70), ("quarter", "2026-03-31", 10)], D(2026, 1, 15),
     {"status": "on_track", "latest_value": 70.0, "latest_period": "2025"}),
    # --- <= mirrors >=: baseline 30, <= 10 by 2026-12-31, E(2025-12-31) = 20
    ("le-r-exactly-0.95", "t.le", CITY, [("year", "2025-12-31", 20.5)], D(2026, 1, 15),
     {"status": "on_track", "expected": 20.0, "ratio": 0.95}),  # -9.5/-10
    ("le-r-exactly-0.6", "t.le", CITY, [("year", "2025-12-31", 24)], D(2026, 1, 15),
     {"status": "at_risk", "ratio": 0.6}),  # -6/-10
    ("le-off-track", "t.le", CITY, [("year", "2025-12-31", 24.1)], D(2026, 1, 15),
     {"status": "off_track", "ratio": 5.9 / 10}),
    ("le-achieved", "t.le", CITY, [("quarter", "2026-06-30", 9)], D(2026, 7, 10),
     {"status": "achieved"}),
    ("le-missed", "t.le", CITY, [("year", "2026-12-31", 11)], D(2027, 1, 1),
     {"status": "missed"}),
    # <= 15 with a baseline of 12 already met: the path stays flat; going above is a regression
    ("le-regressed", "t.le-met", CITY, [("year", "2025-12-31", 16)], D(2026, 1, 10),
     {"status": "off_track", "reason": "regressed", "expected": 12.0, "ratio": NAN}),
    ("le-still-met", "t.le-met", CITY, [("year", "2025-12-31", 14)], D(2026, 1, 10),
     {"status": "achieved"}),
    # --- == 50 with ±5 % tolerance (47.5 to 52.5), baseline 10: E(2025-12-31) = 30
    ("eq-lower-tolerance", "t.eq", CITY, [("quarter", "2026-06-30", 47.5)], D(2026, 7, 10),
     {"status": "achieved"}),
    ("eq-upper-tolerance", "t.eq", CITY, [("quarter", "2026-06-30", 52.5)], D(2026, 7, 10),
     {"status": "achieved"}),
    ("eq-beyond-tolerance-missed", "t.eq", CITY, [("year", "2026-12-31", 52.6)],
     D(2027, 1, 5), {"status": "missed"}),
    ("eq-on-the-way", "t.eq", CITY, [("year", "2025-12-31", 29)], D(2026, 1, 10),
     {"status": "on_track", "expected": 30.0, "ratio": 0.95}),  # 19/20
    # a value within the current stage's tolerance is on track whatever r says
    # (E = 48 + 2*181/365 = 48.99, r = -0.4/0.99 < 0)
    ("eq-current-stage-met", "t.eq-stages", CITY, [("quarter", "2025-06-30", 47.6)],
     D(2025, 7, 10),
     {"status": "on_track", "reason": "stage_met", "current_stage_value": 50.0,
      "expected": 48 + 2 * 181 / 365, "target_value": 80.0}),
    # --- between 8-10, no catalog baseline: the earliest observation is the baseline
    ("between-from-below", "t.between", CITY,
     [("year", "2024-12-31", 2), ("year", "2025-12-31", 5)], D(2026, 1, 10),
     {"status": "on_track", "target_value": 8.0, "expected": 5.0, "ratio": 1.0,
      "baseline_value": 2.0, "baseline_source": "earliest",
      "baseline_date": pd.Timestamp("2024-12-31")}),
    ("between-from-above", "t.between", CITY,
     [("year", "2024-12-31", 16), ("year", "2025-12-31", 13)], D(2026, 1, 10),
     {"status": "on_track", "target_value": 10.0, "expected": 13.0, "ratio": 1.0}),
    ("between-from-above-lagging", "t.between", CITY,
     [("year", "2024-12-31", 16), ("year", "2025-12-31", 13.3)], D(2026, 1, 10),
     {"status": "at_risk", "ratio": 2.7 / 3}),
    ("between-inside", "t.between", CITY,
     [("year", "2024-12-31", 16), ("quarter", "2026-03-31", 9)], D(2026, 4, 10),
     {"status": "achieved"}),
    ("between-missed", "t.between", CITY,
     [("year", "2024-12-31", 2), ("year", "2026-12-31", 7.9)], D(2027, 1, 1),
     {"status": "missed"}),
    # --- multi-stage: 20 (2024-12-31) -> 35 (2025-12-31) -> 70 (2026-12-31)
    ("multi-stage-1-missed", "t.multi", CITY, [("year", "2025-12-31", 33)], D(2026, 1, 10),
     {"status": "at_risk", "expected": 35.0, "ratio": 13 / 15, "missed_stages": 1,
      "missed_deadlines": "2025-12-31", "current_stage_value": 70.0, "target_value": 70.0,
      "progress": 13 / 50}),
    ("multi-mid-stage-1", "t.multi", CITY, [("quarter", "2025-06-30", 27)], D(2025, 7, 10),
     {"status": "at_risk", "expected": 20 + 15 * 181 / 365,
      "ratio": 7 / (15 * 181 / 365), "missed_stages": 0, "current_stage_value": 35.0}),
    # --- milestone: 0 % at the issue date 2024-12-31 -> 50 % by 2025-06-30 (181 days) -> 100 %
    ("milestone-at-risk", "t.ms", CITY, [("quarter", "2025-03-31", 20)], D(2025, 4, 10),
     {"status": "at_risk", "baseline_value": 0.0, "baseline_source": "milestone",
      "expected": 50 * 90 / 181, "ratio": 20 / (50 * 90 / 181)}),
    ("milestone-achieved", "t.ms", CITY, [("quarter", "2025-09-30", 100)], D(2025, 10, 10),
     {"status": "achieved"}),
    ("milestone-missed", "t.ms", CITY,
     [("quarter", "2025-03-31", 20), ("year", "2025-12-31", 80)], D(2026, 1, 5),
     {"status": "missed", "missed_stages": 1, "missed_deadlines": "2025-06-30"}),
    # --- yearly recurring >= 50 a year, year-to-date: E = 50 x day-of-year / days-in-year
    ("yearly-at-risk", "t.yearly", CITY, [("quarter", "2025-06-30", 20)], D(2025, 7, 10),
     {"status": "at_risk", "expected": 50 * 181 / 365, "ratio": 20 / (50 * 181 / 365),
      "baseline_value": 0.0, "progress": 20 / 50, "current_stage_value": 50.0}),
    ("yearly-on-track", "t.yearly", CITY, [("quarter", "2025-06-30", 25)], D(2025, 7, 10),
     {"status": "on_track", "ratio": 25 / (50 * 181 / 365)}),
    ("yearly-earlier-year-missed", "t.yearly", CITY,
     [("year", "2025-12-31", 45), ("quarter", "2026-03-31", 20)], D(2026, 4, 10),
     {"status": "on_track", "expected": 50 * 90 / 365, "missed_stages": 1,
      "missed_deadlines": "2025-12-31", "projected_value": NAN}),
    ("yearly-achieved", "t.yearly", CITY, [("quarter", "2026-09-30", 55)], D(2026, 10, 10),
     {"status": "achieved"}),
    ("yearly-final-year-missed", "t.yearly", CITY, [("year", "2026-12-31", 40)], D(2027, 1, 5),
     {"status": "missed"}),
    ("yearly-projection", "t.yearly", CITY,
     [("quarter", "2025-03-31", 10), ("quarter", "2025-06-30", 20)], D(2025, 7, 10),
     {"projected_value": 10 + 10 / 91 * (365 - 90), "projected_met": False,
      "projection_date": pd.Timestamp("2025-12-31")}),
    # --- no baseline, a single observation: it is its own baseline, E = b, on track
    ("single-observation", "t.nobase", CITY, [("quarter", "2025-06-30", 40)], D(2025, 7, 10),
     {"status": "on_track", "reason": "at_baseline", "baseline_value": 40.0, "ratio": NAN,
      "projected_value": NAN, "missed_stages": 0}),
    # --- stale: older than two reporting periods before as_of
    ("stale-quarter", "t.nobase", CITY, [("quarter", "2025-03-31", 40)], D(2025, 10, 15),
     {"stale": True}),  # limit 2025-04-15
    ("fresh-quarter", "t.nobase", CITY, [("quarter", "2025-03-31", 40)], D(2025, 9, 30),
     {"stale": False}),  # limit 2025-03-30
    ("fresh-year", "t.nobase", CITY, [("year", "2023-12-31", 40)], D(2025, 12, 30),
     {"stale": False}),  # limit 2023-12-30
    ("stale-year", "t.nobase", CITY, [("year", "2023-12-31", 40)], D(2026, 1, 1),
     {"stale": True}),  # limit 2024-01-01
    ("stale-month", "t.nobase", CITY, [("month", "2025-07-31", 40)], D(2025, 10, 1),
     {"stale": True}),  # limit 2025-08-01
    ("fresh-month", "t.nobase", CITY, [("month", "2025-07-31", 40)], D(2025, 9, 30),
     {"stale": False}),  # limit 2025-07-30
    ("fresh-day", "t.nobase", CITY, [("day", "2025-06-30", 40)], D(2025, 12, 31),
     {"stale": False}),  # a day counts as a quarter: limit 2025-06-30
    ("stale-day", "t.nobase", CITY, [("day", "2025-06-30", 40)], D(2026, 1, 1),
     {"stale": True}),  # limit 2025-07-01
    # --- projection: least squares since the baseline, at the final deadline
    ("projection-two-points", "t.ge", CITY,
     [("year", "2024-12-31", 20), ("year", "2025-12-31", 70)], D(2026, 1, 10),
     {"projected_value": 120.0, "projected_met": True, "fit_start_value": 20.0,
      "fit_start": pd.Timestamp("2024-12-31")}),
    ("projection-short", "t.ge", CITY,
     [("year", "2024-12-31", 20), ("year", "2025-12-31", 40)], D(2026, 1, 10),
     {"projected_value": 60.0, "projected_met": False}),
    # x = 0, 10, 20 days, y = 30, 40, 44: slope = (-10*-8 + 10*6)/200 = 0.7 per day;
    # 2025-01-20 (mean) to 2026-12-31 is 710 days: 38 + 0.7 * 710
    ("projection-three-points", "t.ge", CITY,
     [("day", "2025-01-10", 30), ("day", "2025-01-20", 40), ("day", "2025-01-30", 44)],
     D(2025, 2, 1), {"projected_value": 38 + 0.7 * 710, "projected_met": True}),
    # --- county aggregation (aggregate: sum): the city is the sum of its counties
    ("city-sum-of-counties", "t.sum", CITY,
     [(MUDAN, "year", "2024-12-31", 10), (CAOXIAN, "year", "2024-12-31", 20),
      (MUDAN, "year", "2025-12-31", 30), (CAOXIAN, "year", "2025-12-31", 30)], D(2026, 1, 10),
     {"status": "at_risk", "latest_value": 60.0, "baseline_value": 30.0, "expected": 65.0,
      "ratio": 30 / 35, "aggregated": True, "counties": 2}),
    ("city-own-value-wins", "t.sum", CITY,
     [(MUDAN, "year", "2024-12-31", 10), (CAOXIAN, "year", "2024-12-31", 20),
      (MUDAN, "year", "2025-12-31", 30), (CAOXIAN, "year", "2025-12-31", 30),
      (CITY, "year", "2025-12-31", 70)], D(2026, 1, 10),
     {"status": "on_track", "latest_value": 70.0, "aggregated": False, "ratio": 40 / 35}),
    # a county of an additive indicator aims at an equal share (1/2) of the city's target
    ("county-row", "t.sum", MUDAN,
     [(MUDAN, "year", "2024-12-31", 10), (MUDAN, "year", "2025-12-31", 30)], D(2026, 1, 10),
     {"status": "on_track", "home": False, "target_share": 0.5, "target_value": 50.0,
      "expected": 30.0, "ratio": 1.0}),
    ("percentages-never-add-up", "t.pct", CITY,
     [(MUDAN, "year", "2025-12-31", 60), (CAOXIAN, "year", "2025-12-31", 70)], D(2026, 1, 10),
     {"status": "no_data", "latest_value": NAN}),
    ("percent-county-row", "t.pct", CAOXIAN,
     [(MUDAN, "year", "2025-12-31", 60), (CAOXIAN, "year", "2025-12-31", 70)], D(2026, 1, 10),
     {"status": "on_track", "reason": "at_baseline", "target_value": 80.0, "target_share": 1.0}),
    # --- the worked example of docs/method.md
    ("worked-example", "heze.data-service-share", CITY,
     [("quarter", "2023-12-31", 33), ("quarter", "2024-06-30", 38),
      ("quarter", "2024-12-31", 45), ("quarter", "2025-06-30", 52)], D(2025, 7, 15),
     {"status": "at_risk", "expected": 35 + 35 * 547 / 731,
      "ratio": 32 / (15 + 35 * 547 / 731), "progress": 32 / 50, "missed_stages": 1,
      "days_left": 169, "latest_period": "2025Q2", "projected_value": 42 + 5840 / 166532.75 * 457.25,
      "projected_met": False, "stale": False, "target_value": 70.0}),
]
# fmt: on


@pytest.mark.parametrize(
    ("indicator", "region", "rows", "as_of", "expect"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_hand_computed(
    indicator: str, region: str, rows: list[Obs], as_of: date, expect: dict[str, Any]
) -> None:
    result = evaluate(CATALOG, frame(rows, indicator), as_of)
    check(row_of(result, indicator, region), expect)


def test_statuses_covered() -> None:
    """The table above reaches every status word."""
    seen = set()
    for _, indicator, region, rows, as_of, _ in CASES:
        seen.add(row_of(evaluate(CATALOG, frame(rows, indicator), as_of), indicator, region).status)
    assert seen == set(STATUS_ORDER)


def test_output_shape_and_every_target_present() -> None:
    result = evaluate(CATALOG, frame([], "t.ge"), date(2025, 6, 30))
    assert list(result.columns[: len(COLUMNS)]) == COLUMNS
    assert list(result.indicator) == list(CATALOG.indicators)
    assert set(result.status) == {"no_data"}
    assert (result.region == CITY).all()
    empty = evaluate(CATALOG, None, date(2025, 6, 30))
    pd.testing.assert_frame_equal(result, empty)


def test_unknown_indicators_and_bad_values_are_ignored() -> None:
    obs = pd.concat(
        [
            frame([("year", "2025-12-31", 70)], "t.ge"),
            frame([("year", "2025-12-31", 5)], "t.no-such-indicator"),
            frame([("year", "2025-12-31", float("nan"))], "t.le"),
        ]
    )
    result = evaluate(CATALOG, obs, date(2026, 1, 15))
    assert row_of(result, "t.ge").status == "on_track"
    assert row_of(result, "t.le").status == "no_data"
    assert "t.no-such-indicator" not in set(result.indicator)


def test_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="period_kind"):
        evaluate(CATALOG, frame([], "t.ge").drop(columns="period_kind"), date(2025, 1, 1))


def test_same_end_different_kinds_uses_the_coarser() -> None:
    """The annual figure and the Q4 figure end on the same day: the annual one is official."""
    obs = frame([("quarter", "2025-12-31", 60), ("year", "2025-12-31", 70)], "t.ge")
    row = row_of(evaluate(CATALOG, obs, date(2026, 1, 15)), "t.ge")
    assert (row.latest_value, row.latest_period, row.latest_kind) == (70.0, "2025", "year")


def test_eq_tolerance_is_a_setting() -> None:
    loose = parse_catalog(
        CATALOG_YAML.replace("regions:", "settings: {eq_tolerance: 0.1}\nregions:", 1)
    )
    obs = frame([("quarter", "2026-06-30", 46)], "t.eq")
    assert row_of(evaluate(CATALOG, obs, date(2026, 7, 10)), "t.eq").status != "achieved"
    assert row_of(evaluate(loose, obs, date(2026, 7, 10)), "t.eq").status == "achieved"


def test_thresholds_come_from_settings() -> None:
    strict = parse_catalog(
        CATALOG_YAML.replace("regions:", "settings: {on_track_ratio: 0.99}\nregions:", 1)
    )
    obs = frame([("year", "2025-12-31", 67.5)], "t.ge")  # r = 0.95
    assert row_of(evaluate(strict, obs, date(2026, 1, 15)), "t.ge").status == "at_risk"


# --- explanations -------------------------------------------------------------------------


def worked_example() -> pd.Series:
    rows = [case for case in CASES if case[0] == "worked-example"][0]
    return row_of(evaluate(CATALOG, frame(rows[3], rows[1]), rows[4]), rows[1])


def test_explain_worked_example() -> None:
    row = worked_example()
    assert explain(row, CATALOG) == (
        "2025Q2 实际 52%，按计划应达 61.19%，完成计划进度的 78%，存在风险"
        "；另有1个阶段目标未按期完成（2023-12-31）"
    )
    assert explain(row, CATALOG, "en") == (
        "2025Q2 actual 52% against 61.19% planned, 78% of planned progress: At risk"
        "; 1 earlier stage(s) missed (2023-12-31)"
    )


@pytest.mark.parametrize(
    ("indicator", "rows", "as_of", "zh", "en"),
    [
        (
            "t.ge",
            [],
            date(2025, 6, 30),
            "尚无实际数据，目标为2026-12-31前不低于120个，暂无数据",
            "No actual value yet; the target is at least 120个 by 2026-12-31: No data",
        ),
        (
            "t.ge",
            [("quarter", "2026-06-30", 120)],
            date(2026, 7, 10),
            "2026Q2 实际 120个，已达到最终目标（2026-12-31前不低于120个），已完成",
            "2026Q2 actual 120个 meets the final target (at least 120个 by 2026-12-31): Achieved",
        ),
        (
            "t.between",
            [("year", "2024-12-31", 2), ("year", "2026-12-31", 7.9)],
            date(2027, 1, 1),
            "2026 实际 7.9家，未达到最终目标（2026-12-31前8至10家），未完成",
            "2026 actual 7.9家 did not meet the final target (8 to 10家 by 2026-12-31): Missed",
        ),
        (
            "t.le-met",
            [("year", "2025-12-31", 16)],
            date(2026, 1, 10),
            "2025 实际 16天，基期值 12天 已达到阶段目标不高于15天，现已不再达到，进度滞后",
            "2025 actual 16天 no longer meets the stage target of at most 15天 that the baseline 12天 met: Off track",
        ),
        (
            "t.nobase",
            [("quarter", "2025-03-31", 40)],
            date(2025, 10, 15),
            "2025Q1 实际 40个，按计划此时尚无须超过基期值 40个，进展正常；数据已超过两个报告期未更新",
            "2025Q1 actual 40个; the plan expects no change from the baseline 40个 yet: On track"
            "; the data is more than two reporting periods old",
        ),
        (
            "t.yearly",
            [("quarter", "2025-06-30", 20)],
            date(2025, 7, 10),
            "2025Q2 本年累计 20个，按全年目标不低于50个的时间进度应达 24.79个，完成计划进度的 81%，存在风险",
            "2025Q2 year-to-date 20个 against 24.79个 due by now for the year's target of at least 50个, 81% of planned progress: At risk",
        ),
        (
            "t.eq-stages",
            [("quarter", "2025-06-30", 47.6)],
            date(2025, 7, 10),
            "2025Q2 实际 47.6个，已达到阶段目标（2025-12-31前50个左右），进展正常",
            "2025Q2 actual 47.6个 already meets the stage target (about 50个 by 2025-12-31): On track",
        ),
    ],
)
def test_explain_each_kind_of_sentence(
    indicator: str, rows: list[Obs], as_of: date, zh: str, en: str
) -> None:
    row = row_of(evaluate(CATALOG, frame(rows, indicator), as_of), indicator)
    assert explain(row, CATALOG) == zh
    assert explain(row.to_dict(), CATALOG, "en") == en


def test_status_labels() -> None:
    assert [status_label(s) for s in STATUS_ORDER] == [
        "已完成",
        "进展正常",
        "存在风险",
        "进度滞后",
        "未完成",
        "暂无数据",
    ]
    assert [status_label(s, "en") for s in STATUS_ORDER] == [
        "Achieved",
        "On track",
        "At risk",
        "Off track",
        "Missed",
        "No data",
    ]


# --- charts ----------------------------------------------------------------------------------


def points(df: pd.DataFrame) -> list[tuple[str, float]]:
    return [(d.date().isoformat(), round(v, 6)) for d, v in zip(df.date, df.value, strict=True)]


@pytest.mark.parametrize(
    ("indicator", "baseline", "path"),
    [
        pytest.param(
            "t.multi",
            (),
            [("2024-12-31", 20.0), ("2025-12-31", 35.0), ("2026-12-31", 70.0)],
            id="multi-stage",
        ),
        pytest.param(
            "t.ms",
            (),
            [("2024-12-31", 0.0), ("2025-06-30", 50.0), ("2025-12-31", 100.0)],
            id="milestone",
        ),
        # a range starts from the row's baseline and aims at its nearer bound
        pytest.param(
            "t.between",
            (16, date(2024, 12, 31)),
            [("2024-12-31", 16.0), ("2026-12-31", 10.0)],
            id="between-from-above",
        ),
        pytest.param(
            "t.between",
            (2, "2024-12-31"),
            [("2024-12-31", 2.0), ("2026-12-31", 8.0)],
            id="between-from-below",
        ),
        pytest.param(
            "t.yearly",
            (),
            [
                ("2023-12-31", 0.0),
                ("2024-12-31", 50.0),
                ("2024-12-31", 0.0),
                ("2025-12-31", 50.0),
                ("2025-12-31", 0.0),
                ("2026-12-31", 50.0),
            ],
            id="yearly-saw-tooth",
        ),
    ],
)
def test_trajectory(indicator: str, baseline: tuple, path: list[tuple[str, float]]) -> None:
    assert points(trajectory(CATALOG, indicator, *baseline)) == path


def test_trajectory_matches_expected() -> None:
    """The chart's path is the one the status was judged against."""
    row = worked_example()
    path = trajectory(CATALOG, row.indicator, row.baseline_value, row.baseline_date)
    days = (path.date - path.date.iloc[0]).dt.days.to_numpy()
    at = (row.latest_end - path.date.iloc[0]).days
    assert np.interp(at, days, path.value) == pytest.approx(row.expected)


def test_projection_line_end_points() -> None:
    obs = frame([("year", "2024-12-31", 20), ("year", "2025-12-31", 70)], "t.ge")
    line = projection_line(row_of(evaluate(CATALOG, obs, date(2026, 1, 10)), "t.ge"))
    assert points(line) == [("2024-12-31", 20.0), ("2026-12-31", 120.0)]
    empty = projection_line(row_of(evaluate(CATALOG, None, date(2026, 1, 10)), "t.ge"))
    assert empty.empty


# --- roll-ups ----------------------------------------------------------------------------------


def test_rollup_counts() -> None:
    obs = pd.concat(
        [
            frame([("year", "2025-12-31", 70)], "t.ge"),  # on_track
            frame([("year", "2025-12-31", 33)], "t.multi"),  # at_risk
            frame([("quarter", "2025-12-31", 30)], "t.sum", MUDAN),  # county row: not counted
            frame([("year", "2025-12-31", 29)], "heze.data-service-share"),  # missed
        ]
    )
    result = evaluate(CATALOG, obs, date(2026, 1, 15))
    by_plan = rollup(result, CATALOG, "plan").set_index("plan")
    assert by_plan.loc["t", "on_track"] == 2  # t.ge and t.sum (city = sum of Mudan, one point)
    assert by_plan.loc["t", "at_risk"] == 1
    assert by_plan.loc["t", "total"] == 12
    assert by_plan.loc["heze", "missed"] == 1
    assert list(by_plan.columns) == [*STATUS_ORDER, "total"]
    by_unit = rollup(result, CATALOG, "responsible").set_index("responsible")
    assert by_unit.loc["甲局", "on_track"] == 1 and by_unit.loc["乙局", "on_track"] == 1
    assert by_unit["total"].sum() == sum(len(i.responsible) for i in CATALOG.indicators.values())
    by_city = rollup(result, CATALOG, "city")
    assert list(by_city.city) == [CITY] and by_city.total.iloc[0] == 13
    by_domain = rollup(result, CATALOG, "domain").set_index("domain")
    assert by_domain.loc["数据资源", "total"] == 4
    everything = rollup(result, CATALOG, "region", home_only=False).set_index("region")
    assert everything.loc[MUDAN, "total"] == 1
    with pytest.raises(ValueError):
        rollup(result, CATALOG, "colour")


# --- properties ----------------------------------------------------------------------------------

SEVERITY = {"achieved": 0, "on_track": 1, "at_risk": 2, "off_track": 3, "missed": 4, "no_data": 5}
START = np.datetime64("2024-06-30")

observation = st.tuples(st.integers(0, 1200), st.floats(0, 200, allow_nan=False))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    indicator=st.sampled_from(["t.ge", "t.multi", "t.nobase", "t.ms", "t.yearly", "t.sum"]),
    obs=st.lists(observation, min_size=1, max_size=6, unique_by=lambda o: o[0]),
    as_of_offset=st.integers(0, 1300),
    raise_by=st.floats(0, 150, allow_nan=False),
)
def test_raising_the_latest_value_never_worsens_a_ge_status(
    indicator: str, obs: list[tuple[int, float]], as_of_offset: int, raise_by: float
) -> None:
    as_of = (START + as_of_offset).astype(object)
    usable = [o for o in obs if o[0] <= as_of_offset]
    if not usable:
        return
    latest = max(o[0] for o in usable)

    def status(bump: float) -> str:
        rows = [("day", str(START + d), v + (bump if d == latest else 0.0)) for d, v in obs]
        return row_of(evaluate(CATALOG, frame(rows, indicator), as_of), indicator).status

    assert SEVERITY[status(raise_by)] <= SEVERITY[status(0.0)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["t.ge", "t.between", "t.yearly", "t.sum", "t.ms", "t.le-met"]),
            st.sampled_from([CITY, MUDAN, CAOXIAN]),
            st.sampled_from(["day", "quarter", "year"]),
            st.integers(0, 1000),
            st.floats(0, 200, allow_nan=False),
        ),
        min_size=1,
        max_size=25,
    ),
    seed=st.integers(0, 2**32 - 1),
    as_of_offset=st.integers(0, 1200),
)
def test_status_does_not_depend_on_row_order(
    rows: list[tuple[str, str, str, int, float]], seed: int, as_of_offset: int
) -> None:
    obs = pd.DataFrame(
        {
            "indicator": [r[0] for r in rows],
            "region": [r[1] for r in rows],
            "period_kind": [r[2] for r in rows],
            "period_end": [pd.Timestamp(str(START + r[3])) for r in rows],
            "value": [r[4] for r in rows],
        }
    )
    as_of = (START + as_of_offset).astype(object)
    before = evaluate(CATALOG, obs, as_of)
    after = evaluate(CATALOG, obs.sample(frac=1, random_state=seed % 2**32), as_of)
    pd.testing.assert_frame_equal(before, after)


# --- the domain rules pages and exports call ----------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "goal"),
    [("t.ge", 120.0), ("t.le", 10.0), ("t.eq", 50.0), ("t.between", 8.0)],
)
def test_a_stage_goal_is_its_value_and_a_range_its_low_bound(indicator: str, goal: float) -> None:
    stage = CATALOG.indicators[indicator].targets[-1]
    assert stage.goal == goal
    # with no data (no baseline) the engine aims at that goal, a county at its share of it
    row = row_of(evaluate(CATALOG, None, "2025-06-30"), indicator)
    assert row.target_value == goal
    assert stage.scaled(0.5).goal == goal * 0.5


def test_a_county_aims_at_an_equal_share_of_an_additive_target() -> None:
    ind = CATALOG.indicators["t.sum"]
    assert CATALOG.county_share(ind) == 0.5  # two counties
    assert CATALOG.county_share(CATALOG.indicators["t.ge"]) == 1.0  # not additive
    obs = frame([(MUDAN, "quarter", "2025-03-31", 10)], "t.sum")
    county = row_of(evaluate(CATALOG, obs, "2025-06-30"), "t.sum", MUDAN)
    assert county.target_share == CATALOG.county_share(ind)
    assert county.target_value == ind.targets[-1].scaled(county.target_share).goal


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [
        (CITY, "zh", "菏泽市"),
        (CITY, "en", "Heze"),
        (MUDAN, "en", "Mudan"),
        ("999999", "en", "999999"),
    ],
)
def test_region_names_in_a_language(code: str, lang: str, name: str) -> None:
    assert CATALOG.region_name(code, lang) == name


def test_catalog_labels_in_a_language() -> None:
    ind, plan = CATALOG.indicators["t.ge"], CATALOG.plans["t"]
    assert (ind.label("zh"), ind.label("en")) == ("大于等于", "GE")
    assert plan.label("en") == plan.label("zh") == "测试方案"  # no English title: the Chinese
    assert (domain_label("数据资源", "zh"), domain_label("数据资源", "en")) == (
        "数据资源",
        "Data resources",
    )


def test_one_period_kind_ranking_finest_first() -> None:
    assert (
        sorted(KIND_RANK, key=KIND_RANK.get) == list(KINDS) == ["day", "month", "quarter", "year"]
    )


@pytest.mark.parametrize(
    ("status", "deadline", "due"),
    [
        ("on_track", "2025-06-30", True),  # due on the as-of day itself
        ("at_risk", "2025-09-28", True),  # the 90th day
        ("at_risk", "2025-09-29", False),  # the 91st
        ("off_track", "2025-06-29", False),  # already past
        ("achieved", "2025-07-31", False),  # achieved targets need no attention
    ],
)
def test_due_soon_is_a_stage_due_within_90_days(status: str, deadline: str, due: bool) -> None:
    frame_ = pd.DataFrame({"status": [status], "current_deadline": [pd.Timestamp(deadline)]})
    assert DUE_DAYS == 90
    assert bool(due_soon(frame_, date(2025, 6, 30)).iloc[0]) is due


def test_needs_attention_lists_missed_off_track_and_due() -> None:
    frame_ = pd.DataFrame(
        {
            "indicator": ["a", "b", "c", "d"],
            "status": ["missed", "off_track", "at_risk", "on_track"],
            "current_deadline": pd.to_datetime(
                ["2024-12-31", "2025-07-31", "2025-08-31", "2026-12-31"]
            ),
        }
    )
    lists = needs_attention(frame_, date(2025, 6, 30))
    assert {k: list(v["indicator"]) for k, v in lists.items()} == {
        "missed": ["a"],
        "off_track": ["b"],
        "due": ["b", "c"],
    }


@pytest.mark.parametrize(
    ("note", "source", "kept"),
    [
        (DEMO_NOTE, DEMO_SOURCE, ("", "")),
        ("季报", "统计局", ("季报", "统计局")),
        (None, float("nan"), ("", "")),
    ],
)
def test_demo_labels_never_carry_over_to_a_real_value(
    note: object, source: object, kept: tuple[str, str]
) -> None:
    assert strip_demo_labels(note, source) == kept


def test_stored_and_short_column_names_give_the_same_status() -> None:
    short = frame([("quarter", "2025-03-31", 40), ("year", "2024-12-31", 30)], "t.ge")
    stored = short.rename(columns={"indicator": "indicator_id", "region": "region_code"})
    pd.testing.assert_frame_equal(
        evaluate(CATALOG, short, "2025-06-30"), evaluate(CATALOG, stored, "2025-06-30")
    )
    with pytest.raises(ValueError, match="region_code"):
        evaluate(CATALOG, short.drop(columns=["region"]), "2025-06-30")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([CITY, MUDAN, CAOXIAN]),
            st.sampled_from(["quarter", "year", "day"]),
            st.sampled_from(["2025-03-31", "2025-06-30", "2025-12-31", "2026-03-31"]),
            st.floats(0, 200, allow_nan=False),
        ),
        min_size=1,
        max_size=12,
    ),
    region=st.sampled_from([CITY, MUDAN]),
)
def test_the_chart_draws_what_was_judged(rows: list[Obs], region: str) -> None:
    """actual_series is the engine's preparation: its last point is the judged latest value."""
    obs = frame(rows, "t.sum")
    result = evaluate(CATALOG, obs, "2026-12-31")
    hit = result[(result.indicator == "t.sum") & (result.region == region)]
    series = actual_series(obs, CATALOG.indicators["t.sum"], region, CATALOG.children_of(region))
    if series.empty:  # no row (a county without data) or the home row without data
        assert hit.empty or hit.iloc[0].status == "no_data"
        return
    row = hit.iloc[0]
    last = series.iloc[-1]
    assert (last.value, last.date, last.kind) == (row.latest_value, row.latest_end, row.latest_kind)
    assert bool(last.summed) == bool(row.aggregated)
