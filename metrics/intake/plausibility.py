"""Plausibility rules (in the spirit of DHIS2's validation rules and outlier checks):
values that parse and fit their unit but are probably wrong. Each is a warning listed
per row, which the analyst confirms (a checkbox in the page, --accept-warnings in the
CLI) before anything is written. Declared once here, for entry and import alike.

Rules:
- fractions: a % indicator whose values in the file all lie within 0–1 (0.553 for 55.3%);
- magnitude: a value ≥ 1000× the indicator's target or its previous value (65000 typed
  into a 万个 indicator: did you mean 6.5万?);
- falling: a cumulative count below its previous period's value;
- jump: more than JUMP× its previous period's value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.catalog import Catalog
from metrics.i18n import both
from metrics.values import format_value

MAGNITUDE = 1000.0
JUMP = 10.0
COLUMNS = ["row", "column", "value", "message"]


def _targets(catalog: Catalog) -> dict[str, float]:
    out = {}
    for ind in catalog.indicators.values():
        values = [s.value if s.value is not None else s.high for s in ind.targets]
        values = [v for v in values if v is not None and v > 0]
        if values and ind.kind == "quantity":
            out[ind.id] = max(values)
    return out


def check(
    rows: pd.DataFrame, catalog: Catalog, previous: pd.DataFrame | None = None, column: str = "数值"
) -> pd.DataFrame:
    """Warnings for checked rows (row, indicator_id, region_code, period_end, value);
    `previous` holds stored values (indicator_id, region_code, period_end, value)."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    units = rows.indicator_id.map({i.id: i.unit for i in catalog.indicators.values()})
    found: list[pd.DataFrame] = []

    def warn(mask: pd.Series, message) -> None:  # type: ignore[no-untyped-def]
        """message(*per-row values): the warning's text, made only for the masked rows (a
        million-row file with no warning formats nothing)."""
        if mask.any():
            found.append(
                pd.DataFrame(
                    {
                        "row": rows.row[mask],
                        "column": column,
                        "value": rows.value[mask].map(lambda v: f"{v:g}"),
                        "message": message(mask),
                    }
                )
            )

    # fractions
    percent = units == "%"
    if percent.any():
        stats = rows[percent].groupby("indicator_id").value.agg(["max"])
        suspects = stats.index[(stats["max"] <= 1) & (stats["max"] > 0)]
        mask = percent & rows.indicator_id.isin(suspects)
        warn(
            mask,
            lambda m: rows.value[m].map(
                lambda v: both("plaus.fraction", value=f"{v:g}", percent=f"{v * 100:g}")
            ),
        )
    # magnitude against the target
    target = rows.indicator_id.map(_targets(catalog))
    big = ~percent & target.notna() & (rows.value >= MAGNITUDE * target)
    warn(
        big,
        lambda m: pd.Series(
            [
                both(
                    "plaus.magnitude",
                    value=f"{v:g}",
                    target=format_value(t, u),
                    guess=format_value(v / 10_000, u),
                )
                for v, t, u in zip(
                    rows.value[m], target.fillna(0)[m], units.fillna("")[m], strict=True
                )
            ],
            index=rows.index[m],
        ),
    )
    # against the previous period (stored or in the file)
    keys = ["indicator_id", "region_code"]
    mine = rows[keys + ["period_end", "value"]].assign(_row=rows.index)
    if previous is not None and len(previous):
        prev = previous[keys + ["period_end", "value"]].assign(_row=-1)
        allv = pd.concat([prev, mine], ignore_index=True)
    else:
        allv = mine.reset_index(drop=True)
    allv = allv.sort_values(keys + ["period_end", "_row"], kind="stable")
    allv = allv.drop_duplicates(keys + ["period_end"], keep="last")
    allv["prev"] = allv.groupby(keys).value.shift()
    allv = allv[allv._row >= 0].set_index("_row")
    last = allv.prev.reindex(rows.index)
    cumulative = (
        rows.indicator_id.map({i.id: i.cumulative for i in catalog.indicators.values()})
        .fillna(False)
        .astype(bool)
    )
    falling = cumulative & last.notna() & (rows.value < last) & ~big
    warn(
        falling,
        lambda m: pd.Series(
            [
                both("plaus.falling", value=f"{v:g}", last=f"{p:g}")
                for v, p in zip(rows.value[m], last.fillna(0)[m], strict=True)
            ],
            index=rows.index[m],
        ),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = ~big & last.notna() & (last > 0) & (rows.value > JUMP * last)
    warn(
        jump,
        lambda m: pd.Series(
            [
                both("plaus.jump", value=f"{v:g}", last=f"{p:g}", times=f"{JUMP:g}")
                for v, p in zip(rows.value[m], last.fillna(0)[m], strict=True)
            ],
            index=rows.index[m],
        ),
    )
    if not found:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(found, ignore_index=True).sort_values("row", kind="stable")
