"""本期待填报 / Reports owed: what the analyst's units owe now, and one form to fill it.

The list is `db.cycle.owed_by` (the open period and everything overdue or returned); the
form is one line per (indicator, region) of the chosen period with the target, the last
value and the unit beside each cell, saved by `db.cycle.save_form` in one all-or-nothing
write through the import path (same checks, plausibility rules, permissions and locks).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from db import cycle
from db.engine import DatabaseBusy
from metrics.catalog import Catalog, Indicator
from metrics.periods import parse_period
from views import charts
from views.auth import acting_actor
from views.common import get_db, lang, plain, tr

PREFIX = "cycle."


def _name(ind: Indicator) -> str:
    return ind.name if lang() == "zh" else (ind.name_en or ind.name)


def _region(catalog: Catalog, code: str) -> str:
    info = catalog.regions[code]
    return info.name if lang() == "zh" else (info.name_en or info.name)


def _target(ind: Indicator, end: date) -> str:
    """The stage the period works towards: the first not yet past, else the last."""
    stage = next((s for s in ind.targets if s.by >= end), ind.targets[-1])
    text = charts.target_text(stage.op, stage.value, stage.low, stage.high, ind.unit, lang())
    return tr("cycle.target_by", target=text, by=stage.by.isoformat())


def _state_label(state: str) -> str:
    return tr(f"cycle.form_state.{state}")


def _last_values(sub: pd.DataFrame, before: pd.Timestamp) -> dict[tuple[str, str], str]:
    """Each (indicator, region)'s latest stored value before the period, as text."""
    earlier = sub[sub.period_end < before].sort_values("period_end")
    last = earlier.groupby(["indicator_id", "region_code"]).tail(1)
    return {
        (i, r): f"{v:g} ({pd.Timestamp(e).date().isoformat()})"
        for i, r, v, e in zip(
            last.indicator_id, last.region_code, last.value, last.period_end, strict=True
        )
    }


def _save(period: str, lines: pd.DataFrame) -> None:
    """The form's callback: one write for every filled line."""
    ss = st.session_state
    grid = lines[["indicator", "region"]].rename(columns={"indicator": "indicator_id"}).copy()
    grid["value"] = [
        ss.get(f"{PREFIX}v.{i}.{r}", "") for i, r in zip(lines.indicator, lines.region, strict=True)
    ]
    grid["note"] = [
        ss.get(f"{PREFIX}n.{i}.{r}", "") for i, r in zip(lines.indicator, lines.region, strict=True)
    ]
    try:
        report = cycle.save_form(get_db(), acting_actor(), period, grid)
    except DatabaseBusy as exc:
        ss[PREFIX + "result"] = {"error": str(exc)}
        return
    ss[PREFIX + "result"] = {"report": report, "period": period}


def _result(catalog: Catalog) -> dict[tuple[str, str], list[str]]:
    """Draw the last save's outcome; returns the messages per form line."""
    # Shown once: the next rerun (another period, another page) no longer describes it.
    result = st.session_state.pop(PREFIX + "result", None)
    per_line: dict[tuple[str, str], list[str]] = {}
    if not result:
        return per_line
    if "error" in result:
        st.error(plain(result["error"]), icon=":material/error:")
        return per_line
    report = result["report"]
    if report.errors:
        st.error(tr("cycle.not_saved", n=len(report.errors)), icon=":material/error:")
        for err in report.errors:
            key = (err.get("indicator_id", ""), err.get("region", ""))
            per_line.setdefault(key, []).append(str(err["message"]))
        return per_line
    st.success(
        tr(
            "cycle.saved", period=result["period"], inserted=report.inserted, updated=report.updated
        ),
        icon=":material/check_circle:",
    )
    return per_line


