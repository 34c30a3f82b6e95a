"""Finding the table inside a report sheet: the header row below titles and 填报单位
lines, merged two-level headers, what each column is, and which rows are data.

Rows that are not data (blank rows, footers such as 填表人/审核人/注：, section rows
such as 一、…, 合计/小计 rows) are skipped and *listed*, with their true spreadsheet
row numbers, so the preview shows exactly what is left out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from metrics.importer import COLUMNS, EXPORT_HEADERS
from metrics.intake.names import TOTAL_WORDS, IndicatorNames, RegionNames, normalise
from metrics.periods import column_cells, factorize_cells, relative_period

HEADER_SCAN = 30

#: Header words (normalised) of each field.
FIELDS: dict[str, tuple[str, ...]] = {
    "indicator_id": ("指标编码", "指标代码", "indicator_id", "indicatorid"),
    "indicator": ("指标名称", "指标", "指标项", "指标内容", "项目", "项目名称", "indicator"),
    "region_code": ("地区编码", "行政区划代码", "区划代码", "地区代码", "region_code"),
    "region": (
        "地区",
        "地区名称",
        "县区",
        "区县",
        "县(市、区)",
        "县市区",
        "县区名称",
        "区县名称",
        "县(市、区)名称",
        "县市区名称",
        "区域",
        "行政区",
        "行政区划",
        "region",
    ),
    "period": ("统计期", "期间", "报告期", "统计时间", "时间", "统计期间", "period"),
    "value": (
        "数值",
        "值",
        "完成值",
        "本期值",
        "实际值",
        "完成数",
        "本期完成",
        "完成情况",
        "数据",
        "value",
    ),
    "unit": ("单位", "计量单位", "unit"),
    "note": ("备注", "说明", "note"),
    "source": ("来源", "数据来源", "source"),
    "ignore": (
        "序号",
        "编号",
        "no",
        "目标值",
        "目标",
        "规划目标",
        "责任单位",
        "牵头单位",
        "完成率",
        "同比",
        "增速",
        "指标类型",
        "属性",
    ),
}
_FIELD_OF = {normalise(a): f for f, aliases in FIELDS.items() for a in aliases}
_BRACKET_UNIT_RE = re.compile(r"^(.*?)\(([^()]{1,8})\)$")
_FOOTER_RE = re.compile(
    r"^(?:填表人|填报人|审核人|审核|负责人|单位负责人|联系人|联系电话|电话|制表|制表人|"
    r"填报日期|报送日期|注|说明|备注|附注)\s*[:：]|^注[0-9一二三四五六七八九十]*[:：.、]"
)
_SECTION_RE = re.compile(r"^[一二三四五六七八九十]{1,3}[、.]")
_META_RE = re.compile(r"^(?:填报单位|报送单位|单位|填报日期|日期|制表单位)\s*[:：]")
#: A breakdown row (其中：农村地区, 其中：5G基站) details the row above it; normalised text.
BREAKDOWN_RE = re.compile(r"^其中[:,、]?")


@dataclass
class Column:
    """One column of the sheet and what it holds."""

    index: int
    header: str
    role: str  # a FIELDS key, or "wide" (values of one period/region/indicator), "unknown"
    unit: str = ""
    period: str = ""  # wide period column: its label
    ytd: bool = False
    region: str = ""  # wide region column: its code
    indicator: str = ""  # wide indicator column: its id


@dataclass
class Skipped:
    row: int
    reason: str  # blank | footer | section | total | title | breakdown
    text: str = ""


@dataclass
class SheetLayout:
    """What was found in one sheet; shown in the preview and saved in a profile."""

    sheet: str
    header_rows: list[int]
    columns: list[Column]
    shape: str  # long | wide-period | wide-region | wide-indicator
    titles: list[str] = field(default_factory=list)
    data_rows: list[int] = field(default_factory=list)
    total_rows: list[int] = field(default_factory=list)  # 合计/小计: checked, not stored
    skipped: list[Skipped] = field(default_factory=list)
    #: 其中 rows read as the catalog indicator or region they name (其中：曹县 is 曹县)
    breakdowns_read: list[Skipped] = field(default_factory=list)
    period: str = ""  # the period of a sheet with none in its cells
    period_from: str = ""  # title | sheet | file | mapping
    ytd: bool = False
    region: str = ""  # the region of a sheet with no region column
    region_from: str = ""
    unit: str = ""  # a 单位：万个 line above the header: the unit of values naming none
    fingerprint: str = ""
    profile: bool = False  # a saved profile (keyed by fingerprint) was applied

    def to_json(self) -> dict:
        return asdict(self)

    def role_of(self, role: str) -> Column | None:
        return next((c for c in self.columns if c.role == role), None)


#: The headers of the tool's own template (what `template` and `export` write, and the
#: plain import's aliases), normalised.
TEMPLATE_HEADERS = frozenset(
    normalise(h)
    for h in (*EXPORT_HEADERS.values(), *(a for v in COLUMNS.values() for a in v))
    + ("region_code", "region_name", "unit")
)


def is_template(layout: SheetLayout) -> bool:
    """Whether a sheet is the tool's own long template (or one like it): one value per
    row, one header row, on row 1, every header one the template writes (指标编码, 地区,
    统计期, 数值, 单位, 备注 … or their English names). There a blank 地区 is the plan's own
    region; in any other (report-shaped) sheet with a region column a data row whose
    region cell is blank is refused. Decided from the sheet alone, never from a saved
    profile, so a sheet reads the same whether or not its profile was applied."""
    return (
        layout.shape == "long"
        and layout.header_rows == [1]
        and all(normalise(c.header) in TEMPLATE_HEADERS for c in layout.columns if c.header)
    )


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, float) and cell != cell) or _text(cell) == ""


def _split_header(text: str) -> tuple[str, str]:
    """("数值", "%") from "数值（%）"."""
    key = normalise(text)
    if m := _BRACKET_UNIT_RE.match(key):
        return m[1], m[2]
    return key, ""


class Classifier:
    """Says what a header cell is: a field, a period, a region or an indicator."""

    def __init__(self, names: IndicatorNames, regions: RegionNames, year: int | None) -> None:
        self.names, self.regions, self.year = names, regions, year
        self._seen: dict[tuple[type, object, int | None], Column] = {}

    def classify(self, top: object, bottom: object = None) -> Column:
        """The column for a header of one or two levels (a one-level cell is worked out
        once per distinct cell: the first rows of a sheet repeat names and codes)."""
        if bottom is not None:
            return self._classify(top, bottom)
        try:
            key = (type(top), top, self.year)  # 1, 1.0 and True are equal keys, not cells
            hit = self._seen.get(key)
        except TypeError:  # unhashable: not seen in grids, kept safe
            return self._classify(top)
        if hit is None:
            hit = self._seen[key] = self._classify(top)
        return replace(hit)

    def field(self, text: str) -> tuple[str, str] | None:
        key, unit = _split_header(text)
        if key in _FIELD_OF:
            return _FIELD_OF[key], unit
        if normalise(text) in _FIELD_OF:
            return _FIELD_OF[normalise(text)], ""
        return None

    def period(self, cell: object) -> tuple[str, bool, str] | None:
        text = _text(cell)
        key, unit = _split_header(text) if isinstance(cell, str) else (text, "")
        hit = relative_period(key if isinstance(cell, str) else cell, self.year)
        if hit is None:
            return None
        return hit[0].label, hit[1], unit

    def _classify(self, top: object, bottom: object = None) -> Column:
        t, b = _text(top), _text(bottom)
        if b and b != t and t:
            joined = self.period(t + b)
            if joined and not self.period(b):
                return Column(
                    0, f"{t}/{b}", "wide", unit=joined[2], period=joined[0], ytd=joined[1]
                )
            low, high = self.classify(b), self.classify(t)
            if high.role == "wide" and low.role in ("value", "unknown", "wide"):
                if low.role == "wide" and high.period and low.period:
                    return Column(
                        0, f"{t}/{b}", "wide", unit=low.unit, period=low.period, ytd=low.ytd
                    )
                unit = low.unit or high.unit or (_split_header(b)[1] if low.role else "")
                high.header, high.unit = f"{t}/{b}", unit
                if low.role == "wide" and low.region and high.indicator:
                    high.region = low.region
                if low.role == "wide" and low.indicator and high.region:
                    high.indicator = low.indicator
                if low.role == "wide" and low.period and not high.period:
                    high.period, high.ytd = low.period, low.ytd
                return high
            if low.role != "unknown":
                if not low.unit:
                    low.unit = _split_header(t)[1]
                low.header = f"{t}/{b}"
                return low
            high.header = f"{t}/{b}"
            return high
        text = t or b
        if not text:
            return Column(0, "", "unknown")
        if f := self.field(text):
            return Column(0, text, f[0], unit=f[1])
        if p := self.period(top if t else bottom):
            return Column(0, text, "wide", unit=p[2], period=p[0], ytd=p[1])
        key, unit = _split_header(text)
        code = self.regions.code(key)
        if code is not None and code != "__city__" or key in ("全市",):
            return Column(0, text, "wide", unit=unit, region=code or "")
        ids = self.names.candidates(text)
        if len(ids) == 1:
            return Column(0, text, "wide", unit=unit or _split_header(text)[1], indicator=ids[0])
        return Column(0, text, "unknown")


def _score(columns: list[Column]) -> int:
    known = [c for c in columns if c.role != "unknown"]
    keys = {c.role for c in known} & {
        "indicator",
        "indicator_id",
        "region",
        "region_code",
        "period",
        "value",
    }
    wide = sum(c.role == "wide" for c in columns)
    if not keys and wide < 2:
        return 0
    return len(known) + 2 * len(keys)


def _shape(columns: list[Column]) -> str:
    roles = {c.role for c in columns}
    wide = [c for c in columns if c.role == "wide"]
    if "value" in roles or not wide:
        return "long"
    if all(c.period for c in wide):
        return "wide-period"
    if all(c.region for c in wide) or all(
        c.region or c.region == "" and not c.indicator and not c.period for c in wide
    ):
        return "wide-region"
    if all(c.indicator for c in wide):
        return "wide-indicator"
    return "wide-mixed"


def detect(
    frame: pd.DataFrame,
    sheet: str,
    classifier: Classifier,
    merged: list[tuple[int, int, int, int]],
    header_row: int | None = None,
) -> SheetLayout | None:
    """The layout of one sheet (frame index = spreadsheet row), or None when no header
    row is found in its first rows."""
    index = frame.index
    at = index.get_indexer([header_row])[0] if header_row is not None else -1
    # only the rows a header can be in (and the one below it) as Python cells
    head = max(HEADER_SCAN, at + 1) + 1
    cells = frame.iloc[:head].to_numpy(dtype=object)
    rows = index[:head].tolist()
    best, best_score = None, 0
    candidates = [at] if at >= 0 else range(min(HEADER_SCAN, len(index)))
    for i in candidates:
        if sum(not _blank(c) for c in cells[i]) < 2:
            continue
        cols = [classifier.classify(c) for c in cells[i]]
        score = _score(cols)
        if score > best_score:
            best, best_score = i, score
    if best is None:
        return None
    header = [best]
    top = list(cells[best])
    columns = [classifier.classify(c) for c in top]
    if best + 1 < len(index) and _is_second_level(
        cells[best], cells[best + 1], columns, classifier, merged, rows[best] - 1
    ):
        header.append(best + 1)
        filled, last = [], None
        for c in top:  # a top cell left blank continues the one to its left
            last = c if not _blank(c) else last
            filled.append(last)
        columns = [classifier.classify(t, b) for t, b in zip(filled, cells[best + 1], strict=True)]
    for i, col in enumerate(columns):
        col.index = i
        if not col.header:
            col.header = _text(top[i])
    titles = [titles_text(cells[i]) for i in range(best)]
    titles = [t for t in titles if t]
    layout = SheetLayout(
        sheet=sheet,
        header_rows=[rows[i] for i in header],
        columns=columns,
        shape=_shape(columns),
        titles=titles,
    )
    layout.fingerprint = fingerprint([c.header for c in columns])
    for i in range(best):
        if any(not _blank(c) for c in cells[i]):
            layout.skipped.append(Skipped(rows[i], "title", titles_text(cells[i])))
    _classify_rows(layout, frame, header[-1] + 1, classifier)
    return layout


def titles_text(row: object) -> str:
    """A row's cells as one line; a cell merged across columns (filled into each) once."""
    texts = [_text(c) for c in row if not _blank(c)]  # type: ignore[attr-defined]
    return " ".join(t for k, t in enumerate(texts) if k == 0 or t != texts[k - 1])


