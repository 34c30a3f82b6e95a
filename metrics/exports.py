"""Export frames: observations as a sheet the import reads back unchanged, and the
spreadsheet-formula guard every download passes through."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Collection
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from metrics.catalog import Catalog
from metrics.importer import EXPORT_HEADERS
from metrics.periods import period_from_end

LISTS_SHEET = "lists"  # hidden: the drop-down values of a template
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


def _period_labels(table: pd.DataFrame) -> pd.Series:
    """The period as the import reads it back: a year-to-date month as 2024年1-9月, so an
    export re-imports with its flag unchanged."""
    labels = period_labels(table.period_kind, table.period_end)
    if "year_to_date" not in table:
        return labels
    ytd = table.year_to_date.fillna(False).astype(bool) & (table.period_kind == "month")
    if ytd.any():
        ends = pd.to_datetime(table.period_end[ytd])
        labels = labels.copy()
        labels[ytd] = ends.dt.year.astype(str) + "年1-" + ends.dt.month.astype(str) + "月"
    return labels


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
            "period": _period_labels(table),
            "value": table.value,
            "unit": table.indicator_id.map(units).fillna(""),
            "note": table.note.fillna(""),
            "source": table.source.fillna(""),
        }
    )
    return sheet.rename(columns=EXPORT_HEADERS)


def template_sheet(catalog: Catalog, indicator_ids: Collection[str] | None = None) -> pd.DataFrame:
    """One empty row per indicator at its plan's region: the sheet analysts fill in (only
    `indicator_ids` when given: an analyst's template lists their own unit's work)."""
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
        if indicator_ids is None or i.id in indicator_ids
    ]
    sheet = pd.DataFrame(rows, columns=list(EXPORT_HEADERS)).rename(columns=EXPORT_HEADERS)
    sheet.attrs["choices"] = {
        EXPORT_HEADERS["indicator_id"]: [
            i for i in catalog.indicators if indicator_ids is None or i in indicator_ids
        ],
        EXPORT_HEADERS["region"]: list(catalog.regions),
    }
    return sheet


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


def _width(value: object) -> int:
    """Display width of a cell in Excel's character units: a CJK character takes two."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data", note: str | None = None) -> bytes:
    """A sheet people can read at once: columns as wide as their text (at most 60), the
    header frozen, and an optional first line above it (e.g. "截至 2026-12-01"). A frame
    from template_sheet carries its drop-down lists (frame.attrs["choices"]), written as
    data validation over a hidden sheet, so a typed code must be one of the catalog's."""
    out = neutralise(frame)
    top = 1 if note else 0
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name=sheet, startrow=top)
        ws = writer.sheets[sheet]
        if note:
            ws.cell(row=1, column=1, value=note)
        ws.freeze_panes = ws.cell(row=top + 2, column=1)
        for i, column in enumerate(out.columns, start=1):
            longest = max([_width(column), *(_width(v) for v in out[column].head(2000))])
            ws.column_dimensions[get_column_letter(i)].width = min(longest + 2, 60)
        choices: dict[str, list[str]] = frame.attrs.get("choices", {})
        if choices:
            _drop_downs(writer.book, ws, list(out.columns), choices, top, len(out))
    return buffer.getvalue()


def _drop_downs(
    book: Any, ws: Any, columns: list[str], choices: dict[str, list[str]], top: int, rows: int
) -> None:
    """List validation for the named columns, the allowed values on a hidden sheet (a
    list typed into the rule itself is limited to 255 characters)."""
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    last = top + 1 + max(rows, 1000)  # room for rows the analyst adds
    for n, (column, values) in enumerate(choices.items(), start=1):
        if column not in columns or not values:
            continue
        letter = get_column_letter(n)
        for r, value in enumerate(values, start=1):
            lists.cell(row=r, column=n, value=value)
        rule = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(values)}",
            allow_blank=True,
            showErrorMessage=True,
        )
        target = get_column_letter(columns.index(column) + 1)
        rule.add(f"{target}{top + 2}:{target}{last}")
        ws.add_data_validation(rule)
