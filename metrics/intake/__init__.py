"""Reading the report sheets bureaus actually send (报表): layout, wide to long, units,
names and regions, sheets, no-data marks.

`read_intake` turns a file into the long table today's row checks read
(`metrics.importer.check_table`), with true spreadsheet row numbers, so all-or-nothing,
revisions and undo are unchanged and the tool's own template reads as before. Every
decision is kept in `Intake.layouts` for the preview (and `--dry-run --json`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.catalog import Catalog
from metrics.errors import MetricsError
from metrics.i18n import both, t
from metrics.importer import CheckedRows, ImportFileError, _lookup, check_table
from metrics.intake.grid import fill_merged, read_grids, to_frame
from metrics.intake.layout import Classifier, SheetLayout, _blank_cells, detect, is_template
from metrics.intake.names import IndicatorNames, RegionNames, normalise
from metrics.intake.profiles import Mapping, apply_mapping
from metrics.intake.reshape import long_table
from metrics.intake.resolve import TABLE, resolve  # noqa: F401 (TABLE: the long table's columns)
from metrics.intake.totals import check_totals, total_rows
from metrics.periods import find_periods

log = logging.getLogger(__name__)

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


@dataclass
class Intake:
    """The long table and everything decided on the way to it."""

    table: pd.DataFrame
    layouts: list[SheetLayout]
    skipped_sheets: list[dict] = field(default_factory=list)  # sheet, reason
    no_data: int = 0
    totals: pd.DataFrame = field(default_factory=pd.DataFrame)  # 合计/小计 rows, resolved

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
    mapping: Mapping | dict[str, Mapping] | None = None,
    profiles: dict[str, Mapping] | None = None,
    max_rows: int | None = None,
) -> Intake:
    """Read every visible sheet with data (or the one chosen) into the long table; an
    .xlsx holding more than max_rows rows is refused while it is read. `mapping` is one
    mapping for every sheet, or each sheet's own (sheet name → mapping: a workbook whose
    sheets read one header differently, or each with a period of its own)."""
    grids = read_grids(data, filename, max_rows)
    names, regions = IndicatorNames(catalog), RegionNames(catalog)
    per_sheet = mapping if isinstance(mapping, dict) else None
    if sheet is None and isinstance(mapping, Mapping) and mapping.sheet:
        sheet = mapping.sheet
    if sheet is not None and sheet not in {g.name for g in grids}:
        raise ImportFileError(
            both("intake.no_such_sheet", sheet=sheet, sheets="、".join(g.name for g in grids))
        )
    layouts, frames, skipped, total_frames, blank_regions = [], [], [], [], []
    for grid in grids:
        if sheet is not None and grid.name != sheet:
            skipped.append({"sheet": grid.name, "reason": "not_chosen"})
            continue
        if grid.hidden:
            skipped.append({"sheet": grid.name, "reason": "hidden"})
            continue
        if not grid.has_cells():
            skipped.append({"sheet": grid.name, "reason": "empty"})
            continue
        frame, classifier = _prepared(grid, filename, names, regions)
        given = per_sheet.get(grid.name) if per_sheet is not None else mapping
        chosen = given or (profiles or {}).get("*")
        layout = detect(
            frame,
            grid.name,
            classifier,
            grid.merged,
            header_row=chosen.header_row if chosen else None,
        )
        if layout is not None and profiles and not given and layout.fingerprint in profiles:
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
            layout.profile = given is None
        _context(layout, catalog, regions, filename)
        layouts.append(layout)
        frames.append(long_table(frame, layout))
        blank_regions.append(_blank_regions(frames[-1], layout))
        total_frames.append(total_rows(frame, layout))
    if not layouts and any(s["reason"] == "no_rows" for s in skipped):
        raise ImportFileError(both("import.no_rows"))
    if not layouts:
        shown = "、".join(f"{s['sheet']}" for s in skipped) or filename
        raise ImportFileError(both("intake.no_table", sheets=shown))
    for lay in layouts:
        _require_context(lay, names)
    long = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    raw_value = long["value"]
    no_data = _no_data(raw_value)
    table = resolve(long, catalog, names, regions, no_data.to_numpy())
    # a "not reported" mark skips a row naming a known indicator and region; a row that
    # names nothing known is still reported (it may be a typo, not an empty cell)
    no_data &= table["__error__"].isna().to_numpy()
    blank_region = np.concatenate(blank_regions)
    if no_data.any():
        table = table[~no_data.to_numpy()].reset_index(drop=True)
        blank_region = blank_region[~no_data.to_numpy()]
    _refuse_blank_regions(table, blank_region, catalog, layouts)
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
    shown = table["__error_column__"]
    table["__error_column__"] = _lookup(shown, headers).where(shown.isin(list(headers)), shown)
    total_frames = [f for f in total_frames if len(f)]
    totals = pd.DataFrame()
    if total_frames:
        long_totals = pd.concat(total_frames, ignore_index=True)
        marks = _no_data(long_totals["value"]).to_numpy()
        totals = resolve(long_totals, catalog, names, regions, marks)
        totals["__raw__"] = long_totals["value"].to_numpy()  # shown as the sheet has it
        scope = [regions.code(c) if c else None for c in long_totals["__scope__"].fillna("")]
        totals["__scope__"] = [c if c in catalog.regions else "" for c in scope]
        totals["__mixed__"] = long_totals["__mixed__"].fillna(False).astype(bool).to_numpy()
    return Intake(table, layouts, skipped, int(no_data.sum()), totals)


def _blank_regions(long: pd.DataFrame, layout: SheetLayout) -> np.ndarray:
    """The long rows of a report-shaped sheet with a region column whose region cells are
    blank (after merged cells were filled down; 合计/小计/其中 rows are no data rows)."""
    if is_template(layout) or not (layout.role_of("region") or layout.role_of("region_code")):
        return np.zeros(len(long), dtype=bool)
    return _blank_cells(long["region"]) & _blank_cells(long["region_code"])


def _refuse_blank_regions(
    table: pd.DataFrame, blank: np.ndarray, catalog: Catalog, layouts: list[SheetLayout]
) -> None:
    """A blank region cell in a county report is a county name forgotten or a row
    continuing the one above, not the city's figure (as a blank 地区 is in the template):
    the row is refused, saying to fill in the region or write 全市 for the city's own."""
    flag = blank & table["__error__"].isna().to_numpy()
    if not flag.any():
        return
    named = any(lay.role_of("region") for lay in layouts)
    ind = table["指标编码"].to_numpy(dtype=object)[flag]
    said = {}
    for i in dict.fromkeys(ind):
        code = catalog.region_of(catalog.indicators[i])
        said[i] = both("intake.region_blank", city=catalog.regions[code].name)
    table.loc[flag, "__error__"] = [said[i] for i in ind]
    table.loc[flag, "__error_column__"] = "地区" if named else "地区编码"
    table.loc[flag, "__error_value__"] = ""


