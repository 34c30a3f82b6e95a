"""What every part of the progress engine shares: the status vocabulary, the output
columns, and the day-number and tolerance arithmetic.

Dates inside the engine are day numbers (days since 1970-01-01, int64), so a whole
column of deadlines is compared, subtracted and searched without a Python loop.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

STATUS_ORDER: tuple[str, ...] = (
    "achieved",
    "on_track",
    "at_risk",
    "off_track",
    "missed",
    "no_data",
)

#: One colour per status, for every chart: the dashboard's (plotly) and the briefing's
#: (matplotlib), and the overview's status badges.
STATUS_COLORS: dict[str, str] = {
    "achieved": "#1b7837",
    "on_track": "#5aae61",
    "at_risk": "#f1a340",
    "off_track": "#e66101",
    "missed": "#b2182b",
    "no_data": "#b0b0b0",
}

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

#: The observations' columns: the stored vocabulary (db.queries returns it, the import
#: and export sheets use it). `indicator` / `region` are accepted for the first two.
OBSERVATION_COLUMNS = ("indicator_id", "region_code", "period_kind", "period_end", "value")

#: Relative tolerance of an "==" target ("10个左右"): met within ±5 % of the value.
#: A catalog may override it with `settings.eq_tolerance`.
EQ_TOLERANCE = 0.05

#: Stage operators; a stage's op is stored as its position here.
OPS: tuple[str, ...] = (">=", "<=", "==", "between")
GE, LE, EQ, BETWEEN = range(4)

#: Far-future padding deadline for the unused stage columns of an indicator.
FAR = 1 << 40
#: Relative float noise allowed in every comparison.
EPS = 1e-9
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def as_date(value: date | datetime | str | None) -> date:
    """The as-of date from what callers pass (None means today)."""
    if value is None:
        return date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def day_number(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def to_datetimes(days: np.ndarray, ok: np.ndarray | None = None) -> np.ndarray:
    """Day numbers to datetime64[ns], NaT where not ok."""
    out = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    if ok is not None:
        out = np.where(ok, out, np.datetime64("NaT", "ns"))
    return out


def year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def year_end(years: np.ndarray) -> np.ndarray:
    """Day number of 31 December of each year."""
    nxt = (np.asarray(years, dtype=np.int64) - 1969).astype("datetime64[Y]")
    return nxt.astype("datetime64[D]").astype(np.int64) - 1


def tolerance(v: np.ndarray) -> np.ndarray:
    """The float noise allowed around each value (relative, at least EPS absolute)."""
    v = np.asarray(v, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(v), EPS * np.maximum(1.0, np.abs(v)), 0.0)


def meets(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """x within [lo, hi], allowing float noise; False where x is NaN."""
    with np.errstate(invalid="ignore"):
        return (x >= lo - tolerance(lo)) & (x <= hi + tolerance(hi))


def take(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Row r's element a[r, k[r]] for a rows x K array."""
    return np.take_along_axis(a, k[:, None], axis=1)[:, 0]
