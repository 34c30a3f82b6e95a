"""Export frames: observations as a sheet the import reads back unchanged, and the
spreadsheet-formula guard every download passes through."""

from __future__ import annotations

import io

import pandas as pd

from metrics.catalog import Catalog
from metrics.importer import EXPORT_HEADERS
from metrics.periods import period_from_end

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def period_labels(kinds: pd.Series, ends: pd.Series) -> pd.Series:
    """Canonical labels ("2024Q3") for stored (kind, end) pairs, each distinct pair once."""
    pairs = pd.DataFrame({"k": kinds.values, "e": pd.to_datetime(ends).values})
    unique = pairs.drop_duplicates()
    labels = {
        (k, e): period_from_end(k, pd.Timestamp(e).date()).label
        for k, e in unique.itertuples(index=False)
    }
    return pd.Series([labels[(k, e)] for k, e in pairs.itertuples(index=False)], index=kinds.index)


def observations_sheet(table: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Stored observations in the import layout (Chinese headers, values in the unit)."""
    names = {i.id: i.name for i in catalog.indicators.values()}
    units = {i.id: i.unit for i in catalog.indicators.values()}
    regions = {c: r.name for c, r in catalog.regions.items()}
    sheet = pd.DataFrame(
        {
            "indicator_id": table.indicator_id,
            "indicator": table.indicator_id.map(names).fillna(""),
            "region": table.region_code,
            "region_name": table.region_code.map(regions).fillna(""),
            "period": period_labels(table.period_kind, table.period_end),
            "value": table.value,
            "unit": table.indicator_id.map(units).fillna(""),
            "note": table.note.fillna(""),
            "source": table.source.fillna(""),
        }
    )
    return sheet.rename(columns=EXPORT_HEADERS)


def template_sheet(catalog: Catalog) -> pd.DataFrame:
    """One empty row per indicator at its plan's region: the sheet analysts fill in."""
    rows = [
        {
            "indicator_id": i.id,
            "indicator": i.name,
            "region": catalog.region_of(i),
            "region_name": catalog.regions[catalog.region_of(i)].name,
            "period": "",
            "value": "",
            "unit": i.unit,
            "note": "",
            "source": "",
        }
        for i in catalog.indicators.values()
    ]
    return pd.DataFrame(rows, columns=list(EXPORT_HEADERS)).rename(columns=EXPORT_HEADERS)


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that Excel would run as a formula get a leading apostrophe. Numbers stay
    numbers (a negative number is not a formula)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col]
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
            if risky.any():
                out[col] = text.where(~risky, "'" + text[risky].astype(str))
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM: what Chinese Excel/WPS opens without garbling."""
    return neutralise(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise(frame).to_excel(writer, index=False, sheet_name=sheet)
    return buffer.getvalue()