def _prepared(grid, filename: str, names: IndicatorNames, regions: RegionNames):  # type: ignore[no-untyped-def]
    """A sheet's frame (merged cells filled) and the classifier of its header cells (the
    one year its name, first rows or file name say, for 一季度 and 9月)."""
    fill_merged(grid)
    frame = to_frame(grid)
    scan = [" ".join(str(c) for c in r if c not in (None, "")) for r in grid.head(30)]
    years = _years([grid.name, *scan]) or _years([filename])
    return frame, Classifier(names, regions, next(iter(years)) if len(years) == 1 else None)


def detect_layouts(data: bytes, filename: str, catalog: Catalog) -> list[SheetLayout]:
    """Each visible sheet's layout as detected, before the checks that refuse a whole
    file (a sheet with no value column, no period): what a correction form starts from
    when the file as a whole cannot be read. The same steps as `read_intake`, without
    profiles or mappings; [] when even this fails (the refusal is then all there is)."""
    try:
        grids = read_grids(data, filename)
        names, regions = IndicatorNames(catalog), RegionNames(catalog)
        found = []
        for grid in grids:
            if grid.hidden or not grid.has_cells():
                continue
            frame, classifier = _prepared(grid, filename, names, regions)
            layout = detect(frame, grid.name, classifier, grid.merged)
            if layout is not None and layout.data_rows:
                found.append(layout)
        return found
    except MetricsError:  # unreadable as a whole: the refusal already says why
        return []
    except Exception:  # noqa: BLE001 - a best effort for the form; the refusal is shown anyway
        log.warning("layout detection failed for %s", filename, exc_info=True)
        return []


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


