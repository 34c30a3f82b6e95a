"""Values: Excel numbers and typed texts become numbers in the indicator's unit."""

from __future__ import annotations

import decimal

import numpy as np
import pandas as pd
import pytest

from metrics.i18n import both
from metrics.values import (
    ValueParseError,
    check_range,
    format_value,
    parse_value,
    parse_values,
    unit_scale,
)

# --- unit_scale ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("万个", (1e4, "个")),
        ("亿元", (1e8, "元")),
        ("万人次", (1e4, "人次")),
        ("万路", (1e4, "路")),
        ("千家", (1e3, "家")),
        ("万亿元", (1e12, "元")),
        ("个", (1, "个")),
        ("P", (1, "P")),
        ("%", (1, "%")),
        ("", (1, "")),
        ("万元", (1e4, "元")),
        ("万", (1e4, "")),
        ("千万元", (1e7, "元")),
        ("百万元", (1e6, "元")),
        ("十亿元", (1e9, "元")),
        ("千亿元", (1e11, "元")),
        ("百分点", (1, "百分点")),
        ("分钟", (1, "分钟")),
        ("％", (1, "%")),
        (" 万个 ", (1e4, "个")),
    ],
)
def test_unit_scale(unit: str, expected: tuple[float, str]) -> None:
    assert unit_scale(unit) == expected


# --- parse_value: accepted ----------------------------------------------------------

VALID = [
    # Excel numbers are already in the unit.
    (1234, "个", 1234.0),
    (6.5, "万个", 6.5),
    (np.int64(12), "家", 12.0),
    (np.float64(35.2), "%", 35.2),
    (np.float32(0.5), "%", 0.5),
    (-0.0, "个", 0.0),
    (decimal.Decimal("1.25"), "亿元", 1.25),
    # plain texts
    ("1234", "个", 1234.0),
    ("1,234", "个", 1234.0),
    ("1，234", "个", 1234.0),
    ("12,345,678.5", "元", 12345678.5),
    ("1,234.", "个", 1234.0),
    (".5", "%", 0.5),
    ("+12", "个", 12.0),
    ("-3.5", "个", -3.5),
    ("\u22123.5", "个", -3.5),
    ("1e3", "个", 1000.0),
    ("1.5E-2", "%", 0.015),
    ("  42\t", "个", 42.0),
    ("\u300042\u3000", "个", 42.0),
    ("-0", "个", 0.0),
    ("0", "%", 0.0),
    ("007", "个", 7.0),
    # full-width digits and punctuation
    ("３５．２％", "%", 35.2),
    ("３５．２", "%", 35.2),
    ("１，２３４", "个", 1234.0),
    ("６．５万", "万个", 6.5),
    ("－５", "个", -5.0),
    # percentages
    ("35%", "%", 35.0),
    ("35 %", "%", 35.0),
    ("35.2％", "%", 35.2),
    ("35%", "％", 35.0),
    ("100%", "%", 100.0),
    # magnitudes and base units scaled into the unit
    ("65000个", "万个", 6.5),
    ("65,000个", "万个", 6.5),
    ("6.5万", "万个", 6.5),
    ("6.5万个", "万个", 6.5),
    ("6.5 万 个", "万个", 6.5),
    ("6.5", "万个", 6.5),
    ("6.5万", "个", 65000.0),
    ("6.5万个", "个", 65000.0),
    ("10亿元", "万元", 100000.0),
    ("1000亿元", "亿元", 1000.0),
    ("1000亿", "亿元", 1000.0),
    ("1.2万亿元", "亿元", 12000.0),
    ("1.2万亿", "万亿元", 1.2),
    ("3千万元", "亿元", 0.3),
    ("5百万", "万元", 500.0),
    ("2千家", "家", 2000.0),
    ("2千", "千家", 2.0),
    ("1.2万人次", "万人次", 1.2),
    ("12000人次", "万人次", 1.2),
    ("30万路", "万路", 30.0),
    ("300000路", "万路", 30.0),
    ("1000P", "P", 1000.0),
    ("15分钟", "分钟", 15.0),
    ("1.5e3万", "个", 15000000.0),
    ("12", "", 12.0),
    ("1.2万", "", 12000.0),
    # no float noise from scaling
    ("0.1万", "个", 1000.0),
    ("1.1亿元", "万元", 11000.0),
    ("0.7万个", "万个", 0.7),
    ("7000个", "万个", 0.7),
    ("123456789个", "万个", 12345.6789),
    ("0.3亿元", "万元", 3000.0),
    # negative numbers parse; check_range rejects them separately
    ("-6.5万", "万个", -6.5),
]


