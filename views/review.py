"""审核与锁定 / Review and lock: a reviewer (per unit, or the coordinating bureau) approves
submitted values or returns them with a reason; approved values of a period are locked;
an admin unlocks with a reason. Every decision is `db.cycle`'s (permissions and audit
included); this page only reads, calls and draws."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db import cycle
from metrics.errors import MetricsError
from metrics.exports import period_labels
from views.auth import acting_actor
from views.common import get_db, lang, plain, tr

PREFIX = "review."


def _label(catalog, row) -> str:  # type: ignore[no-untyped-def]
    ind = catalog.indicators.get(row.indicator_id)
    name = (
        row.indicator_id
        if ind is None
        else (ind.name if lang() == "zh" else ind.name_en or ind.name)
    )
    return f"{name} · {row.region_code} · {row.value:g}"


def _run(action, message_key: str) -> None:  # type: ignore[no-untyped-def]
    """Call a db.cycle decision; keep its outcome for the next draw."""
    try:
        result = action()
    except MetricsError as exc:
        st.session_state[PREFIX + "result"] = ("error", str(exc))
        return
    if isinstance(result, tuple):
        text = tr(message_key, n=result[0], pending=result[1])
    else:
        text = tr(message_key, n=result)
    st.session_state[PREFIX + "result"] = ("ok", text)


def page() -> None:
    actor = acting_actor()
    db = get_db()
    catalog = db.catalog
    st.title(tr("review.title"))
    result = st.session_state.pop(PREFIX + "result", None)
    if result:
        (st.success if result[0] == "ok" else st.error)(plain(result[1]))

    sub = cycle.submissions(db)
    sub = sub[
        [
            cycle.review_problem(actor, catalog, i, r) is None
            for i, r in zip(sub.indicator_id, sub.region_code, strict=True)
        ]
    ]
    if sub.empty:
        st.info(tr("review.none"))
        return
    sub = sub.assign(period=period_labels(sub.period_kind, sub.period_end))
    periods = list(dict.fromkeys(sub.sort_values("period_end", ascending=False).period))
    period = st.selectbox(tr("review.period"), periods, key=PREFIX + "period")
    rows = sub[sub.period == period].reset_index(drop=True)
    st.dataframe(
        pd.DataFrame(
            {
                tr("cycle.col.indicator"): [_label(catalog, r) for r in rows.itertuples()],
                tr("cycle.col.state"): [tr(f"review.state.{s}") for s in rows.review_state],
                tr("cycle.col.reason"): rows.reason,
                tr("cycle.col.by"): rows.updated_by,
                tr("cycle.col.locked"): rows.locked,
            }
        ),
        hide_index=True,
        width="stretch",
    )
    open_rows = rows[~rows.locked]
    labels = {
        i: _label(catalog, r) for i, r in zip(open_rows.index, open_rows.itertuples(), strict=True)
    }
    chosen = st.multiselect(
        tr("review.pick"), list(labels), format_func=labels.__getitem__, key=PREFIX + "pick"
    )
    keys = [(rows.indicator_id[i], rows.region_code[i], period) for i in chosen]
    reason = st.text_input(tr("review.reason"), key=PREFIX + "reason")
    c1, c2, c3 = st.columns(3)
    if c1.button(tr("review.approve"), key=PREFIX + "approve", type="primary"):
        if not keys:
            st.warning(tr("review.pick_none"))
        else:
            _run(lambda: cycle.approve(db, actor, keys), "review.done_approve")
            st.rerun()
    if c2.button(tr("review.return"), key=PREFIX + "return"):
        if not keys:
            st.warning(tr("review.pick_none"))
        else:
            _run(lambda: cycle.return_values(db, actor, keys, reason), "review.done_return")
            st.rerun()
    if c3.button(tr("review.lock"), key=PREFIX + "lock"):
        _run(lambda: cycle.lock_period(db, actor, period), "review.done_lock")
        st.rerun()

    locked = rows[rows.locked]
    if actor.role == "admin" and not locked.empty:
        st.subheader(tr("review.unlock"))
        locked_labels = {
            i: _label(catalog, r) for i, r in zip(locked.index, locked.itertuples(), strict=True)
        }
        pick = st.multiselect(
            tr("review.pick"),
            list(locked_labels),
            format_func=locked_labels.__getitem__,
            key=PREFIX + "unlock_pick",
        )
        why = st.text_input(tr("review.unlock_reason"), key=PREFIX + "unlock_reason")
        if st.button(tr("review.unlock"), key=PREFIX + "unlock"):
            unlock_keys = [(rows.indicator_id[i], rows.region_code[i], period) for i in pick]
            if not unlock_keys:
                st.warning(tr("review.pick_none"))
            else:
                _run(lambda: cycle.unlock(db, actor, unlock_keys, why), "review.done_unlock")
                st.rerun()


page()
