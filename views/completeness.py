"""报送情况 / Reporting completeness: per unit or per city, how many reports were owed,
reported, on time, late, missing or returned for a period, and the list of 未报 and 迟报
items (`db.cycle.completeness`, `metrics.schedule.summarise`). Read-only, for leaders."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from db import cycle
from metrics.progress import status_label
from metrics.schedule import summarise
from views.common import get_db, lang, tr

PREFIX = "compl."


def page() -> None:
    db = get_db()
    catalog = db.catalog
    today = date.today()
    st.title(tr("compl.title"))
    everything = cycle.completeness(db, today)
    if everything.empty:
        st.info(tr("compl.none"))
        return
    # Periods whose due day has passed, newest first: the last one is the default.
    due = everything[everything.overdue].sort_values("period_end", ascending=False)
    periods = list(dict.fromkeys(due.period)) or list(dict.fromkeys(everything.period))
    period = st.selectbox(tr("compl.period"), periods, key=PREFIX + "period")
    by = st.radio(
        tr("compl.by"),
        ["unit", "city"],
        format_func=lambda b: tr(f"compl.by_{b}"),
        horizontal=True,
        key=PREFIX + "by",
    )
    frame = everything[everything.period == period]
    st.caption(tr("compl.caption", date=today.isoformat()))
    table = summarise(frame, catalog, by=by)
    if by == "city":
        table[by] = [
            catalog.regions[c].name
            if lang() == "zh"
            else catalog.regions[c].name_en or catalog.regions[c].name
            for c in table[by]
        ]
    shown = table.rename(columns={by: tr("compl.col.group")})
    shown = shown.rename(columns={c: tr(f"compl.col.{c}") for c in table.columns if c != by})
    st.dataframe(shown, hide_index=True, width="stretch")

    def name(i: str) -> str:
        ind = catalog.indicators[i]
        return ind.name if lang() == "zh" else (ind.name_en or ind.name)

    _history(db, today, name)
    st.subheader(tr("compl.list"))
    late = frame[frame.state.isin(["missing", "late"])]
    if late.empty:
        st.success(tr("compl.all_clear"))
        return

    st.dataframe(
        pd.DataFrame(
            {
                tr("cycle.col.state"): [tr(f"cycle.state.{s}") for s in late.state],
                tr("cycle.col.indicator"): [name(i) for i in late.indicator],
                tr("cycle.col.region"): [catalog.regions[r].name for r in late.region],
                tr("cycle.col.unit"): ["、".join(r) for r in late.responsible],
                tr("cycle.col.due"): [d.isoformat() for d in late.due],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def _status_text(status: object, reporting: str) -> str:
    """The engine's status, except that no data past a due day reads 未报 (not 暂无数据)."""
    if not isinstance(status, str):
        return "—"
    if status == "no_data" and reporting == "overdue":
        return tr("cycle.state.missing")
    return status_label(status, lang())


def _history(db, today: date, name) -> None:  # type: ignore[no-untyped-def]
    """Every target's status now beside the previous quarter's end, with the arrow."""
    hist = cycle.status_history(db, today)
    st.subheader(tr("compl.history"))
    st.dataframe(
        pd.DataFrame(
            {
                tr("cycle.col.indicator"): [name(i) for i in hist.indicator],
                tr("cycle.col.region"): [db.catalog.regions[r].name for r in hist.region],
                tr("compl.col.now"): [
                    _status_text(s, f) for s, f in zip(hist.status, hist.reporting, strict=True)
                ],
                tr("compl.col.trend"): hist.trend,
                tr("compl.col.before"): [_status_text(s, "") for s in hist.previous_status],
                tr("compl.col.was_late"): [
                    tr("compl.was_late") if w else "" for w in hist.was_late
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )


page()