def page() -> None:
    actor = acting_actor()
    db = get_db()
    catalog = db.catalog
    today = date.today()
    st.title(tr("cycle.title"))
    owed = cycle.owed_by(db, actor, today)
    everything = cycle.completeness(db, today)
    mine = everything[cycle.actor_owes(actor, catalog, everything)]
    if mine.empty:
        st.info(tr("cycle.nothing_owed"))
        return
    missing = int((owed.state == "missing").sum())
    returned = int((owed.state == "returned").sum())
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("cycle.m_owed"), len(owed))
    c2.metric(tr("cycle.m_overdue"), missing)
    c3.metric(tr("cycle.m_returned"), returned)

    sub = cycle.submissions(db, sorted(set(mine.indicator)))
    status_of = {
        (i, r, k, e): (s, why)
        for i, r, k, e, s, why in zip(
            sub.indicator_id,
            sub.region_code,
            sub.period_kind,
            sub.period_end,
            sub.review_state,
            sub.reason,
            strict=True,
        )
    }
    st.subheader(tr("cycle.list"))
    st.dataframe(
        pd.DataFrame(
            {
                tr("cycle.col.period"): owed.period,
                tr("cycle.col.indicator"): [_name(catalog.indicators[i]) for i in owed.indicator],
                tr("cycle.col.region"): [_region(catalog, r) for r in owed.region],
                tr("cycle.col.due"): [d.isoformat() for d in owed.due],
                tr("cycle.col.state"): [
                    _state_label(_form_state(s, o))
                    for s, o in zip(owed.state, owed.overdue, strict=True)
                ],
                tr("cycle.col.reason"): [
                    status_of.get((i, r, k, e), ("", ""))[1]
                    for i, r, k, e in zip(
                        owed.indicator, owed.region, owed.period_kind, owed.period_end, strict=True
                    )
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )

    # The form: one period at a time, the open one first, then the oldest overdue.
    # The form: one period at a time, any period of the schedule (to correct a filled one);
    # it opens on the newest period with something still to do.
    periods = list(dict.fromkeys(mine.sort_values("period_end", ascending=False).period))
    todo = list(dict.fromkeys(owed.sort_values("period_end", ascending=False).period))
    if (
        PREFIX + "period" not in st.session_state
        or st.session_state[PREFIX + "period"] not in periods
    ):
        st.session_state[PREFIX + "period"] = todo[0] if todo else periods[0]
    period = st.selectbox(tr("cycle.period"), periods, key=PREFIX + "period")
    lines = mine[mine.period == period].reset_index(drop=True)
    end = parse_period(period).end
    last = _last_values(sub, pd.Timestamp(end))
    messages = _result(catalog)
    st.subheader(tr("cycle.form", period=period))
    with st.form(PREFIX + "form"):
        widths = [4, 3, 2, 2, 2, 3]
        head = st.columns(widths)
        for col, key in zip(
            head, ["indicator", "target", "last", "value", "state", "note"], strict=True
        ):
            col.markdown(f"**{tr('cycle.col.' + key)}**")
        for row in lines.itertuples(index=False):
            ind = catalog.indicators[row.indicator]
            stored = status_of.get((row.indicator, row.region, row.period_kind, row.period_end))
            vkey, nkey = (
                f"{PREFIX}v.{row.indicator}.{row.region}",
                f"{PREFIX}n.{row.indicator}.{row.region}",
            )
            if vkey not in st.session_state and stored is not None:
                value = sub[
                    (sub.indicator_id == row.indicator)
                    & (sub.region_code == row.region)
                    & (sub.period_end == row.period_end)
                ].value.iloc[0]
                st.session_state[vkey] = f"{value:g}"
            cols = st.columns(widths)
            cols[0].markdown(plain(f"{_name(ind)} · {_region(catalog, row.region)}"))
            cols[1].caption(plain(_target(ind, end)))
            cols[2].caption(plain(last.get((row.indicator, row.region), "—")))
            cols[3].text_input(
                tr("cycle.value_in", unit=ind.unit), key=vkey, label_visibility="visible"
            )
            state = _form_state(row.state, row.overdue)
            cols[4].caption(_state_label(state))
            if stored is not None and stored[0] == "returned":
                cols[4].caption(plain(tr("cycle.returned_because", reason=stored[1])))
            cols[5].text_input(tr("cycle.col.note"), key=nkey, label_visibility="collapsed")
            for message in messages.get((row.indicator, row.region), []):
                st.error(plain(message), icon=":material/error:")
        st.form_submit_button(
            tr("cycle.save"),
            type="primary",
            on_click=_save,
            args=(period, lines),
            key=PREFIX + "save",
        )
    st.caption(tr("cycle.save_help"))


def _form_state(state: str, overdue: bool) -> str:
    """filled / missing (overdue) / open (not yet due) / returned, as the analyst sees it."""
    if state in ("on_time", "late"):
        return "filled"
    if state == "not_due":
        return "open"
    return state


page()
