"""合计/小计 rows checked against the rows they total.

A report's 合计 row is not stored (the city's figure of a summing indicator is the sum
of its counties), but it is the bureau's own check of its figures: a county typed wrong
shows as a 合计 that no longer adds up. So for an indicator that sums (`aggregate: sum`)
each 合计 is compared with the sum of the sheet's data rows of the same indicator and
period, each 小计 with the rows of its block (since the previous 合计/小计 or section
heading), and a 合计 column of a sheet with a column per region with its row's regions; a difference of more than half a unit of the last written place refuses the
row with both figures. A total of an
indicator that does not sum (a rate, a share) is skipped and listed as not checked.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from metrics.catalog import Catalog
from metrics.i18n import both
from metrics.intake.layout import Column, SheetLayout, _split_header
from metrics.intake.names import TOTAL_WORDS, normalise
from metrics.intake.reshape import long_table
from metrics.periods import parse_periods
from metrics.values import format_value, parse_values

#: What the preview says of a total row once checked.
EQUAL, MISMATCH, NOT_SUMMED, NOTHING = "total_equal", "total_mismatch", "total_unchecked", "total"
MIXED = "total_mixed"  # a 合计 over rows of several indicators: nothing to add up


def total_column(layout: SheetLayout) -> Column | None:
    """The 合计 column of a sheet with one column per region (read as no field)."""
    if layout.shape != "wide-region":
        return None
    return next(
        (
            c
            for c in layout.columns
            if c.role == "unknown" and _split_header(c.header)[0] in TOTAL_WORDS
        ),
        None,
    )


def total_rows(frame: pd.DataFrame, layout: SheetLayout) -> pd.DataFrame:
    """The long rows of a sheet's totals: its 合计/小计 rows, with their total word taken
    out of the name and region cells (a 合计 names no region; an indicator named only 合计
    stays unknown), and the cells of its 合计 column."""
    pieces = []
    if layout.total_rows:
        pieces.append(long_table(frame, replace(layout, data_rows=list(layout.total_rows))))
    column = total_column(layout)
    if column is not None and layout.data_rows:
        kept = [c for c in layout.columns if c.role != "wide"]
        rows = sorted([*layout.data_rows, *layout.total_rows])  # and the grand total
        only = replace(layout, columns=[*kept, replace(column, role="wide")], data_rows=rows)
        pieces.append(long_table(frame, only))
    if not pieces:
        return pd.DataFrame()
    long = pd.concat(pieces, ignore_index=True)
    named_total = pd.Series(False, index=long.index)
    for name in ("indicator", "indicator_id", "region", "region_code"):
        cells = long[name].fillna("").astype(str)
        said = cells.map(normalise).isin(TOTAL_WORDS)
        if name in ("indicator", "indicator_id"):
            named_total |= said
        long[name] = cells.where(~said, "")
    # A 合计 in the indicator cell totals the rows of the one indicator they all are (else
    # several indicators: nothing to add up, listed as not checked); a region written
    # beside it (曹县 | 合计) keeps the total to that region's rows.
    scope = long["region"].where(named_total, "").astype(str)
    scope = scope.where(scope != "", long["region_code"].where(named_total, "").astype(str))
    long["__scope__"] = scope
    long["region"], long["region_code"] = "", ""
    _one_indicator(frame, layout, long)
    long["__mixed__"] = (
        named_total
        & (long["indicator"].fillna("").astype(str) == "")
        & (long["indicator_id"].fillna("").astype(str) == "")
    )
    return long


def _one_indicator(frame: pd.DataFrame, layout: SheetLayout, long: pd.DataFrame) -> None:
    """Fill the indicator of total rows whose indicator cell said 合计/小计 (now blank)
    with the one indicator the rows they total hold, when there is one."""
    cols = [c for c in layout.columns if c.role in ("indicator", "indicator_id")]
    if not cols or not layout.data_rows:
        return
    blank = (long["indicator"].fillna("").astype(str) == "") & (
        long["indicator_id"].fillna("").astype(str) == ""
    )
    if not blank.any():
        return
    data = frame.loc[layout.data_rows]
    keys = data[cols[0].index].map(lambda c: normalise(c) if c is not None else "")
    for c in cols[1:]:
        keys = keys + "|" + data[c.index].map(lambda x: normalise(x) if x is not None else "")
    rows = np.asarray(layout.data_rows)
    subtotal = {k.row for k in layout.skipped if k.reason == "total" and "小计" in k.text}
    bounds = sorted(
        {k.row for k in layout.skipped if k.reason == "section"} | set(layout.total_rows)
    )
    for i in np.flatnonzero(blank.to_numpy()):
        row = int(long["row"].iloc[i])
        if row not in layout.total_rows:
            continue
        inside = _block(rows, row, bounds) if row in subtotal else np.ones(len(rows), bool)
        found = set(keys.to_numpy()[inside])
        if len(found) != 1:
            continue
        first = data.iloc[int(np.flatnonzero(inside)[0])]
        for c in cols:
            long.iat[i, long.columns.get_loc(c.role)] = first[c.index]


def _decimals(values: np.ndarray) -> int:
    """The most decimals any of the figures is written with (at most 6)."""
    most = 0
    for v in values:
        text = f"{abs(float(v)):.6f}".rstrip("0")
        most = max(most, len(text) - text.index(".") - 1)
    return most


def check_totals(
    totals: pd.DataFrame, data: pd.DataFrame, layouts: list[SheetLayout], catalog: Catalog
) -> pd.DataFrame:
    """Errors (row, column, value, message) of the totals that do not add up; marks each
    total row in its layout's skipped list with how it was checked. `totals` and `data`
    are long tables as read (metrics.intake.resolve's columns)."""
    errors: list[dict] = []
    if totals.empty:
        return pd.DataFrame(errors, columns=["row", "column", "value", "message"])
    outcome: dict[tuple[str, int], str] = {}
    summing = {i.id for i in catalog.indicators.values() if i.aggregate == "sum" and i.unit != "%"}
    several = len(layouts) > 1
    if "__mixed__" in totals:
        for sheet, row in totals.loc[totals["__mixed__"], ["__sheet__", "__row__"]].to_numpy():
            outcome[(sheet, int(row))] = MIXED
    for layout in layouts:
        mine = totals[(totals["__sheet__"] == layout.sheet) & totals["__error__"].isna()]
        mine = mine[mine["指标编码"].isin(summing)]
        if mine.empty:
            continue
        parts = data[
            (data["__sheet__"] == layout.sheet)
            & data["__error__"].isna()
            & data["指标编码"].isin(set(mine["指标编码"]))
        ]
        t_val, t_per = _parsed(mine, catalog), parse_periods(mine["统计期"])
        p_val, p_per = _parsed(parts, catalog), parse_periods(parts["统计期"])
        p_key = parts["指标编码"] + "|" + p_per["label"].fillna("")
        subtotal = {k.row for k in layout.skipped if k.reason == "total" and "小计" in k.text}
        bounds = sorted(
            {k.row for k in layout.skipped if k.reason == "section"} | set(layout.total_rows)
        )
        for i in range(len(mine)):
            row = int(mine["__row__"].iloc[i])
            total, label = t_val.iloc[i], t_per["label"].iloc[i]
            if np.isnan(total) or label is None:
                continue  # a no-data mark or an unreadable period: nothing to check
            same = (p_key == mine["指标编码"].iloc[i] + "|" + label).to_numpy() & ~np.isnan(
                p_val.to_numpy()
            )
            rows = parts["__row__"].to_numpy()
            scope = mine["__scope__"].iloc[i] if "__scope__" in mine else ""
            if scope:  # 曹县 | 合计: that region's rows only
                same &= (parts["地区编码"] == scope).to_numpy()
            if row not in layout.total_rows:  # a 合计 column: the regions of its own row
                same &= rows == row
            elif row in subtotal:
                same &= _block(rows, row, bounds)
            figures = p_val.to_numpy()[same]
            if figures.size == 0:
                outcome.setdefault((layout.sheet, row), NOTHING)
                continue
            added = float(figures.sum())
            places = _decimals(np.append(figures, total))
            # A total made by SUM is exact; half a unit of the last written place absorbs
            # the float noise of decimals, and nothing more: a county typed one unit wrong
            # is refused, and a total rounded elsewhere is to be written as the sum.
            slack = 0.5 * 10.0**-places + 1e-9 * max(1.0, abs(total))
            if abs(added - total) <= slack:
                outcome.setdefault((layout.sheet, row), EQUAL)
                continue
            outcome[(layout.sheet, row)] = MISMATCH
            header = str(mine["__value_header__"].iloc[i])
            indicator = catalog.indicators[mine["指标编码"].iloc[i]]
            errors.append(
                {
                    "row": row,
                    "column": f"{layout.sheet}!{header}" if several else header,
                    "value": _cell(mine["__raw__"].iloc[i]),
                    "message": both(
                        "intake.total_mismatch",
                        what="小计" if row in subtotal else "合计",
                        total=format_value(total, indicator.unit),
                        added=format_value(added, indicator.unit, decimals=places),
                        n=int(figures.size),
                        name=indicator.name,
                        period=label,
                    ),
                }
            )
    for layout in layouts:
        for k, skip in enumerate(layout.skipped):
            if skip.reason == "total":
                got = outcome.get((layout.sheet, skip.row), NOT_SUMMED)
                layout.skipped[k] = replace(skip, reason=got)
    return pd.DataFrame(errors, columns=["row", "column", "value", "message"])


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parsed(table: pd.DataFrame, catalog: Catalog) -> pd.Series:
    """Each row's value in its indicator's unit (NaN where it cannot be read)."""
    units = table["指标编码"].map({i.id: i.unit for i in catalog.indicators.values()})
    parsed = parse_values(
        table["数值"].reset_index(drop=True), units.fillna("").reset_index(drop=True)
    )
    return pd.Series(parsed["value"].to_numpy(), index=table.index)


def _block(rows: np.ndarray, subtotal: int, bounds: list[int]) -> np.ndarray:
    """The rows a 小计 totals: those since the previous boundary (合计/小计 row or section
    heading); when none stand there, the 小计 heads its block and totals the rows after it."""
    before = max((b for b in bounds if b < subtotal), default=-1)
    above = (rows > before) & (rows < subtotal)
    if above.any():
        return above
    after = min((b for b in bounds if b > subtotal), default=np.iinfo(np.int64).max)
    return (rows > subtotal) & (rows < after)
