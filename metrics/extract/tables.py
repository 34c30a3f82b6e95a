"""Indicator tables: the 主要指标 table most plans carry beside their prose.

Pasted from Word or a web page, a table arrives as lines of cells split by `|`, tabs or runs
of spaces, under a header naming the indicator column and one or more years:

    | 序号 | 指标 | 单位 | 2020年 | 2025年 | 属性 |
    | 1 | 5G基站数量 | 万个 | 1.2 | 3.5 | 预期性 |

The earliest year column is the baseline when there are two or more (unless its header says
目标); each later one is a target. A row whose cells do not line up with the header is left
to the prose reader rather than guessed: a value read from the wrong column would be a wrong
target stated with confidence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from metrics.extract.lexicon import plain_number, read_unit
from metrics.extract.naming import clean_name
from metrics.extract.proposals import Proposal, StageDraft
from metrics.extract.text import Paragraph

_SPLIT = re.compile(r"\s*\|\s*|\t|[ \u3000]{2,}")
_LOOSE_SPLIT = re.compile(r"[ \u3000\t]+")
_NAME_HEADER = re.compile(r"^(?:主要|具体|核心)?指标(?:名称|内容|项目?)?$|^名称$")
_UNIT_HEADER = re.compile(r"^(?:计量)?单位$")
_YEAR_HEADER = re.compile(
    r"^(?P<y>(?:19|20)\d{2})年?(?:年?底|年?末)?(?:的)?(?P<kind>目标值?|预期值?|基期值?|现状值?|基数|值|数值)?"
    r"(?:\((?P<paren>[^)]*)\))?$"
)
_NUMBER_ROW = re.compile(r"^\d{1,3}\.?$")
_VALUE = re.compile(
    r"^(?P<pre>≥|≤|>=|<=|>|<|不低于|不少于|大于|超过|小于|低于|不高于|不超过|约)?"
    r"[\[〔【(]?(?P<v>\d+(?:\.\d+)?)[\]〕】)]?"
    r"(?P<unit>[^\d\s]*?)"
    r"(?P<suf>以上|以下|以内|左右)?$"
)
_UNIT_IN_NAME = re.compile(r"\((?P<u>[^()]{1,8})\)$")
_EMPTY = {"", "-", "—", "——", "/", "--", "无", "…"}
_OPS = {
    "≥": ">=",
    ">=": ">=",
    ">": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "大于": ">=",
    "超过": ">=",
    "以上": ">=",
    "≤": "<=",
    "<=": "<=",
    "<": "<=",
    "小于": "<=",
    "低于": "<=",
    "不高于": "<=",
    "不超过": "<=",
    "以下": "<=",
    "以内": "<=",
    "约": "==",
    "左右": "==",
}
_CEILING_NAME = re.compile(r"PUE|电能利用效率|时限|时长|时间|能耗|成本|次数")


@dataclass
class TableTarget:
    """One target cell of an indicator table, with the row it came from."""

    name: str
    unit: str
    op: str
    by: date
    value: float
    row_start: int  # offsets of the row's line in the original text
    row_end: int
    op_source: str  # "cell" (≥ 95, 95以上), "baseline" (below the base year: a ceiling), "floor"
    baseline: tuple[float, date] | None = None

    @property
    def off_scale(self) -> bool:
        """A hundred times the base year's value or less than a hundredth: a unit or a
        thousands separator read wrong ("1.2 万个 → 2,500") more likely than a plan's ambition."""
        if not self.baseline or not self.baseline[0] or not self.value:
            return False
        ratio = self.value / self.baseline[0]
        return ratio > 100 or ratio < 0.01


@dataclass
class Table:
    start: int  # the header line's offset in the original text
    end: int  # the end of its last row
    targets: list[TableTarget]


def _cells(line: str, loose: bool) -> list[str]:
    text = unicodedata.normalize("NFKC", line).strip()
    if "|" in text:
        cells = _SPLIT.split(text.strip("|"))
    else:
        cells = (_LOOSE_SPLIT if loose else _SPLIT).split(text)
    return [c.strip() for c in cells]


def _header(cells: list[str]) -> tuple[int, int | None, list[tuple[int, int, bool]]] | None:
    """(name column, unit column, [(column, year, is_base)]) of an indicator table's header."""
    name_col = next((i for i, c in enumerate(cells) if _NAME_HEADER.match(c)), None)
    if name_col is None:
        return None
    years = []
    for i, c in enumerate(cells):
        m = _YEAR_HEADER.match(c)
        if m:
            kind = (m.group("kind") or "") + (m.group("paren") or "")
            base = bool(re.search(r"基期|现状|基数|实际", kind))
            years.append((i, int(m.group("y")), base, "目标" in kind or "预期" in kind))
    if not years:
        return None
    if len(years) >= 2 and not any(b for _, _, b, _ in years):
        first = min(years, key=lambda t: t[1])
        if not first[3]:  # "2020年 | 2025年": the first is where the plan starts from
            years = [(i, y, (i, y) == (first[0], first[1]), g) for i, y, _, g in years]
    unit_col = next((i for i, c in enumerate(cells) if _UNIT_HEADER.match(c)), None)
    return name_col, unit_col, [(i, y, b) for i, y, b, _ in years]


