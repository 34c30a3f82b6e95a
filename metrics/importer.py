"""Reading and checking statistics sheets (CSV in UTF-8/BOM/GBK, comma or tab; .xlsx).

Everything is decided on whole columns at once, and every rejected row is named
with its spreadsheet row number (header = 1), its column, the raw value and a
bilingual sentence. The single-entry form goes through `check_rows` too, so a
value typed by hand and a value in a file meet the same rules.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from metrics.catalog import Catalog
from metrics.errors import InvalidInput
from metrics.i18n import both
from metrics.periods import column_cells, factorize_cells, find_periods, parse_periods
from metrics.values import parse_values

COLUMNS: dict[str, tuple[str, ...]] = {
    "indicator_id": ("指标编码", "indicator_id"),
    "indicator": ("指标名称", "indicator"),
    "region": ("地区", "地区编码", "地区名称", "region"),
    "period": ("统计期", "期间", "period"),
    "value": ("数值", "值", "value"),
    "note": ("备注", "note"),
    "source": ("来源", "source"),
}

# What `export` and `template` write: the import reads it back unchanged.
EXPORT_HEADERS = {
    "indicator_id": "指标编码",
    "indicator": "指标名称",
    "region": "地区编码",
    "region_name": "地区",
    "period": "统计期",
    "value": "数值",
    "unit": "单位",
    "note": "备注",
    "source": "来源",
}


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read; nothing in it is checked row by row."""


@dataclass
class CheckedRows:
    """Rows that passed every check, and every error found, by spreadsheet row."""

    rows: pd.DataFrame  # row, indicator_id, region_code, period_kind, period_end, period_label,
    #                     value, note, source, year_to_date
    errors: pd.DataFrame  # row, column, value, message
    total: int
    columns: dict[str, str] = field(default_factory=dict)  # canonical name → header in file

    def error_list(self) -> list[dict]:
        return self.errors.to_dict("records")


ERROR_COLUMNS = ["row", "column", "value", "message"]


