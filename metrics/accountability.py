"""Accountability for lagging targets: who is behind, why, what they promised, and who did
not report. Pure pandas over `evaluate`'s status frame, so the briefing document, the
warning notices and the dashboard page all count from the same rows the overview shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from metrics.catalog import Catalog
from metrics.periods import Period, period_from_end
from metrics.progress import STATUS_ORDER, rollup

#: Statuses that ask the responsible unit for a cause and a remedy.
LAGGING: tuple[str, ...] = ("at_risk", "off_track", "missed", "no_data")
#: Statuses that count as "on track or achieved" in the league table.
GOOD: tuple[str, ...] = ("achieved", "on_track")

REMEDY_COLUMNS = [
    "id",
    "indicator",
    "region",
    "unit",
    "status",
    "as_of",
    "cause",
    "remedy",
    "recover_by",
    "recorded_by",
    "recorded_at",
]


@dataclass
class BriefingFacts:
    """Everything a briefing or a warning notice is built from, read once."""

    period: Period
    previous: Period
    status: pd.DataFrame  # evaluate as of the period's end (what the dashboard shows then)
    previous_status: pd.DataFrame  # evaluate as of the previous period's end
    remedies: pd.DataFrame  # the current statement per target
    history: pd.DataFrame  # every statement
    reporting: pd.DataFrame  # missing / late reports of the period, per target and unit
    observations: pd.DataFrame  # the engine's input, for the trajectory charts
    today: date


def previous_period(period: Period) -> Period:
    """The period of the same kind just before (2026Q3 → 2026Q2, 2026 → 2025)."""
    return period_from_end(period.kind, period.start - timedelta(days=1))


def city_of(catalog: Catalog, region: str) -> str:
    """The prefecture-level region of a region (a county's parent; a city is its own)."""
    info = catalog.regions.get(region)
    while info is not None and info.parent is not None:
        region, info = info.parent, catalog.regions.get(info.parent)
    return region


def home_rows(status: pd.DataFrame, catalog: Catalog, city: str | None = None) -> pd.DataFrame:
    """The targets the overview counts: each catalog indicator at its own region, optionally
    only those of one city (its counties' indicators included)."""
    rows = status[status["home"].astype(bool) & status["indicator"].isin(list(catalog.indicators))]
    if city is not None:
        cities = rows["region"].map(lambda r: city_of(catalog, r))
        rows = rows[cities == city]
    return rows.reset_index(drop=True)


def status_counts(rows: pd.DataFrame) -> dict[str, int]:
    """Targets per status, every status present (0 where none), in STATUS_ORDER."""
    counts = rows["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUS_ORDER}


def unit_key(city: str, unit: str) -> str:
    """A responsible unit of one city ("371700:市大数据局", the accounts' binding notation):
    the bureaus of the same name in two cities are two units."""
    return f"{city}:{unit}"


def unit_names(catalog: Catalog, keys: Iterable[str], lang: str = "zh") -> list[str]:
    """Unit keys as people read them: the bare name when all are of one city, else the
    city's name first (菏泽市·市大数据局)."""
    pairs = [key.split(":", 1) for key in keys]
    several = len({city for city, _ in pairs}) > 1
    return [f"{catalog.region_name(c, lang)}·{u}" if several else u for c, u in pairs]


def unit_matrix(rows: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Responsible unit (of each city, see unit_key) × status counts; a target with two
    units counts for each."""
    cities = rows["region"].map(lambda r: city_of(catalog, r))
    parts = []
    for city, part in rows.groupby(cities, sort=True):
        table = rollup(part, catalog, by="responsible")
        parts.append(
            table.assign(responsible=[unit_key(str(city), u) for u in table["responsible"]])
        )
    table = pd.concat(parts, ignore_index=True) if parts else rollup(rows, catalog, "responsible")
    return table.rename(columns={"responsible": "unit"})


def league_table(now: pd.DataFrame, previous: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Units ranked by the share of their targets on track or achieved, the previous
    period's share and rank beside it. Ties share a rank; then more targets first."""

    def shares(rows: pd.DataFrame) -> pd.DataFrame:
        m = unit_matrix(rows, catalog)
        if m.empty:
            return pd.DataFrame(columns=["unit", "total", "good", "share", "rank"])
        good = m[list(GOOD)].sum(axis=1)
        out = pd.DataFrame(
            {"unit": m["unit"], "total": m["total"], "good": good, "share": good / m["total"]}
        )
        out["rank"] = out["share"].rank(method="min", ascending=False).astype(int)
        return out

    cur, prev = shares(now), shares(previous)
    prev = prev.rename(columns={"total": "prev_total", "good": "prev_good"})
    prev = prev.rename(columns={"share": "prev_share", "rank": "prev_rank"})
    table = cur.merge(prev, on="unit", how="left")
    table["change"] = table["share"] - table["prev_share"]
    table = table.sort_values(["rank", "total", "unit"], ascending=[True, False, True])
    table["prev_rank"] = table["prev_rank"].astype("Int64")
    return table.reset_index(drop=True)


def current_remedies(history: pd.DataFrame) -> pd.DataFrame:
    """The latest statement per target (indicator, region) from the full history."""
    if history.empty:
        return history.reindex(columns=REMEDY_COLUMNS)
    latest = history.sort_values("id").drop_duplicates(["indicator", "region"], keep="last")
    return latest.reset_index(drop=True)


def overdue(recover_by: pd.Series, status: pd.Series, as_of: date) -> pd.Series:
    """A promise broken: the promised recovery date has passed and the target still lags."""
    promised = pd.to_datetime(recover_by)
    return (promised < pd.Timestamp(as_of)).fillna(False) & status.isin(LAGGING)


def lagging_table(
    rows: pd.DataFrame, remedies: pd.DataFrame, catalog: Catalog, as_of: date
) -> pd.DataFrame:
    """Every lagging target with its responsible units and the latest cause and remedy
    (empty where none was recorded), whether the promised date has passed, sorted by
    city, then status (worst first), then indicator."""
    lag = rows[rows["status"].isin(LAGGING)].copy()
    lag["responsible"] = lag["indicator"].map(lambda i: list(catalog.indicators[i].responsible))
    lag["city"] = lag["region"].map(lambda r: city_of(catalog, r))
    lag["unit_keys"] = [
        [unit_key(c, u) for u in units]
        for c, units in zip(lag["city"], lag["responsible"], strict=True)
    ]
    rem = remedies.reindex(columns=REMEDY_COLUMNS)[
        ["indicator", "region", "unit", "cause", "remedy", "recover_by", "recorded_by"]
    ]
    rem = rem.rename(columns={"unit": "answered_by"})
    lag = lag.merge(rem, on=["indicator", "region"], how="left")
    for column in ("cause", "remedy", "answered_by", "recorded_by"):
        lag[column] = lag[column].fillna("").astype(str)
    lag["recover_by"] = pd.to_datetime(lag["recover_by"])
    lag["overdue"] = overdue(lag["recover_by"], lag["status"], as_of)
    severity = {s: i for i, s in enumerate(("missed", "off_track", "at_risk", "no_data"))}
    lag["_sev"] = lag["status"].map(severity)
    lag = lag.sort_values(["city", "_sev", "indicator"]).drop(columns="_sev")
    return lag.reset_index(drop=True)


def reporting_gaps(assessed: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The reports of one period that did not come (missing: past the due day, nothing
    stored) or came late, one row per (target, responsible unit): indicator, region, unit,
    state, due, reported_on (unit: a unit_key).

    `assessed` is the reporting cycle's verdict (metrics.schedule.assess, read by
    db.cycle.completeness): which report each target owed, by which day, and when it came."""
    cols = ["indicator", "region", "unit", "state", "due", "reported_on"]
    gaps = assessed[assessed["state"].isin(["missing", "late"])]
    if gaps.empty:
        return pd.DataFrame(columns=cols)
    keys = [
        [unit_key(city_of(catalog, r), u) for u in units]
        for r, units in zip(gaps["region"], gaps["responsible"], strict=True)
    ]
    gaps = gaps.assign(unit=keys).explode("unit")
    gaps = gaps.assign(
        due=pd.to_datetime(gaps["due"]), reported_on=pd.to_datetime(gaps["reported_on"])
    )
    return gaps[cols].sort_values(["state", "unit", "indicator"]).reset_index(drop=True)


def worst_lagging(lagging: pd.DataFrame, n: int = 4) -> pd.DataFrame:
    """The lagging targets furthest behind their planned path (lowest ratio of actual to
    expected progress), those with data only; the briefing charts their trajectories."""
    with_data = lagging[lagging["latest_value"].notna() & lagging["ratio"].notna()]
    return with_data.sort_values(["ratio", "indicator"]).drop_duplicates("indicator").head(n)