@pytest.mark.parametrize(
    ("raw", "unit", "expected"), VALID, ids=[f"{r!r}-{u}" for r, u, _ in VALID]
)
def test_parse_value_accepts(raw: object, unit: str, expected: float) -> None:
    result = parse_value(raw, unit)
    assert result == expected
    assert type(result) is float
    assert str(result) != "-0.0"


# --- parse_value: rejected ----------------------------------------------------------

INVALID = [
    # (raw, unit, key)
    ("abc", "个", "value.invalid"),
    ("1.2.3", "个", "value.invalid"),
    ("#DIV/0!", "个", "value.invalid"),
    ("#N/A", "个", "value.invalid"),
    ("1,23", "个", "value.invalid"),
    ("1,2345", "个", "value.invalid"),
    ("1 234", "个", "value.invalid"),
    ("12)", "个", "value.invalid"),
    ("约6.5万", "万个", "value.invalid"),
    ("--5", "个", "value.invalid"),
    ("-", "个", "value.invalid"),
    ("万", "万个", "value.invalid"),
    ("%", "%", "value.invalid"),
    ("3万%", "%", "value.invalid"),
    ("1e", "个", "value.invalid"),
    ("0x10", "个", "value.invalid"),
    ("1_000", "个", "value.invalid"),
    (True, "个", "value.invalid"),
    (False, "%", "value.invalid"),
    (np.bool_(True), "个", "value.invalid"),
    (complex(1, 2), "个", "value.invalid"),
    (b"12", "个", "value.invalid"),
    ([1], "个", "value.invalid"),
    ("1e309", "个", "value.not_finite"),
    ("-1e309", "个", "value.not_finite"),
    ("1e999999999999", "个", "value.not_finite"),
    ("inf", "个", "value.not_finite"),
    ("-inf", "个", "value.not_finite"),
    ("Infinity", "个", "value.not_finite"),
    ("nan", "个", "value.not_finite"),
    ("NaN", "%", "value.not_finite"),
    ("∞", "个", "value.not_finite"),
    (float("inf"), "个", "value.not_finite"),
    (float("-inf"), "个", "value.not_finite"),
    (np.float64("inf"), "个", "value.not_finite"),
    (10**400, "个", "value.not_finite"),
    ("5万人", "万个", "value.unit_mismatch"),
    ("100元", "个", "value.unit_mismatch"),
    ("6.5万个", "亿元", "value.unit_mismatch"),
    ("12abc", "个", "value.unit_mismatch"),
    ("5个", "", "value.unit_mismatch"),
    ("5个", "%", "value.unit_mismatch"),
    ("35%", "个", "value.percent_not_allowed"),
    ("35%", "万个", "value.percent_not_allowed"),
    ("３５．２％", "家", "value.percent_not_allowed"),
    ("35%", "", "value.percent_not_allowed"),
]


@pytest.mark.parametrize(
    ("raw", "unit", "key"), INVALID, ids=[f"{r!r}-{u}-{k}" for r, u, k in INVALID]
)
def test_parse_value_rejects_and_names_the_raw_value(raw: object, unit: str, key: str) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_value(raw, unit)
    shown = str(raw).strip()
    assert info.value.key == key
    assert str(info.value) == both(key, raw=shown, unit=unit)
    assert f"“{shown}”" in str(info.value)
    if key in ("value.unit_mismatch", "value.percent_not_allowed"):
        assert f"“{unit}”" in str(info.value)
    assert isinstance(info.value, ValueError)


EMPTY = [None, float("nan"), np.nan, pd.NA, pd.NaT, "", "   ", "\u3000", "\t\n"]