def _norm_header(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """The sheet's cells, header row as column names, nothing interpreted yet."""
    name = filename.lower()
    if not data or data.isspace():  # (no stripped copy of a large file)
        raise ImportFileError(both("import.empty_file"))
    if name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if name.endswith((".csv", ".txt", ".tsv")):
        return _read_csv(data)
    raise ImportFileError(both("import.format", name=filename))


def _read_xlsx(data: bytes) -> pd.DataFrame:
    """The first sheet, cell by cell: a cell formatted as a percentage (0.35 shown as 35%)
    becomes the text "35%", as the analyst sees it, not the fraction Excel stores.

    A workbook is a zip, and a small one can inflate to gigabytes: before openpyxl opens
    it, the members' declared sizes (zipfile never inflates a member past its declared
    size) and compression ratios are checked. The sheet is read by the rows it really
    holds, not the size it declares, within a budget of cells. A blank cell is "", as in
    a CSV, and a repeated header is renamed "数值.1" as pandas does for a CSV."""
    import warnings

    import openpyxl

    max_cells = 10_000_000
    check_xlsx_archive(data)
    try:
        with warnings.catch_warnings():  # openpyxl's warnings are not the analyst's to read
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # a declared A1:XFD1048576 would pad every row
            rows, budget = [], max_cells
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for row in sheet.iter_rows():
                    budget -= max(len(row), 1)
                    if budget < 0:
                        raise ImportFileError(both("import.xlsx_cells", limit=f"{max_cells:,}"))
                    rows.append([_xlsx_cell(c) for c in row])
        finally:
            book.close()
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise ImportFileError(both("import.bad_xlsx", detail=type(exc).__name__)) from None
    rows = [r for r in rows if any(v is not None and str(v).strip() != "" for v in r)]
    if not rows:
        raise ImportFileError(both("import.empty_file"))
    width = max(len(r) for r in rows)
    header, seen = [], {}
    for v in rows[0] + [None] * (width - len(rows[0])):
        name = "" if v is None else str(v)
        header.append(f"{name}.{seen[name]}" if name in seen else name)
        seen[name] = seen.get(name, 0) + 1
    body = [["" if v is None else v for v in r] + [""] * (width - len(r)) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def check_xlsx_archive(data: bytes) -> None:
    """Refuse a workbook that is not a zip or would inflate past the budget, before any
    reader opens it (zipfile never inflates a member past its declared size)."""
    # A 200,000-row sheet inflates to about 100 MB at 15:1; deflate bombs reach 1000:1.
    max_unpacked_mb, max_ratio = 512, 100
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(both("import.bad_xlsx", detail="not a zip/xlsx file"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as exc:  # a damaged central directory
        raise ImportFileError(both("import.bad_xlsx", detail=type(exc).__name__)) from None
    unpacked = sum(m.file_size for m in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if unpacked > max_unpacked_mb << 20 or (ratio > max_ratio and unpacked > 1 << 20):
        raise ImportFileError(
            both(
                "import.xlsx_bomb",
                size=round(unpacked / (1 << 20)),
                ratio=round(ratio),
                limit=max_unpacked_mb,
                max_ratio=max_ratio,
            )
        )


def _xlsx_cell(cell: object) -> object:
    value = getattr(cell, "value", None)
    fmt = getattr(cell, "number_format", "") or ""
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in fmt:
        return f"{value * 100:.12g}%"
    return value


def _encoding(data: bytes) -> str:
    """The file's encoding: UTF-8 (with or without BOM), else GB18030 (which reads GBK).

    Checked chunk by chunk, so a large file is not held twice in memory as text."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), _CHUNK):
                decoder.decode(data[start : start + _CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(both("import.encoding"))


_CHUNK = 1 << 20


def _read_csv(data: bytes, header: int | None = 0) -> pd.DataFrame:
    encoding = _encoding(data)
    # A NUL byte is a NUL character in both encodings (no multi-byte sequence holds 0x00),
    # and tab and comma are single bytes no GB18030 sequence contains.
    if b"\x00" in data:
        raise ImportFileError(both("import.encoding"))
    newline = data.find(b"\n")
    first = data if newline < 0 else data[:newline]
    sep = "\t" if first.count(b"\t") > first.count(b",") else ","
    try:
        # The C parser reads the bytes itself: no decoded copy, no StringIO.
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=header,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            encoding=encoding,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ImportFileError(both("import.bad_csv", detail=str(exc).strip())) from None
    return frame


def _headers(frame: pd.DataFrame) -> dict[str, str]:
    """Canonical column → the file's own header, for the columns found."""
    lookup = {_norm_header(alias): canon for canon, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, str] = {}
    for header in frame.columns:
        canon = lookup.get(_norm_header(header))
        if canon and canon not in found:
            found[canon] = header
    shown = "、".join(str(c) for c in frame.columns) or "—"
    for required in ("period", "value"):
        if required not in found:
            raise ImportFileError(
                both(
                    "import.missing_column",
                    column=COLUMNS[required][0],
                    aliases="/".join(COLUMNS[required]),
                    found=shown,
                )
            )
    if "indicator_id" not in found and "indicator" not in found:
        raise ImportFileError(both("import.no_indicator_column", found=shown))
    return found


def _cell_text(cell: object) -> str:
    """One cell as trimmed text: Excel's 371700.0 becomes "371700"."""
    if isinstance(cell, float) and cell.is_integer():
        cell = str(int(cell))
    return unicodedata.normalize("NFKC", str(cell)).strip()


def _per_distinct(column: pd.Series, convert) -> pd.Series:  # type: ignore[no-untyped-def]
    """convert(cell) for each distinct cell, mapped back to every row; "" for a blank cell.

    A sheet has few distinct indicators, regions and periods among a million rows, so
    the Python work is done once per distinct value (TRUE and 1 stay apart)."""
    codes, uniques = factorize_cells(column_cells(column))
    texts = np.array([convert(u) for u in uniques] + [""], dtype=object)
    return pd.Series(texts[codes], index=column.index, dtype=object)  # code -1 → ""


def _text(column: pd.Series) -> pd.Series:
    """Cells as trimmed text: Excel's 371700.0 becomes "371700", blanks become ""."""
    return _per_distinct(column, _cell_text)


def _messages(mask: pd.Series, key: str, **columns: pd.Series) -> pd.Series:
    """A bilingual message for each masked row, its placeholders filled from columns."""
    picked = {name: col[mask] for name, col in columns.items()}
    texts = [
        both(key, **dict(zip(picked, values, strict=True)))
        for values in zip(*picked.values(), strict=True)
    ]
    return pd.Series(texts, index=mask.index[mask], dtype=object).reindex(mask.index)


_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@\t\r])")


def _free_text(frame: pd.DataFrame, columns: dict[str, str], name: str) -> pd.Series:
    """A note or source column, as written (trimmed); None when the file has no such
    column (keep what is stored). The apostrophe our exports put before a formula-like
    text is taken off."""
    if name not in columns:
        return pd.Series(None, index=frame.index, dtype=object)
    return _per_distinct(frame[columns[name]], lambda c: _FORMULA_GUARD.sub("", _free_cell(c)))


def _free_cell(cell: object) -> str:
    """A note or source as written, only trimmed: NFKC would turn "统计局：修订（第二版）"
    into "统计局:修订(第二版)" (issue 14 item 9); names, codes and numbers keep it."""
    if isinstance(cell, float) and cell.is_integer():
        cell = str(int(cell))
    return str(cell).strip()


def _lookup(values: pd.Series, mapping) -> pd.Series:  # type: ignore[no-untyped-def]
    """values.map(mapping) (a dict or a Series), looked up once per distinct value: the
    same result and dtype, without hashing a million cells per lookup."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = pd.Series(uniques, dtype=values.dtype).map(mapping)
    return pd.Series(mapped.array.take(codes, allow_fill=True), index=values.index)


def _plan_life(catalog: Catalog) -> pd.DataFrame:
    """Per indicator: the periods its plan covers, from the year before the plan was issued
    (the baseline year, or an earlier baseline's) to the end of the year of the plan's last
    deadline, so a milestone finished late can still be reported."""
    last: dict[str, int] = {}
    for ind in catalog.indicators.values():
        year = max(s.by for s in ind.targets).year
        last[ind.plan] = max(last.get(ind.plan, year), year)
    rows = []
    for ind in catalog.indicators.values():
        issued = catalog.plans[ind.plan].issued
        start = date(issued.year - 1, 1, 1)
        if ind.baseline and ind.baseline.date < start:
            start = date(ind.baseline.date.year, 1, 1)
        end = date(last[ind.plan], 12, 31)
        rows.append((ind.id, pd.Timestamp(start), pd.Timestamp(end)))
    return pd.DataFrame(rows, columns=["indicator_id", "life_start", "life_end"]).set_index(
        "indicator_id"
    )


def _region_maps(catalog: Catalog) -> tuple[dict[str, str], dict[str, str]]:
    codes = {code: code for code in catalog.regions}
    names: dict[str, str] = {}
    seen: dict[str, int] = {}
    for r in catalog.regions.values():
        for name in {r.name, r.name_en, r.name_en.lower()} - {""}:
            seen[name] = seen.get(name, 0) + 1
            names[name] = r.code
    return codes, {n: c for n, c in names.items() if seen[n] == 1}


def _descendants(catalog: Catalog) -> set[tuple[str, str]]:
    """(ancestor, region) pairs, each region paired with itself too."""
    pairs = set()
    for code in catalog.regions:
        current: str | None = code
        while current is not None:
            pairs.add((current, code))
            current = catalog.regions[current].parent
    return pairs


def _inside(plan_region: pd.Series, region: pd.Series, pairs: set[tuple[str, str]]) -> pd.Series:
    """Whether each row's region lies within its plan's region, decided once per distinct
    (plan region, region) pair."""
    out = pd.Series(False, index=region.index)
    if not len(region):
        return out
    pc, pu = pd.factorize(plan_region)
    rc, ru = pd.factorize(region)
    inverse, distinct = pd.factorize(pc.astype(np.int64) * len(ru) + rc)
    ok = np.array([(pu[c // len(ru)], ru[c % len(ru)]) in pairs for c in distinct.tolist()])
    out[:] = ok[inverse]
    return out


def _duplicated(columns: list[pd.Series]) -> pd.Series:
    """DataFrame(columns).duplicated(keep=False), on one integer key made of the columns'
    codes (no NaN among them) rather than on a million tuples of objects."""
    codes = [pd.factorize(c)[0].astype(np.int64) for c in columns]
    sizes = [int(c.max()) + 1 if len(c) else 1 for c in codes]
    if float(np.prod(sizes, dtype=float)) >= 2.0**62:
        return pd.DataFrame(dict(enumerate(columns))).duplicated(keep=False)
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for c, size in zip(codes, sizes, strict=True):
        key = key * size + c
    return pd.Series(pd.Series(key).duplicated(keep=False).to_numpy(), index=columns[0].index)


class KeyLedger:
    """The (indicator, region, kind, end) keys of the chunks of one file checked so far,
    one int64 each (with the row, the period cell and its header), so a key repeated in
    another chunk is found as in a file checked at once. About 30 bytes a row."""

    def __init__(self, catalog: Catalog) -> None:
        self._codes = [
            {i: n for n, i in enumerate(catalog.indicators)},
            {r: n for n, r in enumerate(catalog.regions)},
            {k: n for n, k in enumerate(("day", "month", "quarter", "year"))},
        ]
        self._sorted = np.zeros(0, dtype=np.int64)  # every key so far, sorted
        self._parts: list[tuple[np.ndarray, ...]] = []  # key, row, text code, header code
        self._texts: dict[object, int] = {}
        self.found = False  # a key seen twice so far

    def _key(self, columns: list[pd.Series]) -> np.ndarray:
        key = np.zeros(len(columns[0]), dtype=np.int64)
        for col, codes in zip(columns[:3], self._codes, strict=True):
            key = key * (len(codes) + 1) + _lookup(col, codes).fillna(len(codes)).to_numpy(
                dtype=np.int64
            )
        days = columns[3].to_numpy(dtype="datetime64[D]").astype(np.int64)
        return key * (1 << 20) + (days + (1 << 19))  # ±1,400 years around 1970

    def _code(self, values: object, n: int) -> np.ndarray:
        if not isinstance(values, pd.Series):
            return np.full(n, self._texts.setdefault(values, len(self._texts)), dtype=np.int32)
        codes, uniques = pd.factorize(values.astype(object))
        table = np.array([self._texts.setdefault(u, len(self._texts)) for u in uniques] + [0])
        return table[codes].astype(np.int32)

    def add(
        self,
        columns: list[pd.Series],
        rows: pd.Series,
        shown: pd.Series,
        header: object,
        reported: pd.Series,
    ) -> pd.Series:
        """Keep this chunk's keys; True for its rows whose key is in this chunk twice or
        was in an earlier one."""
        key = self._key(columns)
        here = pd.Series(key).duplicated(keep=False).to_numpy().copy()
        if len(self._sorted):
            at = np.searchsorted(self._sorted, key).clip(max=len(self._sorted) - 1)
            here |= self._sorted[at] == key
        self.found |= bool(here.any())
        self._sorted = np.sort(np.concatenate([self._sorted, key]), kind="stable")
        n = len(key)
        self._parts.append(
            (
                key,
                rows.to_numpy(dtype=np.int64),
                self._code(shown, n),
                self._code(header, n),
                reported.to_numpy(dtype=bool),
            )
        )
        return pd.Series(here, index=rows.index)

    def errors(self) -> pd.DataFrame:
        """One error per row whose key is in the file more than once, listing all its rows."""
        if not self._parts:
            return pd.DataFrame(columns=ERROR_COLUMNS)
        key, rows, shown, header, reported = (
            np.concatenate(p) for p in zip(*self._parts, strict=True)
        )
        dup = pd.Series(key).duplicated(keep=False).to_numpy()
        if not dup.any():
            return pd.DataFrame(columns=ERROR_COLUMNS)
        picked = pd.DataFrame({"key": key[dup], "row": rows[dup]}).sort_values("row", kind="stable")
        listing = picked.groupby("key")["row"].transform(lambda s: "、".join(str(x) for x in s))
        texts = np.array(list(self._texts), dtype=object)
        out = pd.DataFrame(
            {
                "row": picked["row"].to_numpy(),
                "column": texts[header[dup][picked.index]],
                "value": texts[shown[dup][picked.index]].astype(str),
                "message": listing.map(lambda r: both("row.duplicate", rows=r)).to_numpy(),
            }
        )
        return out[reported[dup][picked.index]].reset_index(drop=True)


def _year_to_date(raw_period: pd.Series) -> pd.Series:
    """Whether each row's period cell names a year-to-date span (2024年1-9月,
    2024年前三季度): such a value is stored with observations.year_to_date (issue 13)."""
    codes, uniques = factorize_cells(column_cells(raw_period))
    flags = np.array(
        [any(y for _p, y in find_periods(_cell_text(u))) for u in uniques] + [False], dtype=bool
    )
    return pd.Series(flags[codes], index=raw_period.index)


def _dates(stamps: pd.Series, mask: pd.Series) -> pd.Series:
    """The masked rows' timestamps as dates (for messages); converted only where needed."""
    return stamps[mask].dt.date.reindex(stamps.index)


def check_table(
    frame: pd.DataFrame, catalog: Catalog, ledger: KeyLedger | None = None
) -> CheckedRows:
    """Check every row of a read sheet against the catalog.

    Every rule is decided on whole columns; the Python work per row is done once per
    distinct value (indicator, region, period, note) and the texts of rejected rows and
    their messages are made only for the rejected rows. With a `ledger` the frame is one
    chunk of a file: its keys are kept there, a key seen in any chunk is refused, and the
    duplicate errors of the whole file come from `ledger.errors()` once every chunk is
    checked (so each lists every row of its key, as for a file checked at once)."""
    columns = _headers(frame)
    frame = frame.reset_index(drop=True)
    n = len(frame)
    # A table from metrics.intake carries each row's true spreadsheet row and sheet, the
    # header its value came from, and the problems found while reading it.
    if "__row__" in frame:
        row_no = frame["__row__"].astype(np.int64)
    else:
        row_no = pd.Series(np.arange(n) + 2, index=frame.index)
    sheets = (
        frame["__sheet__"] if "__sheet__" in frame and frame["__sheet__"].nunique() > 1 else None
    )
    value_header = frame.get("__value_header__")
    errors: list[pd.DataFrame] = []
    pre_bad = pd.Series(False, index=frame.index)

    def _header_of(column: str | pd.Series, mask: pd.Series) -> object:
        """The header shown for a column's error (sheet-qualified when several sheets)."""
        if isinstance(column, pd.Series):
            header: object = column[mask]
        elif column == "value" and value_header is not None:
            header = value_header[mask]
        else:
            header = columns.get(column, column)
            header = frame.attrs.get("headers", {}).get(header, header)
        if sheets is not None:
            header = sheets[mask].astype(str) + "!" + pd.Series(header, index=mask.index)[mask]
        return header

    def fail(mask: pd.Series, column: str, raw, messages) -> None:  # type: ignore[no-untyped-def]
        """Record an error for each masked row. raw and messages are a column, a text, or
        a function of the mask (so they cost nothing when no row fails)."""
        mask = mask & ~pre_bad  # a row refused while reading is reported once
        if not mask.any():
            return
        shown = raw(mask) if callable(raw) else raw[mask]
        if callable(messages):
            messages = messages(mask)
        msg = messages[mask] if isinstance(messages, pd.Series) else messages
        header = _header_of(column, mask)
        errors.append(
            pd.DataFrame(
                {
                    "row": row_no[mask],
                    "column": header,
                    "value": shown.astype(str),
                    "message": msg,
                }
            )
        )

    bad = pd.Series(False, index=frame.index)
    if "__error__" in frame:
        read_bad = frame["__error__"].notna()
        fail(read_bad, frame["__error_column__"], frame["__error_value__"], frame["__error__"])
        bad |= read_bad
        pre_bad = read_bad

    # indicator: by id, else by exact name
    ind_id = pd.Series(np.nan, index=frame.index, dtype=object)
    if "indicator_id" in columns:
        raw_id = _text(frame[columns["indicator_id"]])
        ind_id = _lookup(raw_id, {i: i for i in catalog.indicators})
        given = raw_id != ""
        unknown_id = given & ind_id.isna()
        fail(
            unknown_id,
            "indicator_id",
            raw_id,
            lambda m: _messages(m, "row.unknown_indicator", raw=raw_id),
        )
        bad |= unknown_id
    else:
        given = pd.Series(False, index=frame.index)
    if "indicator" in columns:
        raw_name = _text(frame[columns["indicator"]])
        by_name: dict[str, str] = {}
        counts: dict[str, int] = {}
        for ind in catalog.indicators.values():
            by_name[ind.name] = ind.id
            counts[ind.name] = counts.get(ind.name, 0) + 1
        use = ~given & (raw_name != "")
        ambiguous = use & _lookup(raw_name, counts).fillna(0).gt(1)
        named = _lookup(raw_name, {k: v for k, v in by_name.items() if counts[k] == 1})
        ind_id = ind_id.where(~use, named)
        unknown = use & ~ambiguous & named.isna()
        fail(
            ambiguous,
            "indicator",
            raw_name,
            lambda m: _messages(m, "row.ambiguous_indicator", raw=raw_name),
        )
        fail(
            unknown,
            "indicator",
            raw_name,
            lambda m: _messages(m, "row.unknown_indicator", raw=raw_name),
        )
        bad |= ambiguous | unknown
        given |= raw_name != ""
    empty_ind = ~given
    key_col = "indicator_id" if "indicator_id" in columns else "indicator"
    fail(empty_ind, key_col, pd.Series("", index=frame.index), both("row.empty_indicator"))
    bad |= empty_ind
    known = ind_id.notna()

    plan_region = _lookup(ind_id, {i.id: catalog.region_of(i) for i in catalog.indicators.values()})
    units = _lookup(ind_id, {i.id: i.unit for i in catalog.indicators.values()})

    # region: code or name; blank means the plan's own region
    if "region" in columns:
        raw_region = _text(frame[columns["region"]])
        codes, names = _region_maps(catalog)
        region = _lookup(raw_region, codes).fillna(_lookup(raw_region, names))
        region = region.where(raw_region != "", plan_region)
        unknown = (raw_region != "") & region.isna()
        fail(
            unknown,
            "region",
            raw_region,
            lambda m: _messages(m, "row.unknown_region", raw=raw_region),
        )
        bad |= unknown
    else:
        raw_region = pd.Series("", index=frame.index)
        region = plan_region
    checkable = known & region.notna()
    outside = checkable.copy()
    outside[checkable] = ~_inside(
        plan_region[checkable], region[checkable], _descendants(catalog)
    ).to_numpy()

    def shown_region(mask: pd.Series) -> pd.Series:
        raw = raw_region[mask]
        return raw.where(raw != "", region[mask].astype(str))

    region_names = {c: f"{r.name} {c}" for c, r in catalog.regions.items()}
    fail(
        outside,
        "region",
        shown_region,
        lambda m: _messages(
            m,
            "row.region_outside",
            raw=shown_region(m).reindex(m.index),
            plan_region=plan_region[m].map(region_names).reindex(m.index),
        ),
    )
    bad |= outside

    # period
    raw_period = frame[columns["period"]]
    periods = parse_periods(raw_period)
    shown_period = _text(raw_period)
    period_bad = periods["error"].notna()
    fail(period_bad, "period", shown_period, periods["error"])
    bad |= period_bad
    life = _plan_life(catalog)
    start = _lookup(ind_id, life["life_start"])
    end = _lookup(ind_id, life["life_end"])
    outside_life = known & ~period_bad & ((periods["end"] < start) | (periods["end"] > end))
    fail(
        outside_life,
        "period",
        shown_period,
        lambda m: _messages(
            m,
            "row.period_outside",
            raw=shown_period,
            start=_dates(start, m),
            end=_dates(end, m),
        ),
    )
    bad |= outside_life

    # value, in the indicator's unit
    raw_value = frame[columns["value"]]
    values = parse_values(raw_value.where(known, ""), units.fillna(""))
    value_bad = known & values["error"].notna()
    fail(value_bad, "value", lambda m: _text(raw_value[m]), values["error"])
    bad |= value_bad

    # one row per (indicator, region, period) in a file
    keyed = known & region.notna() & ~period_bad
    key_columns = [ind_id, region, periods["kind"], periods["end"]]
    if ledger is not None:  # a file read in chunks: the keys of every chunk, listed at the end
        dup = ledger.add(
            [c[keyed] for c in key_columns],
            row_no[keyed],
            shown_period[keyed],
            _header_of("period", keyed),
            reported=~pre_bad[keyed],
        )
        bad |= dup.reindex(frame.index, fill_value=False)
    else:
        dup = _duplicated([c[keyed] for c in key_columns])
    if ledger is None and dup.any():
        rows_dup = dup.index[dup]
        keys = pd.DataFrame(
            {name: c[rows_dup] for name, c in zip(["i", "r", "k", "e"], key_columns, strict=True)}
        )
        groups = keys.assign(row=row_no[rows_dup]).groupby(["i", "r", "k", "e"])["row"]
        listing = groups.transform(lambda s: "、".join(str(x) for x in s))
        mask = pd.Series(False, index=frame.index)
        mask[listing.index] = True
        fail(
            mask,
            "period",
            shown_period,
            listing.map(lambda rows: both("row.duplicate", rows=rows)).reindex(frame.index),
        )
        bad |= mask

    note = _free_text(frame, columns, "note")
    source = _free_text(frame, columns, "source")
    ytd = _year_to_date(raw_period)
    if "__ytd__" in frame:
        ytd |= frame["__ytd__"].astype(bool)
    good = ~bad
    rows = pd.DataFrame(
        {
            "row": row_no[good],
            "indicator_id": ind_id[good],
            "region_code": region[good],
            "period_kind": periods["kind"][good],
            "period_end": periods["end"][good],
            "period_label": periods["label"][good],
            "value": values["value"][good].astype(float),
            "note": note[good],
            "source": source[good],
            "year_to_date": ytd[good],
        }
    )
    err = (
        pd.concat(errors, ignore_index=True).sort_values(["row"], kind="stable")
        if errors
        else pd.DataFrame(columns=ERROR_COLUMNS)
    )
    return CheckedRows(rows.reset_index(drop=True), err.reset_index(drop=True), n, columns)


def check_file(
    data: bytes, filename: str, catalog: Catalog, max_rows: int | None = None
) -> CheckedRows:
    """Read and check an uploaded or given file."""
    frame = read_table(data, filename)
    if len(frame) == 0:
        raise ImportFileError(both("import.no_rows"))
    if max_rows is not None and len(frame) > max_rows:
        raise ImportFileError(both("import.too_many_rows", rows=len(frame), limit=max_rows))
    return check_table(frame, catalog)


def check_entry(
    catalog: Catalog,
    indicator_id: str,
    region: str,
    period: object,
    value: object,
    note: str = "",
    source: str = "",
) -> CheckedRows:
    """One value typed into the entry form, checked exactly like an imported row."""
    frame = pd.DataFrame(
        [
            {
                "指标编码": indicator_id,
                "地区": region,
                "统计期": period,
                "数值": value,
                "备注": note,
                "来源": source,
            }
        ],
        dtype=object,
    )
    return check_table(frame, catalog)
