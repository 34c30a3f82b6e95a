"""Words for statuses: the status label and the one-sentence explanation of a row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from metrics.catalog import Catalog, Indicator, Stage
from metrics.i18n import t


def status_label(status: str, lang: str = "zh") -> str:
    """The status word for people (已完成 / Achieved …)."""
    return t(f"status.{status}", lang)


def _fmt(x: Any, unit: str = "") -> str:
    if x is None or pd.isna(x):
        return "—"
    text = f"{float(x):,.2f}".rstrip("0").rstrip(".")
    return f"{'0' if text == '-0' else text}{unit}"


def _stage_of(ind: Indicator, deadline: Any) -> Stage:
    """The catalog stage in force at a deadline: the first due on or after it."""
    if deadline is None or pd.isna(deadline):
        return ind.targets[-1]
    day = pd.Timestamp(deadline).date()
    return next((st for st in ind.targets if st.by >= day), ind.targets[-1])


def _stage_text(stage: Stage, share: float, unit: str, lang: str) -> str:
    """A stage in words ("不低于70%", "8至10家"), scaled for a county's share."""
    if stage.op == "between":
        return t(
            "target.between",
            lang,
            low=_fmt(float(stage.low) * share),  # type: ignore[arg-type]
            high=_fmt(float(stage.high) * share, unit),  # type: ignore[arg-type]
        )
    key = {">=": "target.ge", "<=": "target.le", "==": "target.eq"}[stage.op]
    return t(key, lang, v=_fmt(float(stage.value) * share, unit))  # type: ignore[arg-type]


def _iso(x: Any) -> str:
    return "—" if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()


def explain(row: Mapping[str, Any] | pd.Series, catalog: Catalog, lang: str = "zh") -> str:
    """The status in one sentence with the numbers used (actual, expected, ratio, target).

    `row` is one row of `evaluate` (a Series or a dict of its columns).
    """
    status = str(row["status"])
    ind = catalog.indicators[str(row["indicator"])]
    unit = ind.unit
    share = float(row.get("target_share", 1.0) or 1.0)
    reason = str(row.get("reason") or "") or {
        "no_data": "no_data",
        "achieved": "final_met",
        "missed": "final_missed",
    }.get(status, "ratio")
    final = ind.targets[-1]
    common = {
        "period": row["latest_period"],
        "a": _fmt(row["latest_value"], unit),
        "e": _fmt(row["expected"], unit),
        "b": _fmt(row["baseline_value"], unit),
        "r": "—" if pd.isna(row["ratio"]) else f"{float(row['ratio']) * 100:.0f}%",
        "target": _stage_text(final, share, unit, lang),
        "deadline": _iso(final.by),
        "stage": _stage_text(_stage_of(ind, row.get("current_deadline")), share, unit, lang),
        "stage_deadline": _iso(row.get("current_deadline")),
        "label": status_label(status, lang),
    }
    key = {
        "no_data": "explain.no_data",
        "final_met": "explain.achieved",
        "final_missed": "explain.missed",
        "stage_met": "explain.stage_met",
        "at_baseline": "explain.at_baseline",
        "regressed": "explain.regressed",
    }.get(reason, "explain.ratio")
    if key == "explain.ratio" and bool(row.get("recurring", False)):
        key = "explain.ratio_yearly"
    text = t(key, lang, **common)
    if status != "no_data" and int(row.get("missed_stages", 0) or 0) > 0:
        text += t(
            "explain.missed_stages",
            lang,
            n=int(row["missed_stages"]),
            dates=row.get("missed_deadlines", ""),
        )
    if bool(row.get("stale", False)):
        text += t("explain.stale", lang)
    return text
