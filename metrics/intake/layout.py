"""Finding the table inside a report sheet: the header row below titles and 填报单位
lines, merged two-level headers, what each column is, and which rows are data.

Rows that are not data (blank rows, footers such as 填表人/审核人/注：, section rows
such as 一、…, 合计/小计 rows) are skipped and *listed*, with their true spreadsheet
row numbers, so the preview shows exactly what is left out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

import pandas as pd

from metrics.intake.names import TOTAL_WORDS, IndicatorNames, RegionNames, normalise
from metrics.periods import relative_period

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
    reason: str  # blank | footer | section | total | title
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
    skipped: list[Skipped] = field(default_factory=list)
    period: str = ""  # the period of a sheet with none in its cells
    period_from: str = ""  # title | sheet | file | mapping
    ytd: bool = False
    region: str = ""  # the region of a sheet with no region column
    region_from: str = ""
    fingerprint: str = ""
    profile: bool = False  # a saved profile (keyed by fingerprint) was applied

    def to_json(self) -> dict:
        return asdict(self)

    def role_of(self, role: str) -> Column | None:
        return next((c for c in self.columns if c.role == role), None)


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

    def classify(self, top: object, bottom: object = None) -> Column:
        """The column for a header of one or two levels."""
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
    rows = frame.index.tolist()
    cells = frame.to_numpy(dtype=object)
    best, best_score = None, 0
    candidates = (
        [rows.index(header_row)] if header_row in rows else range(min(HEADER_SCAN, len(rows)))
    )
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
    if best + 1 < len(rows) and _is_second_level(
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
    titles = [" ".join(_text(c) for c in cells[i] if not _blank(c)) for i in range(best)]
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
    _classify_rows(layout, rows, cells, header[-1] + 1)
    return layout


def titles_text(row: object) -> str:
    return " ".join(_text(c) for c in row if not _blank(c))


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


def _classify_rows(layout: SheetLayout, rows: list[int], cells, start: int) -> None:  # type: ignore[no-untyped-def]
    keys = [
        c.index
        for c in layout.columns
        if c.role in ("indicator", "indicator_id", "region", "region_code")
    ]
    values = [c.index for c in layout.columns if c.role in ("value", "wide")]
    in_footer = False
    texts_of: dict[
        tuple[type, object], str
    ] = {}  # a sheet repeats its names: each cell text made once
    normal: dict[str, str] = {}

    def text(c: object) -> str:
        if c is None or (isinstance(c, float) and c != c):
            return ""
        key = (type(c), c)  # 1, 1.0 and True are equal keys but not equal texts
        try:
            return texts_of[key]
        except KeyError:
            t = texts_of[key] = _text(c)
            return t
        except TypeError:  # unhashable: not seen in grids, kept safe
            return _text(c)

    def norm(t: str) -> str:
        try:
            return normal[t]
        except KeyError:
            n = normal[t] = normalise(t)
            return n

    for i in range(start, len(rows)):
        row = cells[i]
        texts = [t for t in map(text, row) if t]
        if not texts:
            layout.skipped.append(Skipped(rows[i], "blank"))
            continue
        first = norm(texts[0])
        has_value = any(text(row[j]) for j in values if j < len(row))
        if _FOOTER_RE.match(first) or _META_RE.match(first) or (in_footer and not has_value):
            in_footer = True
            layout.skipped.append(Skipped(rows[i], "footer", " ".join(texts)[:80]))
            continue
        key_texts = {norm(text(row[j])) for j in keys if j < len(row)}
        if key_texts & TOTAL_WORDS:
            layout.skipped.append(Skipped(rows[i], "total", " ".join(texts)[:80]))
            continue
        if _SECTION_RE.match(first) and not has_value:
            layout.skipped.append(Skipped(rows[i], "section", " ".join(texts)[:80]))
            continue
        layout.data_rows.append(rows[i])


def fingerprint(headers: list[str]) -> str:
    """A sheet's identity for its saved mapping: the normalised headers, in order, with
    the digits of years taken out (next quarter's sheet says 2024年第四季度 where this one
    said 第三季度, and keeps its profile)."""
    parts = [
        re.sub(r"[0-9]{4}|[一二三四]季度|q[1-4]|[0-9]{1,2}月", "#", normalise(h)) for h in headers
    ]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]