#: 单位：万个 / 计量单位：个 / （单位：万元） in a line above the header (not 填报单位：…).
_UNIT_LINE_RE = re.compile(r"(?:^|[\s(])(?:计量)?单位:\s*([^\s(),;]{1,4})(?=$|[\s(),;])")
#: 填报日期：2024年10月9日 is when the form was filled in, not the period of its data.
_FILLED_ON_RE = re.compile(
    r"(?:(?:填报|报送|填表|制表|报出|上报)(?:日期|时间)|(?<!\S)日期)\s*[:：]\s*[0-9０-９年月日./\-－]*"
)
_NOT_A_UNIT = tuple("局委办院处所司厅站心市县区")


def _title_unit(titles: list[str]) -> str:
    """The unit a sheet's title lines give its values ("" if none, or several)."""
    found = {
        m[1]
        for t in titles
        for m in _UNIT_LINE_RE.finditer(unicodedata.normalize("NFKC", t))
        if not m[1].endswith(_NOT_A_UNIT)
    }
    return found.pop() if len(found) == 1 else ""


def _context(layout: SheetLayout, catalog: Catalog, regions: RegionNames, filename: str) -> None:
    """The period and region a sheet gives in its title, name or file name, when its cells
    say none; the unit its 单位：… line gives values whose header and row name none."""
    if layout.role_of("unit") is None and not layout.unit:
        layout.unit = _title_unit(layout.titles)
    wide = [c for c in layout.columns if c.role == "wide"]
    needs_period = layout.role_of("period") is None and not (wide and all(c.period for c in wide))
    if needs_period and not layout.period:
        titles = [_FILLED_ON_RE.sub(" ", t) for t in layout.titles]
        for source, texts in (("title", [layout.sheet, *titles]), ("file", [filename])):
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


def _require_context(layout: SheetLayout, names: IndicatorNames) -> None:
    wide = [c for c in layout.columns if c.role == "wide"]
    if layout.shape == "wide-mixed":
        raise ImportFileError(both("intake.mixed_columns", sheet=layout.sheet))
    if layout.shape == "long" and layout.role_of("value") is None:
        # A header that is nearly a catalog name is most likely an indicator column whose
        # name differs from the catalog's: say which name it should carry.
        near = [
            {"header": c.header, "hint": hint}
            for c in layout.columns
            if c.role == "unknown" and c.header and (hint := names.suggest(c.header))
        ][:3]
        said = {
            lang: [t("intake.no_value_column", lang, sheet=layout.sheet)]
            + [t("intake.header_near_indicator", lang, **n) for n in near]
            for lang in ("zh", "en")
        }
        raise ImportFileError(f"{'；'.join(said['zh'])} / {'; '.join(said['en'])}")
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


_DIGITS = frozenset("0123456789")


def _no_data(values: pd.Series) -> pd.Series:
    """Cells that mean "not reported" (—, /, 暂无, blank …), decided once per distinct
    cell; a text starting with a digit is a number, never a mark."""
    cells = values.array if isinstance(values.dtype, pd.StringDtype) else values.to_numpy(object)
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)  # None and NaN: -1
    flag = np.array(
        [isinstance(u, str) and u[:1] not in _DIGITS and normalise(u) in NO_DATA for u in uniques]
        + [True],
        dtype=bool,
    )
    return pd.Series(flag[codes], index=values.index)


def check_report(
    data: bytes,
    filename: str,
    catalog: Catalog,
    max_rows: int | None = None,
    sheet: str | None = None,
    mapping: Mapping | dict[str, Mapping] | None = None,
    profiles: dict[str, Mapping] | None = None,
) -> tuple[CheckedRows, Intake]:
    """Read a file with `read_intake` and check its long table with today's row checks."""
    intake = read_intake(
        data, filename, catalog, sheet=sheet, mapping=mapping, profiles=profiles, max_rows=max_rows
    )
    if len(intake.table) == 0 and intake.no_data == 0:
        raise ImportFileError(both("import.no_rows"))
    if max_rows is not None and len(intake.table) > max_rows:
        raise ImportFileError(both("import.too_many_rows", rows=len(intake.table), limit=max_rows))
    checked = check_table(intake.table, catalog)
    wrong_totals = check_totals(intake.totals, intake.table, intake.layouts, catalog)
    if len(wrong_totals):
        errors = pd.concat([checked.errors, wrong_totals], ignore_index=True)
        checked.errors = errors.sort_values("row", kind="stable").reset_index(drop=True)
    return checked, intake
