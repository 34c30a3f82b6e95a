"""Observations prepared for judging: one value per (indicator, region, day).

The two rules every number the engine and its charts use goes through, implemented
here only: of two observations ending on the same day the **coarser period wins**
(the official annual figure over Q4), and a city with no value of its own for a day
gets **the sum of its counties** when the indicator adds up (`aggregate: sum`).

Observations are packed into one int64 key per row, (group << 23 | day + 2**22),
group = indicator * n_regions + region, and sorted once; every later look-up is a
searchsorted over that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.periods import KIND_RANK
from metrics.progress.common import OBSERVATION_COLUMNS

DAY_BITS = 23  # a packed key is group << 23 | day + 2**22 (the kind rank below it while sorting)
DAY_OFFSET = 1 << 22

#: Short names accepted for the stored observation columns (the status frame's names).
_SYNONYMS = {"indicator_id": "indicator", "region_code": "region"}


@dataclass(frozen=True)
class Prepared:
    """Usable observations, one per (group, day), sorted by packed key (group, day)."""

    regions: list[str]  # region codes: the catalog's, then unknown ones seen in the data
    parent: np.ndarray  # each region's parent position, -1 for none
    group: np.ndarray
    day: np.ndarray
    value: np.ndarray
    rank: np.ndarray  # metrics.periods.KIND_RANK of the period kind
    counties: np.ndarray  # how many counties a summed value adds (0: the region's own)
    key: np.ndarray

    def last_on_or_before(
        self, group: np.ndarray, day: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Index of each group's last observation on or before `day`, and whether there is one."""
        query = (group << DAY_BITS) | (day + DAY_OFFSET)
        idx = np.searchsorted(self.key, query, side="right") - 1
        safe = np.clip(idx, 0, max(len(self.key) - 1, 0))
        if not len(self.key):
            return safe, np.zeros(query.shape, dtype=bool)
        return safe, (idx >= 0) & (self.group[safe] == group)


def observation_column(observations: pd.DataFrame, name: str) -> pd.Series:
    """One of OBSERVATION_COLUMNS, under its stored name or its short synonym."""
    if name in observations.columns:
        return observations[name]
    return observations[_SYNONYMS[name]]


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


def _check_columns(observations: pd.DataFrame) -> None:
    present = set(observations.columns)
    missing = [
        c for c in OBSERVATION_COLUMNS if c not in present and _SYNONYMS.get(c) not in present
    ]
    if missing:
        raise ValueError(f"observations lack column(s): {', '.join(missing)}")


def prepare(
    parents: Mapping[str, str | None],
    index: Mapping[str, int],
    additive: np.ndarray,
    observations: pd.DataFrame | None,
    cutoff: int,
) -> Prepared:
    """Filter to period_end <= cutoff (a day number), keep one value per (group, day),
    and add county sums for additive indicators.

    `parents`: every known region code (in order) with its parent code; `index`: the
    position of each indicator id; `additive[i]`: whether indicator i adds up.
    """
    regions = list(parents)
    rindex = {c: i for i, c in enumerate(regions)}
    if observations is not None:
        _check_columns(observations)
    empty = observations is None or len(observations) == 0
    if not empty:
        assert observations is not None
        reg_codes, reg_uniques = pd.factorize(observation_column(observations, "region_code"))
        for u in reg_uniques:
            code = str(u).strip()
            if code not in rindex:
                rindex[code] = len(regions)
                regions.append(code)
    n_regions = len(regions)
    parent = np.array(
        [rindex.get(parents[c] or "", -1) if c in parents else -1 for c in regions],
        dtype=np.int64,
    )
    if empty:
        z = np.zeros(0, dtype=np.int64)
        return Prepared(regions, parent, z, z, np.zeros(0), z, z, z)
    assert observations is not None

    ends = pd.to_datetime(observations["period_end"]).to_numpy()
    day = ends.astype("datetime64[D]").astype(np.int64)
    value = pd.to_numeric(observations["value"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    ind = _codes(observation_column(observations, "indicator_id"), index, -1)
    reg_table = np.array([rindex[str(u).strip()] for u in reg_uniques] + [-1], dtype=np.int64)
    reg = reg_table[reg_codes]
    rank = _codes(observations["period_kind"], KIND_RANK, 0, lower=True)
    keep = ~np.isnat(ends) & (day <= cutoff) & np.isfinite(value) & (ind >= 0) & (reg >= 0)
    ind, reg, day, value, rank = ind[keep], reg[keep], day[keep], value[keep], rank[keep]
    group = ind * n_regions + reg

    # one observation per (group, day, kind): the largest, so row order never matters
    kind_key = (((group << DAY_BITS) | (day + DAY_OFFSET)) << 2) | rank
    order = np.argsort(kind_key, kind="stable")
    kind_key, value = kind_key[order], value[order]
    if len(kind_key):
        starts = np.flatnonzero(np.r_[True, kind_key[1:] != kind_key[:-1]])
    else:
        starts = order[:0]
    value = np.maximum.reduceat(value, starts) if len(starts) else value
    kind_key = kind_key[starts]
    # one per (group, day): the coarsest kind (the official annual figure over Q4)
    key = kind_key >> 2
    last = np.r_[key[1:] != key[:-1], True] if len(key) else np.zeros(0, dtype=bool)
    key, value, rank = key[last], value[last], (kind_key & 3)[last]
    day = (key & ((1 << DAY_BITS) - 1)) - DAY_OFFSET
    group = key >> DAY_BITS
    counties = np.zeros(len(key), dtype=np.int64)

    # a city's value for a day is its own, else (aggregate: sum) the sum of its counties
    ind, reg = group // n_regions, group % n_regions
    sub = additive[ind] & (parent[reg] >= 0) if len(group) else np.zeros(0, dtype=bool)
    if sub.any():
        pkey = ((ind[sub] * n_regions + parent[reg[sub]]) << DAY_BITS) | (day[sub] + DAY_OFFSET)
        o = np.argsort(pkey, kind="stable")
        pkey, pval, prank = pkey[o], value[sub][o], rank[sub][o]
        s = np.flatnonzero(np.r_[True, pkey[1:] != pkey[:-1]])
        sum_key = pkey[s]
        sum_value = np.add.reduceat(pval, s)
        sum_rank = np.maximum.reduceat(prank, s)
        sum_count = np.diff(np.r_[s, len(pkey)])
        new = ~np.isin(sum_key, key, assume_unique=True)
        key = np.concatenate([key, sum_key[new]])
        value = np.concatenate([value, sum_value[new]])
        rank = np.concatenate([rank, sum_rank[new]])
        counties = np.concatenate([counties, sum_count[new]])
        o = np.argsort(key, kind="stable")
        key, value, rank, counties = key[o], value[o], rank[o], counties[o]
        group = key >> DAY_BITS
        day = (key & ((1 << DAY_BITS) - 1)) - DAY_OFFSET
    return Prepared(regions, parent, group, day, value, rank, counties, key)
