"""The progress engine: one status word per target, with the numbers behind it.

Every screen, CLI command and export calls `evaluate`, so the word a leader sees is
the same everywhere and a person can recompute it by hand from docs/method.md. The
work is done on whole numpy arrays (all indicators x regions at once): observations
are prepared once (metrics.progress.prepare) and every per-target quantity is a
searchsorted/bincount over their order, so a million observations cost a fraction
of a second. The steps, in the order `evaluate` runs them:

1. `_rows`: which (indicator, region) rows come out, their latest value, their
   county share and their stages.
2. `_judge_stages`: baseline, planned path, expected value, current and final stage,
   missed earlier stages.
3. `_judge_years`: the same for yearly recurring targets (each year its own stage),
   replacing step 2's numbers on those rows.
4. `_verdict`: ratio, progress, reason and status (the first rule that applies).
5. `_projection`, `_stale`, `_missed_lists`, then `_frame` builds the result.

The few one-letter names left are docs/method.md's notation, so the code reads against
it: a (latest value) at day ta, baseline b at day t0, E (expected).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from metrics.catalog import Catalog, Settings
from metrics.periods import KINDS, period_from_end
from metrics.progress.common import (
    BETWEEN,
    EPOCH_ORDINAL,
    EPS,
    GE,
    LE,
    OPS,
    as_date,
    day_number,
    meets,
    take,
    to_datetimes,
    tolerance,
    year_end,
    year_of,
)
from metrics.progress.prepare import DAY_BITS, DAY_OFFSET, Prepared, prepare
from metrics.progress.stages import (
    CatalogArrays,
    catalog_arrays,
    chain_goals,
    path_value,
    year_goal,
)

#: Months in one reporting period of each kind, for staleness ("day" counts as a quarter).
_PERIOD_MONTHS = {"day": 3, "month": 1, "quarter": 3, "year": 12}


def prepare_for(catalog: Catalog, cat: CatalogArrays, observations: Any, cutoff: int) -> Prepared:
    """The catalog's regions and indicators applied to metrics.progress.prepare."""
    parents = {code: info.parent for code, info in catalog.regions.items()}
    return prepare(parents, cat.index, cat.additive, observations, cutoff)


