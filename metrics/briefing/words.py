"""Dates, periods, values and targets written as a briefing writes them."""

from __future__ import annotations

from datetime import date

import pandas as pd

from metrics.catalog import Catalog, Indicator
from metrics.i18n import t
from metrics.periods import Period
from metrics.values import format_value


def period_text(period: Period, lang: str) -> str:
    """2026Q3 → 2026年第三季度 / Q3 2026; 2026 → 2026年度."""
    if period.kind == "quarter":
        q = (period.end.month - 1) // 3 + 1
        return t("brief.period_quarter", lang, year=period.end.year, q=numeral(q, lang))
    if period.kind == "year":
        return t("brief.period_year", lang, year=period.end.year)
    return t("brief.period_other", lang, label=period.label)


_NUMERALS = "一二三四五六七八九十"


def numeral(n: int, lang: str) -> str:
    """1 → 一 (Chinese headings and quarters count in words), else the number."""
    if lang == "en" or not 0 < n <= 99:
        return str(n)
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _NUMERALS[tens - 1]
    return head + "十" + (_NUMERALS[ones - 1] if ones else "")


def issue_number(period: Period) -> int:
    """The briefing's number within its year: the quarter (or month), 1 for a year."""
    if period.kind == "quarter":
        return (period.end.month - 1) // 3 + 1
    if period.kind == "month":
        return period.end.month
    return 1


def date_text(day: object, lang: str) -> str:
    if day is None or pd.isna(day):
        return "—"
    d = pd.Timestamp(day).date() if not isinstance(day, date) else day
    return t("brief.date", lang, year=d.year, month=d.month, day=d.day)


def iso(day: object) -> str:
    return "—" if day is None or pd.isna(day) else pd.Timestamp(day).date().isoformat()


def indicator_name(ind: Indicator, lang: str) -> str:
    return ind.name_en if lang == "en" and ind.name_en else ind.name


def region_name(catalog: Catalog, code: str, lang: str) -> str:
    info = catalog.regions.get(code)
    if info is None:
        return code
    return info.name_en if lang == "en" and info.name_en else info.name


def value_text(value: object, unit: str, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    return format_value(float(value), unit, lang, decimals=4)


def target_text(ind: Indicator, lang: str) -> str:
    """The final stage in words (不低于70%), as the overview shows it."""
    final = ind.targets[-1]
    if final.op == "between":
        return t(
            "target.between",
            lang,
            low=value_text(final.low, "", lang),
            high=value_text(final.high, ind.unit, lang),
        )
    key = {">=": "target.ge", "<=": "target.le", "==": "target.eq"}[final.op]
    return t(key, lang, v=value_text(final.value, ind.unit, lang))


def latest_text(row: pd.Series, ind: Indicator, lang: str) -> str:
    value = value_text(row["latest_value"], ind.unit, lang)
    period = row.get("latest_period")
    if value == "—" or not period or pd.isna(period):
        return value
    return f"{value}（{period}）" if lang != "en" else f"{value} ({period})"


def share_text(share: object) -> str:
    return "—" if share is None or pd.isna(share) else f"{float(share) * 100:.1f}%"


def change_text(change: object) -> str:
    if change is None or pd.isna(change):
        return "—"
    points = float(change) * 100
    return f"{points:+.1f}" if abs(points) >= 0.05 else "0.0"


def units_text(units: list[str], lang: str) -> str:
    return (", " if lang == "en" else "、").join(units)
