"""From a detected layout to the long table: one row per (indicator, region, period,
value), each carrying its true spreadsheet row and the header its value came from.

Wide sheets (one column per quarter, per county or per indicator) are melted column by
column, vectorised; the sheet's own period or region (from its title or name) fills in
what its cells do not say.
"""

from __future__ import annotations

import pandas as pd

from metrics.intake.layout import SheetLayout

LONG = [
    "row",
    "sheet",
    "indicator_id",
    "indicator",
    "region",
    "region_code",
    "period",
    "value",
    "unit",
    "note",
    "source",
    "value_header",
    "ytd",
]


def long_table(frame: pd.DataFrame, layout: SheetLayout) -> pd.DataFrame:
    """The long rows of one sheet (frame index = spreadsheet row)."""
    rows = layout.data_rows
    if rows and rows == list(range(rows[0], rows[0] + len(rows))):  # one block: a slice
        data = frame.loc[rows[0] : rows[-1]]
    else:
        data = frame.loc[rows]
    n = len(data)

    def column(role: str) -> pd.Series | None:
        col = layout.role_of(role)
        return None if col is None else data[col.index]

    blank = pd.Series([""] * n, index=data.index, dtype=object)
    base = {
        "indicator_id": column("indicator_id"),
        "indicator": column("indicator"),
        "region": column("region"),
        "region_code": column("region_code"),
        "period": column("period"),
        "unit": column("unit"),
        "note": column("note"),
        "source": column("source"),
    }
    if layout.shape == "long":
        value_col = layout.role_of("value")
        sources = [(value_col, data[value_col.index])] if value_col is not None else []
    else:
        sources = [(c, data[c.index]) for c in layout.columns if c.role == "wide"]
    pieces = []
    for col, values in sources:
        piece = {k: (v if v is not None else blank) for k, v in base.items()}
        if col.period:
            piece["period"] = pd.Series(col.period, index=data.index, dtype=object)
        elif base["period"] is None:
            piece["period"] = pd.Series(layout.period, index=data.index, dtype=object)
        if col.region:
            piece["region_code"] = pd.Series(col.region, index=data.index, dtype=object)
            piece["region"] = blank
        elif base["region"] is None and base["region_code"] is None and layout.region:
            piece["region_code"] = pd.Series(layout.region, index=data.index, dtype=object)
        if col.indicator:
            piece["indicator_id"] = pd.Series(col.indicator, index=data.index, dtype=object)
            piece["indicator"] = blank
        if (col.unit or layout.unit) and base["unit"] is None:
            unit = col.unit or layout.unit
            piece["unit"] = pd.Series(unit, index=data.index, dtype=object)
        piece["value"] = values
        piece["row"] = pd.Series(data.index, index=data.index)
        piece["sheet"] = layout.sheet
        piece["value_header"] = col.header
        piece["ytd"] = col.ytd or (not col.period and base["period"] is None and layout.ytd)
        pieces.append(pd.DataFrame(piece, index=data.index))
    if not pieces:
        return pd.DataFrame(columns=LONG)
    out = (
        pieces[0].reset_index(drop=True)
        if len(pieces) == 1
        else pd.concat(pieces, ignore_index=True)
    )
    return out[LONG]
