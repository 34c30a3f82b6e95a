"""Indicator values: what analysts type or Excel exports, as a number in the indicator's unit.

Statistics sheets mix Excel numbers with text such as "1,234", "6.5万", "1000亿元" or
"３５．２％". Every value is stored in its indicator's catalog unit (万个, 亿元, %, …), so
a value written with its own magnitude (万, 亿) or base unit (个, 元) is scaled into it.
Scaling is done in decimal arithmetic so 65000个 → 6.5万个 carries no float noise.
Pure Python + pandas: no Streamlit, no SQL.
"""

from __future__ import annotations

import decimal
import math
import re
import unicodedata
from numbers import Number

import numpy as np
import pandas as pd

from metrics.errors import InvalidInput
from metrics.i18n import both
from metrics.periods import column_cells, factorize_cells

__all__ = [
    "ValueParseError",
    "check_range",
    "format_value",
    "parse_value",
    "parse_values",
    "unit_scale",
]

# Chinese magnitude prefixes compose by multiplication: 千万 = 千 × 万, 万亿 = 万 × 亿.
# 十/百 only count in front of 万/亿, so units such as 百分点 keep their meaning.
_MAGNITUDE = r"[十百千]?(?:万亿|万|亿)|千"
_MAGNITUDE_RE = re.compile(_MAGNITUDE)
_DIGIT_VALUE = {"十": 10, "百": 100, "千": 1_000, "万": 10_000, "亿": 100_000_000}

# A number (thousands separators only in groups of three, so "1,5" is not read as 15),
# an optional magnitude and an optional base unit, on NFKC-normalised text.
_VALUE_RE = re.compile(
    r"(?P<number>[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:[eE][+-]?[0-9]+)?)"
    rf"\s*(?P<magnitude>{_MAGNITUDE})?"
    r"\s*(?P<base>[%‰‱]|°?[^\W\d_]\S*)?"
)
# A trailing "base unit" that is really a broken number: 1e, 1e+, 0x10.
_BROKEN_NUMBER_RE = re.compile(r"[eE][+-]?|.*[0-9].*")
_NOT_FINITE_WORDS = frozenset({"inf", "infinity", "nan", "∞"})
_PERCENT = "%"
_EMPTY_MARK = "—"

# Exact decimal scaling; overflow becomes Infinity (reported as not finite), never an exception.
_DECIMAL_CONTEXT = decimal.Context(prec=34, traps=[])


class ValueParseError(InvalidInput):
    """A value that cannot be used; str() is the bilingual message for the user."""

    def __init__(self, key: str, **kwargs: object) -> None:
        self.message = both(key, **kwargs)
        super().__init__(self.message)
        self.key = key  # after MetricsError.__init__, which sets its own


