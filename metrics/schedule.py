"""The reporting schedule: which (indicator, region, period) a unit owes, by which day.

Like a DHIS2 data set: each indicator is reported monthly, quarterly or yearly, and a
period's report is due N days (calendar or Chinese working days) after the period ends.
The rule is set per indicator in the catalog (`reporting:`), else per plan, else the
default (quarterly, 10 days). Pure Python + pandas: the database side (who reported
when, review states) is given to `assess` as a frame.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from metrics.periods import Period, period_from_end

if TYPE_CHECKING:
    from metrics.catalog import Catalog, Indicator

__all__ = [
    "FREQUENCY_KIND",
    "REPORT_STATES",
    "Reporting",
    "Rule",
    "add_working_days",
    "assess",
    "due_date",
    "is_working_day",
    "owed",
    "periods_ending",
    "reporting_flags",
    "rule_for",
    "summarise",
]

Frequency = Literal["monthly", "quarterly", "yearly"]
FREQUENCY_KIND: dict[str, str] = {"monthly": "month", "quarterly": "quarter", "yearly": "year"}
_MONTHS = {"month": 1, "quarter": 3, "year": 12}

#: The state of one owed report, as the completeness page and CLI show it.
#: not_due: the period has ended, the due day has not passed, nothing stored yet;
#: missing: past the due day and nothing stored (未报); on_time / late: stored on or
#: before / after the due day (迟报); returned: sent back by the reviewer, not yet corrected.
REPORT_STATES = ("on_time", "late", "returned", "not_due", "missing")


class Reporting(BaseModel):
    """A catalog `reporting:` block (on a plan or an indicator); every key optional, so an
    indicator can override only the frequency and keep its plan's due rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    frequency: Frequency | None = None
    due_days: int | None = Field(default=None, ge=0, le=366)
    working_days: bool | None = None
    # The first period owed ends on or after this day (default: the plan's issue date).
    start: dt.date | None = None


@dataclass(frozen=True)
class Rule:
    """The effective schedule of one indicator."""

    frequency: str = "quarterly"
    due_days: int = 10
    working_days: bool = False
    start: dt.date | None = None

    @property
    def kind(self) -> str:
        return FREQUENCY_KIND[self.frequency]


DEFAULT_RULE = Rule()


def rule_for(catalog: Catalog, indicator: Indicator) -> Rule:
    """The indicator's own keys over its plan's over the catalog default."""
    merged = {
        "frequency": DEFAULT_RULE.frequency,
        "due_days": DEFAULT_RULE.due_days,
        "working_days": DEFAULT_RULE.working_days,
        "start": catalog.plans[indicator.plan].issued,
    }
    for block in (catalog.plans[indicator.plan].reporting, indicator.reporting):
        if block is not None:
            merged.update({k: getattr(block, k) for k in block.model_fields_set})
    return Rule(**merged)


# --- working days ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def is_working_day(day: dt.date) -> bool:
    """A Chinese working day: the State Council's holidays and make-up working days
    (调休) from `chinese_calendar`; for a year it does not cover yet, Monday to Friday."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n = 0: `day` itself if a working day, else the
    next one)."""
    current = day
    if n == 0:
        while not is_working_day(current):
            current += dt.timedelta(days=1)
        return current
    counted = 0
    while counted < n:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def due_date(period: Period, rule: Rule) -> dt.date:
    """The last day a report for `period` counts as on time."""
    if rule.working_days:
        return add_working_days(period.end, rule.due_days)
    return period.end + dt.timedelta(days=rule.due_days)


# --- periods owed ---------------------------------------------------------------------------