def _value(cell: str) -> tuple[float, str, str] | None:
    """(value, unit written in the cell, op word) of a cell such as 95, ≥95%, 3.5万个, [5]."""
    # inside a cell a comma between digit groups can only group thousands: "2,500", "2，500"
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", cell.replace(" ", ""))
    if text in ("全覆盖", "100%覆盖"):
        return 100.0, "%", ""
    m = _VALUE.match(text)
    if not m:
        return None
    unit = m.group("unit")
    if unit:  # only a unit the lexicon knows: "5G基站数量" is a name, not 5 of something
        read = read_unit(unit, 0)
        if read is None or read[2] != len(unit):
            return None
        unit = read[0] + read[1]
    return float(m.group("v")), unit, m.group("pre") or m.group("suf") or ""


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        out.append((pos, pos + len(line.rstrip("\r\n")), line.rstrip("\r\n")))
        pos += len(line)
    return out


def find_tables(text: str) -> list[Table]:
    """The indicator tables of a text, each with the targets its rows state."""
    tables: list[Table] = []
    lines = _lines(text)
    i = 0
    while i < len(lines):
        start, _, line = lines[i]
        found = None
        for loose in (False, True):
            cells = _cells(line, loose)
            if len(cells) >= 3 and (head := _header(cells)):
                found = (loose, len(cells), head)
                break
        if found is None:
            if (column := _one_cell_per_line(lines, i)) is not None:
                tables.append(column[0])
                i = column[1]
                continue
            i += 1
            continue
        loose, width, (name_col, unit_col, years) = found
        targets: list[TableTarget] = []
        end = lines[i][1]
        j = i + 1
        while j < len(lines):
            r0, r1, row_line = lines[j]
            if not row_line.strip():
                j += 1
                if j < len(lines) and not lines[j][2].strip():
                    break  # two blank lines end the table
                continue
            cells = _cells(row_line, loose)
            if len(cells) < 3:
                break  # back to prose
            row = _row(cells, width, name_col, unit_col, years, r0, r1)
            if row is None and not any(_value(c) for c in cells):
                break
            targets.extend(row or [])
            end = r1
            j += 1
        tables.append(Table(start, end, targets))
        i = j
    return tables


def _row(
    cells: list[str],
    width: int,
    name_col: int,
    unit_col: int | None,
    years: list[tuple[int, int, bool]],
    r0: int,
    r1: int,
) -> list[TableTarget] | None:
    """The targets of one row; None when its cells cannot be lined up with the header."""
    if len(cells) == width + 1 and _NUMBER_ROW.match(cells[0]):
        cells = cells[1:]  # a row number under no 序号 header
    if len(cells) > width:
        return None
    shift = width - len(cells)  # merged category cells on the left: line up from the right
    if shift and name_col - shift < 0:
        return None

    def cell(col: int | None) -> str:
        if col is None or col - shift < 0:
            return ""
        return cells[col - shift]

    name = cell(name_col)
    if not name or _value(name) or _NUMBER_ROW.match(name):
        return None
    unit = cell(unit_col).strip("()") if unit_col is not None else ""
    if not unit and (m := _UNIT_IN_NAME.search(unicodedata.normalize("NFKC", name))):
        unit = m.group("u")
        name = name[: m.start()]
    base: tuple[float, date] | None = None
    out: list[TableTarget] = []
    for col, year, is_base in sorted(years, key=lambda t: t[1]):
        raw = cell(col)
        if raw in _EMPTY:
            continue
        read = _value(raw)
        if read is None:
            continue
        value, cell_unit, word = read
        by = date(year, 12, 31)
        if is_base:
            base = (value, by)
            continue
        op = _OPS.get(word, "")
        source = "cell" if op else "floor"
        if not op:
            if (base and value < base[0]) or _CEILING_NAME.search(name):
                op, source = "<=", "baseline" if base and value < base[0] else "name"
            else:
                op = ">="
        out.append(TableTarget(name, unit or cell_unit, op, by, value, r0, r1, source, base))
    return out


_OTHER_HEADER = re.compile(
    r"^(?:序号|类别|分类|领域|一级指标|二级指标|属性|指标属性|来源|数据来源|责任单位|牵头单位|备注)$"
)
_PROSE = re.compile(r"[。;:!?]|^.{41,}$")


