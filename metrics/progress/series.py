"""Chart series, computed by the engine's own rules so a chart shows what was judged:
the planned path (`trajectory`), the fitted line (`projection_line`) and the actual
values (`actual_series`, from the engine's preparation of observations)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from metrics.catalog import Catalog, Indicator
from metrics.periods import KINDS
from metrics.progress.common import as_date, day_number, to_datetimes, year_end, year_of
from metrics.progress.prepare import prepare
from metrics.progress.stages import catalog_arrays, chain_goals, year_goal

_NO_CUTOFF = np.iinfo(np.int64).max


def trajectory(
    catalog: Catalog,
    indicator_id: str,
    baseline_value: float | None = None,
    baseline_date: date | datetime | str | None = None,
    share: float = 1.0,
) -> pd.DataFrame:
    """The planned path as chart points [date, value], computed by the engine's own rules.

    Pass a row's baseline_value/baseline_date (and target_share) to draw exactly the
    path its status was judged against. Without a baseline the catalog's (or a
    milestone's 0 % at the issue date) is used; with none at all only the stage
    points are returned. A yearly recurring target is a saw-tooth: 0 on 31 December
    of the year before, the year's target on 31 December.
    """
    cat = catalog_arrays(catalog)
    i = cat.index[indicator_id]
    nk = int(cat.n_stages[i])
    by = cat.by[i : i + 1, :nk]
    aim_lo, aim_hi = cat.aim_lo[i : i + 1, :nk] * share, cat.aim_hi[i : i + 1, :nk] * share
    if cat.recurring[i]:
        first_year = int(year_of(cat.issued[i : i + 1])[0])
        by_year = year_of(by[0])
        goals = year_goal(cat.op[i, :nk], aim_lo[0], aim_hi[0])
        points: list[tuple[int, float]] = []
        for year in range(first_year, int(by_year[-1]) + 1):
            k = int(np.argmax(by_year >= year))
            end = int(year_end(np.array([year]))[0])
            prev = int(year_end(np.array([year - 1]))[0])
            points += [(prev, 0.0), (end, float(goals[k]))]
        return _points(points)
    given = not (pd.isna(baseline_value) or pd.isna(baseline_date))  # a no_data row has NaN/NaT
    if given:
        assert baseline_value is not None and baseline_date is not None
        b, t0 = float(baseline_value), day_number(as_date(baseline_date))
    elif cat.has_baseline[i]:
        b, t0 = float(cat.baseline_value[i]) * share, int(cat.baseline_day[i])
    elif cat.milestone[i]:
        b, t0 = 0.0, int(cat.issued[i])
    else:
        # no baseline: start the chain at the first stage's own goal (Stage.goal)
        first = cat.goal[i, 0] * share
        goals, _ = chain_goals(
            np.array([first]), np.array([by[0, 0] - 1]), by, aim_lo, aim_hi, np.array([nk])
        )
        return _points(list(zip(by[0].tolist(), goals[0].tolist(), strict=True)))
    goals, on_path = chain_goals(np.array([b]), np.array([t0]), by, aim_lo, aim_hi, np.array([nk]))
    points = [(t0, b)] + [
        (int(d), float(g)) for d, g, v in zip(by[0], goals[0], on_path[0], strict=True) if v
    ]
    return _points(points)


def _points(points: list[tuple[int, float]]) -> pd.DataFrame:
    days = np.array([p[0] for p in points], dtype=np.int64)
    return pd.DataFrame({"date": to_datetimes(days), "value": [float(p[1]) for p in points]})


def projection_line(row: Mapping[str, Any] | pd.Series) -> pd.DataFrame:
    """The fitted line's two end points [date, value] for a chart (empty without a projection)."""
    if pd.isna(row["projected_value"]):
        return pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns]"), "value": []})
    return pd.DataFrame(
        {
            "date": pd.to_datetime([row["fit_start"], row["projection_date"]]),
            "value": [float(row["fit_start_value"]), float(row["projected_value"])],
        }
    )


def actual_series(
    observations: pd.DataFrame, ind: Indicator, region: str, counties: Iterable[str]
) -> pd.DataFrame:
    """The values a chart draws for one (indicator, region): [date, value, kind, summed].

    Observations in the stored columns (metrics.progress.OBSERVATION_COLUMNS). The
    points are the engine's preparation of them (metrics.progress.prepare): one per
    period end, the coarser kind winning, and for an `aggregate: sum` indicator, on a
    period end the region has no value of its own, the sum of its counties (`summed`).
    That is the number `evaluate` judged, so the chart shows what was judged.
    """
    cols = ["date", "value", "kind", "summed"]
    parents: dict[str, str | None] = {region: None}
    parents.update({c: region for c in counties if c != region})
    prepared = prepare(
        parents, {ind.id: 0}, np.array([ind.aggregate == "sum"]), observations, _NO_CUTOFF
    )
    mine = prepared.group == 0  # indicator 0 at region 0
    if not mine.any():
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(
        {
            "date": to_datetimes(prepared.day[mine]),
            "value": prepared.value[mine],
            "kind": np.array(KINDS, dtype=object)[prepared.rank[mine]],
            "summed": prepared.counties[mine] > 0,
        }
    )


#: The key of a value's review state within one indicator (db.reviews.KEY less the id).
REVIEW_KEY = ["region_code", "period_kind", "period_end"]


def reviewed_series(
    observations: pd.DataFrame,
    review_states: pd.DataFrame,
    ind: Indicator,
    region: str,
    counties: Iterable[str],
    chart_values: str,
) -> pd.DataFrame:
    """The values a leaders' chart draws under `settings.chart_values`, and whether each
    is approved: actual_series's columns plus `approved` (bool).

    "approved": only approved values are drawn (the same input as the status then, see
    db.queries.status), so every point is approved. "all": every value is drawn, and a
    point is approved when approved values alone give the same point (a county sum with
    one unapproved county is not). `review_states`: REVIEW_KEY + review_state, one row
    per stored observation of the indicator (db.reviews.submissions); a value without a
    row counts as not approved."""
    obs = observations[observations["indicator_id"] == ind.id]
    states = review_states[[*REVIEW_KEY, "review_state"]].assign(
        period_end=lambda f: pd.to_datetime(f["period_end"])
    )
    merged = obs.assign(period_end=pd.to_datetime(obs["period_end"])).merge(
        states.drop_duplicates(REVIEW_KEY), on=REVIEW_KEY, how="left"
    )
    approved_obs = merged[merged["review_state"] == "approved"]
    counties = list(counties)
    approved = actual_series(approved_obs, ind, region, counties)
    if chart_values == "approved":
        return approved.assign(approved=np.ones(len(approved), dtype=bool))
    shown = actual_series(merged, ind, region, counties)
    same = ["date", "value", "kind", "summed"]
    hit = shown[same].merge(approved[same].assign(_ok=True), on=same, how="left")["_ok"]
    return shown.assign(approved=hit.fillna(False).astype(bool).to_numpy())
