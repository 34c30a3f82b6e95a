"""报送情况 / Reporting completeness: per unit or per city, how many reports were owed,
reported, on time, late, missing or returned for a period, and the list of 未报 and 迟报
items (`db.cycle.completeness`, `metrics.schedule.summarise`). Read-only, for leaders."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from db import cycle
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

    st.subheader(tr("compl.list"))
    late = frame[frame.state.isin(["missing", "late"])]
    if late.empty:
        st.success(tr("compl.all_clear"))
        return

    def name(i: str) -> str:
        ind = catalog.indicators[i]
        return ind.name if lang() == "zh" else (ind.name_en or ind.name)

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


page()