@pytest.mark.parametrize("raw", EMPTY, ids=[repr(v) for v in EMPTY])
def test_parse_value_rejects_empty(raw: object) -> None:
    with pytest.raises(ValueParseError) as info:
        parse_value(raw, "个")
    assert info.value.key == "value.empty"
    assert str(info.value) == both("value.empty")


def test_full_width_message_shows_what_the_user_typed() -> None:
    with pytest.raises(ValueParseError) as info:
        parse_value("  ３５．２％ ", "个")
    assert "“３５．２％”" in str(info.value)
    assert "The value “３５．２％” has a % sign" in str(info.value)


# --- check_range --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0.0, "%", None),
        (35.0, "%", None),
        (100.0, "%", None),
        (0.0, "个", None),
        (6.5, "万个", None),
        (1e15, "元", None),
        (100.5, "%", both("value.percent_range", value="100.5%")),
        (-1.0, "%", both("value.percent_range", value="-1.0%")),
        (120.0, "％", both("value.percent_range", value="120.0%")),
        (-5.0, "个", both("value.negative", value="-5个")),
        (-6.5, "万个", both("value.negative", value="-6.5万个")),
        (-1234.0, "家", both("value.negative", value="-1,234家")),
        (150.0, "个", None),
        (float("nan"), "个", both("value.not_finite", raw="nan")),
    ],
)
def test_check_range(value: float, unit: str, expected: str | None) -> None:
    assert check_range(value, unit) == expected


# --- format_value -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (6.5, "万个", "zh", "6.5万个"),
        (35.0, "%", "zh", "35.0%"),
        (35, "%", "zh", "35.0%"),
        (35.25, "%", "zh", "35.25%"),
        (1234.0, "家", "zh", "1,234家"),
        (1000.0, "亿元", "zh", "1000亿元"),
        (12345.5, "万元", "zh", "12345.5万元"),
        (1234567.891, "元", "zh", "1,234,567.891元"),
        (6.0, "万个", "zh", "6万个"),
        (0.0, "个", "zh", "0个"),
        (-0.0, "个", "zh", "0个"),
        (-1234.5, "个", "zh", "-1,234.5个"),
        (0.1 + 0.2, "个", "zh", "0.3个"),
        (1e-7, "万元", "zh", "0.0000001万元"),
        (1e20, "元", "zh", "100,000,000,000,000,000,000元"),
        (1000.0, "P", "zh", "1,000P"),
        (12.0, "", "zh", "12"),
        (6.5, "万个", "en", "6.5 万个"),
        (35.0, "%", "en", "35.0%"),
        (1234.0, "家", "en", "1,234 家"),
        (float("nan"), "个", "zh", "—"),
        (float("inf"), "个", "zh", "—"),
        (None, "个", "zh", "—"),
    ],
)
def test_format_value(value: float, unit: str, lang: str, expected: str) -> None:
    assert format_value(value, unit, lang) == expected


def test_format_value_rounds_computed_values_on_request() -> None:
    assert format_value(100 / 3, "%", decimals=1) == "33.3%"
    assert format_value(2 / 3, "万个", decimals=2) == "0.67万个"
    assert format_value(1234.4, "家", decimals=0) == "1,234家"


@pytest.mark.parametrize(
    ("raw", "unit"), [("6.5万", "万个"), ("35%", "%"), ("1,234", "家"), ("1000亿元", "亿元")]
)
def test_formatted_values_parse_back(raw: str, unit: str) -> None:
    value = parse_value(raw, unit)
    assert parse_value(format_value(value, unit), unit) == value


# --- parse_values -------------------------------------------------------------------