def _one_cell(line: str) -> str:
    return unicodedata.normalize("NFKC", line).strip().removesuffix("|").strip()


def _one_cell_per_line(lines: list[tuple[int, int, str]], i: int) -> tuple[Table, int] | None:
    """A table a web page flattened to one cell per line ("类别 |", "主要指标 |", "单位 |",
    "2022年 |", "2027年 |", then the cells row after row, merged cells left out).

    Rows are found by their shape, not by counting cells: a unit cell followed by one cell per
    year column (a number, or / for none) is a row, and the cell before the unit is its name;
    category and source cells around it are skipped."""
    header: list[str] = []
    j = i
    while j < len(lines) and len(header) < 10:
        cell = _one_cell(lines[j][2])
        if not (
            _NAME_HEADER.match(cell)
            or _UNIT_HEADER.match(cell)
            or _YEAR_HEADER.match(cell)
            or _OTHER_HEADER.match(cell)
        ):
            break
        header.append(cell)
        j += 1
    years = [int(m.group("y")) for c in header if (m := _YEAR_HEADER.match(c))]
    if not any(_NAME_HEADER.match(c) for c in header) or not years:
        return None
    if not any(_UNIT_HEADER.match(c) for c in header):
        return None  # without a unit column a row's shape cannot be told
    cells: list[tuple[str, int, int]] = []
    while j < len(lines):
        r0, r1, raw = lines[j]
        if not raw.strip():
            break
        cell = _one_cell(raw)
        if _PROSE.search(cell.removeprefix("其中:")):
            break
        cells.append((cell, r0, r1))
        j += 1
    base_first = len(years) >= 2
    targets: list[TableTarget] = []
    k = 1
    while k + len(years) < len(cells):
        unit, name = cells[k][0], cells[k - 1][0]
        values = [c for c, _, _ in cells[k + 1 : k + 1 + len(years)]]
        read = read_unit(unit, 0) if unit != "%" else ("", "%", 1)
        if (
            not read
            or read[2] != len(unit)
            or _value(name)
            or not name
            or not all(v in _EMPTY or _value(v) for v in values)
        ):
            k += 1
            continue
        base = None
        if base_first and (v := _value(values[0])):
            base = (v[0], date(years[0], 12, 31))
        for year, v in list(zip(years, values, strict=True))[1 if base_first else 0 :]:
            got = _value(v) if v not in _EMPTY else None
            if got is None:
                continue
            op = _OPS.get(got[2], "")
            source = "cell" if op else "floor"
            if not op and base and got[0] < base[0]:
                op, source = "<=", "baseline"
            targets.append(
                TableTarget(
                    name.removeprefix("其中:"),
                    unit,
                    op or ">=",
                    date(year, 12, 31),
                    got[0],
                    cells[k - 1][1],
                    cells[k + len(years)][2],
                    source,
                    base,
                )
            )
        k += len(years) + 1
    if not targets:
        return None
    return Table(lines[i][0], cells[-1][2], targets), j


def table_proposals(table: Table, original: str, at: int, para: Paragraph | None) -> list[Proposal]:
    """One proposal per row, a stage per target year, each noted as read from a table (and why
    its op is what it is); `at` is the paragraph before the table, so rows sort after its prose."""
    rows: dict[int, list[TableTarget]] = {}
    for t in table.targets:
        rows.setdefault(t.row_start, []).append(t)
    out: list[Proposal] = []
    for row_start, cells in rows.items():
        first = cells[0]
        notes: list[tuple[str, dict[str, Any]]] = [("extract.note_table", {})]
        if any(c.op_source == "floor" for c in cells):
            notes.append(("extract.note_floor", {}))
        if any(c.op_source == "baseline" for c in cells):
            notes.append(("extract.note_table_ceiling", {}))
        if any(c.off_scale for c in cells):
            notes.append(("extract.note_table_scale", {}))
        if first.baseline:
            value, as_of = first.baseline
            notes.append(("extract.note_baseline", {"value": plain_number(value), "date": as_of}))
        out.append(
            Proposal(
                kind="quantity",
                name=clean_name(first.name) or first.name,
                unit=first.unit,
                stages=[StageDraft(c.op, c.by, c.value) for c in cells],
                para=at,
                start=10**6 + row_start,
                end=10**6 + first.row_end,
                quote_start=10**6 + row_start,
                clause=para.clause if para else "",
                heading=para.heading if para else "",
                notes=notes,
                quote=re.sub(r"\s+", "", original[row_start : first.row_end]),
                deadline_source="table",
                baseline=first.baseline,
            )
        )
    return out
