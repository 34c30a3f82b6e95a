"""Settling each long row's indicator, region and unit: ids and names, codes and names,
全市, shared names settled by region, units converted into the indicator's.

A sheet of 100,000 values names a few thousand (indicator, region, unit) combinations,
so every rule runs once per distinct combination of the name, code and unit cells, on
a small frame, and the outcome is copied back to the rows; only the values (and their
conversion) are handled row by row, vectorised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.catalog import Catalog
from metrics.i18n import both
from metrics.importer import _lookup
from metrics.intake.names import CITY, IndicatorNames, RegionNames, normalise, region_code_text
from metrics.intake.units import conversion
from metrics.values import parse_values

TABLE = [
    "指标编码",
    "地区编码",
    "统计期",
    "数值",
    "备注",
    "来源",
    "__row__",
    "__sheet__",
    "__error__",
    "__error_column__",
    "__error_value__",
    "__value_header__",
    "__ytd__",
]
#: The cells a row's indicator, region and unit are settled from.
KEYS = ["indicator_id", "indicator", "region_code", "region", "unit"]


def per_distinct(fn, *columns: pd.Series, where: np.ndarray | None = None) -> pd.Series:  # type: ignore[no-untyped-def]
    """fn(*texts) once per distinct combination of the columns' cells (as str), mapped
    back to every row; rows outside `where` (a bool mask) get None."""
    index = columns[0].index
    picked = np.arange(len(index)) if where is None else np.flatnonzero(where)
    out = np.full(len(index), None, dtype=object)
    if not picked.size:
        return pd.Series(out, index=index, dtype=object)
    parts = []
    for col in columns:
        codes, uniques = pd.factorize(col.to_numpy(dtype=object)[picked], use_na_sentinel=False)
        parts.append((codes, [str(u) for u in uniques]))
    inverse, first = _combine([c for c, _ in parts], [len(t) for _, t in parts])
    results = np.empty(first.size, dtype=object)
    for k, at in enumerate(first.tolist()):
        results[k] = fn(*(texts[codes[at]] for codes, texts in parts))
    out[picked] = results[inverse]
    return pd.Series(out, index=index, dtype=object)


def _combine(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(inverse, first): each row's distinct combination of the codes (0-based, in order
    of first appearance) and the first row of each combination."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    room = 1.0
    for c, size in zip(codes, sizes, strict=True):
        size = max(size, 1) + 1
        room *= size
        key = key * size + (c + 1)
    if room >= 2.0**62:  # too many combinations for one integer: factorize the tuples
        inverse, _ = pd.factorize(pd.MultiIndex.from_arrays(codes))
    else:
        inverse, _ = pd.factorize(key)
    _, first = np.unique(inverse, return_index=True)
    return inverse, first


def _text_col(values: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(values.fillna(""), use_na_sentinel=True)
    texts = np.array(
        [region_code_text(u) if isinstance(u, float) else str(u).strip() for u in uniques] + [""],
        dtype=object,
    )
    return pd.Series(texts[codes], index=values.index, dtype=object)


def _msg(key: str, **columns: pd.Series):  # type: ignore[no-untyped-def]
    """A function of a mask: the message of each masked row, made once per distinct
    combination of its placeholders (nothing is made when no row fails)."""

    def make(mask: np.ndarray) -> pd.Series:
        names = list(columns)
        return per_distinct(
            lambda *vals: both(key, **dict(zip(names, vals, strict=True))),
            *columns.values(),
            where=mask,
        )

    return make


def _settle(
    keys: pd.DataFrame, catalog: Catalog, names: IndicatorNames, regions: RegionNames
) -> pd.DataFrame:
    """The outcome of each distinct combination of KEYS: indicator, region, the first
    problem found (message, column, shown text; `per_row`: the problem is the unit, shown
    with the row's value and value header) and the unit conversion."""
    n = len(keys)
    index = keys.index
    error = pd.Series([None] * n, index=index, dtype=object)
    error_col = pd.Series([""] * n, index=index, dtype=object)
    error_value = pd.Series([""] * n, index=index, dtype=object)
    per_row = np.zeros(n, dtype=bool)
    failed = np.zeros(n, dtype=bool)

    def fail(mask, messages, column: str, raw: pd.Series | None = None) -> None:  # type: ignore[no-untyped-def]
        """messages: a text, a column, or a function of the mask giving the column; raw
        None: the row's own value is shown (and its value header named)."""
        mask = np.asarray(mask, dtype=bool) & ~failed
        if not mask.any():
            return
        failed[mask] = True
        if callable(messages):
            messages = messages(mask)
        error[mask] = messages[mask] if isinstance(messages, pd.Series) else messages
        if raw is None:
            per_row[mask] = True
        else:
            error_col[mask] = column
            error_value[mask] = raw[mask].map(lambda v: "" if v is None else str(v))

    # regions: code and name columns must agree
    code_txt, name_txt = _text_col(keys["region_code"]), _text_col(keys["region"])
    by_code = per_distinct(lambda c: regions.code(c) if c else "", code_txt)
    by_name = per_distinct(lambda c: regions.code(c) if c else "", name_txt)
    fail(by_code.isna(), _msg("row.unknown_region", raw=code_txt), "地区编码", code_txt)
    fail(by_name.isna(), _msg("row.unknown_region", raw=name_txt), "地区", name_txt)
    conflict = (
        by_code.notna() & by_name.notna() & (by_code != "") & (by_name != "") & (by_code != by_name)
    )
    fail(conflict, _msg("intake.region_conflict", code=code_txt, name=name_txt), "地区", name_txt)
    region = by_code.where(by_code.fillna("") != "", by_name).fillna("")

    # indicators: by id, else by name (normalised, aliases; settled by region)
    id_txt, ind_txt = _text_col(keys["indicator_id"]), _text_col(keys["indicator"])
    known_id = per_distinct(lambda c: names.ids.get(normalise(c), "") if c else "", id_txt)
    fail(
        (id_txt != "") & (known_id == ""),
        _msg("row.unknown_indicator", raw=id_txt),
        "指标编码",
        id_txt,
    )
    home_region = region.where(region != CITY, "")

    def by_name_fn(cell: str, reg: str) -> str:
        if not cell:
            return ""
        ids = names.candidates(cell)
        if not ids:
            return "?" + names.unknown_message(cell)
        got = names.settle(ids, reg or None)
        return got if got else "?" + both("row.ambiguous_indicator", raw=cell)

    use_name = (id_txt == "") & (ind_txt != "")
    named = per_distinct(by_name_fn, ind_txt, home_region, where=use_name.to_numpy()).fillna("")
    bad_name = use_name & named.str.startswith("?")
    fail(bad_name, named.str[1:], "指标名称", ind_txt)
    # a visible name edited over a hidden id is a conflict, not the id's indicator
    both_given = (known_id != "") & (ind_txt != "")
    mismatch = both_given & per_distinct(
        lambda cell, i: bool(names.candidates(cell)) and i not in names.candidates(cell),
        ind_txt,
        known_id,
        where=both_given.to_numpy(),
    ).fillna(False).astype(bool)
    fail(
        mismatch, _msg("intake.indicator_conflict", code=id_txt, name=ind_txt), "指标名称", ind_txt
    )
    ind = known_id.where(known_id != "", named.where(use_name & ~bad_name, ""))
    fail((id_txt == "") & (ind_txt == ""), both("row.empty_indicator"), "指标名称", ind_txt)

    # 全市 is the plan's own region
    plan_region = _lookup(ind, {i.id: catalog.region_of(i) for i in catalog.indicators.values()})
    region = region.where(region != CITY, plan_region.fillna(""))

    # units: a 单位 column or a header unit is converted into the indicator's unit
    ind_unit = _lookup(ind, {i.id: i.unit for i in catalog.indicators.values()}).fillna("")
    given = _text_col(keys["unit"])
    differs = ((given != "") & (ind_unit != "")).to_numpy()
    conv = [
        conversion(g, t) if d else (1, 1) for g, t, d in zip(given, ind_unit, differs, strict=True)
    ]
    unconvertible = differs & np.array([c is None for c in conv], dtype=bool)
    fail(unconvertible, _msg("intake.unit_unconvertible", given=given, unit=ind_unit), "")
    return pd.DataFrame(
        {
            "ind": ind,
            "region": region,
            "given": given,
            "error": error,
            "error_col": error_col,
            "error_value": error_value,
            "per_row": per_row,
            "num": [float(c[0]) if c else 1.0 for c in conv],
            "den": [float(c[1]) if c else 1.0 for c in conv],
            "scale": [
                bool(d and c is not None and c != (1, 1))
                for c, d in zip(conv, differs, strict=True)
            ],
        },
        index=index,
    )


def resolve(
    long: pd.DataFrame,
    catalog: Catalog,
    names: IndicatorNames,
    regions: RegionNames,
    no_data: np.ndarray | None = None,
) -> pd.DataFrame:
    """Indicator ids, region codes and values in the indicator's unit; a row that cannot
    be settled gets its message in __error__ (read by check_table). Rows marked no_data
    (—, 暂无 …) are not converted: their mark is not a value in the wrong unit."""
    codes = []
    sizes = []
    for name in KEYS:
        c, uniques = pd.factorize(long[name].fillna(""), use_na_sentinel=True)
        codes.append(c)
        sizes.append(len(uniques))
    if len(long):
        inverse, first = _combine(codes, sizes)
    else:
        inverse, first = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    settled = _settle(long[KEYS].iloc[first].reset_index(drop=True), catalog, names, regions)

    def spread(name: str) -> np.ndarray:
        return settled[name].to_numpy()[inverse]

    index = long.index
    error = pd.Series(spread("error"), index=index, dtype=object)
    error_col = pd.Series(spread("error_col"), index=index, dtype=object)
    error_value = pd.Series(spread("error_value"), index=index, dtype=object)
    value = long["value"]

    def show_values(mask: np.ndarray) -> None:
        """The row's own value and value header, for a problem with the value or unit."""
        error_col[mask] = long["value_header"][mask]
        error_value[mask] = value[mask].map(lambda v: "" if v is None else str(v))

    per_row = spread("per_row").astype(bool)
    if per_row.any():
        show_values(per_row)
    scale = pd.Series(spread("scale").astype(bool), index=index)
    if no_data is not None:
        scale &= ~no_data
    if scale.any():
        given = pd.Series(spread("given"), index=index, dtype=object)
        parsed = parse_values(
            value[scale].reset_index(drop=True), given[scale].reset_index(drop=True)
        )
        parsed.index = value.index[scale]
        num = spread("num")[scale.to_numpy()]
        den = spread("den")[scale.to_numpy()]
        bad = parsed["error"].notna().reindex(index, fill_value=False).to_numpy() & error.isna()
        if bad.any():
            error[bad] = parsed["error"].reindex(index)[bad]
            show_values(bad.to_numpy())
        value = value.astype(object)
        value[scale] = parsed["value"].to_numpy() * num / den
    if value.dtype == object and pd.api.types.infer_dtype(value, skipna=True) == "string":
        value = value.astype("str")  # cells of a CSV: checked as the plain template's are
    table = pd.DataFrame(
        {
            "指标编码": pd.Series(spread("ind"), index=index, dtype=object),
            "地区编码": pd.Series(spread("region"), index=index, dtype=object),
            "统计期": long["period"],
            "数值": value,
            "备注": long["note"],
            "来源": long["source"],
            "__row__": long["row"].astype(int),
            "__sheet__": long["sheet"],
            "__error__": error,
            "__error_column__": error_col,
            "__error_value__": error_value,
            "__value_header__": long["value_header"],
            "__ytd__": long["ytd"].astype(bool),
        }
    )
    return table[TABLE]
