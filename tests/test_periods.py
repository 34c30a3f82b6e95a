"""Periods: every spelling analysts and Excel produce parses to one canonical period."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from metrics.i18n import both
from metrics.periods import Period, PeriodError, parse_period, parse_periods, period_from_end

Q3 = ("quarter", "2024Q3", dt.date(2024, 9, 30))
SEPT = ("month", "2024-09", dt.date(2024, 9, 30))
DAY = ("day", "2024-09-30", dt.date(2024, 9, 30))
YEAR = ("year", "2024", dt.date(2024, 12, 31))

VALID = [
    # quarters
    ("2024Q3", Q3),
    ("2024-Q3", Q3),
    ("2024 Q3", Q3),
    ("2024q3", Q3),
    ("2024年第三季度", Q3),
    ("2024年第3季度", Q3),
    ("2024年三季度", Q3),
    ("2024年3季度", Q3),
    ("2024年Q3", Q3),
    ("２０２４年第３季度", Q3),
    ("２０２４Ｑ３", Q3),
    ("  2024Q3\t", Q3),
    ("\u30002024年 第三季度\u3000", Q3),
    ("2024年第一季度", ("quarter", "2024Q1", dt.date(2024, 3, 31))),
    ("2024Q2", ("quarter", "2024Q2", dt.date(2024, 6, 30))),
    ("2024年四季度", ("quarter", "2024Q4", dt.date(2024, 12, 31))),
    # days
    ("2024-09-30", DAY),
    ("2024/9/30", DAY),
    ("2024/09/30", DAY),
    ("2024.09.30", DAY),
    ("2024年9月30日", DAY),
    ("2024-09-30 00:00:00", DAY),
    ("２０２４－０９－３０", DAY),
    ("2024-02-29", ("day", "2024-02-29", dt.date(2024, 2, 29))),
    (pd.Timestamp("2024-09-30"), DAY),
    (dt.datetime(2024, 9, 30, 0, 0), DAY),
    (dt.date(2024, 9, 30), DAY),
    (np.datetime64("2024-09-30"), DAY),
    # months
    ("2024-09", SEPT),
    ("2024-9", SEPT),
    ("2024/09", SEPT),
    ("2024年9月", SEPT),
    ("2024年09月", SEPT),
    ("2024年9月份", SEPT),
    ("2024-02", ("month", "2024-02", dt.date(2024, 2, 29))),
    ("2023-02", ("month", "2023-02", dt.date(2023, 2, 28))),
    # years
    ("2024年", YEAR),
    ("2024", YEAR),
    ("2024年度", YEAR),
    ("２０２４年", YEAR),
    (2024, YEAR),
    (2024.0, YEAR),
    (np.int64(2024), YEAR),
    (np.float64(2024.0), YEAR),
    ("1900", ("year", "1900", dt.date(1900, 12, 31))),
    ("2100", ("year", "2100", dt.date(2100, 12, 31))),
]

INVALID = [
    "2024Q5",
    "2024Q0",
    "2024年第五季度",
    "2024年5季度",
    "2024-13",
    "2024年13月",
    "2024-00",
    "2024-02-30",
    "2023-02-29",
    "2024年2月30日",
    "2024/13/01",
    "1899",
    "2101",
    "1899年",
    "2101Q1",
    1899,
    2101,
    2024.5,
    True,
    "abc",
    "Q3 2024",
    "2024Q3Q4",
    "24Q3",
    "2024-09/30",
    "2024.9",
    "2024H1",
    pd.Timestamp("1850-06-30"),
    dt.date(2200, 1, 1),
    [2024],
]

EMPTY = [None, float("nan"), np.nan, pd.NA, pd.NaT, "", "   ", "\u3000", np.datetime64("NaT")]


@pytest.mark.parametrize(("raw", "expected"), VALID, ids=[repr(v[0]) for v in VALID])
def test_parse_period_accepts_every_spelling(raw: object, expected: tuple) -> None:
    kind, label, end = expected
    period = parse_period(raw)
    assert (period.kind, period.label, period.end) == (kind, label, end)
    assert type(period.end) is dt.date


@pytest.mark.parametrize("raw", INVALID, ids=[repr(v) for v in INVALID])
def test_parse_period_rejects_and_names_the_raw_value(raw: object) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(raw)
    message = str(info.value)
    assert message == both("period.invalid", raw=str(raw).strip())
    assert str(raw).strip() in message
    assert info.value.key == "period.invalid"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("raw", EMPTY, ids=[repr(v) for v in EMPTY])
def test_parse_period_rejects_empty(raw: object) -> None:
    with pytest.raises(PeriodError) as info:
        parse_period(raw)
    assert str(info.value) == both("period.empty")
    assert info.value.key == "period.empty"


def test_messages_are_bilingual() -> None:
    with pytest.raises(PeriodError) as info:
        parse_period("2024Q5")
    assert "无法识别的统计期" in str(info.value)
    assert "Unrecognised period" in str(info.value)


# --- ordering ---------------------------------------------------------------------


def test_periods_sort_by_end_then_finest_kind() -> None:
    periods = [
        parse_period(raw)
        for raw in ("2024", "2024Q4", "2025Q1", "2024-12", "2024-12-31", "2024Q3", "2024-10-15")
    ]
    assert [p.label for p in sorted(periods)] == [
        "2024Q3",
        "2024-10-15",
        "2024-12-31",
        "2024-12",
        "2024Q4",
        "2024",
        "2025Q1",
    ]


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        ("2024Q3", "2024"),
        ("2024Q3", "2024Q4"),
        ("2024", "2025Q1"),
        ("2024-09-29", "2024Q3"),
        ("2024-09-30", "2024Q3"),
        ("2024-09", "2024Q3"),
        ("2023", "2024-01-01"),
    ],
)
def test_period_comparisons(smaller: str, larger: str) -> None:
    a, b = parse_period(smaller), parse_period(larger)
    assert a < b and b > a and a <= b and b >= a and a != b


def test_equal_periods_are_equal_and_hash_alike() -> None:
    assert parse_period("2024年第三季度") == parse_period("2024Q3")
    assert len({parse_period("2024Q3"), parse_period("2024-Q3"), parse_period("2024年Q3")}) == 1
    assert parse_period("2024Q3") <= parse_period("2024q3")


def test_period_compares_only_with_periods() -> None:
    with pytest.raises(TypeError):
        _ = parse_period("2024") < "2025"


@pytest.mark.parametrize(
    ("kind", "end", "label"),
    [
        ("quarter", dt.date(2024, 9, 30), "2024-Q3"),  # label not canonical
        ("quarter", dt.date(2024, 8, 31), "2024Q3"),  # not a quarter's last day
        ("year", dt.date(2024, 6, 30), "2024"),
        ("week", dt.date(2024, 9, 30), "2024W39"),
    ],
)
def test_period_refuses_inconsistent_fields(kind: str, end: dt.date, label: str) -> None:
    with pytest.raises(ValueError):
        Period(kind, end, label)


def test_period_keeps_a_plain_date_and_knows_its_start() -> None:
    period = Period("quarter", pd.Timestamp("2024-09-30"), "2024Q3")
    assert type(period.end) is dt.date
    assert period.start == dt.date(2024, 7, 1)
    assert parse_period("2024").start == dt.date(2024, 1, 1)
    assert parse_period("2024-02").start == dt.date(2024, 2, 1)
    assert parse_period("2024-02-10").start == dt.date(2024, 2, 10)
    assert str(period) == "2024Q3"


# --- period_from_end ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "end", "label"),
    [
        ("year", dt.date(2024, 12, 31), "2024"),
        ("quarter", dt.date(2024, 9, 30), "2024Q3"),
        ("quarter", dt.date(2024, 3, 31), "2024Q1"),
        ("month", dt.date(2024, 2, 29), "2024-02"),
        ("day", dt.date(2024, 9, 30), "2024-09-30"),
        ("quarter", dt.datetime(2024, 9, 30), "2024Q3"),
        ("quarter", pd.Timestamp("2024-09-30"), "2024Q3"),
        ("month", "2024-09-30", "2024-09"),
        ("day", np.datetime64("2024-09-30"), "2024-09-30"),
    ],
)
def test_period_from_end_rebuilds_the_period(kind: str, end: object, label: str) -> None:
    period = period_from_end(kind, end)  # type: ignore[arg-type]
    assert period.label == label
    assert period == parse_period(label)


@pytest.mark.parametrize(
    ("kind", "end"),
    [
        ("quarter", dt.date(2024, 8, 31)),
        ("year", dt.date(2024, 9, 30)),
        ("month", dt.date(2024, 9, 29)),
        ("week", dt.date(2024, 9, 30)),
        ("day", None),
        ("day", "not a date"),
        ("year", dt.date(1800, 12, 31)),
    ],
)
def test_period_from_end_rejects_corrupt_pairs(kind: str, end: object) -> None:
    with pytest.raises(PeriodError) as info:
        period_from_end(kind, end)  # type: ignore[arg-type]
    assert kind in str(info.value)


@pytest.mark.parametrize("raw", ["2024", "2024Q1", "2024Q4", "2024-01", "2024-12", "2024-06-15"])
def test_round_trip_through_kind_and_end(raw: str) -> None:
    period = parse_period(raw)
    assert period_from_end(period.kind, period.end) == period
    assert parse_period(period.label) == period


# --- parse_periods ------------------------------------------------------------------


def test_parse_periods_aligns_to_the_input_index() -> None:
    raw = pd.Series(
        ["2024Q3", None, "2024Q5", 2024, "２０２４年第３季度", "2024Q3"],
        index=[10, 11, 12, 13, 14, 10],
    )
    result = parse_periods(raw)
    assert list(result.columns) == ["kind", "end", "label", "error"]
    assert list(result.index) == [10, 11, 12, 13, 14, 10]
    assert pd.api.types.is_datetime64_dtype(result["end"])
    assert result["kind"].tolist() == ["quarter", None, None, "year", "quarter", "quarter"]
    assert result["label"].tolist() == ["2024Q3", None, None, "2024", "2024Q3", "2024Q3"]
    assert result["end"].iloc[0] == pd.Timestamp("2024-09-30")
    assert pd.isna(result["end"].iloc[1]) and pd.isna(result["end"].iloc[2])
    assert result["error"].iloc[0] is None
    assert result["error"].iloc[1] == both("period.empty")
    assert result["error"].iloc[2] == both("period.invalid", raw="2024Q5")


@pytest.mark.parametrize(
    "raw",
    [
        pd.Series([2024.0, np.nan, 2025.0]),
        pd.Series(pd.to_datetime(["2024-12-31", None, "2025-12-31"])),
        pd.Series(["2024", None, "2025"], dtype="category"),
        pd.Series(["2024", None, "2025"], dtype="string"),
        pd.Series([2024, None, 2025], dtype="Int64"),
    ],
    ids=["float", "datetime64", "category", "string", "Int64"],
)
def test_parse_periods_handles_excel_and_pandas_dtypes(raw: pd.Series) -> None:
    result = parse_periods(raw)
    assert result["error"].iloc[0] is None and result["error"].iloc[2] is None
    assert result["error"].iloc[1] == both("period.empty")
    assert result["end"].iloc[0] == pd.Timestamp("2024-12-31")
    assert result["end"].iloc[2] == pd.Timestamp("2025-12-31")


@pytest.mark.parametrize("cells", [[2024, True, 1], [2024, 1, True], [True, 1.0, 2024.0]])
def test_parse_periods_does_not_merge_true_with_one(cells: list) -> None:
    result = parse_periods(pd.Series(cells, dtype=object))
    expected = [both("period.invalid", raw=str(c)) if c != 2024 else None for c in cells]
    assert result["error"].tolist() == expected
    assert result["label"].tolist() == ["2024" if c == 2024 else None for c in cells]


def test_parse_periods_empty_series() -> None:
    result = parse_periods(pd.Series([], dtype=object))
    assert len(result) == 0
    assert list(result.columns) == ["kind", "end", "label", "error"]


def test_parse_periods_million_rows_match_the_scalar_parser() -> None:
    pool = [raw for raw, _ in VALID] + INVALID[:-1] + EMPTY
    rng = np.random.default_rng(7)
    picks = rng.integers(0, len(pool), size=1_000_000)
    raw = pd.Series(np.array(pool, dtype=object)[picks])
    result = parse_periods(raw)
    assert len(result) == 1_000_000
    for i in rng.choice(len(raw), size=500, replace=False):
        value = raw.iloc[i]
        row = result.iloc[i]
        try:
            period = parse_period(value)
        except PeriodError as exc:
            assert row["error"] == exc.message
            assert row["kind"] is None and row["label"] is None and pd.isna(row["end"])
        else:
            assert row["error"] is None
            assert (row["kind"], row["label"]) == (period.kind, period.label)
            assert row["end"] == pd.Timestamp(period.end)
