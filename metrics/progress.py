"""The progress engine: one status word per target, with the numbers behind it.

Every screen, CLI command and export calls `evaluate`, so the word a leader sees
is the same everywhere and a person can recompute it by hand from
docs/method.md. The work is done on whole numpy arrays (all indicators x regions
at once): observations are sorted once by a packed integer key and every
per-target quantity is a searchsorted/bincount over that order, so a million
observations cost a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from metrics.catalog import Catalog, Indicator, Stage
from metrics.i18n import t
from metrics.periods import KINDS, period_from_end

STATUS_ORDER: tuple[str, ...] = (
    "achieved",
    "on_track",
    "at_risk",
    "off_track",
    "missed",
    "no_data",
)

COLUMNS: list[str] = [
    "indicator",
    "region",
    "status",
    "latest_value",
    "latest_period",
    "baseline_value",
    "expected",
    "ratio",
    "progress",
    "target_value",
    "deadline",
    "days_left",
    "projected_value",
    "projected_met",
    "missed_stages",
    "stale",
]

#: Columns kept for explanations and charts (documented in docs/method.md).
EXTRA_COLUMNS: list[str] = [
    "reason",
    "home",
    "unit",
    "op",
    "target_low",
    "target_high",
    "recurring",
    "latest_end",
    "latest_kind",
    "baseline_date",
    "baseline_source",
    "current_deadline",
    "current_stage_value",
    "missed_deadlines",
    "aggregated",
    "counties",
    "target_share",
    "fit_start",
    "fit_start_value",
    "projection_date",
]

OBSERVATION_COLUMNS = ("indicator", "region", "period_kind", "period_end", "value")

#: Relative tolerance of an "==" target ("10个左右"): met within ±5 % of the value.
#: A catalog may override it with `settings.eq_tolerance`.
EQ_TOLERANCE = 0.05

# Period kinds are metrics.periods.KINDS (finest first). The rank decides which of two
# observations ending on the same day is used (the coarser: the official annual figure
# over Q4), and the months in one reporting period decide staleness ("day" counts as a
# quarter; an unknown kind is treated as "day").
_KIND_RANK = {k: i for i, k in enumerate(KINDS)}
_PERIOD_MONTHS = {"day": 3, "month": 1, "quarter": 3, "year": 12}

_OPS: tuple[str, ...] = (">=", "<=", "==", "between")
_GE, _LE, _EQ, _BETWEEN = range(4)

_DAY_BITS = 23  # a packed key is (group << 23 | day + 2**22) << 2 | kind rank
_DAY_OFF = 1 << 22
_FAR = 1 << 40  # a padding deadline, never reached
_EPS = 1e-9  # relative float noise allowed in every comparison
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


# --- small helpers ------------------------------------------------------------------------


def _as_date(value: date | datetime | str | None) -> date:
    if value is None:
        return date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _day(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _dates(days: np.ndarray, ok: np.ndarray | None = None) -> np.ndarray:
    """Day numbers to datetime64[ns], NaT where not ok."""
    out = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    if ok is not None:
        out = np.where(ok, out, np.datetime64("NaT", "ns"))
    return out


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _year_end(years: np.ndarray) -> np.ndarray:
    """Day number of 31 December of each year."""
    nxt = (np.asarray(years, dtype=np.int64) - 1969).astype("datetime64[Y]")
    return nxt.astype("datetime64[D]").astype(np.int64) - 1


def _tol(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(v), _EPS * np.maximum(1.0, np.abs(v)), 0.0)


def _meets(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """x within [lo, hi], allowing float noise; False where x is NaN."""
    with np.errstate(invalid="ignore"):
        return (x >= lo - _tol(lo)) & (x <= hi + _tol(hi))


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
        end = date.fromordinal(_EPOCH_ORDINAL + d)
        try:
            out.append(period_from_end(KINDS[r], end).label)
        except ValueError:
            out.append(end.isoformat())
    return out


# --- the catalog as arrays ------------------------------------------------------------------


@dataclass(frozen=True)
class _Cat:
    """Indicator attributes as arrays indexed by the indicator's position in the catalog.

    Every stage is an acceptance interval [alo, ahi] (what meets it) and an aim
    interval [glo, ghi] (where the planned path goes): >= v is [v, inf) for both,
    <= v is (-inf, v], between is [low, high], == v is met within the tolerance
    but aimed at v itself.
    """

    ids: list[str]
    index: dict[str, int]
    inds: list[Indicator]
    home: list[str]
    recurring: np.ndarray
    milestone: np.ndarray
    additive: np.ndarray
    issue: np.ndarray
    base_has: np.ndarray
    base_val: np.ndarray
    base_day: np.ndarray
    n: np.ndarray
    by: np.ndarray
    op: np.ndarray
    alo: np.ndarray
    ahi: np.ndarray
    glo: np.ndarray
    ghi: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    value: np.ndarray


def _catalog_arrays(catalog: Catalog) -> _Cat:
    """Pack the catalog's few hundred indicators into arrays (the only Python loop)."""
    inds = list(catalog.indicators.values())
    ni = len(inds)
    k_max = max((len(i.targets) for i in inds), default=1)
    tol = float(getattr(catalog.settings, "eq_tolerance", EQ_TOLERANCE))
    shape = (ni, k_max)
    by = np.full(shape, _FAR, dtype=np.int64)
    op = np.zeros(shape, dtype=np.int8)
    alo, glo, lo = (np.full(shape, -np.inf) for _ in range(3))
    ahi, ghi, hi = (np.full(shape, np.inf) for _ in range(3))
    value = np.full(shape, np.nan)
    n = np.zeros(ni, dtype=np.int64)
    recurring = np.zeros(ni, dtype=bool)
    milestone = np.zeros(ni, dtype=bool)
    additive = np.zeros(ni, dtype=bool)
    issue = np.zeros(ni, dtype=np.int64)
    base_has = np.zeros(ni, dtype=bool)
    base_val = np.full(ni, np.nan)
    base_day = np.zeros(ni, dtype=np.int64)
    home: list[str] = []
    for i, ind in enumerate(inds):
        home.append(catalog.region_of(ind))
        recurring[i] = ind.recurring == "yearly"
        milestone[i] = ind.kind == "milestone"
        additive[i] = ind.aggregate == "sum"
        issue[i] = _day(catalog.plans[ind.plan].issued)
        if ind.baseline is not None:
            base_has[i] = True
            base_val[i] = ind.baseline.value
            base_day[i] = _day(ind.baseline.date)
        n[i] = len(ind.targets)
        for k, s in enumerate(ind.targets):
            by[i, k] = _day(s.by)
            op[i, k] = _OPS.index(s.op)
            if s.op == "between":
                lo[i, k] = alo[i, k] = glo[i, k] = float(s.low)  # type: ignore[arg-type]
                hi[i, k] = ahi[i, k] = ghi[i, k] = float(s.high)  # type: ignore[arg-type]
                continue
            v = float(s.value)  # type: ignore[arg-type]
            value[i, k] = v
            if s.op == ">=":
                alo[i, k] = glo[i, k] = v
            elif s.op == "<=":
                ahi[i, k] = ghi[i, k] = v
            else:
                glo[i, k] = ghi[i, k] = v
                alo[i, k] = v - tol * abs(v)
                ahi[i, k] = v + tol * abs(v)
    return _Cat(
        ids=[i.id for i in inds],
        index={ind.id: i for i, ind in enumerate(inds)},
        inds=inds,
        home=home,
        recurring=recurring,
        milestone=milestone,
        additive=additive,
        issue=issue,
        base_has=base_has,
        base_val=base_val,
        base_day=base_day,
        n=n,
        by=by,
        op=op,
        alo=alo,
        ahi=ahi,
        glo=glo,
        ghi=ghi,
        lo=lo,
        hi=hi,
        value=value,
    )


