"""Reading the report sheets bureaus actually send (报表): layout, wide to long, units,
names and regions, sheets, no-data marks.

`read_intake` turns a file into the long table today's row checks read
(`metrics.importer.check_table`), with true spreadsheet row numbers, so all-or-nothing,
revisions and undo are unchanged and the tool's own template reads as before. Every
decision is kept in `Intake.layouts` for the preview (and `--dry-run --json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.catalog import Catalog
from metrics.i18n import both
from metrics.importer import CheckedRows, ImportFileError, check_table
from metrics.intake.grid import fill_merged, read_grids, to_frame
from metrics.intake.layout import Classifier, SheetLayout, detect
from metrics.intake.names import CITY, IndicatorNames, RegionNames, normalise, region_code_text
from metrics.intake.profiles import Mapping, apply_mapping
from metrics.intake.reshape import long_table
from metrics.intake.units import conversion
from metrics.periods import find_periods
from metrics.values import parse_values

#: Cells meaning "not reported": skipped and counted, not an error.
NO_DATA = frozenset(
    {
        "",
        "—",
        "——",
        "-",
        "--",
        "－",
        "/",
        "／",
        "暂无",
        "无",
        "n/a",
        "na",
        "…",
        "...",
        "未报",
        "不适用",
    }
)
_INSTRUCTION_WORDS = ("说明", "填表说明", "填报说明", "instructions", "readme", "目录", "封面")

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


@dataclass
class Intake:
    """The long table and everything decided on the way to it."""

    table: pd.DataFrame
    layouts: list[SheetLayout]
    skipped_sheets: list[dict] = field(default_factory=list)  # sheet, reason
    no_data: int = 0

    def to_json(self) -> dict:
        return {
            "sheets": [lay.to_json() for lay in self.layouts],
            "skipped_sheets": self.skipped_sheets,
            "no_data": self.no_data,
        }


def _years(texts: list[str]) -> set[int]:
    return {p.end.year for t in texts for p, _ in find_periods(t)}


def _context_period(texts: list[str]) -> tuple[str, bool, int]:
    """(label, ytd, how many distinct) of the periods named in texts, finest kept: a
    title saying 2024年第三季度 also says the year 2024."""
    found = {}
    for text in texts:
        hits = find_periods(text)
        finer = [h for h in hits if h[0].kind != "year"]
        for period, ytd in finer or hits:
            found[period.label] = (period, ytd)
    if not found:
        return "", False, 0
    if len(found) > 1:
        years = {p for p in found if len(p) == 4}
        rest = {k: v for k, v in found.items() if k not in years}
        if len(rest) == 1 and all(k[:4] == y for k in rest for y in years):
            found = rest
    if len(found) != 1:
        return "", False, len(found)
    ((label, (_p, ytd)),) = found.items()
    return label, ytd, 1


def _deepest(catalog: Catalog, codes: list[str]) -> list[str]:
    """Of regions named together (菏泽市 曹县), the most specific when they are nested."""

    def depth(code: str) -> int:
        d, current = 0, catalog.regions[code].parent
        while current is not None:
            d, current = d + 1, catalog.regions[current].parent
        return d

    codes = sorted(set(codes), key=depth, reverse=True)
    if not codes:
        return []
    deepest = codes[0]
    chain, current = set(), deepest
    while current is not None:
        chain.add(current)
        current = catalog.regions[current].parent
    return [deepest] if set(codes) <= chain else codes


def read_intake(
    data: bytes,
    filename: str,
    catalog: Catalog,
    sheet: str | None = None,
    mapping: Mapping | None = None,
    profiles: dict[str, Mapping] | None = None,
) -> Intake:
    """Read every visible sheet with data (or the one chosen) into the long table."""
    grids = read_grids(data, filename)
    names, regions = IndicatorNames(catalog), RegionNames(catalog)
    if sheet is None and mapping is not None and mapping.sheet:
        sheet = mapping.sheet
    if sheet is not None and sheet not in {g.name for g in grids}:
        raise ImportFileError(
            both("intake.no_such_sheet", sheet=sheet, sheets="、".join(g.name for g in grids))
        )
    layouts, frames, skipped = [], [], []
    for grid in grids:
        if sheet is not None and grid.name != sheet:
            skipped.append({"sheet": grid.name, "reason": "not_chosen"})
            continue
        if grid.hidden:
            skipped.append({"sheet": grid.name, "reason": "hidden"})
            continue
        if not any(any(c not in (None, "") for c in r) for r in grid.rows):
            skipped.append({"sheet": grid.name, "reason": "empty"})
            continue
        fill_merged(grid)
        frame = to_frame(grid)
        scan = [" ".join(str(c) for c in r if c not in (None, "")) for r in grid.rows[:30]]
        years = _years([grid.name, *scan]) or _years([filename])
        classifier = Classifier(names, regions, next(iter(years)) if len(years) == 1 else None)
        chosen = mapping or (profiles or {}).get("*")
        layout = detect(
            frame,
            grid.name,
            classifier,
            grid.merged,
            header_row=chosen.header_row if chosen else None,
        )
        if layout is not None and profiles and not mapping and layout.fingerprint in profiles:
            chosen = profiles[layout.fingerprint]
            layout = detect(frame, grid.name, classifier, grid.merged, chosen.header_row)
        if layout is not None and not layout.data_rows:
            skipped.append({"sheet": grid.name, "reason": "no_rows"})
            continue
        if layout is None:
            reason = (
                "instructions"
                if any(w in normalise(grid.name) for w in _INSTRUCTION_WORDS)
                else "no_table"
            )
            skipped.append({"sheet": grid.name, "reason": reason})
            continue
        if chosen is not None and layout is not None:
            apply_mapping(layout, chosen, classifier)
            layout.profile = mapping is None
        _context(layout, catalog, regions, filename)
        layouts.append(layout)
        frames.append(long_table(frame, layout))
    if not layouts and any(s["reason"] == "no_rows" for s in skipped):
        raise ImportFileError(both("import.no_rows"))
    if not layouts:
        shown = "、".join(f"{s['sheet']}" for s in skipped) or filename
        raise ImportFileError(both("intake.no_table", sheets=shown))
    for lay in layouts:
        _require_context(lay)
    long = pd.concat(frames, ignore_index=True)
    raw_value = long["value"]
    no_data = _no_data(raw_value)
    table = _resolve(long, catalog, names, regions)
    # a "not reported" mark skips a row naming a known indicator and region; a row that
    # names nothing known is still reported (it may be a typo, not an empty cell)
    no_data &= table["__error__"].isna().to_numpy()
    table = table[~no_data.to_numpy()].reset_index(drop=True)
    headers: dict[str, str] = {}
    for lay in layouts:
        for col in lay.columns:
            canon = _CANON.get(col.role)
            if canon and canon not in headers:
                headers[canon] = col.header
    for canon, other in (("地区编码", "地区"), ("指标编码", "指标名称")):
        if canon not in headers and other in headers:
            headers[canon] = headers[other]
    table.attrs["headers"] = headers
    table["__error_column__"] = table["__error_column__"].map(lambda c: headers.get(c, c))
    return Intake(table, layouts, skipped, int(no_data.sum()))


_CANON = {
    "indicator_id": "指标编码",
    "indicator": "指标名称",
    "region_code": "地区编码",
    "region": "地区",
    "period": "统计期",
    "value": "数值",
    "note": "备注",
    "source": "来源",
}


def _context(layout: SheetLayout, catalog: Catalog, regions: RegionNames, filename: str) -> None:
    """The period and region a sheet gives in its title, name or file name, when its cells
    say none."""
    wide = [c for c in layout.columns if c.role == "wide"]
    needs_period = layout.role_of("period") is None and not (wide and all(c.period for c in wide))
    if needs_period and not layout.period:
        for source, texts in (("title", [layout.sheet, *layout.titles]), ("file", [filename])):
            label, ytd, count = _context_period(texts)
            if count > 1:
                layout.period_from = "ambiguous:" + source
                break
            if label:
                layout.period, layout.ytd, layout.period_from = label, ytd, source
                break
    has_region = (
        layout.role_of("region") or layout.role_of("region_code") or any(c.region for c in wide)
    )
    if not has_region and not layout.region:
        for source, texts in (("title", [layout.sheet, *layout.titles]), ("file", [filename])):
            codes = _deepest(catalog, [c for t in texts for c in regions.found_in(t)])
            if len(codes) > 1:
                layout.region_from = "ambiguous:" + source
                break
            if codes:
                layout.region, layout.region_from = codes[0], source
                break


def _require_context(layout: SheetLayout) -> None:
    wide = [c for c in layout.columns if c.role == "wide"]
    if layout.shape == "wide-mixed":
        raise ImportFileError(both("intake.mixed_columns", sheet=layout.sheet))
    if layout.shape == "long" and layout.role_of("value") is None:
        raise ImportFileError(both("intake.no_value_column", sheet=layout.sheet))
    has_indicator = (
        layout.role_of("indicator")
        or layout.role_of("indicator_id")
        or any(c.indicator for c in wide)
    )
    if not has_indicator:
        raise ImportFileError(both("intake.no_indicator", sheet=layout.sheet))
    needs_period = layout.role_of("period") is None and not (wide and all(c.period for c in wide))
    if needs_period and not layout.period:
        key = (
            "intake.period_ambiguous"
            if layout.period_from.startswith("ambiguous")
            else "intake.no_period"
        )
        raise ImportFileError(both(key, sheet=layout.sheet))
    if layout.region_from.startswith("ambiguous"):
        raise ImportFileError(both("intake.region_ambiguous", sheet=layout.sheet))


def _no_data(values: pd.Series) -> pd.Series:
    """Cells that mean "not reported" (—, /, 暂无, blank …)."""
    is_text = values.map(
        lambda v: v is None or isinstance(v, str) or (isinstance(v, float) and v != v)
    )
    marks = pd.Series(False, index=values.index)
    if is_text.any():
        texts = values[is_text]
        codes, uniques = pd.factorize(texts.fillna(""), use_na_sentinel=True)
        flag = np.array([normalise(u) in NO_DATA for u in uniques] + [True])
        marks[is_text] = flag[codes]
    return marks


def _per_distinct(keys: pd.DataFrame, fn) -> pd.Series:  # type: ignore[no-untyped-def]
    """fn(*key) once per distinct row of keys, mapped back."""
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys.astype(str)))
    results = [fn(*u) for u in uniques]
    out = np.empty(len(results), dtype=object)
    out[:] = results
    return pd.Series(out[codes] if len(codes) else [], index=keys.index, dtype=object)


def _text_col(values: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(values.fillna(""), use_na_sentinel=True)
    texts = np.array(
        [region_code_text(u) if isinstance(u, float) else str(u).strip() for u in uniques] + [""],
        dtype=object,
    )
    return pd.Series(texts[codes], index=values.index, dtype=object)


def _resolve(
    long: pd.DataFrame, catalog: Catalog, names: IndicatorNames, regions: RegionNames
) -> pd.DataFrame:
    """Indicator ids, region codes and values in the indicator's unit; a row that cannot
    be settled gets its message in __error__ (read by check_table)."""
    n = len(long)
    error = pd.Series([None] * n, index=long.index, dtype=object)
    error_col = pd.Series([""] * n, index=long.index, dtype=object)

    error_value = pd.Series([""] * n, index=long.index, dtype=object)

    def fail(
        mask: pd.Series,
        messages: pd.Series | str,
        column: pd.Series | str,
        raw: pd.Series | None = None,
    ) -> None:
        mask = mask & error.isna()
        if mask.any():
            error[mask] = messages[mask] if isinstance(messages, pd.Series) else messages
            error_col[mask] = column[mask] if isinstance(column, pd.Series) else column
            shown = raw if raw is not None else long["value"]
            error_value[mask] = shown[mask].map(lambda v: "" if v is None else str(v))

    # regions: code and name columns must agree
    code_txt, name_txt = _text_col(long["region_code"]), _text_col(long["region"])
    by_code = _per_distinct(code_txt.to_frame(), lambda c: regions.code(c) if c else "")
    by_name = _per_distinct(name_txt.to_frame(), lambda c: regions.code(c) if c else "")
    fail(by_code.isna(), _msg("row.unknown_region", raw=code_txt), "地区编码", code_txt)
    fail(by_name.isna(), _msg("row.unknown_region", raw=name_txt), "地区", name_txt)
    conflict = (
        by_code.notna() & by_name.notna() & (by_code != "") & (by_name != "") & (by_code != by_name)
    )
    fail(conflict, _msg("intake.region_conflict", code=code_txt, name=name_txt), "地区", name_txt)
    region = by_code.where(by_code.fillna("") != "", by_name).fillna("")

    # indicators: by id, else by name (normalised, aliases; settled by region)
    id_txt, ind_txt = _text_col(long["indicator_id"]), _text_col(long["indicator"])
    known_id = _per_distinct(
        id_txt.to_frame(), lambda c: names.ids.get(normalise(c), "") if c else ""
    )
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
        return got if got else "?" + _both("row.ambiguous_indicator", raw=cell)

    named = _per_distinct(pd.DataFrame({"a": ind_txt, "b": home_region}), by_name_fn)
    use_name = (id_txt == "") & (ind_txt != "")
    bad_name = use_name & named.str.startswith("?")
    fail(bad_name, named.str[1:], "指标名称", ind_txt)
    # a visible name edited over a hidden id is a conflict, not the id's indicator
    both_given = (known_id != "") & (ind_txt != "")
    mismatch = both_given & _per_distinct(
        pd.DataFrame({"a": ind_txt, "b": known_id}),
        lambda cell, i: bool(names.candidates(cell)) and i not in names.candidates(cell),
    ).astype(bool)
    fail(
        mismatch, _msg("intake.indicator_conflict", code=id_txt, name=ind_txt), "指标名称", ind_txt
    )
    ind = known_id.where(known_id != "", named.where(use_name & ~bad_name, ""))
    fail((id_txt == "") & (ind_txt == ""), _both("row.empty_indicator"), "指标名称", ind_txt)

    # 全市 is the plan's own region
    plan_region = ind.map({i.id: catalog.region_of(i) for i in catalog.indicators.values()})
    region = region.where(region != CITY, plan_region.fillna(""))

    # units: a 单位 column or a header unit is converted into the indicator's unit
    ind_unit = ind.map({i.id: i.unit for i in catalog.indicators.values()}).fillna("")
    given = _text_col(long["unit"])
    value = long["value"].astype(object)
    pairs = pd.DataFrame({"g": given, "t": ind_unit})
    differs = (given != "") & (ind_unit != "")
    conv = _per_distinct(pairs, lambda g, t: conversion(g, t) if g and t else (1, 1))
    unconvertible = differs & conv.isna()
    fail(
        unconvertible,
        _msg("intake.unit_unconvertible", given=given, unit=ind_unit),
        long["value_header"],
    )
    scale = differs & conv.notna() & (conv.map(lambda c: c != (1, 1) if c else False))
    if scale.any():
        parsed = parse_values(
            value[scale].reset_index(drop=True), given[scale].reset_index(drop=True)
        )
        parsed.index = value.index[scale]
        num = conv[scale].map(lambda c: c[0]).astype(float)
        den = conv[scale].map(lambda c: c[1]).astype(float)
        fail(
            parsed["error"].notna().reindex(value.index, fill_value=False),
            parsed["error"].reindex(value.index),
            long["value_header"],
        )
        value[scale] = (parsed["value"] * num / den).to_numpy()
    table = pd.DataFrame(
        {
            "指标编码": ind,
            "地区编码": region,
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


def _both(key: str, **kw: object) -> str:
    return both(key, **kw)


def _msg(key: str, **columns: pd.Series) -> pd.Series:
    """A message per row, made once per distinct combination of its placeholders."""
    frame = pd.DataFrame(columns)
    return _per_distinct(frame, lambda *vals: both(key, **dict(zip(columns, vals, strict=True))))


def check_report(
    data: bytes,
    filename: str,
    catalog: Catalog,
    max_rows: int | None = None,
    sheet: str | None = None,
    mapping: Mapping | None = None,
    profiles: dict[str, Mapping] | None = None,
) -> tuple[CheckedRows, Intake]:
    """Read a file with `read_intake` and check its long table with today's row checks."""
    intake = read_intake(data, filename, catalog, sheet=sheet, mapping=mapping, profiles=profiles)
    if len(intake.table) == 0 and intake.no_data == 0:
        raise ImportFileError(both("import.no_rows"))
    if max_rows is not None and len(intake.table) > max_rows:
        raise ImportFileError(both("import.too_many_rows", rows=len(intake.table), limit=max_rows))
    checked = check_table(intake.table, catalog)
    return checked, intake