def _end_of(kind: str, year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def periods_ending(kind: str, first: dt.date, last: dt.date) -> list[Period]:
    """Every period of `kind` whose last day lies in [first, last], oldest first."""
    step = _MONTHS[kind]
    year, month = first.year, ((first.month - 1) // step + 1) * step
    out: list[Period] = []
    while True:
        end = _end_of(kind, year, month)
        if end > last:
            return out
        if end >= first:
            out.append(period_from_end(kind, end))
        month += step
        if month > 12:
            year, month = year + 1, month - 12


OWED_COLUMNS = [
    "indicator",
    "region",
    "responsible",
    "period",
    "period_kind",
    "period_end",
    "due",
    "overdue",
]


def owed(catalog: Catalog, as_of: dt.date, indicator_ids: list[str] | None = None) -> pd.DataFrame:
    """Every report owed as of `as_of`: one row per (indicator, its region, ended period)
    from the rule's start to the period holding the indicator's last deadline, with its
    due day and whether that day has passed. Draft indicators owe nothing."""
    rows = []
    for ind in catalog.indicators.values():
        if ind.draft or (indicator_ids is not None and ind.id not in indicator_ids):
            continue
        rule = rule_for(catalog, ind)
        last_by = max(s.by for s in ind.targets)
        last_end = periods_ending(rule.kind, last_by, dt.date(last_by.year, 12, 31))[0].end
        start = rule.start or catalog.plans[ind.plan].issued
        region = catalog.region_of(ind)
        for period in periods_ending(rule.kind, start, min(last_end, as_of - dt.timedelta(1))):
            due = due_date(period, rule)
            rows.append(
                (
                    ind.id,
                    region,
                    tuple(ind.responsible),
                    period.label,
                    period.kind,
                    pd.Timestamp(period.end),
                    due,
                    due < as_of,
                )
            )
    frame = pd.DataFrame(rows, columns=OWED_COLUMNS)
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return frame


# --- completeness and timeliness ------------------------------------------------------------

REPORT_COLUMNS = ["indicator", "region", "period_kind", "period_end", "reported_on", "review"]


def assess(owed_frame: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Each owed report with its state (REPORT_STATES), the day it was first stored and its
    review state.

    `reports`: REPORT_COLUMNS, one row per stored observation (reported_on: the local day
    it was first stored; review: submitted | approved | returned)."""
    keys = ["indicator", "region", "period_kind", "period_end"]
    merged = owed_frame.merge(reports[REPORT_COLUMNS], on=keys, how="left")
    reported = merged.reported_on.notna()
    on_time = reported & (pd.to_datetime(merged.reported_on) <= pd.to_datetime(merged.due))
    state = pd.Series("missing", index=merged.index, dtype=object)
    state[~reported & ~merged.overdue] = "not_due"
    state[reported & on_time] = "on_time"
    state[reported & ~on_time] = "late"
    state[reported & (merged.review == "returned")] = "returned"
    merged["state"] = state
    merged["review"] = merged.review.where(reported, None)
    return merged


SUMMARY_COLUMNS = ["owed", "reported", "on_time", "late", "missing", "returned", "not_due"]


def summarise(assessed: pd.DataFrame, catalog: Catalog, by: str = "unit") -> pd.DataFrame:
    """Counts per responsible unit (`by="unit"`, an item counted once for each of its
    units) or per city (`by="city"`): owed (due day passed), reported, on time, late,
    missing, returned, not yet due; plus the share reported on time of those owed."""
    frame = assessed
    if by == "unit":
        frame = frame.assign(group=frame.responsible.map(list)).explode("group")
    else:
        frame = frame.assign(group=frame.region.map(lambda r: _city(catalog, r)))
    counts = pd.crosstab(frame.group, frame.state).reindex(
        columns=list(REPORT_STATES), fill_value=0
    )
    out = pd.DataFrame(index=counts.index)
    out["owed"] = frame[frame.overdue].groupby("group").size().reindex(counts.index, fill_value=0)
    out["reported"] = counts[["on_time", "late", "returned"]].sum(axis=1)
    for state in ("on_time", "late", "missing", "returned", "not_due"):
        out[state] = counts[state]
    owed_n = out["owed"].where(out["owed"] > 0)
    out["timely_share"] = (out["on_time"] / owed_n).round(3)
    out.index.name = by
    return out.reset_index().sort_values(["missing", by], ascending=[False, True], kind="stable")


def _city(catalog: Catalog, region: str) -> str:
    """The top-level region (the city) a region belongs to."""
    code = region
    while (info := catalog.regions.get(code)) is not None and info.parent is not None:
        code = info.parent
    return code


def reporting_flags(status: pd.DataFrame, assessed: pd.DataFrame) -> pd.Series:
    """Beside the engine's status (unchanged), per target: "overdue" when a report past its
    due day is missing (shown as 未报), "returned", "not_due" when nothing is owed yet, or
    "" when every owed report is in."""
    keys = list(zip(status.indicator, status.region, strict=True))
    worst: dict[tuple[str, str], str] = {}
    rank = {"missing": 3, "returned": 2, "not_due": 1}
    for ind, reg, state in zip(assessed.indicator, assessed.region, assessed.state, strict=True):
        if state in rank and rank[state] > rank.get(worst.get((ind, reg), ""), 0):
            worst[(ind, reg)] = state
    names = {"missing": "overdue", "returned": "returned", "not_due": "not_due"}
    return pd.Series([names.get(worst.get(k, ""), "") for k in keys], index=status.index)


# --- reminders (催报) -----------------------------------------------------------------------

REMINDER_KINDS = ("overdue", "returned", "due_soon")


def reminders(assessed: pd.DataFrame, as_of: dt.date, days_before: int) -> pd.DataFrame:
    """Per responsible unit, what to remind it of: reports overdue and not in, returned
    ones not yet corrected, and those due within `days_before` days and not yet in."""
    frame = assessed
    soon = (frame.state == "not_due") & frame.due.map(lambda d: (d - as_of).days <= days_before)
    picked = frame[frame.state.isin(["missing", "returned"]) | soon].copy()
    picked["kind"] = picked.state.map({"missing": "overdue", "returned": "returned"}).fillna(
        "due_soon"
    )
    picked = picked.assign(unit=picked.responsible.map(list)).explode("unit")
    order = {k: i for i, k in enumerate(REMINDER_KINDS)}
    picked["rank"] = picked.kind.map(order)
    return picked.sort_values(["unit", "rank", "period_end", "indicator"]).drop(columns="rank")


def notice_text(
    unit: str, rows: pd.DataFrame, catalog: Catalog, as_of: dt.date, lang: str = "zh"
) -> str:
    """A printable 催报 notice to one unit: one line per report, grouped by kind."""
    from metrics.i18n import t

    lines = [t("remind.heading", lang, unit=unit, date=as_of.isoformat()), ""]
    for kind in REMINDER_KINDS:
        part = rows[rows.kind == kind]
        if part.empty:
            continue
        lines.append(t(f"remind.kind.{kind}", lang, n=len(part)))
        for r in part.itertuples(index=False):
            ind = catalog.indicators[r.indicator]
            name = ind.name if lang == "zh" else (ind.name_en or ind.name)
            region = catalog.regions[r.region]
            lines.append(
                t(
                    "remind.line",
                    lang,
                    period=r.period,
                    name=name,
                    region=region.name if lang == "zh" else (region.name_en or region.name),
                    due=r.due.isoformat(),
                )
            )
        lines.append("")
    lines.append(t("remind.footer", lang))
    return "\n".join(lines)


# --- status history -------------------------------------------------------------------------

#: Better statuses rank higher; no_data has no rank (a move to or from it shows no arrow).
_STATUS_RANK = {"missed": 0, "off_track": 1, "at_risk": 2, "on_track": 3, "achieved": 4}


def previous_period_end(as_of: dt.date, kind: str = "quarter") -> dt.date:
    """The last day of the last period of `kind` that ended before `as_of`."""
    step = _MONTHS[kind]
    month = ((as_of.month - 1) // step) * step  # months before the current period starts
    year = as_of.year
    if month == 0:
        year, month = year - 1, 12
    return _end_of(kind, year, month)


def trend(now: pd.Series, before: pd.Series) -> pd.Series:
    """↑ better than at the previous period's end, ↓ worse, → the same, "" not comparable."""
    a, b = now.map(_STATUS_RANK), before.map(_STATUS_RANK)
    out = pd.Series("", index=now.index, dtype=object)
    both_known = a.notna() & b.notna()
    out[both_known & (a > b)] = "↑"
    out[both_known & (a < b)] = "↓"
    out[both_known & (a == b)] = "→"
    return out


def status_history(now: pd.DataFrame, before: pd.DataFrame, assessed: pd.DataFrame) -> pd.DataFrame:
    """Each target's status now beside its status at the previous period's end, the arrow,
    its reporting flag (overdue = 未报) and whether any report of it came in late — so a
    target that was late and caught up stays visible as such."""
    keys = ["indicator", "region"]
    prev = before[[*keys, "status"]].rename(columns={"status": "previous_status"})
    out = now[[*keys, "status"]].merge(prev, on=keys, how="left")
    out["trend"] = trend(out.status, out.previous_status.fillna("no_data"))
    out["reporting"] = reporting_flags(out, assessed).to_numpy()
    late = assessed[assessed.state == "late"][keys].drop_duplicates().assign(was_late=True)
    out = out.merge(late, on=keys, how="left")
    out["was_late"] = out.was_late.fillna(False).astype(bool)
    return out