def _normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC), U+2212 minus to '-', trimmed."""
    return unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()


def _magnitude_value(prefix: str) -> int:
    result = 1
    for char in prefix:
        result *= _DIGIT_VALUE[char]
    return result


def _split_unit(unit: str | None) -> tuple[int, str]:
    """Exact integer multiplier and base of a unit (integers keep decimal scaling exact)."""
    text = _normalise(unit) if isinstance(unit, str) else ""
    match = _MAGNITUDE_RE.match(text)
    if match is None:
        return 1, text
    return _magnitude_value(match.group()), text[match.end() :]


def unit_scale(unit: str) -> tuple[float, str]:
    """Split a catalog unit into multiplier and base: 万个 → (1e4, "个"), % → (1, "%")."""
    multiplier, base = _split_unit(unit)
    return float(multiplier), base


def _raw_text(raw: object) -> str:
    return str(raw).strip()


def _is_missing(raw: object) -> bool:
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return True
    return isinstance(raw, float | np.floating) and math.isnan(raw)


def _finite(number: float, raw: object) -> float:
    if not math.isfinite(number):
        raise ValueParseError("value.not_finite", raw=_raw_text(raw))
    return number + 0.0  # -0.0 → 0.0


def parse_value(raw: object, unit: str) -> float:
    """The value in the indicator's unit, from an Excel number or a typed text.

    Numbers are taken as already in the unit. Texts may carry thousands separators, a
    magnitude (千/万/亿/万亿) and a base unit (个, 元, %); these are scaled into `unit`.
    Raises ValueParseError with a bilingual message naming the raw value.
    """
    if _is_missing(raw):
        raise ValueParseError("value.empty")
    if isinstance(raw, bool | np.bool_):
        raise ValueParseError("value.invalid", raw=_raw_text(raw))
    if isinstance(raw, str):
        return _parse_text(raw, unit)
    if isinstance(raw, Number):
        try:
            number = float(raw)  # type: ignore[arg-type]
        except OverflowError:  # an int beyond float range
            raise ValueParseError("value.not_finite", raw=_raw_text(raw)) from None
        except (TypeError, ValueError):  # complex and the like
            raise ValueParseError("value.invalid", raw=_raw_text(raw)) from None
        return _finite(number, raw)
    raise ValueParseError("value.invalid", raw=_raw_text(raw))


def _parse_text(raw: str, unit: str) -> float:
    text = _normalise(raw)
    shown = raw.strip()
    if not text:
        raise ValueParseError("value.empty")
    if text.lower().lstrip("+-") in _NOT_FINITE_WORDS:
        raise ValueParseError("value.not_finite", raw=shown)
    match = _VALUE_RE.fullmatch(text)
    if match is None:
        raise ValueParseError("value.invalid", raw=shown)
    magnitude, base = match["magnitude"], match["base"]
    unit_multiplier, unit_base = _split_unit(unit)
    if base and base != unit_base and _BROKEN_NUMBER_RE.fullmatch(base):
        raise ValueParseError("value.invalid", raw=shown)
    unit_text = _normalise(unit) if isinstance(unit, str) else ""
    if base == _PERCENT:
        if magnitude:
            raise ValueParseError("value.invalid", raw=shown)
        if unit_base != _PERCENT or unit_multiplier != 1:
            raise ValueParseError("value.percent_not_allowed", raw=shown, unit=unit_text)
    elif base and base != unit_base:
        raise ValueParseError("value.unit_mismatch", raw=shown, unit=unit_text)
    number = decimal.Decimal(match["number"].replace(",", ""))
    if magnitude or base:
        # Written with its own magnitude or base unit: bring it to the indicator's unit.
        multiplier = _magnitude_value(magnitude) if magnitude else 1
        number = _DECIMAL_CONTEXT.divide(
            _DECIMAL_CONTEXT.multiply(number, multiplier), unit_multiplier
        )
    return _finite(float(number), shown)


def _is_percent_unit(unit: str | None) -> bool:
    return _split_unit(unit) == (1, _PERCENT)


def check_range(value: float, unit: str) -> str | None:
    """Bilingual message when a parsed value cannot be right for its unit, else None.

    Percentages lie within 0–100; counts and amounts are never negative.
    """
    if value is None or not math.isfinite(value):
        return both("value.not_finite", raw=_raw_text(value))
    if _is_percent_unit(unit):
        if not 0 <= value <= 100:
            return both("value.percent_range", value=format_value(value, unit))
        return None
    if value < 0:
        return both("value.negative", value=format_value(value, unit))
    return None


def _plain_text(value: float) -> str:
    """Fixed-point text with at most 12 significant digits and no trailing zeros."""
    text = format(decimal.Decimal(format(value, ".12g")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(value: float, unit: str, lang: str = "zh", *, decimals: int | None = None) -> str:
    """Display text: 6.5万个, 35.0%, 1,234家, 1000亿元.

    Thousands are grouped only for units without a magnitude (1,234家 but 1000亿元, as
    Chinese statistics write them); % keeps one decimal. English puts a space before a
    unit other than %. A missing or non-finite value shows as "—".
    `decimals` rounds first (computed values); by default up to 12 significant digits.
    """
    if value is None or not math.isfinite(value):
        return _EMPTY_MARK
    if decimals is not None:
        value = round(value, decimals)
    unit_text = _normalise(unit) if isinstance(unit, str) else ""
    multiplier, base = _split_unit(unit_text)
    text = _plain_text(float(value))
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    if base == _PERCENT and multiplier == 1:
        fraction = fraction or "0"
    elif multiplier == 1:
        whole = f"{int(whole):,}"
    number = sign + whole + (f".{fraction}" if fraction else "")
    space = " " if lang == "en" and unit_text and unit_text != _PERCENT else ""
    return f"{number}{space}{unit_text}"


# --- columns -------------------------------------------------------------------------

# Share of distinct values in a sample above which plain numbers are parsed first.
_DISTINCT_RATIO = 0.5
_SAMPLE = 10_000


def _is_plain_candidate(value: object) -> bool:
    """Types pd.to_numeric reads exactly as parse_value does (not bool, bytes, huge int…)."""
    if isinstance(value, str | float | np.floating | np.integer):
        return not isinstance(value, np.bool_)
    return type(value) is int and -(2**63) <= value < 2**63


def _plain_numbers(cells: np.ndarray | pd.api.extensions.ExtensionArray) -> np.ndarray:
    """Finite plain numbers (Excel numbers, "1234", " -3.5e2 ") as floats; NaN for the rest.

    pd.to_numeric accepts a subset of what parse_value accepts and rounds the same way,
    so where this gives a finite number parse_value would give that number too. Cells of
    other types (bools, bytes, huge ints, dates) are left to parse_value.
    """
    result = np.full(len(cells), np.nan)
    if len(cells) == 0:
        return result
    if pd.api.types.infer_dtype(cells, skipna=True) in ("string", "floating"):
        candidates = slice(None)
        chosen = cells
    else:
        cells = np.asarray(cells, dtype=object)
        candidates = np.fromiter((_is_plain_candidate(v) for v in cells), bool, len(cells))
        chosen = cells[candidates]
    if len(chosen):
        numbers = pd.to_numeric(pd.Series(chosen, copy=False), errors="coerce")
        result[candidates] = numbers.to_numpy(dtype=float, na_value=np.nan)
    result[~np.isfinite(result)] = np.nan
    return result + 0.0  # -0.0 → 0.0


def _factorize_units(units: pd.Series | str | None, length: int) -> tuple[np.ndarray, list[str]]:
    """Codes into a list of unit texts; the last entry ("") stands for a missing unit."""
    if units is None or isinstance(units, str):
        return np.zeros(length, dtype=np.intp), [units or "", ""]
    if not isinstance(units, pd.Series):
        units = pd.Series(units)
    if len(units) != length:
        raise ValueError(f"units has {len(units)} rows, values have {length}")
    codes, uniques = pd.factorize(units, use_na_sentinel=True)
    texts = [u if isinstance(u, str) else "" for u in uniques] + [""]
    return np.where(codes < 0, len(texts) - 1, codes), texts


def parse_values(raw: pd.Series, units: pd.Series | str) -> pd.DataFrame:
    """Parse a column of values, each with its row's unit (or one unit for all rows).

    Each distinct (raw, unit) pair is parsed once by parse_value and mapped back; plain
    numbers take a vectorised path. Range checks (check_range) are included. Returns
    columns value (float, NaN where invalid) and error (bilingual message or None) on the
    index of `raw`; `units` is matched by position.
    """
    if not isinstance(raw, pd.Series):
        raw = pd.Series(raw)
    length = len(raw)
    unit_codes, unit_texts = _factorize_units(units, length)

    values = np.full(length, np.nan)
    errors = np.full(length, None, dtype=object)

    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        # Excel numbers: already in the unit.
        values[:] = raw.to_numpy(dtype=float, na_value=np.nan) + 0.0
        errors[np.isnan(values)] = both("value.empty")
        for i in np.flatnonzero(np.isinf(values)):
            errors[i] = both("value.not_finite", raw=_raw_text(values[i]))
        values[~np.isfinite(values)] = np.nan
    else:
        _parse_objects(raw, unit_codes, unit_texts, values, errors)

    _apply_range_checks(values, errors, unit_codes, unit_texts)
    index = raw.index
    return pd.DataFrame(
        {
            "value": pd.Series(values, index=index, dtype=float),
            "error": pd.Series(errors, index=index, dtype=object),
        },
        index=index,
    )


def _parse_objects(
    raw: pd.Series,
    unit_codes: np.ndarray,
    unit_texts: list[str],
    values: np.ndarray,
    errors: np.ndarray,
) -> None:
    """Fill values/errors for a text or mixed column, parsing each distinct pair once."""
    cells = column_cells(raw)
    rows = np.arange(len(cells))
    sample = cells[:_SAMPLE]
    if len(sample) and len(pd.unique(sample)) > _DISTINCT_RATIO * len(sample):
        # Mostly distinct values, typically plain numbers: convert them all at once.
        numbers = _plain_numbers(cells)
        plain = ~np.isnan(numbers)
        values[plain] = numbers[plain]
        rows = rows[~plain]
        cells = cells[rows]
    codes, uniques = factorize_cells(cells)
    errors[rows[codes < 0]] = both("value.empty")
    if len(uniques) == 0:  # every remaining cell was empty
        return

    # Plain numbers among the distinct values need no unit.
    unique_numbers = _plain_numbers(uniques)
    known = codes >= 0
    row_numbers = np.where(known, unique_numbers[np.where(known, codes, 0)], np.nan)
    plain = ~np.isnan(row_numbers)
    values[rows[plain]] = row_numbers[plain]

    # The rest depends on the unit: parse each distinct (raw, unit) pair once.
    rest = known & ~plain
    rest_rows = rows[rest]
    if not len(rest_rows):
        return
    width = len(unit_texts)
    pair_codes, pairs = pd.factorize(codes[rest].astype(np.int64) * width + unit_codes[rest_rows])
    pair_values = np.full(len(pairs), np.nan)
    pair_errors = np.full(len(pairs), None, dtype=object)
    for i, pair in enumerate(pairs):
        raw_code, unit_code = divmod(int(pair), width)
        try:
            pair_values[i] = parse_value(uniques[raw_code], unit_texts[unit_code])
        except ValueParseError as exc:
            pair_errors[i] = exc.message
    values[rest_rows] = pair_values[pair_codes]
    errors[rest_rows] = pair_errors[pair_codes]


def _apply_range_checks(
    values: np.ndarray, errors: np.ndarray, unit_codes: np.ndarray, unit_texts: list[str]
) -> None:
    """Vectorised check_range: flag rows outside their unit's range, messages via check_range."""
    is_percent = np.array([_is_percent_unit(u) for u in unit_texts], dtype=bool)[unit_codes]
    with np.errstate(invalid="ignore"):
        bad = np.where(is_percent, (values < 0) | (values > 100), values < 0)
    bad &= ~np.isnan(values)
    messages: dict[tuple[float, int], str | None] = {}
    for i in np.flatnonzero(bad):
        key = (float(values[i]), int(unit_codes[i]))
        if key not in messages:
            messages[key] = check_range(key[0], unit_texts[key[1]])
        errors[i] = messages[key]
        values[i] = np.nan
