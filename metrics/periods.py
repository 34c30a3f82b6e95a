"""Statistical periods: parse what analysts type or Excel exports into one canonical form.

A period is stored as (kind, last day). Comparing periods by their last day lets a
quarterly actual, a yearly target and a dated milestone sit on one time axis.
Pure Python + pandas: no Streamlit, no SQL.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from numbers import Integral, Number, Real

import numpy as np
import pandas as pd

from metrics.errors import InvalidInput
from metrics.i18n import both

__all__ = [
    "KINDS",
    "KIND_RANK",
    "Period",
    "PeriodError",
    "column_cells",
    "factorize_cells",
    "parse_period",
    "parse_periods",
    "period_from_end",
]

#: Finest first: for the same last day a date sorts before its month, quarter and year.
KINDS: tuple[str, ...] = ("day", "month", "quarter", "year")
#: The rank of each kind, finest 0. The one period-kind ranking: sorting, and which of two
#: observations ending on the same day counts (the higher rank: the annual figure over Q4).
KIND_RANK: dict[str, int] = {kind: i for i, kind in enumerate(KINDS)}

MIN_YEAR = 1900
MAX_YEAR = 2100

_ZH_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4}

# Patterns run on the NFKC-normalised, stripped, upper-cased text ("２０２４ｑ３" → "2024Q3").
_YEAR_RE = re.compile(r"([0-9]{4})\s*(?:年度?)?")
_QUARTER_RE = re.compile(r"([0-9]{4})\s*(?:[-_/.]|年)?\s*Q\s*([0-9]+)")
_ZH_QUARTER_RE = re.compile(r"([0-9]{4})\s*年\s*(?:第\s*)?([0-9]+|[一二三四])\s*季度?")
_MONTH_RE = re.compile(r"([0-9]{4})\s*[-/]\s*([0-9]{1,2})")
_ZH_MONTH_RE = re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月份?")
# A date, optionally with the midnight time a datetime turned into text carries.
_DAY_RE = re.compile(
    r"([0-9]{4})\s*([-/.])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})"
    r"(?:[ T]00:00(?::00(?:\.0+)?)?)?"
)
_ZH_DAY_RE = re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]?")


class PeriodError(InvalidInput):
    """A period that cannot be understood; str() is the bilingual message for the user."""

    def __init__(self, key: str, raw: object = None) -> None:
        self.raw = raw
        self.message = both(key, raw=_raw_text(raw)) if key == "period.invalid" else both(key)
        super().__init__(self.message)
        self.key = key  # after MetricsError.__init__, which sets its own


@functools.total_ordering
@dataclass(frozen=True)
class Period:
    """One statistical period, identified by its kind and its last day.

    The label is derived from (kind, end) and checked, so two equal periods always
    have equal labels and ordering by (end, kind) is consistent with equality.
    """

    kind: str  # "year" | "quarter" | "month" | "day"
    end: dt.date  # last day of the period
    label: str  # canonical: "2024", "2024Q3", "2024-09", "2024-09-30"

    def __post_init__(self) -> None:
        if self.kind not in KIND_RANK:
            raise ValueError(f"unknown period kind {self.kind!r}; expected one of {KINDS}")
        end = self.end
        if isinstance(end, dt.datetime):  # also pandas.Timestamp: keep a plain date
            object.__setattr__(self, "end", end.date())
        elif not isinstance(end, dt.date):
            raise TypeError(f"Period.end must be a date, not {type(end).__name__}")
        if _last_day(self.kind, self.end) != self.end:
            raise ValueError(f"{self.end} is not the last day of a {self.kind}")
        expected = _label(self.kind, self.end)
        if self.label != expected:
            raise ValueError(f"label {self.label!r} should be {expected!r}")

    def _sort_key(self) -> tuple[dt.date, int]:
        return (self.end, KIND_RANK[self.kind])

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._sort_key() < other._sort_key()

    @property
    def start(self) -> dt.date:
        """First day of the period (year-to-date sums and chart bars need it)."""
        if self.kind == "day":
            return self.end
        if self.kind == "month":
            return self.end.replace(day=1)
        if self.kind == "quarter":
            return dt.date(self.end.year, self.end.month - 2, 1)
        return dt.date(self.end.year, 1, 1)

    def __str__(self) -> str:
        return self.label


def _raw_text(raw: object) -> str:
    """The raw value as the user typed it, for messages (surrounding whitespace dropped)."""
    return str(raw).strip()


def _label(kind: str, end: dt.date) -> str:
    if kind == "year":
        return f"{end.year:04d}"
    if kind == "quarter":
        return f"{end.year:04d}Q{(end.month - 1) // 3 + 1}"
    if kind == "month":
        return f"{end.year:04d}-{end.month:02d}"
    return end.isoformat()


def _last_day(kind: str, end: dt.date) -> dt.date:
    """The last day of the period of `kind` that contains `end`."""
    if kind == "day":
        return end
    if kind == "year":
        return dt.date(end.year, 12, 31)
    month = end.month if kind == "month" else ((end.month - 1) // 3 + 1) * 3
    return dt.date(end.year, month, calendar.monthrange(end.year, month)[1])


def _make(
    kind: str, year: int, month: int = 12, day: int | None = None, raw: object = None
) -> Period:
    """Build a validated Period, turning any out-of-range part into PeriodError."""
    if not MIN_YEAR <= year <= MAX_YEAR or not 1 <= month <= 12:
        raise PeriodError("period.invalid", raw)
    if day is None:
        day = calendar.monthrange(year, month)[1]
    try:
        end = dt.date(year, month, day)
    except ValueError:
        raise PeriodError("period.invalid", raw) from None
    return Period(kind, end, _label(kind, end))


def _is_missing(raw: object) -> bool:
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return True
    if isinstance(raw, float | np.floating):
        return math.isnan(raw)
    if isinstance(raw, np.datetime64):
        return bool(np.isnat(raw))
    return False


def parse_period(raw: object) -> Period:
    """Parse one period as analysts write it (2024Q3, 2024年第三季度, 2024-09-30, 2024年…).

    Raises PeriodError (bilingual message naming the raw value) for anything else.
    """
    if _is_missing(raw):
        raise PeriodError("period.empty")
    if isinstance(raw, bool | np.bool_):
        raise PeriodError("period.invalid", raw)
    if isinstance(raw, np.datetime64):
        raw = pd.Timestamp(raw)
    if isinstance(raw, dt.datetime):  # pandas.Timestamp included; a time of day is ignored
        return _make("day", raw.year, raw.month, raw.day, raw=raw)
    if isinstance(raw, dt.date):
        return _make("day", raw.year, raw.month, raw.day, raw=raw)
    if isinstance(raw, Integral):
        return _make("year", int(raw), raw=raw)
    if isinstance(raw, Real):  # Excel gives whole years as floats: 2024.0
        number = float(raw)
        if not number.is_integer():
            raise PeriodError("period.invalid", raw)
        return _make("year", int(number), raw=raw)
    if not isinstance(raw, str):
        raise PeriodError("period.invalid", raw)
    return _parse_text(raw)


def _parse_text(raw: str) -> Period:
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    if not text:
        raise PeriodError("period.empty")
    if m := _YEAR_RE.fullmatch(text):
        return _make("year", int(m[1]), raw=raw)
    for pattern in (_QUARTER_RE, _ZH_QUARTER_RE):
        if m := pattern.fullmatch(text):
            quarter = _ZH_QUARTER.get(m[2]) or int(m[2])
            if not 1 <= quarter <= 4:
                raise PeriodError("period.invalid", raw)
            return _make("quarter", int(m[1]), quarter * 3, raw=raw)
    for pattern in (_MONTH_RE, _ZH_MONTH_RE):
        if m := pattern.fullmatch(text):
            return _make("month", int(m[1]), int(m[2]), raw=raw)
    if m := _DAY_RE.fullmatch(text):
        return _make("day", int(m[1]), int(m[3]), int(m[4]), raw=raw)
    if m := _ZH_DAY_RE.fullmatch(text):
        return _make("day", int(m[1]), int(m[2]), int(m[3]), raw=raw)
    spelled = spelled_period(text)
    if spelled is not None and spelled[1] is not None:
        kind, year, month, _ytd = spelled
        return _make(kind, year, month, raw=raw)
    raise PeriodError("period.invalid", raw)


# --- more spellings of report sheets: 2024.09, 9月末/底, 截至2024年9月底, 2024年1-9月,
# 前三季度, 1-3季度, 上半年; the year may be left out in a column header (一季度, 1-9月累计),
# then the sheet's title or name gives it (metrics.intake).
_CN_NUM = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}
_YEAR_PART = r"(?:(?P<year>[0-9]{4})\s*(?:年度?|[-_/.])?\s*)?"
_NUM = r"[0-9]{1,2}|十[一二]?|[一二三四五六七八九]"
_Q = r"[1-4一二三四]"
_SPELLED = [
    # (pattern after the year part, kind, ytd)
    (re.compile(_YEAR_PART + r"(?:第\s*)?(?P<q>" + _Q + r")\s*季度?(?:末|底)?"), "quarter", False),
    (re.compile(_YEAR_PART + r"Q\s*(?P<q>[1-4])"), "quarter", False),
    (re.compile(_YEAR_PART + r"前\s*(?P<qy>" + _Q + r")\s*(?:个)?季度(?:累计)?"), "month", True),
    (
        re.compile(
            _YEAR_PART + r"(?:第?\s*[1一]\s*[-~～—至到]\s*)(?P<qy>" + _Q + r")\s*季度(?:累计)?"
        ),
        "month",
        True,
    ),
    (
        re.compile(
            _YEAR_PART
            + r"[1一]\s*[-~～—至到]\s*(?P<my>"
            + _NUM
            + r")\s*月(?:份)?(?:末|底)?(?:累计)?"
        ),
        "month",
        True,
    ),
    (re.compile(_YEAR_PART + r"上半年(?:累计)?"), "half", True),
    (re.compile(_YEAR_PART + r"全年"), "year", False),
    (
        re.compile(_YEAR_PART + r"(?P<m>" + _NUM + r")\s*月(?:份)?(?:末|底)?(?:累计)?"),
        "month",
        False,
    ),
]
_DOTTED_MONTH_RE = re.compile(r"([0-9]{4})\.([0-9]{2})")
_UNTIL_RE = re.compile(r"^(?:截至|截止|截止到|截至到|至)\s*|\s*(?:止|为止|累计)$")


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _CN_NUM.get(text, _ZH_QUARTER.get(text, 0))


def spelled_period(text: str) -> tuple[str, int | None, int, bool] | None:
    """(kind, year or None, last month, year-to-date) for the report spellings above, on
    NFKC-normalised upper-cased text; None when the text is none of them. Year-to-date
    periods (1-9月, 前三季度, 上半年) end on their last month and are months."""
    text = _UNTIL_RE.sub("", unicodedata.normalize("NFKC", text).strip().upper())
    if m := _DOTTED_MONTH_RE.fullmatch(text):
        return "month", int(m[1]), int(m[2]), False
    for pattern, kind, ytd in _SPELLED:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        year = int(m["year"]) if m["year"] else None
        groups = m.groupdict()
        if groups.get("q"):
            month = _number(groups["q"]) * 3
        elif groups.get("qy"):
            month = _number(groups["qy"]) * 3
        elif groups.get("my"):
            month = _number(groups["my"])
        elif groups.get("m"):
            month = _number(groups["m"])
        else:
            month = 6 if kind == "half" else 12
        if not 1 <= month <= 12:
            return None
        if kind == "half":
            kind = "month"
        if kind == "month" and ytd and month == 12:
            kind, ytd = "year", False  # 1-12月 is the year
        return kind, year, month, ytd
    return None


def relative_period(raw: object, year: int | None) -> tuple[Period, bool] | None:
    """A period written in a header, with the year the sheet gives when the cell has none
    (一季度, 1-9月累计); (period, year-to-date) or None when the cell is no period."""
    if isinstance(raw, str):
        spelled = spelled_period(raw)
        if spelled is not None:
            kind, own, month, ytd = spelled
            use = own if own is not None else year
            if use is None:
                return None
            try:
                return _make(kind, use, month, raw=raw), ytd
            except PeriodError:
                return None
    if isinstance(raw, bool) or raw is None:
        return None
    whole = isinstance(raw, int | float) and not (isinstance(raw, float) and not raw.is_integer())
    if whole and not 1990 <= int(raw) <= 2100:  # a bare number in a header is a year only then
        return None
    try:
        return parse_period(raw), False
    except PeriodError:
        return None


_FIND_RE = re.compile(
    r"(?:截至|截止)?\s*[0-9]{4}\s*年(?:度)?\s*(?:第?\s*[1一]\s*[-~～—至到]\s*[1-4一二三四]\s*季度|"
    r"前\s*[1-4一二三四]\s*季度|第?\s*[1-4一二三四]\s*季度|[1一]\s*[-~～—至到]\s*[0-9]{1,2}\s*月|"
    r"[0-9]{1,2}\s*月(?:份)?(?:末|底)?|上半年)?|[0-9]{4}\s*Q\s*[1-4]"
)


def find_periods(text: str) -> list[tuple[Period, bool]]:
    """Every period named inside a title, sheet name or file name ("2024年第三季度统计表")."""
    text = unicodedata.normalize("NFKC", str(text)).upper()
    found = []
    for m in _FIND_RE.finditer(text):
        hit = relative_period(m.group().strip(), None)
        if hit is not None:
            found.append(hit)
    # "2024年第二季度、第三季度": a quarter or month named without its year is another period
    years = {p.end.year for p, _ in found}
    rest = _FIND_RE.sub(" ", text)
    if len(years) == 1:
        for m in _BARE_RE.finditer(rest):
            hit = relative_period(m.group().strip(), next(iter(years)))
            if hit is not None:
                found.append(hit)
    return found


_BARE_RE = re.compile(r"第?\s*[1-4一二三四]\s*季度|(?<![0-9])[0-9]{1,2}\s*月")


def period_from_end(kind: str, end: dt.date) -> Period:
    """Rebuild a Period from the (kind, end) pair the database stores.

    `end` may be a date, datetime, pandas Timestamp or ISO string; it must be the
    last day of a period of that kind (anything else means corrupt data).
    """
    raw = f"{kind} {end}"
    if kind not in KIND_RANK or _is_missing(end):
        raise PeriodError("period.invalid", raw)
    try:
        day = pd.Timestamp(end).date() if not isinstance(end, dt.date) else end
    except (ValueError, TypeError):
        raise PeriodError("period.invalid", raw) from None
    if isinstance(day, dt.datetime):
        day = day.date()
    if _last_day(kind, day) != day:
        raise PeriodError("period.invalid", raw)
    return _make(kind, day.year, day.month, day.day, raw=raw)


def column_cells(values: pd.Series) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The cells of a column in the form factorize handles fastest.

    Text columns stay as their string array (no copy to objects); everything else,
    categoricals included, becomes an object array of Python/pandas scalars.
    """
    if isinstance(values.dtype, pd.StringDtype):
        return values.array
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.asarray(values.array, dtype=object)
    return values.to_numpy()