def _is_second_level(top, below, columns, classifier, merged, row0) -> bool:  # type: ignore[no-untyped-def]
    """Whether the row under the header is a second header level: the header row has a
    cell merged across columns, or a header cell left blank over a named cell; and the
    row below holds no plain number (it is no data row)."""
    if any(
        isinstance(c, int | float) and not isinstance(c, bool) and not 1990 <= c <= 2100
        for c in below
        if not _blank(c)
    ):
        return False
    if not any(not _blank(c) for c in below):
        return False
    spans = any(r0 <= row0 <= r1 and c1 > c0 for r0, c0, r1, c1 in merged)
    lower = [classifier.classify(c) for c in below]
    if spans:
        return True
    if any(
        low.role in ("indicator", "indicator_id", "region", "region_code")
        and columns[i].role == low.role
        for i, low in enumerate(lower)
    ):
        return False  # a repeated header or a data row, not a second level
    under_blank = any(
        _blank(t) and low.role != "unknown" for t, low in zip(top, lower, strict=False)
    )
    if spans or under_blank:
        return any(low.role != "unknown" for low in lower) or spans
    return False


def _blank_cells(column: pd.Series) -> np.ndarray:
    """Per row, whether the cell is blank as `_blank` says (missing, or only spaces)."""
    if isinstance(column.dtype, pd.StringDtype):
        return (column.isna() | (column.str.strip() == "")).to_numpy(dtype=bool)
    # TRUE and 1 may share a code here: neither is blank
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    flags = np.array([isinstance(u, str) and not u.strip() for u in uniques] + [True])
    return flags[codes]