# --- the planned path ------------------------------------------------------------------------


def _chain(
    b: np.ndarray, t0: np.ndarray, by: np.ndarray, glo: np.ndarray, ghi: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each stage's goal on the path from (t0, b): the point of the stage nearest the previous goal.

    For >= / <= that is the stage value (or the level already reached: the plan never
    asks for a decline), for between the nearer bound, for == the value. Stages due
    on or before t0 are not on the path (`valid` False). Loops over the few stage
    columns, vectorised over rows.
    """
    rows, k_max = by.shape
    valid = (np.arange(k_max)[None, :] < n[:, None]) & (by > t0[:, None])
    goals = np.empty((rows, k_max))
    g = b.astype(float).copy()
    for k in range(k_max):
        gk = np.clip(g, glo[:, k], ghi[:, k])
        goals[:, k] = gk
        g = np.where(valid[:, k], gk, g)
    return goals, valid


def _on_path(
    ta: np.ndarray,
    t0: np.ndarray,
    b: np.ndarray,
    by: np.ndarray,
    goals: np.ndarray,
    valid: np.ndarray,
) -> np.ndarray:
    """The planned path's value at ta: linear between (t0, b) and the valid stages, flat outside."""
    e = b.astype(float).copy()
    pt = t0.astype(float)
    pg = b.astype(float).copy()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for k in range(by.shape[1]):
            v = valid[:, k]
            bk = by[:, k].astype(float)
            frac = (ta - pt) / (bk - pt)
            e = np.where(v & (ta > pt) & (ta <= bk), pg + (goals[:, k] - pg) * frac, e)
            e = np.where(v & (ta > bk), goals[:, k], e)
            pt = np.where(v, bk, pt)
            pg = np.where(v, goals[:, k], pg)
    return e


def _take(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    return np.take_along_axis(a, k[:, None], axis=1)[:, 0]


# --- observations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Obs:
    """Usable observations, one per (group, day), sorted by packed key (group, day)."""

    regions: list[str]
    parent: np.ndarray
    gid: np.ndarray
    day: np.ndarray
    val: np.ndarray
    rank: np.ndarray
    counties: np.ndarray
    key: np.ndarray


def _codes(
    col: pd.Series, lookup: Mapping[str, int], default: int, lower: bool = False
) -> np.ndarray:
    """Map a string column through a small dict by factorizing first (one lookup per distinct value)."""
    codes, uniques = pd.factorize(col)
    names = [str(u).strip() for u in uniques]
    if lower:
        names = [u.lower() for u in names]
    table = np.array([lookup.get(u, default) for u in names] + [default], dtype=np.int64)
    return table[codes]  # code -1 (missing) picks the trailing default


def _prepare(catalog: Catalog, cat: _Cat, observations: pd.DataFrame | None, cutoff: int) -> _Obs:
    """Filter to period_end <= as_of, de-duplicate, and add county sums for additive indicators."""
    regions = list(catalog.regions)
    rindex = {c: i for i, c in enumerate(regions)}
    if observations is not None:
        missing = [c for c in OBSERVATION_COLUMNS if c not in observations.columns]
        if missing:
            raise ValueError(f"observations lack column(s): {', '.join(missing)}")
    empty = observations is None or len(observations) == 0
    if not empty:
        assert observations is not None
        reg_codes, reg_uniques = pd.factorize(observations["region"])
        for u in reg_uniques:
            code = str(u).strip()
            if code not in rindex:
                rindex[code] = len(regions)
                regions.append(code)
    nreg = len(regions)
    parent = np.array(
        [
            rindex.get(catalog.regions[c].parent or "", -1) if c in catalog.regions else -1
            for c in regions
        ],
        dtype=np.int64,
    )
    if empty:
        z = np.zeros(0, dtype=np.int64)
        return _Obs(regions, parent, z, z, np.zeros(0), z, z, z)
    assert observations is not None

    ends = pd.to_datetime(observations["period_end"]).to_numpy()
    day = ends.astype("datetime64[D]").astype(np.int64)
    val = pd.to_numeric(observations["value"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    ind = _codes(observations["indicator"], cat.index, -1)
    reg_table = np.array([rindex[str(u).strip()] for u in reg_uniques] + [-1], dtype=np.int64)
    reg = reg_table[reg_codes]
    rank = _codes(observations["period_kind"], _KIND_RANK, 0, lower=True)
    keep = ~np.isnat(ends) & (day <= cutoff) & np.isfinite(val) & (ind >= 0) & (reg >= 0)
    ind, reg, day, val, rank = ind[keep], reg[keep], day[keep], val[keep], rank[keep]
    gid = ind * nreg + reg

    # one observation per (group, day, kind): the largest, so row order never matters
    key2 = (((gid << _DAY_BITS) | (day + _DAY_OFF)) << 2) | rank
    order = np.argsort(key2, kind="stable")
    key2, val = key2[order], val[order]
    starts = np.flatnonzero(np.r_[True, key2[1:] != key2[:-1]]) if len(key2) else order[:0]
    val = np.maximum.reduceat(val, starts) if len(starts) else val
    key2 = key2[starts]
    # one per (group, day): the coarsest kind (the official annual figure over Q4)
    key = key2 >> 2
    last = np.r_[key[1:] != key[:-1], True] if len(key) else np.zeros(0, dtype=bool)
    key, val, rank = key[last], val[last], (key2 & 3)[last]
    gid = key >> _DAY_BITS
    day = (key & ((1 << _DAY_BITS) - 1)) - _DAY_OFF
    counties = np.zeros(len(key), dtype=np.int64)

    # a city's value for a period is its own, else (aggregate: sum) the sum of its counties
    ind, reg = gid // nreg, gid % nreg
    sub = cat.additive[ind] & (parent[reg] >= 0) if len(gid) else np.zeros(0, dtype=bool)
    if sub.any():
        pkey = ((ind[sub] * nreg + parent[reg[sub]]) << _DAY_BITS) | (day[sub] + _DAY_OFF)
        o = np.argsort(pkey, kind="stable")
        pkey, pval, prank = pkey[o], val[sub][o], rank[sub][o]
        s = np.flatnonzero(np.r_[True, pkey[1:] != pkey[:-1]])
        akey = pkey[s]
        aval = np.add.reduceat(pval, s)
        arank = np.maximum.reduceat(prank, s)
        acount = np.diff(np.r_[s, len(pkey)])
        new = ~np.isin(akey, key, assume_unique=True)
        key = np.concatenate([key, akey[new]])
        val = np.concatenate([val, aval[new]])
        rank = np.concatenate([rank, arank[new]])
        counties = np.concatenate([counties, acount[new]])
        o = np.argsort(key, kind="stable")
        key, val, rank, counties = key[o], val[o], rank[o], counties[o]
        gid = key >> _DAY_BITS
        day = (key & ((1 << _DAY_BITS) - 1)) - _DAY_OFF
    return _Obs(regions, parent, gid, day, val, rank, counties, key)


def _at_or_before(obs: _Obs, gid: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each group's last observation on or before `day`, and whether there is one."""
    q = (gid << _DAY_BITS) | (day + _DAY_OFF)
    idx = np.searchsorted(obs.key, q, side="right") - 1
    safe = np.clip(idx, 0, max(len(obs.key) - 1, 0))
    ok = (idx >= 0) & (obs.gid[safe] == gid) if len(obs.key) else np.zeros(q.shape, dtype=bool)
    return safe, ok


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
    as_of_d = _as_date(as_of)
    cutoff = _day(as_of_d)
    cat = _catalog_arrays(catalog)
    obs = _prepare(catalog, cat, observations, cutoff)
    nreg = len(obs.regions)
    rindex = {c: i for i, c in enumerate(obs.regions)}
    s = catalog.settings

    # --- the rows: groups with observations plus every indicator at home ---
    home_reg = np.array([rindex[h] for h in cat.home], dtype=np.int64)
    home_gid = np.arange(len(cat.ids), dtype=np.int64) * nreg + home_reg
    if len(obs.gid):
        gstart = np.flatnonzero(np.r_[True, obs.gid[1:] != obs.gid[:-1]])
        gend = np.r_[gstart[1:], len(obs.gid)]
        ugid = obs.gid[gstart]
    else:
        gstart = gend = ugid = np.zeros(0, dtype=np.int64)
    gid = np.union1d(ugid, home_gid)
    pos = np.searchsorted(ugid, gid)
    safe = np.clip(pos, 0, max(len(ugid) - 1, 0))
    has = (pos < len(ugid)) & (ugid[safe] == gid) if len(ugid) else np.zeros(len(gid), bool)
    first = np.where(has, gstart[safe] if len(ugid) else 0, 0)
    last = np.where(has, (gend[safe] - 1) if len(ugid) else 0, 0)
    ind = gid // nreg
    reg = gid % nreg
    home = reg == home_reg[ind]
    rec = cat.recurring[ind]
    nrows = len(gid)

    def pick(a: np.ndarray, idx: np.ndarray, fill: Any) -> np.ndarray:
        return np.where(has, a[idx] if len(a) else fill, fill)

    a = pick(obs.val, last, np.nan)
    ta = pick(obs.day, last, 0)
    rank = pick(obs.rank, last, 0)
    counties = pick(obs.counties, last, 0)

    # county rows of an additive indicator aim at an equal share of the city's target
    nchild = np.bincount(obs.parent[obs.parent >= 0], minlength=nreg)
    share = np.where(
        ~home & cat.additive[ind] & (obs.parent[reg] == home_reg[ind]),
        1.0 / np.maximum(nchild[home_reg[ind]], 1),
        1.0,
    )

    # stages of each row (rows x K), scaled by the row's share
    n = cat.n[ind]
    by = cat.by[ind]
    op = cat.op[ind]
    sc = share[:, None]
    alo, ahi, glo, ghi = cat.alo[ind] * sc, cat.ahi[ind] * sc, cat.glo[ind] * sc, cat.ghi[ind] * sc
    fin = n - 1
    fin_by = _take(by, fin)
    fin_op = _take(op, fin)

    # --- baseline (t0, b) ---
    use_cat = home & cat.base_has[ind]
    use_ms = ~use_cat & cat.milestone[ind]
    use_first = ~use_cat & ~use_ms & has
    b = np.where(use_cat, cat.base_val[ind], np.where(use_ms, 0.0, np.nan))
    t0 = np.where(use_cat, cat.base_day[ind], np.where(use_ms, cat.issue[ind], 0))
    if len(obs.val):
        b = np.where(use_first, obs.val[first], b)
        t0 = np.where(use_first, obs.day[first], t0)
    source = np.where(
        use_cat, "catalog", np.where(use_ms, "milestone", np.where(use_first, "earliest", ""))
    ).astype(object)
    has_base = use_cat | use_ms | use_first

    # --- stage-based (non-recurring) path ---
    goals, valid = _chain(np.where(has_base, b, np.nan), t0, by, glo, ghi, n)
    # without any baseline (no data yet) a stage's goal is its own value (between: low)
    goals = np.where(np.isnan(goals), np.where(np.isfinite(glo), glo, ghi), goals)
    e = _on_path(ta.astype(float), t0, b, by, goals, valid)
    cur = np.argmax((np.arange(by.shape[1])[None, :] < n[:, None]) & (by >= cutoff), axis=1)
    cur = np.where(by[np.arange(nrows), cur] >= cutoff, cur, fin)
    cur = np.minimum(cur, fin)
    cur_by = _take(by, cur)
    cur_lo, cur_hi = _take(alo, cur), _take(ahi, cur)
    cur_goal = _take(goals, cur)
    fin_goal = _take(goals, fin)
    fin_lo, fin_hi = _take(alo, fin), _take(ahi, fin)
    final_met = has & _meets(a, fin_lo, fin_hi)
    cur_met = has & _meets(a, cur_lo, cur_hi)
    base_met = _meets(b, cur_lo, cur_hi)
    proj_day = fin_by.copy()
    fit_from = t0.copy()
    progress_den = fin_goal - b

    # missed earlier stages: the last value on or before the deadline fell short
    kk = np.arange(by.shape[1])[None, :]
    due = (kk < fin[:, None]) & (by < cutoff) & has[:, None] & ~rec[:, None]
    idx, ok = _at_or_before(obs, np.broadcast_to(gid[:, None], by.shape), by)
    vals = obs.val[idx] if len(obs.val) else np.full(by.shape, np.nan)
    missed = due & ok & ~_meets(vals, alo, ahi)

    # --- recurring yearly: each calendar year its own stage, values year-to-date ---
    if rec.any():
        ry = _year(ta)
        y_first = _year(cat.issue[ind])
        by_year = _year(by)
        y_last = _take(by_year, fin)
        yy = np.clip(ry, y_first, y_last)
        ystage = np.argmax((kk < n[:, None]) & (by_year >= yy[:, None]), axis=1)
        y_lo, y_hi = _take(alo, ystage), _take(ahi, ystage)
        y_op = _take(op, ystage)
        y_goal = np.where(
            y_op == _LE, _take(ghi, ystage), np.clip(0.0, _take(glo, ystage), _take(ghi, ystage))
        )
        y_end = _year_end(ry)
        y_start = _year_end(ry - 1)
        elapsed = (ta - y_start) / (y_end - y_start)
        r_e = y_goal * elapsed
        r_final = (
            has & (ry == y_last) & _meets(a, fin_lo, fin_hi) & ((fin_op == _GE) | (ta >= fin_by))
        )
        # missed years: each earlier year whose last observation (in that year) fell short
        years = np.arange(int(y_first[rec].min()), int(y_last[rec].max()) + 1)
        ye = _year_end(years)[None, :]
        yk = np.argmax(
            (kk[:, :, None] < n[:, None, None]) & (by_year[:, :, None] >= years[None, None, :]),
            axis=1,
        )
        yidx, yok = _at_or_before(
            obs, np.broadcast_to(gid[:, None], yk.shape), np.broadcast_to(ye, yk.shape)
        )
        yday = obs.day[yidx] if len(obs.day) else np.zeros(yk.shape, dtype=np.int64)
        yval = obs.val[yidx] if len(obs.val) else np.full(yk.shape, np.nan)
        yok &= yday > _year_end(years - 1)[None, :]  # the last value is of that year
        ydue = (
            rec[:, None]
            & has[:, None]
            & (years[None, :] >= y_first[:, None])
            & (years[None, :] < y_last[:, None])
            & (ye < cutoff)
        )
        ymissed = (
            ydue
            & yok
            & ~_meets(yval, np.take_along_axis(alo, yk, 1), np.take_along_axis(ahi, yk, 1))
        )

        b = np.where(rec, np.where(has, 0.0, np.nan), b)
        t0 = np.where(rec, y_start, t0)
        source = np.where(rec & has, "year_start", np.where(rec, "", source)).astype(object)
        e = np.where(rec, r_e, e)
        final_met = np.where(rec, r_final, final_met)
        cur_met = np.where(rec, has & (y_op != _LE) & _meets(a, y_lo, y_hi), cur_met)
        base_met = np.where(rec, False, base_met)
        cur_by = np.where(rec, np.where(has, y_end, fin_by), cur_by)
        cur_lo, cur_hi = np.where(rec, y_lo, cur_lo), np.where(rec, y_hi, cur_hi)
        cur_goal = np.where(rec, y_goal, cur_goal)
        fin_goal = np.where(
            rec,
            np.where(
                _take(op, fin) == _LE,
                _take(ghi, fin),
                np.clip(0.0, _take(glo, fin), _take(ghi, fin)),
            ),
            fin_goal,
        )
        progress_den = np.where(rec, y_goal, progress_den)
        proj_day = np.where(rec, y_end, proj_day)
        fit_from = np.where(rec, y_start + 1, fit_from)
        y_years = np.broadcast_to(ye, yk.shape)
    else:
        ymissed = np.zeros((nrows, 0), dtype=bool)
        y_years = np.zeros((nrows, 0), dtype=np.int64)

    # --- status, first rule that applies ---
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        flat = np.abs(e - b) <= _tol(b)
        ratio = np.where(flat, np.nan, (a - b) / (e - b))
        le_rec = rec & (_take(op, fin) == _LE)
        ratio = np.where(le_rec, np.where(a > 0, e / a, np.inf), ratio)
        ratio = np.where(has, ratio, np.nan)
        progress = np.where(
            np.abs(progress_den) <= _tol(fin_goal),
            np.where(final_met, 1.0, 0.0),
            (a - b) / progress_den,
        )
        progress = np.where(has, progress, np.nan)
    on_cut = float(s.on_track_ratio) - _EPS
    risk_cut = float(s.at_risk_ratio) - _EPS
    regressed = flat & ~cur_met & base_met & ~rec
    reason = np.select(
        [
            ~has,
            final_met,
            cutoff > fin_by,
            cur_met,
            regressed,
            flat & ~le_rec,
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

    # --- projection: least squares through the observations since the baseline ---
    proj, fit_start, fit_start_value, proj_met = _projection(
        obs,
        gid,
        has,
        last,
        fit_from,
        proj_day,
        np.where(rec, cur_lo, fin_lo),
        np.where(rec, cur_hi, fin_hi),
    )

    # --- stale: older than two reporting periods of its own kind ---
    ts = pd.Timestamp(as_of_d)
    limit = np.array(
        [_day((ts - pd.DateOffset(months=2 * _PERIOD_MONTHS[k])).date()) for k in KINDS]
    )
    stale = has & (ta < limit[rank])

    # --- missed stage lists (only the few rows with misses) ---
    miss_count = missed.sum(axis=1) + ymissed.sum(axis=1)
    miss_text = np.full(nrows, "", dtype=object)
    for r in np.flatnonzero(miss_count):
        days = list(by[r][missed[r]]) + list(y_years[r][ymissed[r]])
        miss_text[r] = ", ".join(str(np.datetime64(int(d), "D")) for d in sorted(days))

    fin_idx = fin[:, None]
    units = np.array([i.unit for i in cat.inds], dtype=object)
    frame = pd.DataFrame(
        {
            "indicator": np.array(cat.ids, dtype=object)[ind],
            "region": np.array(obs.regions, dtype=object)[reg],
            "status": status,
            "latest_value": a,
            "latest_period": pd.Series(_period_labels(ta, rank, has), dtype=object),
            "baseline_value": np.where(has | use_cat | use_ms, b, np.nan),
            "expected": np.where(has, e, np.nan),
            "ratio": ratio,
            "progress": progress,
            "target_value": fin_goal,
            "deadline": _dates(fin_by),
            "days_left": (fin_by - cutoff).astype(np.int64),
            "projected_value": proj,
            "projected_met": pd.array(proj_met, dtype="boolean"),
            "missed_stages": miss_count.astype(np.int64),
            "stale": stale,
            "reason": reason,
            "home": home,
            "unit": units[ind],
            "op": np.array(_OPS, dtype=object)[fin_op],
            "target_low": np.where(
                fin_op == _BETWEEN,
                np.take_along_axis(cat.lo[ind], fin_idx, 1)[:, 0] * share,
                np.nan,
            ),
            "target_high": np.where(
                fin_op == _BETWEEN,
                np.take_along_axis(cat.hi[ind], fin_idx, 1)[:, 0] * share,
                np.nan,
            ),
            "recurring": rec,
            "latest_end": _dates(ta, has),
            "latest_kind": pd.Series(
                np.where(has, np.array(KINDS, dtype=object)[rank], None), dtype=object
            ),
            "baseline_date": _dates(t0, has | ((use_cat | use_ms) & ~rec)),
            "baseline_source": source,
            "current_deadline": _dates(cur_by),
            "current_stage_value": cur_goal,
            "missed_deadlines": miss_text,
            "aggregated": counties > 0,
            "counties": counties.astype(np.int64),
            "target_share": share,
            "fit_start": fit_start,
            "fit_start_value": fit_start_value,
            "projection_date": _dates(proj_day, ~np.isnan(proj)),
        }
    )
    frame["_i"], frame["_h"] = ind, ~home
    frame = frame.sort_values(["_i", "_h", "region"], kind="stable").drop(columns=["_i", "_h"])
    return frame.reset_index(drop=True)


def _projection(
    obs: _Obs,
    gid: np.ndarray,
    has: np.ndarray,
    last: np.ndarray,
    fit_from: np.ndarray,
    proj_day: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[bool | None]]:
    """Least-squares line per row through its observations on or after fit_from (x in days).

    Each row's fitted points are a contiguous run of the sorted observations, so the
    sums are two bincounts (means first, then centred products, for precision).
    """
    nrows = len(gid)
    nan = np.full(nrows, np.nan)
    if not len(obs.key):
        return nan, _dates(np.zeros(nrows), np.zeros(nrows, bool)), nan, [None] * nrows
    q = (gid << _DAY_BITS) | (fit_from + _DAY_OFF)
    start = np.searchsorted(obs.key, q, side="left")
    count = np.where(has, last + 1 - start, 0)
    fit = count >= 2
    lens = np.where(fit, count, 0)
    row_of = np.repeat(np.arange(nrows), lens)
    offs = np.repeat(start - np.r_[0, np.cumsum(lens)[:-1]], lens)
    pts = np.arange(len(row_of)) + offs
    x = obs.day[pts].astype(float)
    y = obs.val[pts]
    cnt = np.maximum(lens, 1)
    mx = np.bincount(row_of, x, minlength=nrows) / cnt
    my = np.bincount(row_of, y, minlength=nrows) / cnt
    dx = x - mx[row_of]
    sxx = np.bincount(row_of, dx * dx, minlength=nrows)
    sxy = np.bincount(row_of, dx * (y - my[row_of]), minlength=nrows)
    fit &= sxx > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(fit, sxy / sxx, np.nan)
    first_x = np.where(fit, obs.day[np.clip(start, 0, len(obs.key) - 1)], 0)
    proj = np.where(fit, my + slope * (proj_day - mx), np.nan)
    start_value = np.where(fit, my + slope * (first_x - mx), np.nan)
    met = _meets(proj, lo, hi)
    proj_met: list[bool | None] = [bool(m) if f else None for m, f in zip(met, fit, strict=True)]
    return proj, _dates(first_x, fit), start_value, proj_met


# --- charts -------------------------------------------------------------------------------------


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
    cat = _catalog_arrays(catalog)
    i = cat.index[indicator_id]
    nk = int(cat.n[i])
    by = cat.by[i : i + 1, :nk]
    glo, ghi = cat.glo[i : i + 1, :nk] * share, cat.ghi[i : i + 1, :nk] * share
    if cat.recurring[i]:
        first_year = int(_year(cat.issue[i : i + 1])[0])
        by_year = _year(by[0])
        points: list[tuple[int, float]] = []
        for year in range(first_year, int(by_year[-1]) + 1):
            k = int(np.argmax(by_year >= year))
            if cat.op[i, k] == _LE:
                goal = float(ghi[0, k])
            else:
                goal = float(np.clip(0.0, glo[0, k], ghi[0, k]))
            end = int(_year_end(np.array([year]))[0])
            prev = int(_year_end(np.array([year - 1]))[0])
            points += [(prev, 0.0), (end, goal)]
        return _points(points)
    given = not (pd.isna(baseline_value) or pd.isna(baseline_date))  # a no_data row has NaN/NaT
    if given:
        assert baseline_value is not None and baseline_date is not None
        b, t0 = float(baseline_value), _day(_as_date(baseline_date))
    elif cat.base_has[i]:
        b, t0 = float(cat.base_val[i]) * share, int(cat.base_day[i])
    elif cat.milestone[i]:
        b, t0 = 0.0, int(cat.issue[i])
    else:
        # no baseline: start the chain at the first stage's nominal goal
        first = glo[0, 0] if np.isfinite(glo[0, 0]) else ghi[0, 0]
        goals, _ = _chain(np.array([first]), np.array([by[0, 0] - 1]), by, glo, ghi, np.array([nk]))
        return _points(list(zip(by[0].tolist(), goals[0].tolist(), strict=True)))
    goals, valid = _chain(np.array([b]), np.array([t0]), by, glo, ghi, np.array([nk]))
    points = [(t0, b)] + [
        (int(d), float(g)) for d, g, v in zip(by[0], goals[0], valid[0], strict=True) if v
    ]
    return _points(points)


def _points(points: list[tuple[int, float]]) -> pd.DataFrame:
    days = np.array([p[0] for p in points], dtype=np.int64)
    return pd.DataFrame({"date": _dates(days), "value": [float(p[1]) for p in points]})


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


# --- roll-ups -----------------------------------------------------------------------------------

ROLLUP_KEYS = ("plan", "city", "region", "domain", "responsible")


def rollup(
    status_frame: pd.DataFrame, catalog: Catalog, by: str, home_only: bool = True
) -> pd.DataFrame:
    """Counts of each status per plan, city, region, domain or responsible unit.

    A target with two responsible units counts once for each. `city` is the
    prefecture-level region (a county's parent). By default only targets at their
    own region are counted, so a city's county rows do not count its targets twice.
    """
    if by not in ROLLUP_KEYS:
        raise ValueError(f"by must be one of {', '.join(ROLLUP_KEYS)}")
    frame = status_frame
    if home_only and "home" in frame.columns:
        frame = frame[frame["home"].astype(bool)]
    frame = frame[frame["indicator"].isin(list(catalog.indicators))]
    inds = frame["indicator"].map(catalog.indicators)
    if by == "plan":
        keys = inds.map(lambda i: i.plan)
    elif by == "domain":
        keys = inds.map(lambda i: i.domain)
    elif by == "region":
        keys = frame["region"]
    elif by == "city":

        def city(code: str) -> str:
            info = catalog.regions.get(code)
            while info is not None and info.parent is not None:
                code, info = info.parent, catalog.regions.get(info.parent)
            return code

        keys = frame["region"].map(city)
    else:
        keys = inds.map(lambda i: list(i.responsible))
    counted = pd.DataFrame({by: keys.to_numpy(), "status": frame["status"].to_numpy()})
    if by == "responsible":
        counted = counted.explode(by)
    table = pd.crosstab(counted[by], counted["status"]) if len(counted) else pd.DataFrame()
    table = table.reindex(columns=list(STATUS_ORDER), fill_value=0).astype(np.int64)
    table["total"] = table.sum(axis=1)
    table.columns.name = None
    return table.rename_axis(by).reset_index()


# --- words --------------------------------------------------------------------------------------


def status_label(status: str, lang: str = "zh") -> str:
    """The status word for people (已完成 / Achieved …)."""
    return t(f"status.{status}", lang)


def _fmt(x: Any, unit: str = "") -> str:
    if x is None or pd.isna(x):
        return "—"
    text = f"{float(x):,.2f}".rstrip("0").rstrip(".")
    return f"{'0' if text == '-0' else text}{unit}"


def _stage_of(ind: Indicator, deadline: Any) -> Stage:
    """The catalog stage in force at a deadline: the first due on or after it."""
    if deadline is None or pd.isna(deadline):
        return ind.targets[-1]
    day = pd.Timestamp(deadline).date()
    return next((st for st in ind.targets if st.by >= day), ind.targets[-1])


def _stage_text(stage: Stage, share: float, unit: str, lang: str) -> str:
    """A stage in words ("不低于70%", "8至10家"), scaled for a county's share."""
    if stage.op == "between":
        return t(
            "target.between",
            lang,
            low=_fmt(float(stage.low) * share),  # type: ignore[arg-type]
            high=_fmt(float(stage.high) * share, unit),  # type: ignore[arg-type]
        )
    key = {">=": "target.ge", "<=": "target.le", "==": "target.eq"}[stage.op]
    return t(key, lang, v=_fmt(float(stage.value) * share, unit))  # type: ignore[arg-type]


def _iso(x: Any) -> str:
    return "—" if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()


def explain(row: Mapping[str, Any] | pd.Series, catalog: Catalog, lang: str = "zh") -> str:
    """The status in one sentence with the numbers used (actual, expected, ratio, target).

    `row` is one row of `evaluate` (a Series or a dict of its columns).
    """
    status = str(row["status"])
    ind = catalog.indicators[str(row["indicator"])]
    unit = ind.unit
    share = float(row.get("target_share", 1.0) or 1.0)
    reason = str(row.get("reason") or "") or {
        "no_data": "no_data",
        "achieved": "final_met",
        "missed": "final_missed",
    }.get(status, "ratio")
    final = ind.targets[-1]
    common = {
        "period": row["latest_period"],
        "a": _fmt(row["latest_value"], unit),
        "e": _fmt(row["expected"], unit),
        "b": _fmt(row["baseline_value"], unit),
        "r": "—" if pd.isna(row["ratio"]) else f"{float(row['ratio']) * 100:.0f}%",
        "target": _stage_text(final, share, unit, lang),
        "deadline": _iso(final.by),
        "stage": _stage_text(_stage_of(ind, row.get("current_deadline")), share, unit, lang),
        "stage_deadline": _iso(row.get("current_deadline")),
        "label": status_label(status, lang),
    }
    key = {
        "no_data": "explain.no_data",
        "final_met": "explain.achieved",
        "final_missed": "explain.missed",
        "stage_met": "explain.stage_met",
        "at_baseline": "explain.at_baseline",
        "regressed": "explain.regressed",
    }.get(reason, "explain.ratio")
    if key == "explain.ratio" and bool(row.get("recurring", False)):
        key = "explain.ratio_yearly"
    text = t(key, lang, **common)
    if status != "no_data" and int(row.get("missed_stages", 0) or 0) > 0:
        text += t(
            "explain.missed_stages",
            lang,
            n=int(row["missed_stages"]),
            dates=row.get("missed_deadlines", ""),
        )
    if bool(row.get("stale", False)):
        text += t("explain.stale", lang)
    return text


def actual_series(
    observations: pd.DataFrame, ind: Indicator, region: str, counties: Iterable[str]
) -> pd.DataFrame:
    """The values a chart draws for one (indicator, region): [date, value, kind, summed].

    Observations use the engine's input columns (indicator, region, period_kind,
    period_end, value). One point per period end, the coarser kind winning (the
    annual figure over Q4), as `evaluate` does. For an `aggregate: sum` indicator a
    period the region has no value of its own shows the sum of its counties (`summed`),
    which is the number `evaluate` judged. Charts draw this, so they show what was judged.
    """
    cols = ["date", "value", "kind", "summed"]
    obs = observations[observations["indicator"] == ind.id]
    if obs.empty:
        return pd.DataFrame(columns=cols)

    def one_per_day(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        frame = frame.assign(
            date=pd.to_datetime(frame["period_end"]),
            _rank=frame["period_kind"].map(_KIND_RANK).fillna(0),
        )
        return frame.sort_values([*keys, "_rank"]).drop_duplicates(keys, keep="last")

    own = one_per_day(obs[obs["region"] == region], ["date"])
    series = own.assign(kind=own["period_kind"], summed=False)[cols]
    child = obs[obs["region"].isin(list(counties))]
    if ind.aggregate == "sum" and not child.empty:
        per_county = one_per_day(child, ["region", "date"])
        sums = per_county.groupby("date", as_index=False).agg(
            value=("value", "sum"), _rank=("_rank", "max")
        )
        sums = sums[~sums["date"].isin(series["date"])]
        if len(sums):
            sums = sums.assign(kind=[KINDS[int(r)] for r in sums["_rank"]], summed=True)
            sums = sums[cols]
            series = sums if series.empty else pd.concat([series, sums], ignore_index=True)
    return series.sort_values("date").reset_index(drop=True)