# --- 1. the rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """One row per (indicator, region) group: every group with observations plus every
    indicator at its home region. Stage arrays are (rows x K), scaled by `share`."""

    group: np.ndarray
    indicator: np.ndarray
    region: np.ndarray
    home: np.ndarray  # the row is the indicator at its own region
    home_region: np.ndarray  # position of the row's indicator's home region
    recurring: np.ndarray
    has_data: np.ndarray
    first: np.ndarray  # index of the group's earliest prepared observation
    last: np.ndarray  # ... and of its latest
    latest_value: np.ndarray
    latest_day: np.ndarray
    latest_rank: np.ndarray
    counties: np.ndarray
    share: np.ndarray
    n_stages: np.ndarray
    by: np.ndarray
    op: np.ndarray
    accept_lo: np.ndarray
    accept_hi: np.ndarray
    aim_lo: np.ndarray
    aim_hi: np.ndarray
    goal: np.ndarray
    final: np.ndarray  # index of the final stage
    final_by: np.ndarray
    final_op: np.ndarray

    @property
    def count(self) -> int:
        return len(self.group)


def _rows(cat: CatalogArrays, obs: Prepared) -> _Rows:
    n_regions = len(obs.regions)
    rindex = {c: i for i, c in enumerate(obs.regions)}
    home_region = np.array([rindex[h] for h in cat.home], dtype=np.int64)
    home_group = np.arange(len(cat.ids), dtype=np.int64) * n_regions + home_region
    if len(obs.group):
        starts = np.flatnonzero(np.r_[True, obs.group[1:] != obs.group[:-1]])
        ends = np.r_[starts[1:], len(obs.group)]
        observed = obs.group[starts]
    else:
        starts = ends = observed = np.zeros(0, dtype=np.int64)
    group = np.union1d(observed, home_group)
    pos = np.searchsorted(observed, group)
    safe = np.clip(pos, 0, max(len(observed) - 1, 0))
    if len(observed):
        has_data = (pos < len(observed)) & (observed[safe] == group)
    else:
        has_data = np.zeros(len(group), bool)
    first = np.where(has_data, starts[safe] if len(observed) else 0, 0)
    last = np.where(has_data, (ends[safe] - 1) if len(observed) else 0, 0)
    ind = group // n_regions
    reg = group % n_regions
    home = reg == home_region[ind]

    def latest(a: np.ndarray, fill: Any) -> np.ndarray:
        return np.where(has_data, a[last] if len(a) else fill, fill)

    # a county of the home region aims at its share of an additive indicator's target
    share = np.where(~home & (obs.parent[reg] == home_region[ind]), cat.county_share[ind], 1.0)
    scale = share[:, None]
    n_stages = cat.n_stages[ind]
    by = cat.by[ind]
    op = cat.op[ind]
    final = n_stages - 1
    return _Rows(
        group=group,
        indicator=ind,
        region=reg,
        home=home,
        home_region=home_region[ind],
        recurring=cat.recurring[ind],
        has_data=has_data,
        first=first,
        last=last,
        latest_value=latest(obs.value, np.nan),
        latest_day=latest(obs.day, 0),
        latest_rank=latest(obs.rank, 0),
        counties=latest(obs.counties, 0),
        share=share,
        n_stages=n_stages,
        by=by,
        op=op,
        accept_lo=cat.accept_lo[ind] * scale,
        accept_hi=cat.accept_hi[ind] * scale,
        aim_lo=cat.aim_lo[ind] * scale,
        aim_hi=cat.aim_hi[ind] * scale,
        goal=cat.goal[ind] * scale,
        final=final,
        final_by=take(by, final),
        final_op=take(op, final),
    )


# --- 2. stages -------------------------------------------------------------------------------


@dataclass
class _Judgement:
    """Per-row numbers the status is decided from (step 3 overwrites recurring rows)."""

    baseline_value: np.ndarray
    baseline_day: np.ndarray
    baseline_source: np.ndarray
    baseline_given: np.ndarray  # from the catalog or a milestone's 0 % (not from data)
    expected: np.ndarray
    final_met: np.ndarray
    current_met: np.ndarray
    baseline_met: np.ndarray  # the baseline met the current stage
    current_by: np.ndarray
    current_lo: np.ndarray
    current_hi: np.ndarray
    current_goal: np.ndarray
    final_goal: np.ndarray
    final_lo: np.ndarray
    final_hi: np.ndarray
    progress_denominator: np.ndarray
    projection_day: np.ndarray
    fit_from: np.ndarray
    missed: np.ndarray  # (rows x K) earlier stages missed
    missed_years: np.ndarray  # (rows x years) earlier years missed (recurring)
    year_ends: np.ndarray  # (rows x years) the 31 December of those years


def _judge_stages(cat: CatalogArrays, obs: Prepared, rows: _Rows, cutoff: int) -> _Judgement:
    ind, has = rows.indicator, rows.has_data
    by, n_stages, final = rows.by, rows.n_stages, rows.final

    # baseline (t0, b): the catalog's at home, else a milestone's 0 % at the issue date,
    # else the earliest observation
    use_catalog = rows.home & cat.has_baseline[ind]
    use_milestone = ~use_catalog & cat.milestone[ind]
    use_first = ~use_catalog & ~use_milestone & has
    b = np.where(use_catalog, cat.baseline_value[ind], np.where(use_milestone, 0.0, np.nan))
    t0 = np.where(use_catalog, cat.baseline_day[ind], np.where(use_milestone, cat.issued[ind], 0))
    if len(obs.value):
        b = np.where(use_first, obs.value[rows.first], b)
        t0 = np.where(use_first, obs.day[rows.first], t0)
    source = np.where(
        use_catalog,
        "catalog",
        np.where(use_milestone, "milestone", np.where(use_first, "earliest", "")),
    ).astype(object)
    has_baseline = use_catalog | use_milestone | use_first

    # the planned path; without any baseline (no data yet) a stage's goal is its own
    goals, on_path = chain_goals(
        np.where(has_baseline, b, np.nan), t0, by, rows.aim_lo, rows.aim_hi, n_stages
    )
    goals = np.where(np.isnan(goals), rows.goal, goals)
    expected = path_value(rows.latest_day.astype(float), t0, b, by, goals, on_path)

    # the current stage: the first due on or after the cutoff, else the final one
    stage_cols = np.arange(by.shape[1])[None, :]
    current = np.argmax((stage_cols < n_stages[:, None]) & (by >= cutoff), axis=1)
    current = np.where(by[np.arange(rows.count), current] >= cutoff, current, final)
    current = np.minimum(current, final)
    current_lo, current_hi = take(rows.accept_lo, current), take(rows.accept_hi, current)
    final_lo, final_hi = take(rows.accept_lo, final), take(rows.accept_hi, final)
    final_goal = take(goals, final)

    # missed earlier stages: the last value on or before the deadline fell short
    due = (stage_cols < final[:, None]) & (by < cutoff) & has[:, None] & ~rows.recurring[:, None]
    idx, found = obs.last_on_or_before(np.broadcast_to(rows.group[:, None], by.shape), by)
    values = obs.value[idx] if len(obs.value) else np.full(by.shape, np.nan)
    missed = due & found & ~meets(values, rows.accept_lo, rows.accept_hi)

    return _Judgement(
        baseline_value=b,
        baseline_day=t0,
        baseline_source=source,
        baseline_given=use_catalog | use_milestone,
        expected=expected,
        final_met=has & meets(rows.latest_value, final_lo, final_hi),
        current_met=has & meets(rows.latest_value, current_lo, current_hi),
        baseline_met=meets(b, current_lo, current_hi),
        current_by=take(by, current),
        current_lo=current_lo,
        current_hi=current_hi,
        current_goal=take(goals, current),
        final_goal=final_goal,
        final_lo=final_lo,
        final_hi=final_hi,
        progress_denominator=final_goal - b,
        projection_day=rows.final_by.copy(),
        fit_from=t0.copy(),
        missed=missed,
        missed_years=np.zeros((rows.count, 0), dtype=bool),
        year_ends=np.zeros((rows.count, 0), dtype=np.int64),
    )


# --- 3. yearly recurring targets ---------------------------------------------------------------


def _judge_years(
    cat: CatalogArrays, obs: Prepared, rows: _Rows, judged: _Judgement, cutoff: int
) -> None:
    """Each calendar year its own stage, values year-to-date (replaces step 2 where recurring)."""
    rec, has = rows.recurring, rows.has_data
    a, ta = rows.latest_value, rows.latest_day
    by, n_stages = rows.by, rows.n_stages
    stage_cols = np.arange(by.shape[1])[None, :]
    latest_year = year_of(ta)
    first_year = year_of(cat.issued[rows.indicator])
    by_year = year_of(by)
    last_year = take(by_year, rows.final)
    year = np.clip(latest_year, first_year, last_year)
    stage = np.argmax((stage_cols < n_stages[:, None]) & (by_year >= year[:, None]), axis=1)
    y_lo, y_hi = take(rows.accept_lo, stage), take(rows.accept_hi, stage)
    y_op = take(rows.op, stage)
    y_goal = year_goal(y_op, take(rows.aim_lo, stage), take(rows.aim_hi, stage))
    y_end = year_end(latest_year)
    y_start = year_end(latest_year - 1)
    elapsed = (ta - y_start) / (y_end - y_start)
    y_final_met = (
        has
        & (latest_year == last_year)
        & meets(a, judged.final_lo, judged.final_hi)
        & ((rows.final_op == GE) | (ta >= rows.final_by))
    )

    # missed years: each earlier year whose last observation (in that year) fell short
    years = np.arange(int(first_year[rec].min()), int(last_year[rec].max()) + 1)
    ends = year_end(years)[None, :]
    year_stage = np.argmax(
        (stage_cols[:, :, None] < n_stages[:, None, None])
        & (by_year[:, :, None] >= years[None, None, :]),
        axis=1,
    )
    idx, found = obs.last_on_or_before(
        np.broadcast_to(rows.group[:, None], year_stage.shape),
        np.broadcast_to(ends, year_stage.shape),
    )
    day = obs.day[idx] if len(obs.day) else np.zeros(year_stage.shape, dtype=np.int64)
    value = obs.value[idx] if len(obs.value) else np.full(year_stage.shape, np.nan)
    found &= day > year_end(years - 1)[None, :]  # the last value is of that year
    due = (
        rec[:, None]
        & has[:, None]
        & (years[None, :] >= first_year[:, None])
        & (years[None, :] < last_year[:, None])
        & (ends < cutoff)
    )
    stage_lo = np.take_along_axis(rows.accept_lo, year_stage, 1)
    stage_hi = np.take_along_axis(rows.accept_hi, year_stage, 1)
    missed_years = due & found & ~meets(value, stage_lo, stage_hi)

    j = judged
    j.baseline_value = np.where(rec, np.where(has, 0.0, np.nan), j.baseline_value)
    j.baseline_day = np.where(rec, y_start, j.baseline_day)
    j.baseline_source = np.where(
        rec & has, "year_start", np.where(rec, "", j.baseline_source)
    ).astype(object)
    j.expected = np.where(rec, y_goal * elapsed, j.expected)
    j.final_met = np.where(rec, y_final_met, j.final_met)
    j.current_met = np.where(rec, has & (y_op != LE) & meets(a, y_lo, y_hi), j.current_met)
    j.baseline_met = np.where(rec, False, j.baseline_met)
    j.current_by = np.where(rec, np.where(has, y_end, rows.final_by), j.current_by)
    j.current_lo, j.current_hi = (
        np.where(rec, y_lo, j.current_lo),
        np.where(rec, y_hi, j.current_hi),
    )
    j.current_goal = np.where(rec, y_goal, j.current_goal)
    final_year_goal = year_goal(
        take(rows.op, rows.final), take(rows.aim_lo, rows.final), take(rows.aim_hi, rows.final)
    )
    j.final_goal = np.where(rec, final_year_goal, j.final_goal)
    j.progress_denominator = np.where(rec, y_goal, j.progress_denominator)
    j.projection_day = np.where(rec, y_end, j.projection_day)
    j.fit_from = np.where(rec, y_start + 1, j.fit_from)
    j.missed_years = missed_years
    j.year_ends = np.broadcast_to(ends, year_stage.shape)


# --- 4. the status ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    ratio: np.ndarray
    progress: np.ndarray
    reason: np.ndarray
    status: np.ndarray


def _verdict(rows: _Rows, j: _Judgement, settings: Settings, cutoff: int) -> _Verdict:
    """Ratio and progress, then the first rule of docs/method.md §4 that applies."""
    has, rec = rows.has_data, rows.recurring
    a, b, e = rows.latest_value, j.baseline_value, j.expected
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        flat = np.abs(e - b) <= tolerance(b)  # the plan asks for no change yet
        ratio = np.where(flat, np.nan, (a - b) / (e - b))
        yearly_cap = rec & (take(rows.op, rows.final) == LE)
        ratio = np.where(yearly_cap, np.where(a > 0, e / a, np.inf), ratio)
        ratio = np.where(has, ratio, np.nan)
        progress = np.where(
            np.abs(j.progress_denominator) <= tolerance(j.final_goal),
            np.where(j.final_met, 1.0, 0.0),
            (a - b) / j.progress_denominator,
        )
        progress = np.where(has, progress, np.nan)
    on_cut = float(settings.on_track_ratio) - EPS
    risk_cut = float(settings.at_risk_ratio) - EPS
    regressed = flat & ~j.current_met & j.baseline_met & ~rec
    reason = np.select(
        [
            ~has,
            j.final_met,
            cutoff > rows.final_by,
            j.current_met,
            regressed,
            flat & ~yearly_cap,
        ],
        ["no_data", "final_met", "final_missed", "stage_met", "regressed", "at_baseline"],
        default="ratio",
    ).astype(object)
    status = np.select(
        [
            reason == "no_data",
            reason == "final_met",
            reason == "final_missed",
            (reason == "stage_met") | (reason == "at_baseline"),
            reason == "regressed",
            ratio >= on_cut,
            ratio >= risk_cut,
        ],
        ["no_data", "achieved", "missed", "on_track", "off_track", "on_track", "at_risk"],
        default="off_track",
    ).astype(object)
    return _Verdict(ratio, progress, reason, status)


# --- 5. projection, staleness, missed lists ----------------------------------------------------


@dataclass(frozen=True)
class _Projection:
    value: np.ndarray
    fit_start: np.ndarray
    fit_start_value: np.ndarray
    met: list[bool | None]


def _projection(
    obs: Prepared,
    group: np.ndarray,
    has: np.ndarray,
    last: np.ndarray,
    fit_from: np.ndarray,
    at_day: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> _Projection:
    """Least-squares line per row through its observations on or after fit_from (x in days).

    Each row's fitted points are a contiguous run of the sorted observations, so the
    sums are two bincounts (means first, then centred products, for precision).
    """
    nrows = len(group)
    nan = np.full(nrows, np.nan)
    if not len(obs.key):
        return _Projection(
            nan, to_datetimes(np.zeros(nrows), np.zeros(nrows, bool)), nan, [None] * nrows
        )
    query = (group << DAY_BITS) | (fit_from + DAY_OFFSET)
    start = np.searchsorted(obs.key, query, side="left")
    count = np.where(has, last + 1 - start, 0)
    fit = count >= 2
    lens = np.where(fit, count, 0)
    row_of = np.repeat(np.arange(nrows), lens)
    offsets = np.repeat(start - np.r_[0, np.cumsum(lens)[:-1]], lens)
    points = np.arange(len(row_of)) + offsets
    x = obs.day[points].astype(float)
    y = obs.value[points]
    n = np.maximum(lens, 1)
    mean_x = np.bincount(row_of, x, minlength=nrows) / n
    mean_y = np.bincount(row_of, y, minlength=nrows) / n
    dx = x - mean_x[row_of]
    sxx = np.bincount(row_of, dx * dx, minlength=nrows)
    sxy = np.bincount(row_of, dx * (y - mean_y[row_of]), minlength=nrows)
    fit &= sxx > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(fit, sxy / sxx, np.nan)
    first_x = np.where(fit, obs.day[np.clip(start, 0, len(obs.key) - 1)], 0)
    value = np.where(fit, mean_y + slope * (at_day - mean_x), np.nan)
    start_value = np.where(fit, mean_y + slope * (first_x - mean_x), np.nan)
    met = meets(value, lo, hi)
    projected_met: list[bool | None] = [
        bool(m) if f else None for m, f in zip(met, fit, strict=True)
    ]
    return _Projection(value, to_datetimes(first_x, fit), start_value, projected_met)


def _stale(rows: _Rows, as_of: date) -> np.ndarray:
    """The latest period ends more than two reporting periods of its own kind before as_of."""
    ts = pd.Timestamp(as_of)
    limit = np.array(
        [day_number((ts - pd.DateOffset(months=2 * _PERIOD_MONTHS[k])).date()) for k in KINDS]
    )
    return rows.has_data & (rows.latest_day < limit[rows.latest_rank])


def _missed_lists(rows: _Rows, j: _Judgement) -> tuple[np.ndarray, np.ndarray]:
    """How many earlier stages (or years) were missed, and their deadlines as text."""
    count = j.missed.sum(axis=1) + j.missed_years.sum(axis=1)
    text = np.full(rows.count, "", dtype=object)
    for r in np.flatnonzero(count):  # only the few rows with misses
        days = list(rows.by[r][j.missed[r]]) + list(j.year_ends[r][j.missed_years[r]])
        text[r] = ", ".join(str(np.datetime64(int(d), "D")) for d in sorted(days))
    return count, text


def _period_labels(days: np.ndarray, ranks: np.ndarray, ok: np.ndarray) -> list[str | None]:
    """Each row's latest period label ("2024", "2024Q3", "2024-09", "2024-09-30").

    One call per target (not per observation) to metrics.periods, the one place
    labels are made; an end that is not the last day of its kind (bad data) is
    shown as its date rather than stopping the whole evaluation.
    """
    out: list[str | None] = []
    for d, r, good in zip(days.tolist(), ranks.tolist(), ok.tolist(), strict=True):
        if not good:
            out.append(None)
            continue
        end = date.fromordinal(EPOCH_ORDINAL + d)
        try:
            out.append(period_from_end(KINDS[r], end).label)
        except ValueError:
            out.append(end.isoformat())
    return out


# --- the engine ----------------------------------------------------------------------------------


def evaluate(
    catalog: Catalog,
    observations: pd.DataFrame | None,
    as_of: date | datetime | str | None = None,
) -> pd.DataFrame:
    """Status of every target as of a date: one row per (indicator, region).

    Rows: every catalog indicator at its own region (no_data when it has no
    observation) plus every other (indicator, region) with observations. Only
    observations whose period ends on or before as_of are used. See docs/method.md.
    """
    as_of_date = as_date(as_of)
    cutoff = day_number(as_of_date)
    cat = catalog_arrays(catalog)
    obs = prepare_for(catalog, cat, observations, cutoff)
    rows = _rows(cat, obs)
    judged = _judge_stages(cat, obs, rows, cutoff)
    if rows.recurring.any():
        _judge_years(cat, obs, rows, judged, cutoff)
    verdict = _verdict(rows, judged, catalog.settings, cutoff)
    rec = rows.recurring
    projection = _projection(
        obs,
        rows.group,
        rows.has_data,
        rows.last,
        judged.fit_from,
        judged.projection_day,
        np.where(rec, judged.current_lo, judged.final_lo),
        np.where(rec, judged.current_hi, judged.final_hi),
    )
    return _frame(cat, obs, rows, judged, verdict, projection, as_of_date, cutoff)


def _frame(
    cat: CatalogArrays,
    obs: Prepared,
    rows: _Rows,
    j: _Judgement,
    verdict: _Verdict,
    projection: _Projection,
    as_of: date,
    cutoff: int,
) -> pd.DataFrame:
    """The result: COLUMNS then EXTRA_COLUMNS, each indicator's home row first."""
    ind, has, share = rows.indicator, rows.has_data, rows.share
    missed_count, missed_text = _missed_lists(rows, j)
    final_col = rows.final[:, None]
    between = rows.final_op == BETWEEN
    units = np.array([i.unit for i in cat.indicators], dtype=object)
    frame = pd.DataFrame(
        {
            "indicator": np.array(cat.ids, dtype=object)[ind],
            "region": np.array(obs.regions, dtype=object)[rows.region],
            "status": verdict.status,
            "latest_value": rows.latest_value,
            "latest_period": pd.Series(
                _period_labels(rows.latest_day, rows.latest_rank, has), dtype=object
            ),
            "baseline_value": np.where(has | j.baseline_given, j.baseline_value, np.nan),
            "expected": np.where(has, j.expected, np.nan),
            "ratio": verdict.ratio,
            "progress": verdict.progress,
            "target_value": j.final_goal,
            "deadline": to_datetimes(rows.final_by),
            "days_left": (rows.final_by - cutoff).astype(np.int64),
            "projected_value": projection.value,
            "projected_met": pd.array(projection.met, dtype="boolean"),
            "missed_stages": missed_count.astype(np.int64),
            "stale": _stale(rows, as_of),
            "reason": verdict.reason,
            "home": rows.home,
            "unit": units[ind],
            "op": np.array(OPS, dtype=object)[rows.final_op],
            "target_low": np.where(
                between, np.take_along_axis(cat.low[ind], final_col, 1)[:, 0] * share, np.nan
            ),
            "target_high": np.where(
                between, np.take_along_axis(cat.high[ind], final_col, 1)[:, 0] * share, np.nan
            ),
            "recurring": rows.recurring,
            "latest_end": to_datetimes(rows.latest_day, has),
            "latest_kind": pd.Series(
                np.where(has, np.array(KINDS, dtype=object)[rows.latest_rank], None), dtype=object
            ),
            "baseline_date": to_datetimes(
                j.baseline_day, has | (j.baseline_given & ~rows.recurring)
            ),
            "baseline_source": j.baseline_source,
            "current_deadline": to_datetimes(j.current_by),
            "current_stage_value": j.current_goal,
            "missed_deadlines": missed_text,
            "aggregated": rows.counties > 0,
            "counties": rows.counties.astype(np.int64),
            "target_share": share,
            "fit_start": projection.fit_start,
            "fit_start_value": projection.fit_start_value,
            "projection_date": to_datetimes(j.projection_day, ~np.isnan(projection.value)),
        }
    )
    frame["_i"], frame["_h"] = ind, ~rows.home
    frame = frame.sort_values(["_i", "_h", "region"], kind="stable").drop(columns=["_i", "_h"])
    return frame.reset_index(drop=True)