def _texts_of(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(codes, normalised text of each distinct cell); -1 is a blank cell."""
    codes, uniques = factorize_cells(column_cells(column))
    return codes, [normalise(_text(u)) for u in uniques]


def _row_text(row: np.ndarray) -> str:
    return titles_text(row)[:80]


def _named(rest: str, role: str, classifier: Classifier) -> bool:
    """Whether the text after 其中 names a catalog indicator (or region) by itself."""
    if not rest:
        return False
    if role in ("indicator", "indicator_id"):
        return bool(classifier.names.candidates(rest)) or rest in classifier.names.ids
    code = classifier.regions.code(rest)
    return code is not None and code in classifier.regions.codes


def _classify_rows(
    layout: SheetLayout, frame: pd.DataFrame, start: int, classifier: Classifier
) -> None:
    """Blank, footer, 合计/小计, section, breakdown or data, for every row below the header.

    A breakdown row (其中：…, in the indicator or region cell) is a part of the row
    above it: it is read as the indicator or region it names when that is a catalog one
    (其中：5G基站数量 under 基站总数; its cell is rewritten without 其中 so the row
    resolves as such), else skipped and listed (其中：农村地区), never stored as a row of
    its own nor added into a 合计.

    Decided on whole columns (a 100,000-row sheet is not walked row by row): the text
    tests run once per distinct cell, and only the skipped rows are turned into texts.
    A footer line (填表人：…, 注：…) puts every later row without a value in the footer."""
    body = frame.iloc[start:]
    n, width = body.shape
    if n == 0:
        return
    keys = [
        c.index
        for c in layout.columns
        if c.role in ("indicator", "indicator_id", "region", "region_code") and c.index < width
    ]
    values = [c.index for c in layout.columns if c.role in ("value", "wide") and c.index < width]
    filled = np.zeros((n, width), dtype=bool)
    for j in range(width):
        filled[:, j] = ~_blank_cells(body.iloc[:, j])
    some = filled.any(axis=1)
    first = filled.argmax(axis=1)
    has_value = filled[:, values].any(axis=1) if values else np.zeros(n, dtype=bool)
    footer_hit = np.zeros(n, dtype=bool)
    section_hit = np.zeros(n, dtype=bool)
    first_total = np.zeros(n, dtype=bool)
    for j in range(width):  # the first text of each row, by the column it stands in
        where = np.flatnonzero(some & (first == j))
        if where.size:
            codes, texts = _texts_of(body.iloc[where, j])
            foot = [bool(_FOOTER_RE.match(t) or _META_RE.match(t)) for t in texts]
            footer_hit[where] = np.array([*foot, False])[codes]
            section_hit[where] = np.array([bool(_SECTION_RE.match(t)) for t in texts] + [False])[
                codes
            ]
            if j not in values:  # 合计 in a 序号 column, the region cell left blank
                first_total[where] = np.array([t in TOTAL_WORDS for t in texts] + [False])[codes]
    total_hit = np.zeros(n, dtype=bool)
    breakdown_hit = np.zeros(n, dtype=bool)
    renamed: list[tuple[int, int, str]] = []  # (body row, column, cell without 其中)
    for j in keys:
        codes, texts = _texts_of(body.iloc[:, j])
        total_hit |= np.array([t in TOTAL_WORDS for t in texts] + [False])[codes]
        parts = [(k, t, m) for k, t in enumerate(texts) if (m := BREAKDOWN_RE.match(t))]
        if not parts:
            continue
        role = layout.columns[j].role
        flags = np.zeros(len(texts) + 1, dtype=bool)
        for k, t, m in parts:
            rest = t[m.end() :]
            if _named(rest, role, classifier):
                renamed += [(int(i), j, rest) for i in np.flatnonzero(codes == k)]
            else:
                flags[k] = True
        breakdown_hit |= flags[codes]
    before = np.zeros(n, dtype=bool)  # a footer line above this row
    before[1:] = np.maximum.accumulate(footer_hit)[:-1]
    footer = some & (footer_hit | (before & ~has_value))
    total = some & ~footer & (total_hit | first_total)
    breakdown = some & ~footer & ~total & breakdown_hit
    section = some & ~footer & ~total & ~breakdown & section_hit & ~has_value
    data = some & ~footer & ~total & ~breakdown & ~section
    rows = body.index.to_numpy()
    for i, j, rest in renamed:
        if data[i]:
            layout.breakdowns_read.append(Skipped(int(rows[i]), "breakdown", _text(body.iat[i, j])))
            frame.iat[start + i, j] = rest
    layout.data_rows.extend(rows[data].tolist())
    layout.total_rows.extend(rows[total].tolist())
    if data.all():
        return
    reason = np.select(
        [~some, footer, total, breakdown], ["blank", "footer", "total", "breakdown"], "section"
    )
    skipped = np.flatnonzero(~data)
    cells = body.iloc[skipped].to_numpy(dtype=object)
    for k, i in enumerate(skipped.tolist()):
        why = str(reason[i])
        layout.skipped.append(
            Skipped(int(rows[i]), why, "" if why == "blank" else _row_text(cells[k]))
        )


def fingerprint(headers: list[str]) -> str:
    """A sheet's identity for its saved mapping: the normalised headers, in order, with
    the digits of years taken out (next quarter's sheet says 2024年第四季度 where this one
    said 第三季度, and keeps its profile)."""
    parts = [
        re.sub(r"[0-9]{4}|[一二三四]季度|q[1-4]|[0-9]{1,2}月", "#", normalise(h)) for h in headers
    ]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]
