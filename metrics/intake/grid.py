"""Every sheet of a workbook (or the one sheet of a CSV) as a grid of raw cells.

A report's layout can only be found on the cells as they stand, with their true
spreadsheet row numbers, merged ranges and the sheet's visibility; nothing is
interpreted here. .xlsx is read with openpyxl (read-only, cell budget, zip-bomb
checks in metrics.importer), .xls (BIFF8) with python-calamine, CSV with pandas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field

import pandas as pd

from metrics.i18n import both
from metrics.importer import ImportFileError, _encoding, _read_csv, check_xlsx_archive

MAX_CELLS = 10_000_000
#: Rows at the top of a sheet not counted against the row cap (titles, headers).
HEADER_ROOM = 30
_MERGE_RE = re.compile(rb'<mergeCell\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


@dataclass
class Grid:
    """One sheet: rows of cells (None = blank), row i is spreadsheet row i + 1.

    A CSV read by the strict reader keeps its cells as the parsed frame (`frame`) and
    makes row lists only for the rows asked for: a 100,000-row file is never turned
    into 100,000 Python lists and back."""

    name: str
    rows: list[list[object]]
    hidden: bool = False
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    frame: pd.DataFrame | None = None  # the cells as to_frame gives them (rows unused)

    @property
    def width(self) -> int:
        if self.frame is not None:
            return self.frame.shape[1]
        return max((len(r) for r in self.rows), default=0)

    def head(self, count: int) -> list[list[object]]:
        """The first rows as lists of cells."""
        if self.frame is not None:
            return self.frame.iloc[:count].to_numpy(dtype=object).tolist()
        return self.rows[:count]

    def has_cells(self) -> bool:
        """Whether any cell holds something (a NaN from a CSV counts, as before)."""
        if self.frame is not None:
            return self.frame.size > 0
        return any(any(c not in (None, "") for c in r) for r in self.rows)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _xlsx_cell(cell: object) -> object:
    """A cell as the analyst sees it: 0.35 formatted as a percentage is "35%", a date
    formatted without a day (Excel turns a typed 2024年9月 into 2024-09-01 shown as
    2024年9月) is the month "2024年9月", not the first day of it."""
    value = getattr(cell, "value", None)
    fmt = (getattr(cell, "number_format", "") or "").lower()
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in fmt:
        return f"{value * 100:.12g}%"
    if isinstance(value, dt.datetime | dt.date):
        bare = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt)
        if "d" not in bare and ("m" in bare or "y" in bare):
            if "m" not in bare:
                return f"{value.year}年"
            return f"{value.year}年{value.month}月"
    return value


def read_xlsx(data: bytes, max_rows: int | None = None) -> list[Grid]:
    """Every sheet of a workbook, with merged ranges (read from the sheet's XML, which
    openpyxl's read-only mode does not parse) and hidden state.

    With max_rows, reading stops (and the file is refused) as soon as the workbook holds
    more non-blank rows below its sheets' first HEADER_ROOM rows than that: a huge file
    is refused after max_rows rows are parsed, not after all of them (issue 14 item 7)."""
    import openpyxl

    check_xlsx_archive(data)
    grids: list[Grid] = []
    budget = MAX_CELLS
    filled = 0  # non-blank rows below each visible sheet's header room, all sheets
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            archive = zipfile.ZipFile(io.BytesIO(data))
            try:
                for sheet in book.worksheets:
                    sheet.reset_dimensions()
                    rows: list[list[object]] = []
                    capped = max_rows is not None and sheet.sheet_state == "visible"
                    for row in sheet.iter_rows():
                        budget -= max(len(row), 1)
                        if budget < 0:
                            raise ImportFileError(both("import.xlsx_cells", limit=f"{MAX_CELLS:,}"))
                        cells = [_xlsx_cell(c) for c in row]
                        if capped and len(rows) >= HEADER_ROOM:
                            filled += any(c is not None and str(c).strip() != "" for c in cells)
                            if filled > max_rows:
                                raise ImportFileError(
                                    both(
                                        "import.too_many_rows_read",
                                        rows=f"{len(rows) + 1:,}",
                                        limit=f"{max_rows:,}",
                                    )
                                )
                        number = getattr(row[0], "row", None) if row else None
                        if isinstance(number, int) and number > len(rows) + 1:
                            rows.extend([] for _ in range(number - 1 - len(rows)))
                        rows.append(cells)
                    grids.append(
                        Grid(
                            sheet.title,
                            rows,
                            hidden=sheet.sheet_state != "visible",
                            merged=_merges(archive, getattr(sheet, "_worksheet_path", "")),
                        )
                    )
            finally:
                book.close()
                archive.close()
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise ImportFileError(both("import.bad_xlsx", detail=type(exc).__name__)) from None
    return grids


def _merges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    try:
        with archive.open(path.lstrip("/")) as fh:
            xml = fh.read()
    except (KeyError, OSError):
        return []
    out = []
    for m in _MERGE_RE.finditer(xml):
        c0, r0 = _col_index(m[1]), int(m[2]) - 1
        c1, r1 = (_col_index(m[3]), int(m[4]) - 1) if m[3] else (c0, r0)
        out.append((r0, c0, r1, c1))
    return out


def read_xls(data: bytes) -> list[Grid]:
    """A BIFF8 .xls workbook (still common in government offices) via python-calamine."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a dependency
        raise ImportFileError(both("intake.xls_reader")) from None
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids = []
        budget = MAX_CELLS
        for meta in book.sheets_metadata:
            sheet = book.get_sheet_by_name(meta.name)
            rows = [list(r) for r in sheet.to_python(skip_empty_area=False)]
            budget -= sum(len(r) for r in rows)
            if budget < 0:
                raise ImportFileError(both("import.xlsx_cells", limit=f"{MAX_CELLS:,}"))
            rows = [["" if c == "" else c for c in r] for r in rows]
            merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
            hidden = str(getattr(meta, "visible", "Visible")).lower().rsplit(".", 1)[-1]
            grids.append(Grid(meta.name, rows, hidden=hidden != "visible", merged=merged))
        return grids
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(both("import.bad_xlsx", detail=type(exc).__name__)) from None


def read_csv_grid(data: bytes, name: str) -> list[Grid]:
    """A CSV as one grid; its first line is a row like any other (it may be a title), and
    rows may have fewer or more cells than it (a title line has one)."""
    try:  # the strict, fast reader first: a broken quote is refused as before
        frame = _read_csv(data, header=None)
        return [Grid(name, [], frame=_csv_cells(frame))]
    except ImportFileError as exc:
        if "Expected" not in str(exc):  # only ragged rows (a title line) read on
            raise
    encoding = _encoding(data)
    text = data.decode(encoding)
    head = text[:20000].splitlines()[:40]
    sep = "\t" if sum(r.count("\t") for r in head) > sum(r.count(",") for r in head) else ","
    csv.field_size_limit(1 << 30)
    try:
        reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
        rows = [[c if c != "" else None for c in r] for r in reader]
    except csv.Error as exc:
        raise ImportFileError(both("import.bad_csv", detail=str(exc))) from None
    if sum(len(r) for r in rows) > MAX_CELLS:
        raise ImportFileError(both("import.xlsx_cells", limit=f"{MAX_CELLS:,}"))
    return [Grid(name, rows)]


def _csv_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The parsed CSV as to_frame gives a grid (a blank cell missing, columns 0…width-1,
    index = spreadsheet row), its text columns kept as pandas strings: every later step
    factorizes and compares them without a Python object per cell."""
    out = frame.where(frame != "")
    out.columns = range(frame.shape[1])
    out.index = range(1, len(out) + 1)
    return out


def read_grids(data: bytes, filename: str, max_rows: int | None = None) -> list[Grid]:
    """Every sheet of the file, by its extension (an .xlsx refused while it is read when
    it holds more than max_rows rows)."""
    name = filename.lower()
    if not data or data.isspace():
        raise ImportFileError(both("import.empty_file"))
    if name.endswith((".xlsx", ".xlsm")):
        return read_xlsx(data, max_rows)
    if name.endswith(".xls"):
        return read_xls(data)
    if name.endswith((".csv", ".txt", ".tsv")):
        stem = re.sub(r"\.[^.]*$", "", filename)
        return read_csv_grid(data, stem)
    raise ImportFileError(both("import.format", name=filename))


def fill_merged(grid: Grid) -> None:
    """Every cell of a merged range takes the range's top-left value (a county name merged
    over three indicator rows belongs to each of them)."""
    if not grid.merged:
        return
    for r0, c0, r1, c1 in grid.merged:
        if r0 >= len(grid.rows) or (r0 == r1 and c0 == c1):
            continue
        top = grid.rows[r0]
        value = top[c0] if c0 < len(top) else None
        for r in range(r0, min(r1, len(grid.rows) - 1) + 1):
            row = grid.rows[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if row[c] is None or row[c] == "":
                    row[c] = value


def to_frame(grid: Grid) -> pd.DataFrame:
    """The grid as an object DataFrame, padded to its width, index = spreadsheet row."""
    if grid.frame is not None:
        return grid.frame
    width = grid.width
    body = [r + [None] * (width - len(r)) for r in grid.rows]
    frame = pd.DataFrame(body, dtype=object, columns=range(width))
    frame.index = range(1, len(body) + 1)
    return frame