def _is_bool(cell: object) -> bool:
    return isinstance(cell, bool | np.bool_)


def _may_be_bool_twin(cell: object) -> bool:
    """True for values that hash like True/False (1, 0, 1.0, …), and for bools themselves."""
    if _is_bool(cell):
        return True
    if isinstance(cell, Number):
        try:
            return bool(cell == 0 or cell == 1)
        except TypeError:
            return False
    return False


def factorize_cells(
    cells: np.ndarray | pd.api.extensions.ExtensionArray,
) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize for spreadsheet cells that keeps TRUE/FALSE apart from 1/0.

    Python hashes True like 1 and False like 0, so plain factorize would let a TRUE
    cell take the meaning of a 1 in the same column (or the reverse). Bools become the
    texts "True"/"False" instead. Returns codes (-1 for a missing cell) and the distinct
    values as an object array. Only groups whose value is 0 or 1 are re-examined, so the
    usual column costs one factorize.
    """
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if not (isinstance(cells, np.ndarray) and cells.dtype == object):
        return codes, uniques  # a typed column cannot mix bools with numbers
    suspects = [i for i, cell in enumerate(uniques) if _may_be_bool_twin(cell)]
    if not suspects:
        return codes, uniques
    rows = np.flatnonzero(np.isin(codes, suspects))
    row_cells = cells[rows]
    is_bool = np.fromiter((_is_bool(cell) for cell in row_cells), bool, len(rows))
    if not is_bool.any():
        return codes, uniques
    # Give each group whose representative is a bool a non-bool member to stand for it.
    kept_rows, kept_codes = rows[~is_bool], codes[rows[~is_bool]]
    for code in suspects:
        if _is_bool(uniques[code]):
            members = kept_rows[kept_codes == code]
            if len(members):
                uniques[code] = cells[members[0]]
    # Bool cells get codes of their own, as text.
    bool_rows = rows[is_bool]
    truth = np.fromiter((bool(cell) for cell in row_cells[is_bool]), bool, len(bool_rows))
    extra = []
    for flag in (True, False):
        if (truth == flag).any():
            codes[bool_rows[truth == flag]] = len(uniques) + len(extra)
            extra.append(str(flag))
    return codes, np.concatenate([uniques, np.array(extra, dtype=object)])


def parse_periods(values: pd.Series) -> pd.DataFrame:
    """Parse a column of periods; each distinct raw value is parsed once and mapped back.

    Returns columns kind, end (datetime64), label and error (bilingual message or None),
    on the index of `values`. Invalid rows have kind/label None and end NaT.
    """
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    codes, uniques = factorize_cells(column_cells(values))
    count = len(uniques)
    # One slot per distinct value plus a last slot for missing values (code -1).
    kinds = np.full(count + 1, None, dtype=object)
    labels = np.full(count + 1, None, dtype=object)
    errors = np.full(count + 1, None, dtype=object)
    ends = np.full(count + 1, np.datetime64("NaT"), dtype="datetime64[D]")
    for i, raw in enumerate(uniques):
        try:
            period = parse_period(raw)
        except PeriodError as exc:
            errors[i] = exc.message
        else:
            kinds[i], labels[i], ends[i] = period.kind, period.label, period.end
    errors[count] = both("period.empty")
    slots = np.where(codes < 0, count, codes)
    index = values.index
    return pd.DataFrame(
        {
            "kind": pd.Series(kinds[slots], index=index, dtype=object),
            "end": pd.Series(ends[slots].astype("datetime64[ns]"), index=index),
            "label": pd.Series(labels[slots], index=index, dtype=object),
            "error": pd.Series(errors[slots], index=index, dtype=object),
        },
        index=index,
    )
