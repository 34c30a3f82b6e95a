"""The catalog as arrays, and the planned path through its stages.

Every stage is an acceptance interval [accept_lo, accept_hi] (what meets it) and an
aim interval [aim_lo, aim_hi] (where the planned path goes): >= v is [v, inf) for
both, <= v is (-inf, v], between is [low, high], == v is met within the tolerance
but aimed at v itself. A stage's own goal (`Stage.goal`: its value, a range's low
bound) is kept as `goal`, for a path with nothing to start from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.catalog import Catalog, Indicator
from metrics.progress.common import EQ_TOLERANCE, FAR, LE, OPS, day_number


@dataclass(frozen=True)
class CatalogArrays:
    """Indicator attributes indexed by the indicator's position in the catalog; stage
    attributes as (indicators x K) arrays, K the largest number of stages (unused
    columns padded with a far deadline and unbounded intervals)."""

    ids: list[str]
    index: dict[str, int]
    indicators: list[Indicator]
    home: list[str]
    recurring: np.ndarray
    milestone: np.ndarray
    additive: np.ndarray
    county_share: np.ndarray  # Catalog.county_share: what each county of home aims at
    issued: np.ndarray  # the plan's issue day
    has_baseline: np.ndarray
    baseline_value: np.ndarray
    baseline_day: np.ndarray
    n_stages: np.ndarray
    by: np.ndarray
    op: np.ndarray
    accept_lo: np.ndarray
    accept_hi: np.ndarray
    aim_lo: np.ndarray
    aim_hi: np.ndarray
    goal: np.ndarray
    low: np.ndarray
    high: np.ndarray


def catalog_arrays(catalog: Catalog) -> CatalogArrays:
    """Pack the catalog's few hundred indicators into arrays (the only Python loop)."""
    inds = list(catalog.indicators.values())
    ni = len(inds)
    k_max = max((len(i.targets) for i in inds), default=1)
    tol = float(getattr(catalog.settings, "eq_tolerance", EQ_TOLERANCE))
    shape = (ni, k_max)
    by = np.full(shape, FAR, dtype=np.int64)
    op = np.zeros(shape, dtype=np.int8)
    accept_lo, aim_lo, low = (np.full(shape, -np.inf) for _ in range(3))
    accept_hi, aim_hi, high, goal = (np.full(shape, np.inf) for _ in range(4))
    n_stages = np.zeros(ni, dtype=np.int64)
    recurring = np.zeros(ni, dtype=bool)
    milestone = np.zeros(ni, dtype=bool)
    additive = np.zeros(ni, dtype=bool)
    county_share = np.ones(ni)
    issued = np.zeros(ni, dtype=np.int64)
    has_baseline = np.zeros(ni, dtype=bool)
    baseline_value = np.full(ni, np.nan)
    baseline_day = np.zeros(ni, dtype=np.int64)
    home: list[str] = []
    for i, ind in enumerate(inds):
        home.append(catalog.region_of(ind))
        recurring[i] = ind.recurring == "yearly"
        milestone[i] = ind.kind == "milestone"
        additive[i] = ind.aggregate == "sum"
        county_share[i] = catalog.county_share(ind)
        issued[i] = day_number(catalog.plans[ind.plan].issued)
        if ind.baseline is not None:
            has_baseline[i] = True
            baseline_value[i] = ind.baseline.value
            baseline_day[i] = day_number(ind.baseline.date)
        n_stages[i] = len(ind.targets)
        for k, s in enumerate(ind.targets):
            by[i, k] = day_number(s.by)
            op[i, k] = OPS.index(s.op)
            goal[i, k] = s.goal
            if s.op == "between":
                low[i, k] = accept_lo[i, k] = aim_lo[i, k] = float(s.low)  # type: ignore[arg-type]
                high[i, k] = accept_hi[i, k] = aim_hi[i, k] = float(s.high)  # type: ignore[arg-type]
                continue
            v = float(s.value)  # type: ignore[arg-type]
            if s.op == ">=":
                accept_lo[i, k] = aim_lo[i, k] = v
            elif s.op == "<=":
                accept_hi[i, k] = aim_hi[i, k] = v
            else:
                aim_lo[i, k] = aim_hi[i, k] = v
                accept_lo[i, k] = v - tol * abs(v)
                accept_hi[i, k] = v + tol * abs(v)
    return CatalogArrays(
        ids=[i.id for i in inds],
        index={ind.id: i for i, ind in enumerate(inds)},
        indicators=inds,
        home=home,
        recurring=recurring,
        milestone=milestone,
        additive=additive,
        county_share=county_share,
        issued=issued,
        has_baseline=has_baseline,
        baseline_value=baseline_value,
        baseline_day=baseline_day,
        n_stages=n_stages,
        by=by,
        op=op,
        accept_lo=accept_lo,
        accept_hi=accept_hi,
        aim_lo=aim_lo,
        aim_hi=aim_hi,
        goal=goal,
        low=low,
        high=high,
    )


def chain_goals(
    start_value: np.ndarray,
    start_day: np.ndarray,
    by: np.ndarray,
    aim_lo: np.ndarray,
    aim_hi: np.ndarray,
    n_stages: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each stage's goal on the path from (start_day, start_value): the point of the stage
    nearest the previous goal.

    For >= / <= that is the stage value (or the level already reached: the plan never
    asks for a decline), for between the nearer bound, for == the value. Stages due
    on or before the start are not on the path (`on_path` False). Loops over the few
    stage columns, vectorised over rows.
    """
    rows, k_max = by.shape
    on_path = (np.arange(k_max)[None, :] < n_stages[:, None]) & (by > start_day[:, None])
    goals = np.empty((rows, k_max))
    level = start_value.astype(float).copy()
    for k in range(k_max):
        goal_k = np.clip(level, aim_lo[:, k], aim_hi[:, k])
        goals[:, k] = goal_k
        level = np.where(on_path[:, k], goal_k, level)
    return goals, on_path


def path_value(
    at_day: np.ndarray,
    start_day: np.ndarray,
    start_value: np.ndarray,
    by: np.ndarray,
    goals: np.ndarray,
    on_path: np.ndarray,
) -> np.ndarray:
    """The planned path's value at at_day: linear between the start and the stages on
    the path, flat before the start and after the last of them."""
    value = start_value.astype(float).copy()
    prev_day = start_day.astype(float)
    prev_goal = start_value.astype(float).copy()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for k in range(by.shape[1]):
            live = on_path[:, k]
            due = by[:, k].astype(float)
            frac = (at_day - prev_day) / (due - prev_day)
            inside = live & (at_day > prev_day) & (at_day <= due)
            value = np.where(inside, prev_goal + (goals[:, k] - prev_goal) * frac, value)
            value = np.where(live & (at_day > due), goals[:, k], value)
            prev_day = np.where(live, due, prev_day)
            prev_goal = np.where(live, goals[:, k], prev_goal)
    return value


def year_goal(op: np.ndarray, aim_lo: np.ndarray, aim_hi: np.ndarray) -> np.ndarray:
    """A yearly recurring stage's goal, the path starting from 0 each year: a cap (<=)
    its value, else the point of the stage nearest 0."""
    return np.where(op == LE, aim_hi, np.clip(0.0, aim_lo, aim_hi))
