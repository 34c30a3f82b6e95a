"""Synthetic demo observations, so a newcomer sees every status on a fresh database.

Every row is labelled as synthetic in its source and note. Each indicator gets a
"pace" (how fast it moves compared with its plan), chosen from its id, so the
same catalog always gives the same demo.
"""

from __future__ import annotations

import math
import unicodedata
import zlib
from datetime import date

import pandas as pd

from metrics.catalog import Catalog, Indicator
from metrics.importer import EXPORT_HEADERS

DEMO_SOURCE = "演示数据（合成）/ synthetic demo data"
DEMO_NOTE = "演示 / demo"

#: Units of whole things: the demo never reports 14.36个 (issue 17).
COUNT_UNITS = frozenset({"个", "家", "项"})

# Ahead of plan, on plan, a little behind, far behind, stalled, not reported yet.
PACES = (1.15, 1.0, 0.8, 0.45, 0.2, None)


def _quarter_ends(start: date, end: date) -> list[date]:
    out = []
    for year in range(start.year, end.year + 1):
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            q = date(year, month, day)
            if start < q <= end:
                out.append(q)
    return out


def _start_value(ind: Indicator) -> float:
    """Where the demo series begins: the baseline, else a plausible share of the target."""
    if ind.kind == "milestone":
        return 0.0
    if ind.baseline:
        return ind.baseline.value
    final = ind.targets[-1]
    goal = final.goal
    if final.op == "<=":
        return goal * 1.6
    return goal * 0.3


def strip_demo_labels(note: object, source: object) -> tuple[str, str]:
    """The note and source a new entry keeps from the stored value it replaces: as
    stored (empty for none), except the synthetic-data labels, which must never carry
    over to a real value."""

    def kept(value: object, demo_label: str) -> str:
        text = "" if value is None or pd.isna(value) else str(value)  # type: ignore[arg-type]
        return "" if _same(text, demo_label) else text

    return kept(note, DEMO_NOTE), kept(source, DEMO_SOURCE)


def has_demo_rows(sources: pd.Series) -> bool:
    """Whether stored observations include the synthetic demo rows (their source label),
    so the pages can show a banner until they are replaced or removed."""
    return bool(sources.dropna().astype(str).map(lambda s: _same(s, DEMO_SOURCE)).any())


def _same(text: str, label: str) -> bool:
    """A label as stored: imports may fold full-width brackets （） to ()."""
    return unicodedata.normalize("NFKC", text) == unicodedata.normalize("NFKC", label)


def _pace(ind: Indicator) -> float | None:
    return PACES[zlib.crc32(ind.id.encode()) % len(PACES)]


def _split(value: float, n: int, whole: bool) -> list[float]:
    """A city's value shared by its n counties with weights 1..n (they add up to it).

    Whole counts stay whole and are shared by the highest-averages (D'Hondt) rule, which
    never gives a county less when the city's count grows: a cumulative county series
    stays cumulative (a largest-remainder split can fall back by one)."""
    if n == 0:
        return []
    total = n * (n + 1) / 2
    weights = [(i + 1) / total for i in range(n)]
    if not whole:
        return [round(value * w, 4) for w in weights]
    seats = [math.floor(value * w) for w in weights]  # D'Hondt keeps at least these
    for _ in range(int(value) - sum(seats)):
        best = max(range(n), key=lambda i: (weights[i] / (seats[i] + 1), -i))
        seats[best] += 1
    return [float(x) for x in seats]


def demo_frame(catalog: Catalog, as_of: date) -> pd.DataFrame:
    """Quarterly observations up to as_of for every indicator (and the counties of those
    that add up), in the import layout with Chinese headers."""
    plan_end: dict[str, date] = {}
    for ind in catalog.indicators.values():
        last = date(ind.targets[-1].by.year, 12, 31)
        plan_end[ind.plan] = max(plan_end.get(ind.plan, last), last)
    rows = []
    for ind in catalog.indicators.values():
        plan = catalog.plans[ind.plan]
        start = ind.baseline.date if ind.baseline else plan.issued
        final = ind.targets[-1]
        goal = final.goal
        deadline = final.by
        begin = _start_value(ind)
        pace = _pace(ind)
        if pace is None:
            continue
        span = max((deadline - start).days, 1)
        region = catalog.region_of(ind)
        counties = catalog.children_of(region) if ind.aggregate == "sum" else []
        for q in _quarter_ends(start, min(as_of, plan_end[ind.plan])):
            if ind.recurring == "yearly":
                value = pace * goal * (q.month / 12)
            else:
                share = min((q - start).days / span, 1.0)
                value = begin + pace * share * (goal - begin)
            if ind.unit == "%":
                value = min(max(value, 0.0), 100.0)
            whole = ind.unit in COUNT_UNITS
            value = max(float(round(value)) if whole else round(value, 2), 0.0)
            label = f"{q.year}Q{(q.month - 1) // 3 + 1}"
            rows.append((ind.id, ind.name, region, label, value, ind.unit))
            for county, part in zip(counties, _split(value, len(counties), whole), strict=True):
                rows.append((ind.id, ind.name, county, label, part, ind.unit))
    frame = pd.DataFrame(
        rows, columns=["indicator_id", "indicator", "region", "period", "value", "unit"]
    )
    frame["region_name"] = frame.region.map({c: r.name for c, r in catalog.regions.items()})
    frame["note"] = DEMO_NOTE
    frame["source"] = DEMO_SOURCE
    return frame[list(EXPORT_HEADERS)].rename(columns=EXPORT_HEADERS)