def test_parse_values_aligns_to_the_input_index_and_checks_ranges() -> None:
    index = ["a", "b", "c", "d", "e", "f", "g", "h", "a"]
    raw = pd.Series(["6.5万", "1,234", None, "-5", "120%", 3.0, True, 1, "abc"], index=index)
    units = pd.Series(["万个", "个", "个", "个", "%", "%", "个", "个", "个"], index=index)
    result = parse_values(raw, units)
    assert list(result.columns) == ["value", "error"]
    assert list(result.index) == index
    assert result["value"].dtype == float
    assert result["error"].dtype == object
    values = result["value"].tolist()
    assert values[:2] == [6.5, 1234.0] and values[5:6] == [3.0] and values[7] == 1.0
    assert all(np.isnan(values[i]) for i in (2, 3, 4, 6, 8))
    assert result["error"].tolist() == [
        None,
        None,
        both("value.empty"),
        both("value.negative", value="-5个"),
        both("value.percent_range", value="120.0%"),
        None,
        both("value.invalid", raw="True"),
        None,
        both("value.invalid", raw="abc"),
    ]


def test_parse_values_same_text_scales_per_unit() -> None:
    raw = pd.Series(["6.5万", "6.5万", "6.5万", "35%", "35%"])
    units = pd.Series(["万个", "个", "亿元", "%", "个"])
    result = parse_values(raw, units)
    assert result["value"].tolist()[:3] == [6.5, 65000.0, 0.00065]
    assert result["value"].iloc[3] == 35.0
    assert result["error"].iloc[4] == both("value.percent_not_allowed", raw="35%", unit="个")


def test_parse_values_accepts_one_unit_for_all_rows() -> None:
    result = parse_values(pd.Series(["65000个", "7", None]), "万个")
    assert result["value"].tolist()[:2] == [6.5, 7.0]
    assert result["error"].tolist() == [None, None, both("value.empty")]


def test_parse_values_matches_units_by_position() -> None:
    raw = pd.Series(["35%", "6.5万"], index=[1, 0])
    units = pd.Series(["%", "万个"], index=[0, 1])
    assert parse_values(raw, units)["value"].tolist() == [35.0, 6.5]
    with pytest.raises(ValueError):
        parse_values(raw, pd.Series(["%"]))


@pytest.mark.parametrize(
    "raw",
    [
        pd.Series([6.5, np.nan, float("inf"), -0.0, -2.0]),
        pd.Series([6.5, None, float("inf"), -0.0, -2.0], dtype=object),
        pd.Series(["6.5", None, "inf", "-0", "-2"], dtype="string"),
        pd.Series(["6.5", None, "inf", "-0", "-2"], dtype="category"),
    ],
    ids=["float64", "object", "string", "category"],
)
def test_parse_values_dtypes(raw: pd.Series) -> None:
    result = parse_values(raw, "万个")
    assert result["value"].iloc[0] == 6.5
    assert result["value"].iloc[3] == 0.0 and str(result["value"].iloc[3]) == "0.0"
    errors = result["error"].tolist()
    assert errors[0] is None and errors[3] is None
    assert errors[1] == both("value.empty")
    assert errors[2] == both("value.not_finite", raw="inf")
    assert errors[4] == both("value.negative", value="-2万个")


def test_parse_values_int_column() -> None:
    result = parse_values(pd.Series([1, 2, 3], dtype="int64"), "个")
    assert result["value"].tolist() == [1.0, 2.0, 3.0]
    assert result["error"].tolist() == [None, None, None]


@pytest.mark.parametrize(
    "cells",
    [
        [1, True, 1.0, False, 0],
        [True, 1, 1.0, False, 0.0],  # the bool is seen first
        [np.bool_(True), 1.0, 1, np.bool_(False), 0],
    ],
)
def test_parse_values_does_not_merge_true_with_one(cells: list) -> None:
    result = parse_values(pd.Series(cells, dtype=object), "个")
    values, errors = result["value"].tolist(), result["error"].tolist()
    bools = [isinstance(c, bool | np.bool_) for c in cells]
    for cell, is_bool, value, error in zip(cells, bools, values, errors, strict=True):
        if is_bool:
            assert np.isnan(value) and error == both("value.invalid", raw=str(cell))
        else:
            assert value == float(cell) and error is None


def test_parse_values_bool_column_is_invalid() -> None:
    result = parse_values(pd.Series([True, False]), "个")
    assert result["error"].tolist() == [
        both("value.invalid", raw="True"),
        both("value.invalid", raw="False"),
    ]


def test_parse_values_empty_series() -> None:
    result = parse_values(pd.Series([], dtype=object), pd.Series([], dtype=object))
    assert len(result) == 0 and list(result.columns) == ["value", "error"]


def _assert_rows_match_scalar(
    raw: pd.Series, units: pd.Series, result: pd.DataFrame, rows: np.ndarray
) -> None:
    """The vectorised result equals parse_value + check_range row by row."""
    for i in rows:
        value, unit = raw.iloc[i], units.iloc[i]
        try:
            expected = parse_value(value, unit)
        except ValueParseError as exc:
            expected_value, expected_error = np.nan, exc.message
        else:
            expected_error = check_range(expected, unit)
            expected_value = np.nan if expected_error else expected
        got_value, got_error = result["value"].iloc[i], result["error"].iloc[i]
        assert got_error == expected_error, (value, unit)
        assert got_value == expected_value or (np.isnan(got_value) and np.isnan(expected_value))


POOL = [
    "6.5万",
    "65000个",
    "1,234",
    "1，234",
    "３５．２％",
    "35%",
    "-5",
    "abc",
    "1.2.3",
    "#DIV/0!",
    "1e309",
    "inf",
    "-0",
    "",
    None,
    np.nan,
    3.0,
    12,
    True,
    "1000亿元",
    "10亿元",
    "120%",
    "5万人",
]
UNITS = ["万个", "个", "%", "亿元", "万元", "家"]


def test_parse_values_million_rows_few_distinct_values() -> None:
    rng = np.random.default_rng(11)
    n = 1_000_000
    raw = pd.Series(np.array(POOL, dtype=object)[rng.integers(0, len(POOL), n)])
    units = pd.Series(np.array(UNITS, dtype=object)[rng.integers(0, len(UNITS), n)])
    result = parse_values(raw, units)
    assert len(result) == n
    _assert_rows_match_scalar(raw, units, result, rng.choice(n, size=1000, replace=False))


@pytest.mark.parametrize("dtype", [object, "string"])
def test_parse_values_million_distinct_plain_numbers(dtype: object) -> None:
    rng = np.random.default_rng(5)
    n = 1_000_000
    numbers = rng.uniform(-10, 1e6, n).round(3)
    text = numbers.astype(str).astype(object)
    # A few non-plain values mixed in must still take the full parser.
    text[::100_000] = "6.5万"
    text[1::100_000] = "1,234"
    text[2::100_000] = None
    raw = pd.Series(text, dtype=dtype)
    units = pd.Series(np.where(np.arange(n) % 3 == 0, "万个", "个"), dtype=object)
    result = parse_values(raw, units)
    assert len(result) == n
    plain = np.ones(n, dtype=bool)
    plain[::100_000] = plain[1::100_000] = plain[2::100_000] = False
    ok = plain & (numbers >= 0)
    assert (result["value"].to_numpy()[ok] == numbers[ok]).all()
    assert result["error"].to_numpy()[ok].tolist() == [None] * int(ok.sum())
    assert result["value"].iloc[0] == 6.5 and result["value"].iloc[100_000 + 3] == numbers[100_003]
    sample = np.concatenate(
        [
            rng.choice(n, size=1000, replace=False),
            np.flatnonzero(~plain),
            np.flatnonzero(numbers < 0)[:50],
        ]
    )
    _assert_rows_match_scalar(raw, units, result, sample)


def test_parse_values_plain_numbers_match_python_rounding() -> None:
    """The fast path (pd.to_numeric) and the scalar path agree to the last bit."""
    rng = np.random.default_rng(3)
    digits = rng.integers(0, 10, size=(20_000, 19))
    texts = ["".join(map(str, row[: 1 + i % 19])) for i, row in enumerate(digits)]
    texts = [
        t[: len(t) // 2] + "." + t[len(t) // 2 :] + ("e-5" if i % 4 == 0 else "")
        for i, t in enumerate(texts)
    ]
    raw = pd.Series(texts, dtype=object)
    result = parse_values(raw, "个")
    assert result["value"].tolist() == [parse_value(t, "个") for t in texts]
